//! RunTask, StartTask, DescribeTasks, ListTasks, StopTask.

use super::container_instances::instance_arn;
use super::{EcsError, existing_cluster, input, missing, page, short_name, tags};
use crate::api::ApiState;
use crate::api::shapes;
use crate::model::{DesiredStatus, TaskDefinitionRef};
use crate::ops::tasks::RunTasks;
use crate::ops::{self, OpsError};
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
    #[serde(default)]
    tags: Vec<tags::Tag>,
}

pub(super) fn run(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: RunInput = input(body)?;
    let count = req.count.unwrap_or(1);
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    launch(s, &cluster, &req, count)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartInput {
    container_instances: Vec<String>,
    #[serde(flatten)]
    run: RunInput,
}

/// StartTask: RunTask on named container instances, one task per entry naming the machine.
pub(super) fn start(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: StartInput = input(body)?;
    if req.container_instances.is_empty() || req.container_instances.len() > 10 {
        return Err(EcsError::InvalidParameter(
            "containerInstances must name between 1 and 10 container instances.".into(),
        ));
    }
    let cluster = existing_cluster(s, req.run.cluster.as_deref())?;
    let id = s.catalog.container_instance_id()?;
    let mut failures = Vec::new();
    let mut count = 0;
    for given in &req.container_instances {
        if short_name(given) == id {
            count += 1;
        } else {
            failures.push(missing(&instance_arn(&s.scope, &cluster, short_name(given))));
        }
    }
    let mut out = if count > 0 {
        launch(s, &cluster, &req.run, count)?
    } else {
        json!({"tasks": [], "failures": []})
    };
    if let Some(list) = out["failures"].as_array_mut() {
        list.extend(failures);
    }
    Ok(out)
}

/// Records `count` tasks of the request; a DRAINING container instance is a failure entry,
/// as ECS reports a task it cannot place.
fn launch(s: &ApiState, cluster: &str, req: &RunInput, count: u32) -> Result<Value, EcsError> {
    let request = RunTasks {
        cluster: cluster.to_string(),
        task_definition: req.task_definition.clone(),
        count,
        started_by: req.started_by.clone(),
        group: req.group.clone(),
        labels: tags::labels_from(&req.tags)?,
    };
    let created = match ops::tasks::run(&s.catalog, &request) {
        Err(OpsError::InstanceDraining { cluster, instance }) => {
            let failure = json!({
                "arn": instance_arn(&s.scope, &cluster, &instance),
                "reason": "DRAINING",
                "detail": "the container instance is DRAINING: new tasks are not placed on it",
            });
            return Ok(json!({"tasks": [], "failures": [failure]}));
        }
        other => other?,
    };
    let mut tasks = Vec::new();
    for task in &created {
        tasks.push(render(s, task, &TaskStatus::default(), &["TAGS".to_string()])?);
    }
    Ok(json!({"tasks": tasks, "failures": []}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeInput {
    cluster: Option<String>,
    tasks: Vec<String>,
    #[serde(default)]
    include: Vec<String>,
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
                found.push(render(s, &task, &status, &req.include)?);
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
    let task = ops::tasks::find_in_cluster(&s.catalog, &cluster, id)?;
    let task = ops::tasks::stop(&s.catalog, &task, req.reason.as_deref())?;
    let status = s.catalog.task_status(id)?.unwrap_or_default();
    Ok(json!({"task": render(s, &task, &status, &[])?}))
}

/// ECS `Task`, with each container's image from its task definition (and its tags when
/// `include` asks for them).
fn render(s: &ApiState, t: &TaskRecord, status: &TaskStatus, include: &[String]) -> Result<Value, EcsError> {
    let definition = ops::task_definitions::spec_of(&s.catalog, &t.task_definition);
    let mut shape = shapes::task(&s.scope, t, status, definition.as_ref());
    let id = s.catalog.container_instance_id()?;
    shape.container_instance_arn = Some(instance_arn(&s.scope, &t.cluster, &id));
    Ok(tags::shaped(shape, &t.labels, include))
}
