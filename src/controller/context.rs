//! What every reconciler shares: state, engine, identity, settings and the queue.

use super::exit_hints::ExitHints;
use super::queue::WorkQueue;
use crate::clock::Clock;
use crate::fleet::Engines;
use crate::runtime::{ContainerRuntime, RuntimeError};
use crate::store::Catalog;
use crate::store::TaskRecord;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A unit of reconcile work.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ObjectKey {
    /// A service, by cluster and name.
    Service {
        /// Cluster name.
        cluster: String,
        /// Service name.
        name: String,
    },
    /// A task, by id.
    Task(String),
    /// The load balancers and target groups, as one config.
    LoadBalancing,
    /// A cluster, by name (its shared network goes once it is deleted).
    Cluster(String),
    /// A scheduled task, by cluster and name.
    ScheduledTask {
        /// Cluster name.
        cluster: String,
        /// Schedule name.
        name: String,
    },
}

impl ObjectKey {
    /// Key of a service.
    pub fn service(cluster: &str, name: &str) -> Self {
        ObjectKey::Service {
            cluster: cluster.to_string(),
            name: name.to_string(),
        }
    }

    /// Kind name for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            ObjectKey::Service { .. } => "service",
            ObjectKey::Task(_) => "task",
            ObjectKey::LoadBalancing => "loadbalancing",
            ObjectKey::Cluster(_) => "cluster",
            ObjectKey::ScheduledTask { .. } => "scheduledtask",
        }
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectKey::Service { cluster, name } | ObjectKey::ScheduledTask { cluster, name } => {
                write!(f, "{cluster}/{name}")
            }
            ObjectKey::Task(id) | ObjectKey::Cluster(id) => f.write_str(id),
            ObjectKey::LoadBalancing => f.write_str("load balancers"),
        }
    }
}

/// Tunables of the controllers.
#[derive(Debug, Clone)]
pub struct ControllerSettings {
    /// SIGTERM → SIGKILL grace when stopping a container (ECS default 30 s).
    pub stop_timeout: Duration,
    /// Period of the full resync.
    pub resync_interval: Duration,
    /// Reconciles running at once.
    pub concurrency: usize,
    /// How long stopped tasks stay visible.
    pub task_retention: Duration,
    /// A task without a health check counts as healthy after running this long.
    pub min_healthy_time: Duration,
    /// A deployment's task that is not healthy after this long is replaced (and counts as failed).
    pub task_healthy_deadline: Duration,
    /// A deployment that makes no progress for this long fails.
    pub progress_deadline: Duration,
    /// A declared instance whose engine has not answered for this long is lost: its tasks
    /// stop and their services replace them elsewhere.
    pub instance_lost_grace: Duration,
}

impl Default for ControllerSettings {
    fn default() -> Self {
        Self {
            stop_timeout: Duration::from_secs(30),
            resync_interval: Duration::from_secs(30),
            concurrency: 16,
            task_retention: Duration::from_secs(3600),
            min_healthy_time: Duration::from_secs(10),
            task_healthy_deadline: Duration::from_secs(300),
            progress_deadline: Duration::from_secs(600),
            instance_lost_grace: Duration::from_secs(180),
        }
    }
}

/// Shared by every reconciler.
pub struct Context {
    /// Time source for every timestamp the controllers record.
    pub clock: Clock,
    /// Desired and observed state.
    pub catalog: Catalog,
    /// The engine of every container instance (the daemon's own and the declared ones).
    pub engines: Arc<Engines>,
    /// This daemon's id (the `ecsd.owner` label value).
    pub owner: String,
    /// Tunables.
    pub settings: ControllerSettings,
    /// Where reconcilers enqueue follow-up work.
    pub queue: Arc<WorkQueue<ObjectKey>>,
    /// Containers that died moments ago (their listed state may lag).
    pub exits: ExitHints,
    /// The built-in load balancer: targets registered and drained by the task lifecycle.
    pub lb: crate::lb::LoadBalancers,
    /// Tasks whose targets have drained (SIGTERM may follow).
    pub drains: super::task::targets::Drains,
    /// Target state changes waiting to become service events.
    pub news: super::task::targets::TargetNews,
    /// The daemon's own counters: every reconcile's kind, outcome and latency.
    pub health: Arc<crate::metrics::DaemonHealth>,
}

impl Context {
    /// The daemon's own engine.
    pub fn local_engine(&self) -> Arc<dyn ContainerRuntime> {
        self.engines.local()
    }

    /// The engine of the instance `task` was placed on; `Unreachable` while that instance
    /// has no connected engine.
    pub fn engine_for(&self, task: &TaskRecord) -> Result<Arc<dyn ContainerRuntime>, RuntimeError> {
        self.engine_of(task.container_instance.as_deref())
    }

    /// The engine of instance `id` (`None`: the daemon's own).
    pub fn engine_of(&self, id: Option<&str>) -> Result<Arc<dyn ContainerRuntime>, RuntimeError> {
        self.engines.get(id).ok_or_else(|| RuntimeError::Unreachable {
            endpoint: format!("container instance {}", id.unwrap_or_default()),
            message: "no engine connection for this container instance (not declared, or not connected yet)"
                .into(),
        })
    }
}
