//! Tasks: list, read, run, stop.

use super::{Reply, Shared, items};
use crate::api::shapes::{Items, RunTaskReply, RunTaskRequest, StopTaskRequest, Task, TaskFailure};
use crate::api::{ApiError, ApiState, shapes};
use crate::model::{DEFAULT_CLUSTER, TaskDefinitionSpec, TaskState};
use crate::ops;
use crate::ops::task_placement::Where;
use crate::ops::tasks::RunTasks;
use crate::store::{Catalog, TaskRecord, TaskStatus};
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use std::collections::HashMap;

pub(super) fn tasks_with_status(catalog: &Catalog) -> Result<Vec<(TaskRecord, TaskStatus)>, ApiError> {
    let mut statuses = catalog.task_statuses()?;
    Ok(catalog
        .tasks()?
        .into_iter()
        .map(|t| {
            let status = statuses.remove(&t.id).unwrap_or_default();
            (t, status)
        })
        .collect())
}

fn task_shape(s: &ApiState, t: &TaskRecord, status: &TaskStatus) -> Task {
    let definition = ops::task_definitions::spec_of(&s.catalog, &t.task_definition);
    shapes::task_with_probes(&s.scope, t, status, definition.as_ref())
}

#[derive(Deserialize)]
pub(super) struct TaskFilter {
    cluster: Option<String>,
    service: Option<String>,
    /// Only tasks on this container instance (by id).
    instance: Option<String>,
    #[serde(default)]
    all: bool,
}

pub(super) async fn list_tasks(State(s): Shared, Query(q): Query<TaskFilter>) -> Reply<Items<Task>> {
    let mut out = Vec::new();
    // Many tasks share few revisions: decode each task definition once per request.
    let mut definitions: HashMap<String, Option<TaskDefinitionSpec>> = HashMap::new();
    let local = s.catalog.container_instance_id()?;
    for (t, status) in tasks_with_status(&s.catalog)? {
        let on = t.placed_on(&local);
        let wanted = q.cluster.as_ref().is_none_or(|c| *c == t.cluster)
            && q.instance.as_ref().is_none_or(|id| id == on)
            && q.service
                .as_ref()
                .is_none_or(|svc| t.service.as_ref() == Some(svc))
            && (q.all || status.last_status != TaskState::Stopped);
        if wanted {
            let definition = definitions
                .entry(t.task_definition.clone())
                .or_insert_with(|| ops::task_definitions::spec_of(&s.catalog, &t.task_definition));
            out.push(shapes::task(&s.scope, &t, &status, definition.as_ref()));
        }
    }
    Ok(items(out))
}

pub(super) async fn get_task(State(s): Shared, Path(id): Path<String>) -> Reply<Task> {
    let task = ops::tasks::find_by_prefix(&s.catalog, &id)?;
    let status = s.catalog.task_status(&task.id)?.unwrap_or_default();
    Ok(Json(task_shape(&s, &task, &status)))
}

/// `POST /v1/tasks`: places the tasks as RunTask does; refused when none could be placed.
pub(super) async fn run_task(State(s): Shared, Json(req): Json<RunTaskRequest>) -> Reply<RunTaskReply> {
    let request = RunTasks {
        cluster: req.cluster.unwrap_or_else(|| DEFAULT_CLUSTER.to_string()),
        task_definition: req.task_definition,
        count: req.count.unwrap_or(1),
        started_by: req.started_by,
        ..Default::default()
    };
    let launched = ops::tasks::launch(&s.catalog, &request, &Where::default())?.started(&request)?;
    let items = launched
        .tasks
        .iter()
        .map(|task| task_shape(&s, task, &TaskStatus::default()))
        .collect();
    let failures = launched
        .failures
        .into_iter()
        .map(|f| TaskFailure {
            instance: f.name,
            reason: f.reason.to_string(),
        })
        .collect();
    Ok(Json(RunTaskReply { items, failures }))
}

pub(super) async fn stop_task(
    State(s): Shared,
    Path(id): Path<String>,
    Json(req): Json<StopTaskRequest>,
) -> Reply<Task> {
    let task = ops::tasks::find_by_prefix(&s.catalog, &id)?;
    let task = ops::tasks::stop(&s.catalog, &task, req.reason.as_deref())?;
    let status = s.catalog.task_status(&task.id)?.unwrap_or_default();
    Ok(Json(task_shape(&s, &task, &status)))
}
