//! Container Insights on one machine: resource samples of every running container, kept as
//! a bounded in-memory history (never in sled), and what is derived from it.
//!
//! - `cgroup`: the kernel's counters of a container (cgroup v1 or v2, `/proc/<pid>/net/dev`).
//! - `source`: the `UsageSource` trait (the side effect), its engine implementation (cgroups
//!   where readable, the engine's one-shot stats otherwise) and a fake.
//! - `history`: per-container ring of samples; a container that stops is forgotten.
//! - `collector`: the sampling loop (`ecsd serve --metrics-interval`).
//! - `rates`: pure arithmetic from two samples to cores and byte rates, rolled up by task.
//! - `health`: the daemon's own counters (reconciles, latency, engine calls, sampling cost);
//!   `instrumented`: the engine wrapped to time every call.
//! - `inventory`: what the store says exists (clusters, services, live tasks, reservations).
//! - `insights`: Container Insights' metrics with ECS's names and dimensions (pure).
//! - `top`: the lines of `ecsd top` (pure).
//! - `exposition`: the Prometheus text format (pure); `view`: the readers' shared state and
//!   `GET /metrics`.

pub mod cgroup;
pub mod collector;
pub mod exposition;
pub mod health;
pub mod history;
pub mod insights;
pub mod instrumented;
pub mod inventory;
pub mod rates;
pub mod source;
pub mod top;
pub mod view;

pub use cgroup::CgroupReader;
pub use health::{AtomicHistogram, DaemonHealth, Histogram, Outcome};
pub use history::{Sample, Series, UsageHistory};
pub use instrumented::InstrumentedRuntime;
pub use rates::{TaskUtilization, Utilization};
pub use source::{ContainerRef, ContainerUsage, EngineUsage, FleetUsage, UsageSource, engine_is_local};
pub use view::MetricsView;

#[cfg(any(test, feature = "test-support"))]
pub use source::FakeUsage;

/// Why a sample could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// A cgroup or proc file could not be read (the container stopped, or the daemon cannot
    /// see the engine's cgroups).
    #[error("read {path}: {message}")]
    Cgroup {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// The engine could not list or report containers.
    #[error(transparent)]
    Runtime(#[from] crate::runtime::RuntimeError),
    /// The store could not be read.
    #[error(transparent)]
    Inventory(#[from] crate::ops::OpsError),
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The blocking file reads did not finish (the runtime is shutting down).
    #[error("cgroup reads: {0}")]
    Join(String),
}
