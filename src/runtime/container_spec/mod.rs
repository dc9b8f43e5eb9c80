//! Pure mapping from a task's container definitions to what the engine should create: one
//! engine-neutral `ContainerSpec` per container, plus the volumes and network the task needs
//! before any of its containers exist.
//!
//! Task-level `cpu` and `memory` have no Docker field of their own. ecsd enforces them per
//! container: with task `memory`, a container without a hard `memory` gets the task's memory
//! as its limit; with task `cpu`, every container is capped at `cpu / 1024` cores (`NanoCpus`).
//! The container's own `cpu` stays a relative weight (CPU shares).

mod discovery;
mod environment;
mod health;
mod limits;
mod logging;
mod namespaces;
mod storage;

pub use discovery::{NetworkAttachment, cluster_network, cluster_network_name};
pub use environment::{env_file_paths, parse_env_file};
pub use health::HealthSpec;
pub use logging::LogSpec;
pub use namespaces::{NetworkSpec, task_network};
pub use storage::{VolumeSpec, task_volumes};

use super::labels;
use crate::model::{ContainerDefinition, Protocol, TaskDefinitionSpec};
use std::collections::BTreeMap;

/// Who a container belongs to, as its name and labels carry it: the task's identity, without
/// the rest of the task's record (the runtime knows nothing of the store).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskIdentity {
    /// 32-hex task id.
    pub id: String,
    /// Cluster name.
    pub cluster: String,
    /// `family:revision` the task runs.
    pub task_definition: String,
    /// The service it belongs to, if any.
    pub service: Option<String>,
    /// The deployment that started it, if any.
    pub deployment: Option<String>,
}

/// Everything the engine needs to create one container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerSpec {
    /// Deterministic container name.
    pub name: String,
    /// Image reference.
    pub image: String,
    /// `Cmd`.
    pub command: Option<Vec<String>>,
    /// `Entrypoint`.
    pub entry_point: Option<Vec<String>>,
    /// `KEY=value` pairs: environment files first, then `environment`, which wins.
    pub env: Vec<String>,
    /// `dockerLabels`, then ecsd's ownership and identity labels (which win).
    pub labels: BTreeMap<String, String>,
    /// Published ports.
    pub ports: Vec<PortSpec>,
    /// CPU, memory, shared memory and ulimits.
    pub limits: ResourceLimits,
    /// Network, PID and IPC namespaces and name resolution.
    pub namespaces: Namespaces,
    /// Bind mounts, volumes and tmpfs filesystems.
    pub mounts: Vec<MountSpec>,
    /// Containers whose volumes this one mounts: `name` or `name:ro`.
    pub volumes_from: Vec<String>,
    /// Privileges, capabilities and devices.
    pub security: SecuritySpec,
    /// User (and group) of the process.
    pub user: Option<String>,
    /// Working directory of the process.
    pub working_dir: Option<String>,
    /// Run an init process as PID 1 (None: the engine's default).
    pub init: Option<bool>,
    /// Keep stdin open.
    pub open_stdin: bool,
    /// Allocate a TTY.
    pub tty: bool,
    /// Seconds between SIGTERM and SIGKILL when the engine stops the container itself.
    pub stop_timeout_secs: Option<u64>,
    /// Always explicit, so an image HEALTHCHECK never applies unasked.
    pub health: HealthSpec,
    /// Log driver and options.
    pub log: LogSpec,
}

/// One port to publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortSpec {
    /// Port inside the container.
    pub container_port: u16,
    /// Fixed host port, or None for an ephemeral one.
    pub host_port: Option<u16>,
    /// Host address to bind; None for every interface (as `docker run -p`).
    pub host_ip: Option<std::net::IpAddr>,
    /// tcp or udp.
    pub protocol: Protocol,
}

/// Resource limits, in engine units (bytes, shares, billionths of a CPU).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceLimits {
    /// CPU shares (relative weight).
    pub cpu_shares: Option<i64>,
    /// CPU cap in billionths of a core (from task `cpu`).
    pub nano_cpus: Option<i64>,
    /// Hard memory limit in bytes.
    pub memory_bytes: Option<i64>,
    /// Soft memory limit in bytes.
    pub memory_reservation_bytes: Option<i64>,
    /// Memory plus swap in bytes.
    pub memory_swap_bytes: Option<i64>,
    /// Kernel swappiness 0–100.
    pub memory_swappiness: Option<i64>,
    /// Size of `/dev/shm` in bytes.
    pub shm_size_bytes: Option<i64>,
    /// Resource limits such as `nofile`.
    pub ulimits: Vec<UlimitSpec>,
}

/// One ulimit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UlimitSpec {
    /// Limit name (`nofile`, …).
    pub name: String,
    /// Soft limit.
    pub soft: i64,
    /// Hard limit.
    pub hard: i64,
}

/// Namespaces and name resolution.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Namespaces {
    /// `host`, `none`, a network name or `container:<name>`; None: the engine's default bridge.
    pub network_mode: Option<String>,
    /// Names the DNS of the network `network_mode` names answers for this container.
    pub network_aliases: Vec<String>,
    /// Further networks to join once created, before the container starts.
    pub attachments: Vec<NetworkAttachment>,
    /// `host` or `container:<name>`; None: a private namespace.
    pub pid_mode: Option<String>,
    /// `host`, `none`, `shareable` or `container:<name>`; None: the engine's default.
    pub ipc_mode: Option<String>,
    /// Host name inside the container.
    pub hostname: Option<String>,
    /// Legacy links: `<container name>:<alias>`.
    pub links: Vec<String>,
    /// Extra `/etc/hosts` lines as `host:ip`.
    pub extra_hosts: Vec<String>,
    /// DNS servers.
    pub dns: Vec<String>,
    /// DNS search domains.
    pub dns_search: Vec<String>,
    /// No network interface but loopback.
    pub network_disabled: bool,
}

/// A filesystem mounted into the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountSpec {
    /// A host path; the engine creates it when missing.
    Bind {
        /// Absolute host path.
        source: String,
        /// Absolute container path.
        target: String,
        /// Read-only.
        read_only: bool,
    },
    /// An engine-managed volume by name (see `task_volumes`).
    Volume {
        /// Volume name.
        name: String,
        /// Absolute container path.
        target: String,
        /// Read-only.
        read_only: bool,
    },
    /// An in-memory filesystem.
    Tmpfs {
        /// Absolute container path.
        target: String,
        /// Maximum size in bytes.
        size_bytes: i64,
        /// Mount options (`noexec`, `mode=1777`, …).
        options: Vec<String>,
    },
}

/// Privileges, capabilities and devices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecuritySpec {
    /// All capabilities and host devices.
    pub privileged: bool,
    /// Read-only root filesystem.
    pub readonly_rootfs: bool,
    /// Capabilities added.
    pub cap_add: Vec<String>,
    /// Capabilities dropped.
    pub cap_drop: Vec<String>,
    /// Host devices.
    pub devices: Vec<DeviceSpec>,
}

/// A host device exposed to the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSpec {
    /// Path on the host.
    pub host_path: String,
    /// Path in the container.
    pub container_path: String,
    /// Cgroup permissions, a subset of `rwm`.
    pub permissions: String,
}

/// `ecsd-<family>-<container>-<first 12 hex of the task id>`: stable across restarts, so a
/// repeated create after a crash collides and is adopted instead of duplicated.
pub fn container_name(family: &str, container: &str, task_id: &str) -> String {
    format!("ecsd-{family}-{container}-{}", task_prefix(task_id))
}

/// The engine spec for container `def` of task definition `td` in `task`, owned by daemon
/// `owner`; `env_files` holds the content of each `environmentFiles` path (read by the caller).
pub fn container_spec(
    def: &ContainerDefinition,
    td: &TaskDefinitionSpec,
    task: &TaskIdentity,
    owner: &str,
    env_files: &BTreeMap<String, String>,
) -> ContainerSpec {
    let family = family_of(task);
    let linux = def.linux_parameters.as_ref();
    ContainerSpec {
        name: container_name(family, &def.name, &task.id),
        image: def.image.clone(),
        command: def.command.clone(),
        entry_point: def.entry_point.clone(),
        env: environment::merged(def, env_files),
        labels: container_labels(def, td, task, owner),
        ports: namespaces::ports(def, td),
        limits: limits::limits(def, td),
        namespaces: namespaces::namespaces(def, td, task, owner),
        mounts: storage::mounts(def, td, &task.id),
        volumes_from: storage::volumes_from(def, family, &task.id),
        security: limits::security(def),
        user: def.user.clone(),
        working_dir: def.working_directory.clone(),
        init: linux.and_then(|l| l.init_process_enabled),
        open_stdin: def.interactive.unwrap_or(false),
        tty: def.pseudo_terminal.unwrap_or(false),
        stop_timeout_secs: def.stop_timeout.map(|s| s.0),
        health: health::health(def),
        log: logging::log(def),
    }
}

/// User labels first, so ecsd's own always win (validation rejects `ecsd.` keys anyway).
fn container_labels(
    def: &ContainerDefinition,
    td: &TaskDefinitionSpec,
    task: &TaskIdentity,
    owner: &str,
) -> BTreeMap<String, String> {
    let mut all = def.docker_labels.clone();
    all.extend([
        (labels::OWNER.to_string(), owner.to_string()),
        (labels::CLUSTER.to_string(), task.cluster.clone()),
        (labels::TASK.to_string(), task.id.clone()),
        (labels::CONTAINER.to_string(), def.name.clone()),
        (labels::TASK_DEFINITION.to_string(), task.task_definition.clone()),
        (labels::TASK_DEFINITION_DIGEST.to_string(), td.digest()),
    ]);
    if let Some(service) = &task.service {
        all.insert(labels::SERVICE.to_string(), service.clone());
    }
    if let Some(deployment) = &task.deployment {
        all.insert(labels::DEPLOYMENT.to_string(), deployment.clone());
    }
    all
}

/// The family part of the task's `family:revision`.
fn family_of(task: &TaskIdentity) -> &str {
    task.task_definition
        .split_once(':')
        .map_or(task.task_definition.as_str(), |(f, _)| f)
}

/// First 12 hex digits of a task id: short enough for names, unique enough on one machine.
fn task_prefix(task_id: &str) -> &str {
    task_id.get(..12).unwrap_or(task_id)
}

/// Bytes in `mib` MiB.
fn mib(mib: u32) -> i64 {
    i64::from(mib) << 20
}

#[cfg(test)]
mod tests;
