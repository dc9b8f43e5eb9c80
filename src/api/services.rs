//! Routes of one service: read, delete, scale, restart (forceNewDeployment), undo, the
//! deployment history, and the service events of every service.

use super::ApiError;
use super::routes::{ApiState, Reply, Shared, items, resolve_task_definition};
use super::shapes;
use crate::model::limits;
use crate::model::{SchedulingStrategy, TaskDefinitionRef};
use crate::store::{Deployment, DeploymentStatus, RolloutState, ServiceRecord};
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

type ServicePath = Path<(String, String)>;

/// The service `cluster/name`, or 404.
fn find_service(s: &ApiState, cluster: &str, name: &str) -> Result<ServiceRecord, ApiError> {
    s.catalog
        .service(cluster, name)?
        .ok_or_else(|| ApiError::NotFound(format!("service {cluster}/{name} not found")))
}

/// The service `cluster/name` if it may still be changed: 404 when missing, 409 when deleting.
fn changeable_service(s: &ApiState, cluster: &str, name: &str) -> Result<ServiceRecord, ApiError> {
    let svc = find_service(s, cluster, name)?;
    if svc.deleting {
        return Err(ApiError::Conflict(format!(
            "service {cluster}/{name} is being deleted (DRAINING)"
        )));
    }
    Ok(svc)
}

/// The ECS shape of a service, with the revision its spec resolves to right now.
fn render(s: &ApiState, svc: &ServiceRecord) -> Result<Value, ApiError> {
    let status = s.catalog.service_status(&svc.cluster, &svc.name)?;
    let target = match TaskDefinitionRef::parse(&svc.spec.task_definition) {
        Ok(r) => resolve_task_definition(&s.catalog, &r)?.map(|td| td.reference()),
        Err(_) => None,
    };
    Ok(shapes::service(&s.scope, svc, status.as_ref(), target.as_deref()))
}

fn service_shape(s: &ApiState, cluster: &str, name: &str) -> Reply {
    Ok(Json(render(s, &find_service(s, cluster, name)?)?))
}

#[derive(Deserialize)]
pub(super) struct ClusterFilter {
    cluster: Option<String>,
}

pub(super) async fn list_services(State(s): Shared, Query(q): Query<ClusterFilter>) -> Reply {
    let mut out = Vec::new();
    for svc in s.catalog.services(q.cluster.as_deref())? {
        out.push(render(&s, &svc)?);
    }
    Ok(items(out))
}

pub(super) async fn get_service(State(s): Shared, Path((cluster, name)): ServicePath) -> Reply {
    service_shape(&s, &cluster, &name)
}

pub(super) async fn delete_service(State(s): Shared, Path((cluster, name)): ServicePath) -> Reply {
    s.catalog.mark_service_deleting(&cluster, &name)?;
    Ok(Json(json!({"deleting": format!("{cluster}/{name}")})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ScaleRequest {
    desired_count: u32,
}

pub(super) async fn scale(
    State(s): Shared,
    Path((cluster, name)): ServicePath,
    Json(req): Json<ScaleRequest>,
) -> Reply {
    let svc = changeable_service(&s, &cluster, &name)?;
    if svc.spec.scheduling_strategy == SchedulingStrategy::Daemon {
        return Err(ApiError::invalid(format!(
            "service {cluster}/{name} is a DAEMON service: it runs one task per container instance and cannot be scaled"
        )));
    }
    limits::check_desired_count(req.desired_count)
        .map_err(|why| ApiError::invalid(format!("desiredCount: {why}")))?;
    s.catalog.set_desired_count(&cluster, &name, req.desired_count)?;
    service_shape(&s, &cluster, &name)
}

pub(super) async fn restart(State(s): Shared, Path((cluster, name)): ServicePath) -> Reply {
    changeable_service(&s, &cluster, &name)?;
    s.catalog.restart_service(&cluster, &name)?;
    service_shape(&s, &cluster, &name)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UndoRequest {
    #[serde(default)]
    to_revision: Option<u32>,
}

pub(super) async fn undo(
    State(s): Shared,
    Path((cluster, name)): ServicePath,
    Json(req): Json<UndoRequest>,
) -> Reply {
    let svc = changeable_service(&s, &cluster, &name)?;
    let target = undo_revision(&s, &svc, req.to_revision)?;
    s.catalog.set_service_task_definition(&cluster, &name, &target)?;
    Ok(Json(json!({ "taskDefinition": target })))
}

/// `family:revision` that `undo` points the service at.
fn undo_revision(s: &ApiState, svc: &ServiceRecord, to_revision: Option<u32>) -> Result<String, ApiError> {
    if let Some(revision) = to_revision {
        let family = TaskDefinitionRef::parse(&svc.spec.task_definition)
            .map_err(ApiError::invalid)?
            .family;
        let td = s
            .catalog
            .task_definition(&family, revision)?
            .ok_or_else(|| ApiError::NotFound(format!("task definition {family}:{revision} not found")))?;
        return Ok(td.reference());
    }
    let status = s
        .catalog
        .service_status(&svc.cluster, &svc.name)?
        .unwrap_or_default();
    undo_target(&status.deployments)
        .map(str::to_string)
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "service {}/{}: no earlier completed deployment to roll back to",
                svc.cluster, svc.name
            ))
        })
}

/// The revision `rollout undo` goes back to: that of the newest COMPLETED deployment whose
/// revision differs from the PRIMARY's. `None` without a PRIMARY or without such a deployment.
pub fn undo_target(deployments: &[Deployment]) -> Option<&str> {
    let primary = deployments
        .iter()
        .find(|d| d.status == DeploymentStatus::Primary)?;
    deployments
        .iter()
        .filter(|d| {
            d.task_definition != primary.task_definition && d.rollout_state == RolloutState::Completed
        })
        .max_by_key(|d| d.created_at)
        .map(|d| d.task_definition.as_str())
}

pub(super) async fn deployment_history(State(s): Shared, Path((cluster, name)): ServicePath) -> Reply {
    let svc = find_service(&s, &cluster, &name)?;
    let status = s.catalog.service_status(&cluster, &name)?.unwrap_or_default();
    Ok(items(shapes::deployments(&s.scope, &svc, &status, true)))
}

#[derive(Deserialize)]
pub(super) struct EventFilter {
    cluster: Option<String>,
    service: Option<String>,
}

/// Events of every service (or of the named one), oldest first.
pub(super) async fn list_events(State(s): Shared, Query(q): Query<EventFilter>) -> Reply {
    let mut found = false;
    let mut out: Vec<(u64, Value)> = Vec::new();
    for svc in s.catalog.services(q.cluster.as_deref())? {
        if q.service.as_ref().is_some_and(|wanted| *wanted != svc.name) {
            continue;
        }
        found = true;
        let status = s
            .catalog
            .service_status(&svc.cluster, &svc.name)?
            .unwrap_or_default();
        for e in shapes::service_events(&svc, &status).iter().rev() {
            let mut value = shapes::event(e);
            value["service"] = json!(svc.name);
            value["cluster"] = json!(svc.cluster);
            out.push((e.created_at, value));
        }
    }
    if q.service.is_none() {
        // Folder sync events appear beside service events, under the folder's path.
        for folder in s.catalog.folder_syncs()? {
            for e in folder.events.iter().rev() {
                let mut value = shapes::event(e);
                value["service"] = json!(format!("sync:{}", folder.root));
                value["cluster"] = json!("-");
                out.push((e.created_at, value));
            }
        }
        if let Some(r) = s.catalog.recovery()? {
            out.push((r.detected_at, shapes::state_recovery_event(&r)));
        }
    }
    if let (Some(name), false) = (&q.service, found) {
        let cluster = q.cluster.as_deref().map(|c| format!("{c}/")).unwrap_or_default();
        return Err(ApiError::NotFound(format!("service {cluster}{name} not found")));
    }
    // Stable: events of one service at the same millisecond keep their order.
    out.sort_by_key(|(at, _)| *at);
    Ok(items(out.into_iter().map(|(_, v)| v).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(id: &str, td: &str, status: DeploymentStatus, state: RolloutState, at: u64) -> Deployment {
        Deployment {
            id: id.into(),
            task_definition: td.into(),
            status,
            rollout_state: state,
            rollout_state_reason: None,
            desired_count: 1,
            running_count: 1,
            pending_count: 0,
            failed_tasks: 0,
            restart_nonce: 0,
            rollback_from: None,
            created_at: at,
            updated_at: at,
            progressed_at: at,
            images_ready: false,
        }
    }

    use DeploymentStatus::{Active, Inactive, Primary};
    use RolloutState::{Completed, Failed, InProgress};

    #[test]
    fn undo_goes_back_to_the_newest_completed_other_revision() {
        let history = [
            deployment("d3", "web:3", Primary, InProgress, 30),
            deployment("d2", "web:2", Active, Completed, 20),
            deployment("d1", "web:1", Inactive, Completed, 10),
        ];
        assert_eq!(undo_target(&history), Some("web:2"));
    }

    #[test]
    fn undo_skips_failed_deployments_and_ones_of_the_current_revision() {
        let history = [
            deployment("d4", "web:2", Primary, Completed, 40),
            deployment("d3", "web:3", Inactive, Failed, 30),
            deployment("d2", "web:2", Inactive, Completed, 20),
            deployment("d1", "web:1", Inactive, Completed, 10),
        ];
        assert_eq!(undo_target(&history), Some("web:1"));
    }

    #[test]
    fn undo_orders_history_by_creation_time_not_by_position() {
        let history = [
            deployment("d3", "web:3", Primary, Completed, 30),
            deployment("d1", "web:1", Inactive, Completed, 10),
            deployment("d2", "web:2", Inactive, Completed, 20),
        ];
        assert_eq!(undo_target(&history), Some("web:2"));
    }

    #[test]
    fn undo_has_no_target_without_an_earlier_completed_revision() {
        assert_eq!(undo_target(&[]), None);
        let only_restarts = [
            deployment("d2", "web:1", Primary, InProgress, 20),
            deployment("d1", "web:1", Inactive, Completed, 10),
        ];
        assert_eq!(undo_target(&only_restarts), None);
        let never_completed = [
            deployment("d2", "web:2", Primary, Completed, 20),
            deployment("d1", "web:1", Inactive, InProgress, 10),
        ];
        assert_eq!(undo_target(&never_completed), None);
    }

    #[test]
    fn undo_has_no_target_without_a_primary() {
        let history = [deployment("d1", "web:1", Inactive, Completed, 10)];
        assert_eq!(undo_target(&history), None);
    }
}
