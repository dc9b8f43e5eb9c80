//! Routes of one service: read, delete, scale, restart (forceNewDeployment), undo and the
//! deployment history.

use super::{Reply, Shared, items};
use crate::api::shapes::{Deleting, DeploymentShape, Items, ScaleRequest, Service, UndoReply, UndoRequest};
use crate::api::{ApiError, ApiState, shapes};
use crate::ops;
use crate::ops::services::ServiceUpdate;
use crate::store::ServiceRecord;
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

type ServicePath = Path<(String, String)>;

/// The ECS shape of a service, with the revision its spec resolves to right now.
fn render(s: &ApiState, svc: &ServiceRecord) -> Result<Service, ApiError> {
    let status = s.catalog.service_status(&svc.cluster, &svc.name)?;
    let target = ops::task_definitions::resolve(&s.catalog, &svc.spec.task_definition)
        .ok()
        .map(|td| td.reference());
    Ok(shapes::service(&s.scope, svc, status.as_ref(), target.as_deref()))
}

fn service_shape(s: &ApiState, cluster: &str, name: &str) -> Reply<Service> {
    Ok(Json(render(s, &ops::services::find(&s.catalog, cluster, name)?)?))
}

#[derive(Deserialize)]
pub(super) struct ClusterFilter {
    pub(super) cluster: Option<String>,
}

pub(super) async fn list_services(State(s): Shared, Query(q): Query<ClusterFilter>) -> Reply<Items<Service>> {
    let mut out = Vec::new();
    for svc in s.catalog.services(q.cluster.as_deref())? {
        out.push(render(&s, &svc)?);
    }
    Ok(items(out))
}

pub(super) async fn get_service(State(s): Shared, Path((cluster, name)): ServicePath) -> Reply<Service> {
    service_shape(&s, &cluster, &name)
}

/// `?force=true`: change an object a watched folder manages anyway.
#[derive(Deserialize, Default)]
pub(super) struct Force {
    #[serde(default)]
    force: bool,
}

/// Refuses a CLI change to a service a watched folder manages, unless forced.
pub(super) fn guard_service(s: &ApiState, cluster: &str, name: &str, force: &Force) -> Result<(), ApiError> {
    guard(
        s,
        &format!("Service/{cluster}/{name}"),
        &format!("service {cluster}/{name}"),
        force,
    )
}

/// Refuses a CLI change to the object behind `key` a watched folder manages, unless forced.
pub(super) fn guard(s: &ApiState, key: &str, what: &str, force: &Force) -> Result<(), ApiError> {
    ops::ownership::check_cli_change(&s.catalog, key, what, force.force)?;
    Ok(())
}

/// `ecsd delete service`: drains whatever its desired count (as `aws ecs delete-service --force`).
pub(super) async fn delete_service(
    State(s): Shared,
    Path((cluster, name)): ServicePath,
    Query(force): Query<Force>,
) -> Reply<Deleting> {
    guard_service(&s, &cluster, &name, &force)?;
    ops::services::delete(&s.catalog, &cluster, &name, true)?;
    Ok(Json(Deleting {
        deleting: format!("{cluster}/{name}"),
    }))
}

pub(super) async fn scale(
    State(s): Shared,
    Path((cluster, name)): ServicePath,
    Query(force): Query<Force>,
    Json(req): Json<ScaleRequest>,
) -> Reply<Service> {
    guard_service(&s, &cluster, &name, &force)?;
    let update = ServiceUpdate {
        desired_count: Some(req.desired_count),
        ..Default::default()
    };
    ops::services::update(&s.catalog, &cluster, &name, &update)?;
    service_shape(&s, &cluster, &name)
}

pub(super) async fn restart(State(s): Shared, Path((cluster, name)): ServicePath) -> Reply<Service> {
    // Not guarded: a restart changes no spec, so a folder's sync does not undo it.
    let update = ServiceUpdate {
        force_new_deployment: true,
        ..Default::default()
    };
    ops::services::update(&s.catalog, &cluster, &name, &update)?;
    service_shape(&s, &cluster, &name)
}

pub(super) async fn undo(
    State(s): Shared,
    Path((cluster, name)): ServicePath,
    Query(force): Query<Force>,
    Json(req): Json<UndoRequest>,
) -> Reply<UndoReply> {
    guard_service(&s, &cluster, &name, &force)?;
    let target = ops::services::undo(&s.catalog, &cluster, &name, req.to_revision)?;
    Ok(Json(UndoReply {
        task_definition: target,
    }))
}

pub(super) async fn deployment_history(
    State(s): Shared,
    Path((cluster, name)): ServicePath,
) -> Reply<Items<DeploymentShape>> {
    let svc = ops::services::find(&s.catalog, &cluster, &name)?;
    let status = s.catalog.service_status(&cluster, &name)?.unwrap_or_default();
    Ok(items(shapes::deployments(&s.scope, &svc, &status, true)))
}
