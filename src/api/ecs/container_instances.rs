//! ListContainerInstances, DescribeContainerInstances, UpdateContainerInstancesState: the
//! machine is one container instance in every cluster, with a stable id kept in the state.

use super::clusters::task_counts;
use super::machine::{self, Capacity};
use super::{EcsError, existing_cluster, input, missing, page, short_name};
use crate::api::ApiState;
use crate::api::shapes::{self, ArnScope};
use crate::model::{TaskDefinitionRef, TaskState, query};
use crate::placement::{self, Resources};
use crate::store::{ContainerInstanceRecord, InstanceStatus};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// ARN of the machine's container instance in `cluster`.
pub(super) fn instance_arn(scope: &ArnScope, cluster: &str, id: &str) -> String {
    format!(
        "arn:aws:ecs:{}:{}:container-instance/{cluster}/{id}",
        scope.region, scope.account
    )
}

/// Whether `given` (an id or ARN) names the machine's container instance.
pub(super) fn names_instance(s: &ApiState, given: &str) -> Result<bool, EcsError> {
    Ok(short_name(given) == s.catalog.container_instance_id()?)
}

/// Attributes ECS agents register by themselves.
fn built_in_attributes() -> BTreeMap<String, Option<String>> {
    let arch = match std::env::consts::ARCH {
        "aarch64" => "arm64",
        other => other,
    };
    [
        ("ecs.os-type", "linux"),
        ("ecs.os-family", "LINUX"),
        ("ecs.cpu-architecture", arch),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), Some(v.to_string())))
    .collect()
}

/// Built-in and custom attributes of the instance.
pub(super) fn all_attributes(record: &ContainerInstanceRecord) -> BTreeMap<String, Option<String>> {
    let mut all = built_in_attributes();
    all.extend(record.attributes.clone());
    all
}

/// Whether an attribute name belongs to ECS's own.
pub(super) fn is_built_in(name: &str) -> bool {
    name.starts_with("ecs.") || name.starts_with("com.amazonaws.ecs.")
}

fn status_name(status: InstanceStatus) -> &'static str {
    match status {
        InstanceStatus::Active => "ACTIVE",
        InstanceStatus::Draining => "DRAINING",
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListInput {
    cluster: Option<String>,
    filter: Option<String>,
    status: Option<String>,
    next_token: Option<String>,
    max_results: Option<u32>,
}

pub(super) fn list(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: ListInput = input(body)?;
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    let record = s.catalog.container_instance(&cluster)?;
    let mut matches = req
        .status
        .as_deref()
        .is_none_or(|wanted| wanted == status_name(record.status));
    if let Some(expression) = req.filter.as_deref().filter(|f| !f.trim().is_empty()) {
        let parsed =
            query::parse(expression).map_err(|e| EcsError::InvalidParameter(format!("filter {e}")))?;
        matches &= parsed.matches(&instance(s, &cluster, &record)?);
    }
    let arns = if matches {
        vec![instance_arn(
            &s.scope,
            &cluster,
            &s.catalog.container_instance_id()?,
        )]
    } else {
        Vec::new()
    };
    let (arns, next) = page(arns, req.next_token.as_deref(), req.max_results, 100)?;
    Ok(json!({"containerInstanceArns": arns, "nextToken": next}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DescribeInput {
    cluster: Option<String>,
    container_instances: Vec<String>,
    #[serde(default)]
    include: Vec<String>,
}

pub(super) fn describe(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: DescribeInput = input(body)?;
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    let (found, failures) = each_instance(s, &cluster, &req.container_instances, &req.include)?;
    Ok(json!({"containerInstances": found, "failures": failures}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateStateInput {
    cluster: Option<String>,
    container_instances: Vec<String>,
    status: String,
}

pub(super) fn update_state(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: UpdateStateInput = input(body)?;
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    let status = match req.status.as_str() {
        "ACTIVE" => InstanceStatus::Active,
        "DRAINING" => InstanceStatus::Draining,
        other => {
            return Err(EcsError::InvalidParameter(format!(
                "Container instances can only be set to ACTIVE or DRAINING, not {other}."
            )));
        }
    };
    let mut named = false;
    for given in &req.container_instances {
        named |= names_instance(s, given)?;
    }
    if named {
        s.catalog.update_container_instance(&cluster, |r| {
            r.status = status;
            Ok(())
        })?;
    }
    let (found, failures) = each_instance(s, &cluster, &req.container_instances, &[])?;
    Ok(json!({"containerInstances": found, "failures": failures}))
}

/// The instance once per entry naming it, and a MISSING failure for every other entry.
fn each_instance(
    s: &ApiState,
    cluster: &str,
    given: &[String],
    include: &[String],
) -> Result<(Vec<Value>, Vec<Value>), EcsError> {
    if given.is_empty() || given.len() > 100 {
        return Err(EcsError::InvalidParameter(
            "containerInstances must name between 1 and 100 container instances.".into(),
        ));
    }
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    for entry in given {
        if names_instance(s, entry)? {
            found.push(render(s, cluster, include)?);
        } else {
            failures.push(missing(&instance_arn(&s.scope, cluster, short_name(entry))));
        }
    }
    Ok((found, failures))
}

/// ECS `ContainerInstance` for the machine in `cluster`.
fn render(s: &ApiState, cluster: &str, include: &[String]) -> Result<Value, EcsError> {
    let record = s.catalog.container_instance(cluster)?;
    let machine = instance(s, cluster, &record)?;
    let remaining = Capacity {
        cpu: machine.remaining_cpu(),
        memory: machine.remaining_memory(),
    };
    let (tcp, udp) = (
        Vec::from_iter(machine.used.ports_tcp.iter().copied()),
        Vec::from_iter(machine.used.ports_udp.iter().copied()),
    );
    let registered = Capacity {
        cpu: machine.registered.cpu,
        memory: machine.registered.memory,
    };
    let (_, pending) = task_counts(s, cluster)?;
    let attributes: Vec<Value> = machine
        .attributes
        .iter()
        .map(|(name, value)| match value {
            Some(value) => json!({"name": name, "value": value}),
            None => json!({"name": name}),
        })
        .collect();
    let mut shape = json!({
        "containerInstanceArn": instance_arn(&s.scope, cluster, &machine.id),
        "version": record.version + 1,
        "versionInfo": {"agentVersion": env!("CARGO_PKG_VERSION"), "agentHash": "ecsd"},
        "registeredResources": machine::resources(registered, &[], &[]),
        "remainingResources": machine::resources(remaining, &tcp, &udp),
        "status": status_name(record.status),
        "agentConnected": true,
        "runningTasksCount": machine.running_tasks_count,
        "pendingTasksCount": pending,
        "attributes": attributes,
    });
    if let Some(c) = s.catalog.cluster(cluster)? {
        shape["registeredAt"] = json!(shapes::seconds(c.created_at));
    }
    if super::tags::wanted(include) {
        shape["tags"] = json!([]);
    }
    if include.iter().any(|i| i == "CONTAINER_INSTANCE_HEALTH") {
        shape["healthStatus"] = json!({"overallStatus": "OK", "details": []});
    }
    Ok(shape)
}

/// The machine as placement and the cluster query language see it in `cluster`: what it
/// offers, what tasks not yet STOPPED take of it (in every cluster: it is one machine), and
/// the cluster's tasks on it by group.
pub(super) fn instance(
    s: &ApiState,
    cluster: &str,
    record: &ContainerInstanceRecord,
) -> Result<placement::Instance, EcsError> {
    let registered = machine::registered();
    let (running, _) = task_counts(s, cluster)?;
    let statuses = s.catalog.task_statuses()?;
    let mut task_groups = BTreeMap::new();
    for task in s.catalog.tasks()?.iter().filter(|t| t.cluster == cluster) {
        let stopped = statuses
            .get(&task.id)
            .is_some_and(|st| st.last_status == TaskState::Stopped);
        if !stopped {
            *task_groups.entry(task.group.clone()).or_insert(0) += 1;
        }
    }
    Ok(placement::Instance {
        id: s.catalog.container_instance_id()?,
        attributes: all_attributes(record),
        registered: Resources {
            cpu: registered.cpu,
            memory: registered.memory,
            ..Resources::default()
        },
        used: used(s, false)?,
        status: match record.status {
            InstanceStatus::Active => placement::InstanceStatus::Active,
            InstanceStatus::Draining => placement::InstanceStatus::Draining,
        },
        connected: true,
        registered_at: s.catalog.cluster(cluster)?.map_or(0, |c| c.created_at),
        running_tasks_count: running as u64,
        agent_version: env!("CARGO_PKG_VERSION").to_string(),
        task_groups,
    })
}

/// What tasks not yet STOPPED take on the machine: their reservations and the host ports
/// they bind; with `claimed`, also the fixed host ports of tasks not bound yet (a task
/// placed now must not need them).
pub(super) fn used(s: &ApiState, claimed: bool) -> Result<Resources, EcsError> {
    let statuses = s.catalog.task_statuses()?;
    let mut used = Resources::default();
    let mut live = Vec::new();
    for task in s.catalog.tasks()? {
        let status = statuses.get(&task.id).cloned().unwrap_or_default();
        if status.last_status == TaskState::Stopped {
            continue;
        }
        let td = TaskDefinitionRef::parse(&task.task_definition)
            .ok()
            .and_then(|r| Some(s.catalog.task_definition(&r.family, r.revision?)))
            .transpose()?
            .flatten();
        if let Some(td) = td {
            let spec = match &task.launch.overrides {
                Some(o) => crate::model::apply_overrides(&td.spec, o),
                None => td.spec,
            };
            let (cpu, memory) = placement::reservation(&spec);
            used.cpu += cpu;
            used.memory += memory;
            if claimed {
                let (tcp, udp) = placement::fixed_ports(&spec);
                used.ports_tcp.extend(tcp);
                used.ports_udp.extend(udp);
            }
        }
        live.push(status);
    }
    let (tcp, udp) = machine::ports_in_use(live.iter());
    used.ports_tcp.extend(tcp);
    used.ports_udp.extend(udp);
    Ok(used)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DiscoverInput {
    container_instance: Option<String>,
    cluster: Option<String>,
    zone_id: Option<String>,
}

/// DiscoverPollEndpoint: the agent's endpoints are this endpoint itself (the handler puts
/// the address the request came to in `endpoint`).
pub(super) fn discover_poll_endpoint(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: DiscoverInput = input(body)?;
    if req.cluster.is_some() {
        existing_cluster(s, req.cluster.as_deref())?;
    }
    let _ = (req.container_instance, req.zone_id);
    Ok(json!({"endpoint": "", "telemetryEndpoint": "", "serviceConnectEndpoint": ""}))
}
