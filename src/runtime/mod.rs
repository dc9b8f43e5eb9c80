//! The container engine behind a narrow trait: Docker or Podman through bollard, or a fake.
//!
//! Controllers speak only `ContainerRuntime`; engine quirks stay in the adapter.

mod container_spec;
mod docker;
#[cfg(any(test, feature = "test-support"))]
mod fake;
pub mod labels;
mod usage;

pub use container_spec::{
    ContainerSpec, DeviceSpec, HealthSpec, LogSpec, MountSpec, Namespaces, NetworkAttachment, NetworkSpec,
    PortSpec, ResourceLimits, SecuritySpec, TaskIdentity, UlimitSpec, VolumeSpec, cluster_network,
    cluster_network_name, container_name, container_spec, env_file_paths, parse_env_file, task_network,
    task_volumes,
};
pub use docker::{DockerRuntime, ExecSession};
#[cfg(any(test, feature = "test-support"))]
pub use fake::{FakeCall, FakeRuntime};
pub use usage::ResourceUsage;

use crate::model::NetworkBinding;
use async_trait::async_trait;
use futures::stream::BoxStream;
use std::collections::BTreeMap;
use std::time::Duration;

/// Errors from the engine, by the operation that failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RuntimeError {
    /// The engine socket does not answer.
    #[error("engine at {endpoint} is unreachable: {message}")]
    Unreachable {
        /// Socket or URL.
        endpoint: String,
        /// Why.
        message: String,
    },
    /// A container with this name already exists (adopt it).
    #[error("container name {name} is already in use")]
    NameConflict {
        /// Container name.
        name: String,
    },
    /// The image is not present and could not be found.
    #[error("image {image} not found")]
    ImageNotFound {
        /// Image reference.
        image: String,
    },
    /// The container does not exist.
    #[error("container {id} not found")]
    NotFound {
        /// Container id or name.
        id: String,
    },
    /// Any other engine failure.
    #[error("{op} {id}: {message}")]
    Engine {
        /// Operation (`create`, `start`, …).
        op: &'static str,
        /// Container id or name.
        id: String,
        /// Engine message.
        message: String,
    },
}

/// Engine identity, as negotiated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineInfo {
    /// `docker` or `podman`.
    pub name: String,
    /// Engine version string.
    pub version: String,
    /// API version in use after negotiation.
    pub api_version: String,
    /// Logical CPUs of the engine's host.
    pub cpus: u64,
    /// Memory of the engine's host, in bytes.
    pub memory_bytes: u64,
    /// CPU architecture as ECS names it (`x86_64`, `arm64`).
    pub architecture: String,
}

/// Engine-level container state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerState {
    /// Created, never started.
    Created,
    /// Running (or paused/restarting: a process exists).
    Running,
    /// Exited or dead.
    Exited,
    /// Being removed.
    Removing,
}

/// Engine-reported health of a container that has a health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthState {
    /// Not yet decided (inside the start period, or no probe has run).
    Starting,
    /// The last probe passed.
    Healthy,
    /// `retries` consecutive probes failed.
    Unhealthy,
}

/// Result of a command run inside a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    /// Exit code of the command.
    pub exit_code: i64,
    /// Combined stdout and stderr (truncated to a few KiB).
    pub output: String,
}

/// Which log lines to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogOptions {
    /// Keep streaming new lines.
    pub follow: bool,
    /// Only the last N lines.
    pub tail: Option<u64>,
    /// Only lines newer than this (seconds since the epoch).
    pub since: Option<i64>,
}

/// A chunk of container output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogChunk {
    /// true for stderr.
    pub stderr: bool,
    /// The bytes as text (lossy UTF-8).
    pub text: String,
}

/// A container as the engine reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerInfo {
    /// Engine id.
    pub id: String,
    /// Name without the leading `/`.
    pub name: String,
    /// All labels.
    pub labels: BTreeMap<String, String>,
    /// Current state.
    pub state: ContainerState,
    /// Exit code (inspect only, once exited).
    pub exit_code: Option<i64>,
    /// Engine error text (e.g. a failed start), if any.
    pub error: Option<String>,
    /// Killed by the kernel OOM killer.
    pub oom_killed: bool,
    /// Published ports.
    pub ports: Vec<NetworkBinding>,
    /// Health, when the container has a health check (inspect only).
    pub health: Option<HealthState>,
    /// The engine's last health check runs, oldest first (inspect only).
    pub health_log: Vec<crate::model::HealthProbe>,
    /// When the process last started (ms since epoch; inspect only).
    pub started_at: Option<u64>,
    /// When the process last exited (ms since epoch; inspect only).
    pub finished_at: Option<u64>,
    /// The main process's pid in the engine host's pid namespace, while it runs (inspect
    /// only): where the metrics collector finds the container's cgroups and network.
    pub pid: Option<u32>,
}

impl ContainerInfo {
    /// A label's value.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }
}

/// A container event from the engine (a trigger only; state is always re-read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineEvent {
    /// Container id.
    pub container_id: String,
    /// Normalized action (`start`, `die`, `destroy`, …).
    pub action: String,
    /// Container labels carried by the event.
    pub labels: BTreeMap<String, String>,
}

/// The operations ecsd needs from a container engine.
#[async_trait]
pub trait ContainerRuntime: Send + Sync {
    /// Checks the engine answers and reports what it is.
    async fn info(&self) -> Result<EngineInfo, RuntimeError>;
    /// Creates a container; a name already in use is `NameConflict`.
    async fn create(&self, spec: &ContainerSpec) -> Result<String, RuntimeError>;
    /// Starts a created container.
    async fn start(&self, id: &str) -> Result<(), RuntimeError>;
    /// Stops with SIGTERM, then SIGKILL after `timeout`.
    async fn stop(&self, id: &str, timeout: Duration) -> Result<(), RuntimeError>;
    /// Removes a container (and its anonymous volumes); missing is not an error.
    async fn remove(&self, id: &str) -> Result<(), RuntimeError>;
    /// Full state of one container, or None if it does not exist.
    async fn inspect(&self, id_or_name: &str) -> Result<Option<ContainerInfo>, RuntimeError>;
    /// Every container (running or not) carrying all of `labels` (`key=value`).
    async fn list(&self, labels: &[String]) -> Result<Vec<ContainerInfo>, RuntimeError>;
    /// Container events for containers carrying `label` (`key=value`); ends when the stream breaks.
    fn events(&self, label: &str) -> BoxStream<'static, Result<EngineEvent, RuntimeError>>;
    /// Whether `image` is present locally.
    async fn image_exists(&self, image: &str) -> Result<bool, RuntimeError>;
    /// Pulls `image` (credentials from the Docker config); `ImageNotFound` when it cannot.
    async fn pull(&self, image: &str) -> Result<(), RuntimeError>;
    /// Runs `cmd` in a running container and waits up to `timeout` for it.
    async fn exec(&self, id: &str, cmd: &[String], timeout: Duration) -> Result<ExecOutput, RuntimeError>;
    /// Output of a container.
    fn logs(&self, id: &str, options: &LogOptions) -> BoxStream<'static, Result<LogChunk, RuntimeError>>;
    /// Makes sure a named volume exists, creating it when `spec` allows; false when it is
    /// missing and may not be created.
    async fn ensure_volume(&self, spec: &VolumeSpec) -> Result<bool, RuntimeError>;
    /// Removes a volume; missing is not an error.
    async fn remove_volume(&self, name: &str) -> Result<(), RuntimeError>;
    /// Makes sure a network exists.
    async fn ensure_network(&self, spec: &NetworkSpec) -> Result<(), RuntimeError>;
    /// Removes a network; missing is not an error.
    async fn remove_network(&self, name: &str) -> Result<(), RuntimeError>;
    /// One snapshot of a running container's resource counters from the engine (one-shot:
    /// answers at once, without the engine's second sample); None when it does not exist.
    async fn stats(&self, id: &str) -> Result<Option<ResourceUsage>, RuntimeError>;
}
