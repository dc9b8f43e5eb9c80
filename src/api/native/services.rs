//! Routes of one service: read, delete, scale, restart (forceNewDeployment), undo, the
//! deployment history, and the service events of every service.

use super::{Reply, Shared, items};
use crate::api::{ApiError, ApiState, shapes};
use crate::ops;
use crate::ops::services::ServiceUpdate;
use crate::store::ServiceRecord;
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

type ServicePath = Path<(String, String)>;

/// The ECS shape of a service, with the revision its spec resolves to right now.
fn render(s: &ApiState, svc: &ServiceRecord) -> Result<Value, ApiError> {
    let status = s.catalog.service_status(&svc.cluster, &svc.name)?;
    let target = ops::task_definitions::resolve(&s.catalog, &svc.spec.task_definition)
        .ok()
        .map(|td| td.reference());
    Ok(shapes::service(&s.scope, svc, status.as_ref(), target.as_deref()))
}

fn service_shape(s: &ApiState, cluster: &str, name: &str) -> Reply {
    Ok(Json(render(s, &ops::services::find(&s.catalog, cluster, name)?)?))
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

/// `ecsd delete service`: drains whatever its desired count (as `aws ecs delete-service --force`).
pub(super) async fn delete_service(State(s): Shared, Path((cluster, name)): ServicePath) -> Reply {
    ops::services::delete(&s.catalog, &cluster, &name, true)?;
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
    let update = ServiceUpdate {
        desired_count: Some(req.desired_count),
        ..Default::default()
    };
    ops::services::update(&s.catalog, &cluster, &name, &update)?;
    service_shape(&s, &cluster, &name)
}

pub(super) async fn restart(State(s): Shared, Path((cluster, name)): ServicePath) -> Reply {
    let update = ServiceUpdate {
        force_new_deployment: true,
        ..Default::default()
    };
    ops::services::update(&s.catalog, &cluster, &name, &update)?;
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
    let target = ops::services::undo(&s.catalog, &cluster, &name, req.to_revision)?;
    Ok(Json(json!({ "taskDefinition": target })))
}

pub(super) async fn deployment_history(State(s): Shared, Path((cluster, name)): ServicePath) -> Reply {
    let svc = ops::services::find(&s.catalog, &cluster, &name)?;
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
