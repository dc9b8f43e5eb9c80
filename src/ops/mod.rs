//! Every user-visible operation and its rules, in one place that both doors call: the native
//! API (the `ecsd` CLI) and the ECS API. Each operation returns a typed [`OpsError`]; each door
//! maps it to its own wording in one exhaustive `match`, so a rule (a DRAINING service cannot
//! be scaled, a DAEMON service has no desired count, …) is written once and recognised by both.
//!
//! Operations write intent only (through the `Catalog`); the controllers act on it.

pub mod clusters;
pub mod container_instances;
pub mod manifests;
pub mod ownership;
pub mod scheduled_tasks;
pub mod services;
pub mod task_definitions;
pub mod task_placement;
pub mod tasks;

use crate::store::StoreError;

/// What kind of object an operation did not find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// A cluster.
    Cluster,
    /// A service.
    Service,
    /// A task.
    Task,
    /// A task definition (family or revision).
    TaskDefinition,
    /// A target group.
    TargetGroup,
    /// A load balancer.
    LoadBalancer,
    /// A scheduled task.
    ScheduledTask,
    /// A container instance.
    ContainerInstance,
}

impl ObjectKind {
    /// How a person names it.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Cluster => "cluster",
            ObjectKind::Service => "service",
            ObjectKind::Task => "task",
            ObjectKind::TaskDefinition => "task definition",
            ObjectKind::TargetGroup => "target group",
            ObjectKind::LoadBalancer => "load balancer",
            ObjectKind::ScheduledTask => "scheduled task",
            ObjectKind::ContainerInstance => "container instance",
        }
    }
}

/// Why an operation was refused or failed; nothing changed unless the variant says so.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// The named object does not exist.
    #[error("{} {name} not found", kind.as_str())]
    NotFound {
        /// Its kind.
        kind: ObjectKind,
        /// The name (or id, or reference) given.
        name: String,
    },
    /// The service is being deleted (DRAINING) and may no longer change.
    #[error("service {cluster}/{name} is being deleted (DRAINING)")]
    ServiceDraining {
        /// Its cluster.
        cluster: String,
        /// Its name.
        name: String,
    },
    /// The service was deleted and is remembered as INACTIVE.
    #[error("service {cluster}/{name} was deleted (INACTIVE)")]
    ServiceInactive {
        /// Its cluster.
        cluster: String,
        /// Its name.
        name: String,
    },
    /// A DAEMON service runs one task per container instance: it has no desired count to set.
    #[error(
        "service {cluster}/{name} is a DAEMON service: it runs one task per container instance and cannot be scaled"
    )]
    DaemonNotScalable {
        /// Its cluster.
        cluster: String,
        /// Its name.
        name: String,
    },
    /// A REPLICA service must be scaled to 0 before it is deleted (unless forced).
    #[error("service {cluster}/{name} runs {desired} tasks: scale it to 0 first, or force the deletion")]
    ServiceStillScaled {
        /// Its cluster.
        cluster: String,
        /// Its name.
        name: String,
        /// Its desired count.
        desired: u32,
    },
    /// A count or size is outside what is allowed.
    #[error("{field}: {why}")]
    OutOfRange {
        /// The field.
        field: &'static str,
        /// The bound, in words.
        why: String,
    },
    /// No container instance of the cluster can take the task (each instance's ECS reason).
    #[error("no container instance of cluster {cluster} can take a task of {task_definition}: {reasons}")]
    Unplaced {
        /// The cluster.
        cluster: String,
        /// The task definition asked for.
        task_definition: String,
        /// Each instance considered with what stopped it: `local (DRAINING), pi (RESOURCE:MEMORY)`.
        reasons: String,
    },
    /// The daemon's own engine is in every cluster for as long as the daemon runs.
    #[error(
        "container instance local of cluster {cluster} is the daemon's own engine and cannot be deleted: drain it instead (`ecsd drain instance local`)"
    )]
    LocalInstance {
        /// The cluster named.
        cluster: String,
    },
    /// A container instance is deleted only once nothing runs on it (unless forced).
    #[error(
        "container instance {name} of cluster {cluster} still runs {tasks} task(s): drain it first with `ecsd drain instance {name}` \
         (its service tasks move elsewhere; stop its standalone tasks with `ecsd stop-task`), then delete it once it runs none"
    )]
    InstanceRunsTasks {
        /// Its cluster.
        cluster: String,
        /// Its name.
        name: String,
        /// Tasks on it that have not STOPPED.
        tasks: usize,
    },
    /// A container instance would carry more custom attributes than allowed.
    #[error("container instance {instance} would have more than {limit} custom attributes")]
    AttributeLimit {
        /// Its name.
        instance: String,
        /// The limit.
        limit: usize,
    },
    /// Scheduled tasks of the same name in several clusters, asked for by name alone.
    #[error(
        "scheduled tasks named {name} exist in clusters {}: rename one to reach it by name alone",
        clusters.join(", ")
    )]
    AmbiguousSchedule {
        /// The name given.
        name: String,
        /// The clusters that have one.
        clusters: Vec<String>,
    },
    /// A task id prefix matches several tasks.
    #[error("task id prefix {prefix} matches {count} tasks; give more characters")]
    AmbiguousTask {
        /// The prefix given.
        prefix: String,
        /// How many tasks it matches.
        count: usize,
    },
    /// A task definition reference is malformed.
    #[error("task definition {reference:?}: {why}")]
    InvalidReference {
        /// The reference given.
        reference: String,
        /// What is wrong with it.
        why: String,
    },
    /// The changed spec breaks a rule (field path and message).
    #[error("{0}")]
    InvalidSpec(String),
    /// `rollout undo` without an earlier completed deployment.
    #[error("service {cluster}/{name}: no earlier completed deployment to roll back to")]
    NothingToUndo {
        /// Its cluster.
        cluster: String,
        /// Its name.
        name: String,
    },
    /// A watched folder manages the object; a CLI change would be undone by its next sync.
    #[error(
        "{object} is managed by {path}: change it there (or pass --force; the folder's next sync undoes the change)"
    )]
    ManagedByFolder {
        /// The object (`service default/web`).
        object: String,
        /// The manifest file that declares it.
        path: String,
    },
    /// The state could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl OpsError {
    fn not_found(kind: ObjectKind, name: impl Into<String>) -> Self {
        OpsError::NotFound {
            kind,
            name: name.into(),
        }
    }
}
