//! The container engine behind a narrow trait: Docker or Podman through bollard, or a fake.
//!
//! Controllers speak only `ContainerRuntime`; engine quirks stay in the adapter.

mod container_spec;
mod docker;
mod fake;
pub mod labels;

pub use container_spec::{ContainerSpec, PortSpec, container_name, container_spec};
pub use docker::DockerRuntime;
pub use fake::{FakeCall, FakeRuntime};

use crate::store::NetworkBinding;
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
}
