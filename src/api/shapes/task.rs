//! ECS `Task` and its `Container`s.

use super::{ArnScope, seconds};
use crate::model::{
    ContainerDefinition, ContainerOverride, DesiredStatus, HealthProbe, HealthStatus, LaunchType, Protocol,
    StopCode, TaskDefinitionSpec, TaskOverride, TaskState, apply_overrides,
};
use crate::store::{ContainerStatus, TaskRecord, TaskStatus};
use serde::{Deserialize, Serialize};

/// ECS `Task`, with every member ECS always returns, plus ecsd's own `orphaned`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// ARN.
    pub task_arn: String,
    /// ARN of its cluster.
    pub cluster_arn: String,
    /// ARN of the revision it runs.
    pub task_definition_arn: String,
    /// ARN of the container instance it runs on (the ECS door sets it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_instance_arn: Option<String>,
    /// Where it is in its lifecycle.
    pub last_status: TaskState,
    /// RUNNING, or STOPPED once asked to stop or once it decided to.
    pub desired_status: DesiredStatus,
    /// Health of its essential containers.
    pub health_status: HealthStatus,
    /// `service:<name>` or `family:<family>`.
    pub group: String,
    /// Who started it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
    /// `EC2` (the default), `EXTERNAL` or `FARGATE`: all run on the cluster's instances.
    pub launch_type: LaunchType,
    /// Fargate platform version, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    /// What RunTask changed for this task: one entry per container (only its name when
    /// nothing), as ECS returns it.
    pub overrides: TaskOverrideShape,
    /// Task-level CPU units of its definition, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<String>,
    /// Task-level memory of its definition, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    /// Grows with each change of its state or its containers' (see `task_version`).
    pub version: u64,
    /// As given (`ecsd exec` reaches containers regardless).
    pub enable_execute_command: bool,
    /// When it was created.
    pub created_at: f64,
    /// When every essential container first ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<f64>,
    /// When shutdown began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopping_at: Option<f64>,
    /// When it stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<f64>,
    /// Its containers, one per container definition, PENDING until the engine has them.
    pub containers: Vec<Container>,
    /// Why it stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_code: Option<StopCode>,
    /// Why it stopped, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_reason: Option<String>,
    /// ecsd's own: adopted after a database loss, intent unknown, left running as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orphaned: Option<String>,
    /// Tags (the ECS door returns them only when asked to).
    #[serde(default)]
    pub tags: Vec<super::Tag>,
}

/// ECS `Container` of a task, plus the native API's `healthProbes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    /// ARN.
    pub container_arn: String,
    /// ARN of its task.
    pub task_arn: String,
    /// Name in the task definition.
    pub name: String,
    /// Image from the task definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Engine container id, once created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_id: Option<String>,
    /// PENDING, RUNNING or STOPPED.
    pub last_status: TaskState,
    /// Exit code, once exited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// Why it stopped or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Published ports.
    pub network_bindings: Vec<NetworkBindingShape>,
    /// Health (UNKNOWN without a health check).
    pub health_status: HealthStatus,
    /// CPU units of its definition (`"0"` when not set).
    pub cpu: String,
    /// Hard memory limit in MiB, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    /// Soft memory limit in MiB, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_reservation: Option<String>,
    /// Native API only: the last health check runs (exit code, output tail), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub health_probes: Vec<HealthProbe>,
}

/// ECS `NetworkBinding`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkBindingShape {
    /// Host address.
    #[serde(rename = "bindIP")]
    pub bind_ip: String,
    /// Port inside the container.
    pub container_port: u16,
    /// Port on the host.
    pub host_port: u16,
    /// tcp or udp.
    pub protocol: Protocol,
}

/// The task's effective desired status: STOPPED once asked to stop or once it decided to.
pub fn desired_status(t: &TaskRecord, s: &TaskStatus) -> DesiredStatus {
    if t.desired_status == DesiredStatus::Stopped
        || s.stop_code.is_some()
        || s.last_status == TaskState::Stopped
    {
        DesiredStatus::Stopped
    } else {
        DesiredStatus::Running
    }
}

/// ECS `version` of a task: one, plus a step for each lifecycle state the task and each of its
/// containers has passed, plus one once it is meant to stop. Each of these only moves forward,
/// so the version grows with every change of state and never falls.
pub fn task_version(last_status: TaskState, desired: DesiredStatus, containers: &[TaskState]) -> u64 {
    // PROVISIONING and PENDING are one step for a container: it is listed PENDING before the
    // engine has it, and may be recorded PROVISIONING at first.
    let container_step = |s: &TaskState| (*s as u64).max(TaskState::Pending as u64);
    1 + last_status as u64
        + u64::from(desired == DesiredStatus::Stopped)
        + containers.iter().map(container_step).sum::<u64>()
}

/// ECS `TaskOverride` as a task returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskOverrideShape {
    /// One per container.
    pub container_overrides: Vec<ContainerOverride>,
    /// Always empty: no accelerators here.
    pub inference_accelerator_overrides: Vec<serde_json::Value>,
    /// Task CPU units given, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<String>,
    /// Task memory given, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    /// As given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<String>,
    /// As given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_role_arn: Option<String>,
}

fn overrides(given: Option<&TaskOverride>, definition: Option<&TaskDefinitionSpec>) -> TaskOverrideShape {
    let given = given.cloned().unwrap_or_default();
    let defined = definition.map_or(&[][..], |d| d.container_definitions.as_slice());
    let container_overrides = defined
        .iter()
        .map(|c| {
            given
                .container_overrides
                .iter()
                .find(|o| o.name == c.name)
                .cloned()
                .unwrap_or_else(|| ContainerOverride {
                    name: c.name.clone(),
                    ..Default::default()
                })
        })
        .collect();
    TaskOverrideShape {
        container_overrides,
        inference_accelerator_overrides: Vec::new(),
        cpu: given.cpu.map(|c| c.0.to_string()),
        memory: given.memory.map(|m| m.0.to_string()),
        execution_role_arn: given.execution_role_arn,
        task_role_arn: given.task_role_arn,
    }
}

/// ECS `Task`. `definition` is the revision it runs, when known: its containers are listed
/// (PENDING) before the engine has created them, with their image, cpu and memory.
pub fn task(
    scope: &ArnScope,
    t: &TaskRecord,
    s: &TaskStatus,
    definition: Option<&TaskDefinitionSpec>,
) -> Task {
    let task_arn = scope.task_arn(&t.cluster, &t.id);
    let overridden = match (definition, &t.launch.overrides) {
        (Some(d), Some(o)) => Some(apply_overrides(d, o)),
        _ => None,
    };
    let original = definition;
    let definition = overridden.as_ref().or(definition);
    let containers = containers(scope, t, s, definition);
    let desired = desired_status(t, s);
    let states: Vec<TaskState> = containers.iter().map(|c| c.last_status).collect();
    Task {
        cluster_arn: scope.cluster_arn(&t.cluster),
        task_definition_arn: scope.task_definition_arn(&t.task_definition),
        container_instance_arn: None,
        last_status: s.last_status,
        desired_status: desired,
        health_status: s.health_status,
        group: t.group.clone(),
        started_by: t.started_by.clone(),
        launch_type: t.launch.launch_type.unwrap_or_default(),
        platform_version: t.launch.platform_version.clone(),
        overrides: overrides(t.launch.overrides.as_ref(), original),
        cpu: definition.and_then(|d| d.cpu).map(|c| c.0.to_string()),
        memory: definition.and_then(|d| d.memory).map(|m| m.0.to_string()),
        version: task_version(s.last_status, desired, &states),
        enable_execute_command: t.launch.enable_execute_command,
        created_at: seconds(t.created_at),
        started_at: s.started_at.map(seconds),
        stopping_at: s.stopping_at.map(seconds),
        stopped_at: s.stopped_at.map(seconds),
        containers,
        stop_code: s.stop_code.or(t.stop_code),
        stopped_reason: s.stopped_reason.clone().or_else(|| t.stopped_reason.clone()),
        orphaned: s.orphaned.clone(),
        tags: super::tags(&t.labels),
        task_arn,
    }
}

/// One container per definition (in its order), then any the engine has that the definition
/// does not name (its revision unknown).
fn containers(
    scope: &ArnScope,
    t: &TaskRecord,
    s: &TaskStatus,
    definition: Option<&TaskDefinitionSpec>,
) -> Vec<Container> {
    let defined = definition.map_or(&[][..], |d| d.container_definitions.as_slice());
    // A task that stopped before the engine had a container stops that container with it.
    let unseen = if s.last_status == TaskState::Stopped {
        TaskState::Stopped
    } else {
        TaskState::Pending
    };
    let mut out: Vec<Container> = defined
        .iter()
        .map(|d| {
            let seen = s.containers.iter().find(|c| c.name == d.name);
            container(scope, t, &d.name, seen, Some(d), unseen)
        })
        .collect();
    for c in s
        .containers
        .iter()
        .filter(|c| !defined.iter().any(|d| d.name == c.name))
    {
        out.push(container(scope, t, &c.name, Some(c), None, unseen));
    }
    out
}

fn container(
    scope: &ArnScope,
    t: &TaskRecord,
    name: &str,
    seen: Option<&ContainerStatus>,
    definition: Option<&ContainerDefinition>,
    unseen: TaskState,
) -> Container {
    let bindings = seen.map_or(&[][..], |c| c.network_bindings.as_slice());
    Container {
        container_arn: scope.container_arn(&t.cluster, &t.id, name),
        task_arn: scope.task_arn(&t.cluster, &t.id),
        name: name.to_string(),
        image: definition.map(|d| d.image.clone()),
        runtime_id: seen.and_then(|c| c.runtime_id.clone()),
        last_status: seen.map_or(unseen, |c| c.last_status),
        exit_code: seen.and_then(|c| c.exit_code),
        reason: seen.and_then(|c| c.reason.clone()),
        network_bindings: bindings
            .iter()
            .map(|b| NetworkBindingShape {
                bind_ip: b.bind_ip.clone(),
                container_port: b.container_port,
                host_port: b.host_port,
                protocol: b.protocol,
            })
            .collect(),
        health_status: seen.map_or(HealthStatus::default(), |c| c.health_status),
        cpu: definition.and_then(|d| d.cpu).unwrap_or(0).to_string(),
        memory: definition.and_then(|d| d.memory).map(|m| m.to_string()),
        memory_reservation: definition
            .and_then(|d| d.memory_reservation)
            .map(|m| m.to_string()),
        health_probes: Vec::new(),
    }
}

/// The native API's task: ECS's shape plus each container's last health check runs
/// (`healthProbes`: exit code, output tail), which ECS does not return.
pub fn task_with_probes(
    scope: &ArnScope,
    t: &TaskRecord,
    s: &TaskStatus,
    definition: Option<&TaskDefinitionSpec>,
) -> Task {
    let mut shape = task(scope, t, s, definition);
    for c in &mut shape.containers {
        if let Some(seen) = s.containers.iter().find(|seen| seen.name == c.name) {
            c.health_probes = seen.health_probes.clone();
        }
    }
    shape
}

#[cfg(test)]
mod tests;
