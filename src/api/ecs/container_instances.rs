//! ListContainerInstances, DescribeContainerInstances, UpdateContainerInstancesState: the
//! machine is one container instance in every cluster, with a stable id kept in the state.

use super::clusters::task_counts;
use super::machine::{self, Capacity};
use super::{EcsError, existing_cluster, filter, input, missing, page, short_name};
use crate::api::ApiState;
use crate::api::shapes::{self, ArnScope};
use crate::model::{TaskDefinitionRef, TaskState};
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
        let parsed = filter::parse(expression).map_err(|e| EcsError::InvalidParameter(e.to_string()))?;
        matches &= parsed.matches(&all_attributes(&record));
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
    let id = s.catalog.container_instance_id()?;
    let registered = machine::registered();
    let (used, tcp, udp) = in_use(s)?;
    let remaining = Capacity {
        cpu: registered.cpu.saturating_sub(used.cpu),
        memory: registered.memory.saturating_sub(used.memory),
    };
    let (running, pending) = task_counts(s, cluster)?;
    let attributes: Vec<Value> = all_attributes(&record)
        .iter()
        .map(|(name, value)| match value {
            Some(value) => json!({"name": name, "value": value}),
            None => json!({"name": name}),
        })
        .collect();
    let mut shape = json!({
        "containerInstanceArn": instance_arn(&s.scope, cluster, &id),
        "version": record.version + 1,
        "versionInfo": {"agentVersion": env!("CARGO_PKG_VERSION"), "agentHash": "ecsd"},
        "registeredResources": machine::resources(registered, &[], &[]),
        "remainingResources": machine::resources(remaining, &tcp, &udp),
        "status": status_name(record.status),
        "agentConnected": true,
        "runningTasksCount": running,
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

/// What the tasks not yet STOPPED reserve on the machine (in every cluster: it is one
/// machine), and the host ports they bind.
fn in_use(s: &ApiState) -> Result<(Capacity, Vec<u16>, Vec<u16>), EcsError> {
    let taken = taken(s, false)?;
    Ok((taken.reserved, taken.tcp, taken.udp))
}

/// What tasks not yet STOPPED take on the machine: their reservations and the host ports
/// they bind; with `claimed`, also the fixed host ports of tasks not bound yet (a task
/// placed now must not need them).
pub(super) fn taken(s: &ApiState, claimed: bool) -> Result<machine::Taken, EcsError> {
    let statuses = s.catalog.task_statuses()?;
    let mut taken = machine::Taken::default();
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
            let reserved = machine::reservation(&spec);
            taken.reserved.cpu += reserved.cpu;
            taken.reserved.memory += reserved.memory;
            if claimed {
                let (tcp, udp) = machine::fixed_ports(&spec);
                taken.tcp.extend(tcp);
                taken.udp.extend(udp);
            }
        }
        live.push(status);
    }
    let (tcp, udp) = machine::ports_in_use(live.iter());
    taken.tcp.extend(tcp);
    taken.udp.extend(udp);
    for ports in [&mut taken.tcp, &mut taken.udp] {
        ports.sort_unstable();
        ports.dedup();
    }
    Ok(taken)
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
