//! Desired and observed state: a small key-value `Store` trait (sled on disk, memory in tests)
//! and the typed `Catalog` every other module uses.
//!
//! Spec and status live under separate keys so their writers (API vs controllers) never race.

mod catalog;
pub mod integrity;
#[cfg(any(test, feature = "test-support"))]
mod memory;
mod records;
mod schedule_records;
mod sled_store;

pub use catalog::declared_instance_id;
pub use catalog::{ApplyOutcome, Catalog, Change, LoadBalancerRecord, TargetGroupRecord};
#[cfg(any(test, feature = "test-support"))]
pub use memory::MemoryStore;
pub use records::{
    ADOPTED_BY, ClusterRecord, ContainerInstanceRecord, ContainerStatus, Deployment, DeploymentStatus,
    EVENTS_KEPT, EngineFacts, FileSync, FileSyncState, FolderSync, InstanceRecord, InstanceStatus,
    LoadBalancingRecord, Origin, RolloutState, ServiceEvent, ServiceRecord, ServiceStatus, StateRecovery,
    TaskDefinitionRecord, TaskDefinitionStatus, TaskLaunch, TaskRecord, TaskStatus, Tombstone,
};
pub use schedule_records::{RuleBinding, RunOutcome, ScheduleRun, ScheduleStatus, ScheduledTaskRecord};
pub use sled_store::SledStore;

/// Errors from reading or writing state.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process (another ecsd on the same state directory) holds the database.
    #[error(
        "the state at {path} is in use by another process (is another `ecsd serve` using this --state-dir?)"
    )]
    Locked {
        /// State directory.
        path: String,
    },
    /// The database could not be opened.
    #[error("cannot open state at {path}: {source}")]
    Open {
        /// State directory.
        path: String,
        /// Underlying sled error.
        source: sled::Error,
    },
    /// The file that holds the database's id could not be read or written.
    #[error("state integrity marker {path}: {source}")]
    Marker {
        /// The id file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A read or write failed.
    #[error("state {tree}/{key}: {source}")]
    Io {
        /// Tree name.
        tree: &'static str,
        /// Key.
        key: String,
        /// Underlying sled error.
        source: sled::Error,
    },
    /// A stored value does not decode (written by an incompatible version, or corrupt).
    #[error("state {tree}/{key} is unreadable: {source}")]
    Decode {
        /// Tree name.
        tree: &'static str,
        /// Key.
        key: String,
        /// JSON error.
        source: serde_json::Error,
    },
    /// An update was refused because of the object's state.
    #[error("{0}")]
    Conflict(String),
    /// The named object does not exist.
    #[error("{0} not found")]
    NotFound(String),
}

/// The separate keyspaces of the state database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tree {
    /// Daemon-wide values (revision counters).
    Meta,
    /// Cluster records.
    Clusters,
    /// Task definition revisions, keyed `family/revision`.
    TaskDefinitions,
    /// Service specs, keyed `cluster/name`.
    Services,
    /// Service status, keyed `cluster/name`.
    ServiceStatus,
    /// Task records (intent), keyed by task id.
    Tasks,
    /// Task status (observed), keyed by task id.
    TaskStatus,
    /// Target group records, keyed by name.
    TargetGroups,
    /// Load balancer records, keyed by name.
    LoadBalancers,
    /// Scheduled task records, keyed by `cluster/name`.
    ScheduledTasks,
    /// What each schedule has fired, keyed by `cluster/name`.
    ScheduleStatus,
    /// Declared container instances (engines), keyed by `cluster/name`.
    ContainerInstances,
}

impl Tree {
    /// Every tree.
    pub const ALL: [Tree; 12] = [
        Tree::Meta,
        Tree::Clusters,
        Tree::TaskDefinitions,
        Tree::Services,
        Tree::ServiceStatus,
        Tree::Tasks,
        Tree::TaskStatus,
        Tree::TargetGroups,
        Tree::LoadBalancers,
        Tree::ScheduledTasks,
        Tree::ScheduleStatus,
        Tree::ContainerInstances,
    ];

    /// Name of the tree on disk.
    pub fn name(self) -> &'static str {
        match self {
            Tree::Meta => "meta",
            Tree::Clusters => "clusters",
            Tree::TaskDefinitions => "task_definitions",
            Tree::Services => "services",
            Tree::ServiceStatus => "service_status",
            Tree::Tasks => "tasks",
            Tree::TaskStatus => "task_status",
            Tree::TargetGroups => "target_groups",
            Tree::LoadBalancers => "load_balancers",
            Tree::ScheduledTasks => "scheduled_tasks",
            Tree::ScheduleStatus => "schedule_status",
            Tree::ContainerInstances => "container_instances",
        }
    }

    /// Intent must survive a crash the moment it is acknowledged. Observed status is written
    /// often, so it is flushed only at its milestones (see `Catalog::put_task_status` and
    /// `Catalog::put_service_status`): counts and probe bookkeeping may be lost.
    pub fn is_durable(self) -> bool {
        !matches!(self, Tree::ServiceStatus | Tree::TaskStatus)
    }
}

/// Raw ordered key-value storage with compare-and-swap; durable trees are flushed before returning.
pub trait Store: Send + Sync {
    /// Reads one value.
    fn get(&self, tree: Tree, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Lists values whose key starts with `prefix`, in key order.
    fn scan(&self, tree: Tree, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError>;
    /// Sets `key` to `new` (None deletes) if it currently holds `old`; returns whether it did.
    fn compare_and_swap(
        &self,
        tree: Tree,
        key: &str,
        old: Option<&[u8]>,
        new: Option<Vec<u8>>,
    ) -> Result<bool, StoreError>;
    /// Forces everything written so far to disk.
    fn flush(&self) -> Result<(), StoreError>;
}
