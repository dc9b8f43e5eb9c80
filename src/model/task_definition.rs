//! The TaskDefinition spec: ECS `RegisterTaskDefinition` fields, with the ones ecsd runs today.

use super::duration::Seconds;
use super::unsupported::NotSupported;
use super::validation::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A task definition as the user declares it (ECS field names, camelCase).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaskDefinitionSpec {
    /// Family; optional in a manifest (where `metadata.name` is the family), required in raw ECS JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// The containers that make up a task.
    pub container_definitions: Vec<ContainerDefinition>,
    /// Only `bridge` (the default) is supported today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<NetworkMode>,
    /// Launch types the definition claims; informational on a single machine.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires_compatibilities: Vec<Compatibility>,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub task_role_arn: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub execution_role_arn: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub volumes: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub placement_constraints: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub cpu: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub memory: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub tags: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub pid_mode: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub ipc_mode: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub proxy_configuration: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub inference_accelerators: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub ephemeral_storage: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub runtime_platform: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub enable_fault_injection: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub trusted_execution_configuration: NotSupported,
}

/// Docker network mode of a task's containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkMode {
    /// The engine's default bridge network with published ports.
    Bridge,
}

/// ECS launch type compatibility values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Compatibility {
    /// EC2 launch type.
    Ec2,
    /// Fargate launch type.
    Fargate,
    /// External instances.
    External,
    /// ECS managed instances.
    ManagedInstances,
}

/// One container of a task (ECS `ContainerDefinition`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerDefinition {
    /// Container name, unique within the task definition.
    pub name: String,
    /// Image reference, e.g. `busybox:latest`.
    pub image: String,
    /// Arguments (Docker `Cmd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Entry point (Docker `Entrypoint`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_point: Option<Vec<String>>,
    /// Environment variables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environment: Vec<KeyValuePair>,
    /// Published ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub port_mappings: Vec<PortMapping>,
    /// CPU units (1024 = one core), mapped to CPU shares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<u32>,
    /// Hard memory limit in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<u32>,
    /// Soft memory limit in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_reservation: Option<u32>,
    /// Whether the task stops when this container exits (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub essential: Option<bool>,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub repository_credentials: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub links: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub restart_policy: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub environment_files: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub mount_points: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub volumes_from: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub linux_parameters: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub secrets: NotSupported,
    /// Containers that must reach a condition before this one starts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<ContainerDependency>,
    /// How long dependents wait for this container's condition before the task gives up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_timeout: Option<Seconds>,
    /// Grace between SIGTERM and SIGKILL when stopping (default: the daemon's, 30 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_timeout: Option<Seconds>,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub version_consistency: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub hostname: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub user: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub working_directory: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub disable_networking: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub privileged: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub readonly_root_filesystem: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub dns_servers: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub dns_search_domains: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub extra_hosts: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub docker_security_options: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub interactive: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub pseudo_terminal: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub docker_labels: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub ulimits: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub log_configuration: NotSupported,
    /// Health check run in the container (image HEALTHCHECKs are ignored, as in ECS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheck>,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub system_controls: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub resource_requirements: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub firelens_configuration: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub credential_specs: NotSupported,
}

impl ContainerDefinition {
    /// ECS default: a container is essential unless it says otherwise.
    pub fn is_essential(&self) -> bool {
        self.essential.unwrap_or(true)
    }
}

/// A `dependsOn` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerDependency {
    /// The container depended on.
    pub container_name: String,
    /// What it must reach.
    pub condition: DependencyCondition,
}

/// ECS dependency conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DependencyCondition {
    /// The dependency has started.
    Start,
    /// The dependency has exited (any code).
    Complete,
    /// The dependency has exited with code 0.
    Success,
    /// The dependency's health check passes.
    Healthy,
}

/// ECS `HealthCheck`: the command and its timing (ECS defaults, written explicitly to the engine).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HealthCheck {
    /// `["CMD", exe, args…]` or `["CMD-SHELL", "command"]`.
    pub command: Vec<String>,
    /// Between probes, 5–300 s (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Seconds>,
    /// Probe timeout, 2–60 s (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Seconds>,
    /// Consecutive failures before UNHEALTHY, 1–10 (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// Grace period during which failures do not count, 0–300 s (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_period: Option<Seconds>,
}

impl HealthCheck {
    /// Interval with the ECS default applied.
    pub fn interval(&self) -> Seconds {
        self.interval.unwrap_or(Seconds(30))
    }
    /// Timeout with the ECS default applied.
    pub fn timeout(&self) -> Seconds {
        self.timeout.unwrap_or(Seconds(5))
    }
    /// Retries with the ECS default applied.
    pub fn retries(&self) -> u32 {
        self.retries.unwrap_or(3)
    }
    /// Start period with the ECS default applied.
    pub fn start_period(&self) -> Seconds {
        self.start_period.unwrap_or(Seconds(0))
    }
}

/// An environment variable (`{name, value}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyValuePair {
    /// Variable name.
    pub name: String,
    /// Variable value.
    #[serde(default)]
    pub value: String,
}

/// A published port (ECS `PortMapping`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PortMapping {
    /// Port inside the container.
    pub container_port: u16,
    /// Port on the host; absent or 0 means an ephemeral port chosen by the engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_port: Option<u16>,
    /// `tcp` (default) or `udp`.
    #[serde(default)]
    pub protocol: Protocol,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub name: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub app_protocol: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub container_port_range: NotSupported,
}

impl PortMapping {
    /// The fixed host port, if the mapping asks for one (0 means ephemeral).
    pub fn fixed_host_port(&self) -> Option<u16> {
        self.host_port.filter(|p| *p != 0)
    }
}

/// Transport protocol of a port mapping.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TCP (default).
    #[default]
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// Lowercase name as Docker and ECS print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// Checks what the types alone cannot: names, essentials, memory and port rules.
pub fn validate_task_definition(spec: &TaskDefinitionSpec) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let defs = &spec.container_definitions;
    if defs.is_empty() {
        errors.push(FieldError::new(
            "spec.containerDefinitions",
            "at least one container definition is required",
        ));
    }
    if !defs.is_empty() && !defs.iter().any(ContainerDefinition::is_essential) {
        errors.push(FieldError::new(
            "spec.containerDefinitions",
            "at least one container must be essential",
        ));
    }
    let mut names = BTreeSet::new();
    let mut host_ports = BTreeSet::new();
    for (i, def) in defs.iter().enumerate() {
        let at = |field: &str| format!("spec.containerDefinitions[{i}].{field}");
        if let Err(why) = super::validation::check_name(&def.name, 255) {
            errors.push(FieldError::new(at("name"), why));
        } else if !names.insert(def.name.as_str()) {
            errors.push(FieldError::new(
                at("name"),
                format!("duplicate container name {:?}", def.name),
            ));
        }
        if def.image.trim().is_empty() {
            errors.push(FieldError::new(
                at("image"),
                "expected a non-empty image reference",
            ));
        }
        validate_memory(def, &at, &mut errors);
        for (j, port) in def.port_mappings.iter().enumerate() {
            let path = format!("spec.containerDefinitions[{i}].portMappings[{j}]");
            if port.container_port == 0 {
                errors.push(FieldError::new(
                    format!("{path}.containerPort"),
                    "expected a port between 1 and 65535",
                ));
            }
            if let Some(host) = port.fixed_host_port()
                && !host_ports.insert((host, port.protocol))
            {
                errors.push(FieldError::new(
                    format!("{path}.hostPort"),
                    format!("host port {host}/{} is mapped twice", port.protocol.as_str()),
                ));
            }
        }
    }
    errors
}

fn validate_memory(def: &ContainerDefinition, at: &dyn Fn(&str) -> String, out: &mut Vec<FieldError>) {
    // Docker refuses limits under 6 MiB; saying so here beats a cryptic engine error later.
    for (field, value) in [
        ("memory", def.memory),
        ("memoryReservation", def.memory_reservation),
    ] {
        if let Some(mib) = value
            && mib < 6
        {
            out.push(FieldError::new(at(field), "expected at least 6 (MiB)"));
        }
    }
    if let (Some(hard), Some(soft)) = (def.memory, def.memory_reservation)
        && soft >= hard
    {
        out.push(FieldError::new(
            at("memoryReservation"),
            format!("must be less than memory ({hard} MiB)"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(name: &str) -> ContainerDefinition {
        ContainerDefinition {
            name: name.into(),
            image: "busybox".into(),
            ..Default::default()
        }
    }

    fn spec(defs: Vec<ContainerDefinition>) -> TaskDefinitionSpec {
        TaskDefinitionSpec {
            container_definitions: defs,
            ..Default::default()
        }
    }

    fn messages(spec: &TaskDefinitionSpec) -> Vec<String> {
        validate_task_definition(spec)
            .into_iter()
            .map(|e| format!("{}: {}", e.path, e.message))
            .collect()
    }

    #[test]
    fn a_single_essential_container_is_valid() {
        assert!(messages(&spec(vec![container("web")])).is_empty());
    }

    #[test]
    fn duplicate_container_names_are_rejected_with_their_path() {
        let got = messages(&spec(vec![container("web"), container("web")]));
        assert_eq!(
            got,
            vec!["spec.containerDefinitions[1].name: duplicate container name \"web\""]
        );
    }

    #[test]
    fn a_task_without_an_essential_container_is_rejected() {
        let mut c = container("web");
        c.essential = Some(false);
        let got = messages(&spec(vec![c]));
        assert!(
            got[0].contains("at least one container must be essential"),
            "{got:?}"
        );
    }

    #[test]
    fn memory_reservation_must_be_below_memory() {
        let mut c = container("web");
        c.memory = Some(64);
        c.memory_reservation = Some(64);
        let got = messages(&spec(vec![c]));
        assert!(
            got[0].starts_with("spec.containerDefinitions[0].memoryReservation"),
            "{got:?}"
        );
    }

    #[test]
    fn the_same_fixed_host_port_twice_is_rejected_but_ephemeral_ports_may_repeat() {
        let mut a = container("a");
        let mut b = container("b");
        let ephemeral = PortMapping {
            container_port: 80,
            ..Default::default()
        };
        let fixed = PortMapping {
            container_port: 80,
            host_port: Some(8080),
            ..Default::default()
        };
        a.port_mappings = vec![ephemeral.clone(), fixed.clone()];
        b.port_mappings = vec![ephemeral, fixed];
        let got = messages(&spec(vec![a, b]));
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].contains("host port 8080/tcp is mapped twice"));
    }

    #[test]
    fn empty_image_and_bad_names_are_rejected() {
        let mut c = container("bad name!");
        c.image = " ".into();
        let got = messages(&spec(vec![c]));
        assert_eq!(got.len(), 2, "{got:?}");
    }
}
