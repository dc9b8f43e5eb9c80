//! RunTask, DescribeTasks, ListTasks, StopTask.

use super::task_definitions::find as find_task_definition;
use super::{EcsError, existing_cluster, input, missing, page, short_name};
use crate::api::routes::ApiState;
use crate::api::shapes;
use crate::model::{DesiredStatus, StopCode, TaskDefinitionRef, new_task_id, now_millis};
use crate::store::{TaskRecord, TaskStatus};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RunInput {
    cluster: Option<String>,
    task_definition: String,
    count: Option<u32>,
    started_by: Option<String>,
    group: Option<String>,
}

pub(super) fn run(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: RunInput = input(body)?;
    let count = req.count.unwrap_or(1);
    if !(1..=10).contains(&count) {
        return Err(EcsError::InvalidParameter(
            "count must be between 1 and 10.".into(),
        ));
    }
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    let td = find_task_definition(s, &req.task_definition)?;
    let mut tasks = Vec::new();
    for _ in 0..count {
        let mut task = TaskRecord {
            cluster: cluster.clone(),
            started_by: req.started_by.clone(),
            created_at: now_millis(),
            ..TaskRecord::standalone(&new_task_id(), &td.reference())
        };
        if let Some(group) = &req.group {
            task.group = group.clone();
        }
        s.catalog.create_task(&task)?;
        tasks.push(render(s, &task, &TaskStatus::default()));
    }
    Ok(json!({"tasks": tasks, "failures": []}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeInput {
    cluster: Option<String>,
    tasks: Vec<String>,
}

pub(super) fn describe(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: DescribeInput = input(body)?;
    if req.tasks.is_empty() || req.tasks.len() > 100 {
        return Err(EcsError::InvalidParameter(
            "tasks must name between 1 and 100 tasks.".into(),
        ));
    }
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    for given in &req.tasks {
        let id = short_name(given);
        match s.catalog.task(id)?.filter(|t| t.cluster == cluster) {
            Some(task) => {
                let status = s.catalog.task_status(&task.id)?.unwrap_or_default();
                found.push(render(s, &task, &status));
            }
            None => failures.push(missing(&s.scope.task_arn(&cluster, id))),
        }
    }
    Ok(json!({"tasks": found, "failures": failures}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListInput {
    cluster: Option<String>,
    service_name: Option<String>,
    family: Option<String>,
    started_by: Option<String>,
    desired_status: Option<DesiredStatus>,
    next_token: Option<String>,
    max_results: Option<u32>,
}

pub(super) fn list(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: ListInput = input(body)?;
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    if let Some(name) = &req.service_name
        && s.catalog.service(&cluster, short_name(name))?.is_none()
    {
        return Err(EcsError::ServiceNotFound("Service not found.".into()));
    }
    let wanted_status = req.desired_status.unwrap_or(DesiredStatus::Running);
    let statuses = s.catalog.task_statuses()?;
    let arns: Vec<String> = s
        .catalog
        .tasks()?
        .into_iter()
        .filter(|t| {
            let status = statuses.get(&t.id).cloned().unwrap_or_default();
            t.cluster == cluster
                && shapes::desired_status(t, &status) == wanted_status
                && req
                    .service_name
                    .as_deref()
                    .is_none_or(|svc| t.service.as_deref() == Some(short_name(svc)))
                && req.family.as_deref().is_none_or(|f| family_of(t) == f)
                && req
                    .started_by
                    .as_deref()
                    .is_none_or(|by| t.started_by.as_deref() == Some(by))
        })
        .map(|t| s.scope.task_arn(&t.cluster, &t.id))
        .collect();
    let (arns, next) = page(arns, req.next_token.as_deref(), req.max_results, 100)?;
    Ok(json!({"taskArns": arns, "nextToken": next}))
}

fn family_of(t: &TaskRecord) -> String {
    TaskDefinitionRef::parse(&t.task_definition)
        .map(|r| r.family)
        .unwrap_or_default()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StopInput {
    cluster: Option<String>,
    task: String,
    reason: Option<String>,
}

pub(super) fn stop(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: StopInput = input(body)?;
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    let id = short_name(&req.task);
    if s.catalog.task(id)?.is_none_or(|t| t.cluster != cluster) {
        return Err(EcsError::InvalidParameter(
            "The referenced task was not found.".into(),
        ));
    }
    let reason = req.reason.unwrap_or_else(|| "Task stopped by user".to_string());
    let task = s
        .catalog
        .request_task_stop(id, StopCode::UserInitiated, &reason)?;
    let status = s.catalog.task_status(id)?.unwrap_or_default();
    Ok(json!({"task": render(s, &task, &status)}))
}

/// ECS `Task`, with each container's image from its task definition.
fn render(s: &ApiState, t: &TaskRecord, status: &TaskStatus) -> Value {
    let images: Vec<(String, String)> = find_task_definition(s, &t.task_definition)
        .map(|td| {
            td.spec
                .container_definitions
                .iter()
                .map(|c| (c.name.clone(), c.image.clone()))
                .collect()
        })
        .unwrap_or_default();
    shapes::task(&s.scope, t, status, &images)
}
