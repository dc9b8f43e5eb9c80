//! RunTask, StartTask, DescribeTasks, ListTasks, StopTask.

use super::idempotency::Seen;

use super::{EcsError, existing_cluster, input, missing, page, readable_cluster, short_name, tags};
use crate::api::ApiState;
use crate::api::shapes;
use crate::fleet;
use crate::model::{
    DesiredStatus, LaunchType, NetworkConfiguration, NetworkMode, NotSupported, PlacementConstraint,
    PlacementStrategy, PropagateTags, TaskDefinitionRef, TaskOverride, validate_network_configuration,
};
use crate::ops;
use crate::ops::task_placement::Where;
use crate::ops::tasks::{Launched, RunTasks};
use crate::store::{TaskLaunch, TaskRecord, TaskStatus};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RunInput {
    cluster: Option<String>,
    task_definition: String,
    count: Option<u32>,
    started_by: Option<String>,
    group: Option<String>,
    #[serde(default)]
    tags: Vec<tags::Tag>,
    launch_type: Option<LaunchType>,
    platform_version: Option<String>,
    network_configuration: Option<NetworkConfiguration>,
    overrides: Option<TaskOverride>,
    #[serde(default)]
    placement_strategy: Vec<PlacementStrategy>,
    #[serde(default, rename = "enableECSManagedTags")]
    enable_ecs_managed_tags: bool,
    #[serde(default)]
    enable_execute_command: bool,
    propagate_tags: Option<PropagateTags>,
    #[serde(default, skip_serializing)]
    client_token: Option<String>,
    #[serde(default, rename = "capacityProviderStrategy", skip_serializing)]
    _capacity_provider_strategy: NotSupported,
    #[serde(default)]
    placement_constraints: Vec<PlacementConstraint>,
    #[serde(default, rename = "referenceId", skip_serializing)]
    _reference_id: NotSupported,
    #[serde(default, rename = "volumeConfigurations", skip_serializing)]
    _volume_configurations: NotSupported,
}

impl RunInput {
    /// What the tasks are launched with.
    fn launch(&self) -> TaskLaunch {
        TaskLaunch {
            launch_type: self.launch_type,
            platform_version: self.platform_version.clone(),
            overrides: self.overrides.clone(),
            enable_execute_command: self.enable_execute_command,
        }
    }
}

pub(super) fn run(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: RunInput = input(body)?;
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    let Some(token) = req.client_token.clone() else {
        return launch(s, &cluster, &req);
    };
    let canonical = serde_json::to_string(&(&cluster, &req)).unwrap_or_default();
    match s.client_tokens.seen(&token, &canonical) {
        Seen::Repeat(ids) => {
            let mut tasks = Vec::new();
            for id in &ids {
                if let Some(task) = s.catalog.task(id)? {
                    let status = s.catalog.task_status(id)?.unwrap_or_default();
                    tasks.push(render(s, &task, &status, &["TAGS".to_string()])?);
                }
            }
            Ok(json!({"tasks": tasks, "failures": []}))
        }
        Seen::Mismatch => Err(EcsError::InvalidParameter(format!(
            "clientToken {token:?} was already used with a different request"
        ))),
        Seen::New => {
            let out = launch(s, &cluster, &req)?;
            let ids = out["tasks"]
                .as_array()
                .map(|tasks| {
                    tasks
                        .iter()
                        .filter_map(|t| t["taskArn"].as_str().map(|arn| short_name(arn).to_string()))
                        .collect()
                })
                .unwrap_or_default();
            s.client_tokens.remember(&token, &canonical, ids);
            Ok(out)
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StartInput {
    container_instances: Vec<String>,
    cluster: Option<String>,
    task_definition: String,
    started_by: Option<String>,
    group: Option<String>,
    #[serde(default)]
    tags: Vec<tags::Tag>,
    network_configuration: Option<NetworkConfiguration>,
    overrides: Option<TaskOverride>,
    #[serde(default, rename = "enableECSManagedTags")]
    enable_ecs_managed_tags: bool,
    #[serde(default)]
    enable_execute_command: bool,
    propagate_tags: Option<PropagateTags>,
    #[serde(default, rename = "referenceId")]
    _reference_id: NotSupported,
    #[serde(default, rename = "volumeConfigurations")]
    _volume_configurations: NotSupported,
}

/// StartTask: one task on each named container instance that can take it (a MISSING,
/// DRAINING, AGENT or RESOURCE failure for each that cannot).
pub(super) fn start(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: StartInput = input(body)?;
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    let place = Where::On(req.container_instances.clone());
    let run = RunInput {
        cluster: req.cluster,
        task_definition: req.task_definition,
        count: None,
        started_by: req.started_by,
        group: req.group,
        tags: req.tags,
        launch_type: None,
        platform_version: None,
        network_configuration: req.network_configuration,
        overrides: req.overrides,
        placement_strategy: Vec::new(),
        enable_ecs_managed_tags: req.enable_ecs_managed_tags,
        enable_execute_command: req.enable_execute_command,
        propagate_tags: req.propagate_tags,
        client_token: None,
        _capacity_provider_strategy: NotSupported,
        placement_constraints: Vec::new(),
        _reference_id: NotSupported,
        _volume_configurations: NotSupported,
    };
    started(s, &cluster, &run, &place)
}

/// ECS's network configuration rule: required with `networkMode: awsvpc`, refused otherwise.
fn check_network(s: &ApiState, req: &RunInput) -> Result<(), EcsError> {
    let td = ops::task_definitions::resolve(&s.catalog, &req.task_definition)?;
    let awsvpc = td.spec.network_mode() == NetworkMode::Awsvpc;
    match &req.network_configuration {
        None if awsvpc => Err(EcsError::InvalidParameter(
            "Network Configuration must be provided when networkMode 'awsvpc' is specified.".into(),
        )),
        Some(_) if !awsvpc => Err(EcsError::InvalidParameter(
            crate::model::NETWORK_MODE_MISMATCH.into(),
        )),
        Some(network) => match validate_network_configuration(network, "networkConfiguration").first() {
            Some(problem) => Err(EcsError::InvalidParameter(problem.to_string())),
            None => Ok(()),
        },
        None => Ok(()),
    }
}

/// RunTask: places `count` tasks of the request over the cluster's instances.
fn launch(s: &ApiState, cluster: &str, req: &RunInput) -> Result<Value, EcsError> {
    let place = Where::Placed {
        constraints: req.placement_constraints.clone(),
        strategies: req.placement_strategy.clone(),
    };
    started(s, cluster, req, &place)
}

/// Records the tasks `place` finds room for; ECS's `failures` (one per task not started,
/// naming the instance that came closest and what stopped it) for the rest.
fn started(s: &ApiState, cluster: &str, req: &RunInput, place: &Where) -> Result<Value, EcsError> {
    check_network(s, req)?;
    let request = RunTasks {
        cluster: cluster.to_string(),
        task_definition: req.task_definition.clone(),
        count: req.count.unwrap_or(1),
        started_by: req.started_by.clone(),
        group: req.group.clone(),
        labels: tags::labels_from(&req.tags)?,
        launch: req.launch(),
        managed_tags: req.enable_ecs_managed_tags,
        propagate_tags: req.propagate_tags,
    };
    let Launched { tasks, failures } = ops::tasks::launch(&s.catalog, &request, place)?;
    let failures: Vec<Value> = failures
        .iter()
        .map(|f| json!({"arn": s.scope.container_instance_arn(cluster, &f.instance), "reason": f.reason}))
        .collect();
    let mut shaped = Vec::new();
    for task in &tasks {
        shaped.push(render(s, task, &TaskStatus::default(), &["TAGS".to_string()])?);
    }
    Ok(json!({"tasks": shaped, "failures": failures}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
    let cluster = readable_cluster(s, req.cluster.as_deref())?;
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
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListInput {
    cluster: Option<String>,
    service_name: Option<String>,
    family: Option<String>,
    started_by: Option<String>,
    desired_status: Option<DesiredStatus>,
    next_token: Option<String>,
    max_results: Option<u32>,
    container_instance: Option<String>,
    launch_type: Option<LaunchType>,
    #[serde(default, rename = "daemonName")]
    _daemon_name: NotSupported,
}

pub(super) fn list(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: ListInput = input(body)?;
    let cluster = readable_cluster(s, req.cluster.as_deref())?;
    if let Some(name) = &req.service_name
        && s.catalog.service(&cluster, short_name(name))?.is_none()
    {
        return Err(EcsError::ServiceNotFound("Service not found.".into()));
    }
    let wanted_status = req.desired_status.unwrap_or(DesiredStatus::Running);
    let local = s.catalog.container_instance_id()?;
    let instance = match &req.container_instance {
        Some(given) => Some(fleet::find_instance(&s.catalog, &cluster, given)?.map(|f| f.id)),
        None => None,
    };
    let statuses = s.catalog.task_statuses()?;
    let arns: Vec<String> = s
        .catalog
        .tasks()?
        .into_iter()
        .filter(|t| {
            let status = statuses.get(&t.id).cloned().unwrap_or_default();
            t.cluster == cluster
                && instance
                    .as_ref()
                    .is_none_or(|wanted| wanted.as_deref() == Some(t.placed_on(&local)))
                && req
                    .launch_type
                    .is_none_or(|l| t.launch.launch_type.unwrap_or_default() == l)
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
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
    let local = s.catalog.container_instance_id()?;
    let arn = s.scope.container_instance_arn(&t.cluster, t.placed_on(&local));
    shape.container_instance_arn = Some(arn);
    Ok(tags::shaped(shape, &t.labels, include))
}
