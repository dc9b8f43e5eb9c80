//! One container of a task definition (ECS `ContainerDefinition`), its dependencies and health check.

use super::environment::{EnvironmentFile, KeyValuePair};
use super::linux::{LinuxParameters, Ulimit};
use super::logging::LogConfiguration;
use super::network::{HostEntry, PortMapping};
use super::storage::{MountPoint, VolumeFrom};
use crate::model::duration::Seconds;
use crate::model::unsupported::NotSupported;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// Environment variables; they override the same names from `environmentFiles`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environment: Vec<KeyValuePair>,
    /// Local files of `KEY=VALUE` lines (Docker `--env-file`), read when the container is created.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environment_files: Vec<EnvironmentFile>,
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
    /// Other containers of the task reachable by name (`name` or `name:alias`); bridge mode only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub restart_policy: NotSupported,
    /// Task volumes mounted into this container.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mount_points: Vec<MountPoint>,
    /// Containers of the task whose volumes this one mounts too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes_from: Vec<VolumeFrom>,
    /// Capabilities, init process, tmpfs, shared memory, devices and swap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linux_parameters: Option<LinuxParameters>,
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
    /// Host name inside the container (not with `host` or `awsvpc` network mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// User (and group) the process runs as: `name`, `uid`, `uid:gid`, `name:group`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Absolute working directory of the process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
    /// Start without any network interface but loopback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_networking: Option<bool>,
    /// Run with all capabilities and host devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
    /// Mount the root filesystem read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readonly_root_filesystem: Option<bool>,
    /// DNS servers (IP addresses) instead of the engine's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_servers: Vec<String>,
    /// DNS search domains.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_search_domains: Vec<String>,
    /// Extra `/etc/hosts` entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_hosts: Vec<HostEntry>,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub docker_security_options: NotSupported,
    /// Keep stdin open (Docker `OpenStdin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interactive: Option<bool>,
    /// Allocate a TTY (Docker `Tty`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pseudo_terminal: Option<bool>,
    /// Container labels; keys starting with `ecsd.` are reserved for ecsd's own.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub docker_labels: BTreeMap<String, String>,
    /// Resource limits such as open files (`nofile`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ulimits: Vec<Ulimit>,
    /// Where the engine writes the container's output (default: rotated `json-file`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_configuration: Option<LogConfiguration>,
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

    /// The hard memory limit the container runs with: its own, else the task's (MiB).
    pub fn effective_memory(&self, task_memory: Option<u32>) -> Option<u32> {
        self.memory.or(task_memory)
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
