//! The TaskDefinition spec: ECS `RegisterTaskDefinition` fields, with the ones ecsd runs today.
//!
//! The task-level shape lives here; containers, storage, Linux options and resource sizes
//! each have their own file, and `validate/` checks what the types alone cannot.

mod container;
mod environment;
mod linux;
mod logging;
mod network;
mod resources;
mod storage;
mod validate;

pub use container::{ContainerDefinition, ContainerDependency, DependencyCondition, HealthCheck};
pub use environment::{EnvironmentFile, EnvironmentFileType, KeyValuePair};
pub use linux::{Device, DevicePermission, KernelCapabilities, LinuxParameters, Tmpfs, Ulimit};
pub use logging::{LogConfiguration, SUPPORTED_LOG_DRIVERS};
pub use network::{HostEntry, PortMapping, Protocol};
pub use resources::{CpuUnits, Mebibytes};
pub use storage::{DockerVolumeConfiguration, HostVolume, MountPoint, Volume, VolumeFrom, VolumeScope};
pub use validate::validate_task_definition;

use super::unsupported::NotSupported;
use serde::{Deserialize, Serialize};

/// A task definition as the user declares it (ECS field names, camelCase).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaskDefinitionSpec {
    /// Family; optional in a manifest (where `metadata.name` is the family), required in raw ECS JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// The containers that make up a task.
    pub container_definitions: Vec<ContainerDefinition>,
    /// `bridge` (the default), `host`, `none` or `awsvpc` (a network of the task's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<NetworkMode>,
    /// Launch types the definition claims; informational on a single machine.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires_compatibilities: Vec<Compatibility>,
    /// IAM role of the task's containers: stored and returned, IAM has no meaning here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_role_arn: Option<String>,
    /// IAM role ECS's agent uses: stored and returned, IAM has no meaning here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<String>,
    /// Volumes the containers mount by name: host bind mounts or engine-managed volumes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Volume>,
    /// `memberOf` constraints every task of this definition must satisfy (RunTask and
    /// StartTask; services refuse placement constraints for now).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placement_constraints: Vec<crate::model::PlacementConstraint>,
    /// CPU units for the whole task (`"256"`, `"0.25 vCPU"`), enforced on every container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<CpuUnits>,
    /// Memory for the whole task (`"512"`, `"1GB"`), the limit of containers without their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Mebibytes>,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub tags: NotSupported,
    /// `host` or `task` (one process namespace for the whole task).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid_mode: Option<PidMode>,
    /// `host`, `task` (one IPC namespace for the whole task) or `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipc_mode: Option<IpcMode>,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub proxy_configuration: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub inference_accelerators: NotSupported,
    /// Fargate's task storage size (21–200 GiB): stored and returned, not enforced (a
    /// container's writable layer is the engine's storage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral_storage: Option<EphemeralStorage>,
    /// The OS and CPU architecture the images need: `LINUX` only; a task whose architecture
    /// differs from its container instance's fails to start, saying so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_platform: Option<RuntimePlatform>,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub enable_fault_injection: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub trusted_execution_configuration: NotSupported,
}

impl TaskDefinitionSpec {
    /// A digest of the revision's content (`sha256:` and 32 hex), put on every container as
    /// a label: after the state database is lost, it tells whether a re-applied spec is the
    /// one a container runs. Equal specs serialize equally (the model holds no hash maps).
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let json = serde_json::to_vec(self).unwrap_or_default();
        let hash = Sha256::digest(&json);
        let hex: String = hash[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}")
    }

    /// The network mode with the ECS default (`bridge`) applied.
    pub fn network_mode(&self) -> NetworkMode {
        self.network_mode.unwrap_or(NetworkMode::Bridge)
    }

    /// The container whose namespaces the others join, when the task shares any: the first
    /// one, under `networkMode: awsvpc`, `pidMode: task` or `ipcMode: task`.
    pub fn namespace_holder(&self) -> Option<&ContainerDefinition> {
        let shares = self.network_mode() == NetworkMode::Awsvpc
            || self.pid_mode == Some(PidMode::Task)
            || self.ipc_mode == Some(IpcMode::Task);
        self.container_definitions.first().filter(|_| shares)
    }

    /// The task volume called `name`.
    pub fn volume(&self, name: &str) -> Option<&Volume> {
        self.volumes.iter().find(|v| v.name == name)
    }

    /// Launch types this definition satisfies (ECS `compatibilities`; the rule lives in
    /// `model::launch`).
    pub fn compatibilities(&self) -> Vec<Compatibility> {
        super::launch::compatibilities(self)
    }

    /// The container definition called `name`.
    pub fn container(&self, name: &str) -> Option<&ContainerDefinition> {
        self.container_definitions.iter().find(|c| c.name == name)
    }
}

/// ECS `EphemeralStorage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EphemeralStorage {
    /// Size in GiB (21–200).
    #[serde(rename = "sizeInGiB")]
    pub size_in_gib: u32,
}

/// ECS `RuntimePlatform`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuntimePlatform {
    /// `X86_64` or `ARM64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_architecture: Option<CpuArchitecture>,
    /// Only `LINUX` runs here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operating_system_family: Option<OsFamily>,
}

/// ECS `CPUArchitecture`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CpuArchitecture {
    /// amd64.
    #[serde(rename = "X86_64")]
    X86_64,
    /// aarch64.
    Arm64,
}

impl CpuArchitecture {
    /// The architecture Rust names `arch` (`std::env::consts::ARCH`), if ECS knows it.
    pub fn from_rust_arch(arch: &str) -> Option<Self> {
        match arch {
            "x86_64" => Some(Self::X86_64),
            "aarch64" => Some(Self::Arm64),
            _ => None,
        }
    }
}

/// ECS `OSFamily`: the Linux one, and Windows ones ecsd cannot run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OsFamily {
    /// Linux containers.
    Linux,
    /// Any `WINDOWS_SERVER_*` family: not supported.
    #[serde(
        alias = "WINDOWS_SERVER_2019_FULL",
        alias = "WINDOWS_SERVER_2019_CORE",
        alias = "WINDOWS_SERVER_2016_FULL",
        alias = "WINDOWS_SERVER_2004_CORE",
        alias = "WINDOWS_SERVER_2022_CORE",
        alias = "WINDOWS_SERVER_2022_FULL",
        alias = "WINDOWS_SERVER_2025_CORE",
        alias = "WINDOWS_SERVER_2025_FULL",
        alias = "WINDOWS_SERVER_20H2_CORE"
    )]
    WindowsServer,
}

impl TaskDefinitionSpec {
    /// Why a task of this definition cannot run on a container instance of architecture
    /// `arch` (Rust's name for it), if it cannot.
    pub fn platform_problem(&self, arch: &str) -> Option<String> {
        let wanted = self.runtime_platform?.cpu_architecture?;
        let host = CpuArchitecture::from_rust_arch(arch);
        (host != Some(wanted)).then(|| {
            format!("runtimePlatform.cpuArchitecture {wanted:?} does not match the container instance's architecture {arch}")
        })
    }
}

/// Docker network mode of a task's containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkMode {
    /// The engine's default bridge network with published ports.
    Bridge,
    /// The host's network stack: container ports are host ports.
    Host,
    /// No network at all, only loopback.
    None,
    /// A network of the task's own that every container shares (ECS's per-task ENI).
    Awsvpc,
}

impl NetworkMode {
    /// Lowercase name as ECS writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkMode::Bridge => "bridge",
            NetworkMode::Host => "host",
            NetworkMode::None => "none",
            NetworkMode::Awsvpc => "awsvpc",
        }
    }
}

/// ECS `pidMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PidMode {
    /// The host's process namespace.
    Host,
    /// One process namespace for all containers of the task.
    Task,
}

/// ECS `ipcMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IpcMode {
    /// The host's IPC namespace.
    Host,
    /// One IPC namespace for all containers of the task.
    Task,
    /// A private IPC namespace without `/dev/shm`.
    None,
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

#[cfg(test)]
mod tests;
