//! Scheduled tasks: list, read (next firings and run history), delete.

use super::services::{ClusterFilter, Force, guard};
use super::{Reply, Shared, items};
use crate::api::shapes::{Deleted, Items, ScheduledTaskShape};
use crate::model::now_millis;
use crate::ops;
use axum::Json;
use axum::extract::{Path, Query, State};

pub(super) async fn list_scheduled_tasks(
    State(s): Shared,
    Query(q): Query<ClusterFilter>,
) -> Reply<Items<ScheduledTaskShape>> {
    let views = ops::scheduled_tasks::list(&s.catalog, q.cluster.as_deref(), now_millis())?;
    Ok(items(views.into_iter().map(ScheduledTaskShape::from).collect()))
}

pub(super) async fn get_scheduled_task(
    State(s): Shared,
    Path((cluster, name)): Path<(String, String)>,
) -> Reply<ScheduledTaskShape> {
    let view = ops::scheduled_tasks::view(&s.catalog, &cluster, &name, now_millis())?;
    Ok(Json(view.into()))
}

pub(super) async fn delete_scheduled_task(
    State(s): Shared,
    Path((cluster, name)): Path<(String, String)>,
    Query(force): Query<Force>,
) -> Reply<Deleted> {
    guard_schedule(&s, &cluster, &name, &force)?;
    ops::scheduled_tasks::delete(&s.catalog, &cluster, &name)?;
    Ok(Json(Deleted {
        deleted: format!("{cluster}/{name}"),
    }))
}

/// `POST /v1/scheduledtasks/{cluster}/{name}/run`: one run now.
pub(super) async fn run_now(
    State(s): Shared,
    Path((cluster, name)): Path<(String, String)>,
) -> Reply<ScheduledTaskShape> {
    ops::scheduled_tasks::run_now(&s.catalog, &cluster, &name)?;
    get_scheduled_task(State(s), Path((cluster, name))).await
}

/// `POST /v1/scheduledtasks/{cluster}/{name}/{enable|disable}`: a CLI change of the spec, so
/// refused for a folder's schedule unless forced.
pub(super) async fn set_state(
    State(s): Shared,
    Path((cluster, name, verb)): Path<(String, String, String)>,
    Query(force): Query<Force>,
) -> Reply<ScheduledTaskShape> {
    let state = match verb.as_str() {
        "enable" => crate::model::ScheduleState::Enabled,
        "disable" => crate::model::ScheduleState::Disabled,
        other => {
            return Err(crate::api::ApiError::NotFound(format!(
                "no action {other:?} on scheduled tasks"
            )));
        }
    };
    guard_schedule(&s, &cluster, &name, &force)?;
    ops::scheduled_tasks::set_state(&s.catalog, &cluster, &name, state)?;
    get_scheduled_task(State(s), Path((cluster, name))).await
}

/// Refuses a CLI change to a schedule a watched folder manages, unless forced.
fn guard_schedule(
    s: &crate::api::ApiState,
    cluster: &str,
    name: &str,
    force: &Force,
) -> Result<(), crate::api::ApiError> {
    guard(
        s,
        &ops::ownership::schedule_key(cluster, name),
        &format!("scheduled task {cluster}/{name}"),
        force,
    )
}
