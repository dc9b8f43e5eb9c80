//! What the store holds for each object: intent records and observed-status records.

use crate::model::{
    DesiredStatus, HealthStatus, NetworkBinding, RestartCounts, ServiceSpec, StopCode, TaskDefinitionSpec,
    TaskState,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterRecord {
    /// Cluster name.
    pub name: String,
    /// Labels from the manifest.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Creation time (ms since epoch).
    pub created_at: u64,
    /// Settings as given (ECS `settings`; `containerInsights`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<crate::model::ClusterSetting>,
}

/// A `TargetGroup` or `LoadBalancer`: its manifest spec, labels and creation time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadBalancingRecord<S> {
    /// Name (unique per kind).
    pub name: String,
    /// The manifest's spec.
    pub spec: S,
    /// Labels from the manifest.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Creation time (ms since epoch).
    pub created_at: u64,
}

/// An object that was deleted, kept for a while so ECS can still describe it as INACTIVE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tombstone<T> {
    /// The object as it was when deleted.
    pub record: T,
    /// Deletion time (ms since epoch).
    pub deleted_at: u64,
}

/// Whether new tasks may be placed on a container instance (ECS `status`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InstanceStatus {
    /// Accepts new tasks.
    #[default]
    Active,
    /// Accepts no new tasks (UpdateContainerInstancesState).
    Draining,
}

impl InstanceStatus {
    /// ECS's name: `ACTIVE` or `DRAINING`.
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceStatus::Active => "ACTIVE",
            InstanceStatus::Draining => "DRAINING",
        }
    }
}

/// The machine's registration in one cluster (ecsd's one container instance per cluster).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerInstanceRecord {
    /// ACTIVE or DRAINING.
    #[serde(default)]
    pub status: InstanceStatus,
    /// Custom attributes (PutAttributes); a name without a value is allowed.
    #[serde(default)]
    pub attributes: BTreeMap<String, Option<String>>,
    /// Bumped on every change (ECS `version`).
    #[serde(default)]
    pub version: u64,
}

/// A declared container instance: one more engine in a cluster (`kind: ContainerInstance`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InstanceRecord {
    /// Cluster it belongs to.
    pub cluster: String,
    /// Its name (`metadata.name`).
    pub name: String,
    /// Its container instance id (32 hex, derived from cluster and name, so it stays the same
    /// across a lost database).
    pub id: String,
    /// How to reach it and what it offers placement.
    pub spec: crate::model::ContainerInstanceSpec,
    /// Free-form labels (its ECS tags).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// When it was first declared (ms since epoch).
    pub created_at: u64,
}

/// What the daemon last learned from an instance's engine (written when it changes).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EngineFacts {
    /// The engine answered its last ping (ECS `agentConnected`).
    pub connected: bool,
    /// When `connected` last changed (ms since epoch).
    pub since: u64,
    /// `docker` or `podman`.
    #[serde(default)]
    pub engine: String,
    /// Engine version.
    #[serde(default)]
    pub version: String,
    /// CPU units it offers (1024 per core).
    #[serde(default)]
    pub cpu: u64,
    /// MiB of memory it offers.
    #[serde(default)]
    pub memory: u64,
    /// ECS `ecs.cpu-architecture` (`x86_64`, `arm64`).
    #[serde(default)]
    pub architecture: String,
    /// The last error talking to it, while disconnected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Lifecycle of a task definition revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskDefinitionStatus {
    /// Usable for new tasks.
    Active,
    /// Deregistered; kept as history.
    Inactive,
    /// Deletion requested (ECS DeleteTaskDefinitions): no longer usable or listed as INACTIVE;
    /// kept so tasks that still run it keep their definition.
    DeleteInProgress,
}

/// One immutable revision of a task definition family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskDefinitionRecord {
    /// Family name.
    pub family: String,
    /// Revision number, 1-based, never reused.
    pub revision: u32,
    /// ACTIVE or INACTIVE.
    pub status: TaskDefinitionStatus,
    /// The definition as registered.
    pub spec: TaskDefinitionSpec,
    /// Labels from the manifest.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Registration time (ms since epoch).
    pub registered_at: u64,
    /// Deregistration time, if deregistered.
    #[serde(default)]
    pub deregistered_at: Option<u64>,
    /// When its deletion was requested, if it was.
    #[serde(default)]
    pub delete_requested_at: Option<u64>,
}

impl TaskDefinitionRecord {
    /// `family:revision`.
    pub fn reference(&self) -> String {
        format!("{}:{}", self.family, self.revision)
    }
}

/// A service's desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceRecord {
    /// Cluster name.
    pub cluster: String,
    /// Service name.
    pub name: String,
    /// The spec as last applied.
    pub spec: ServiceSpec,
    /// Labels from the manifest.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Bumped on every spec change.
    pub generation: u64,
    /// Creation time (ms since epoch).
    pub created_at: u64,
    /// Set by delete: the service drains its tasks, then disappears.
    #[serde(default)]
    pub deleting: bool,
    /// Bumped by `rollout restart` / forceNewDeployment: a new deployment of the same revision.
    #[serde(default)]
    pub restart_nonce: u64,
}

impl ServiceRecord {
    /// What, besides the revision, makes a new deployment: `rollout restart` (the restart
    /// nonce) and, as in ECS, a change of the service's load balancers.
    pub fn deployment_nonce(&self) -> u64 {
        if self.spec.load_balancers.is_empty() {
            return self.restart_nonce;
        }
        use sha2::Digest;
        let text = serde_json::to_vec(&self.spec.load_balancers).unwrap_or_default();
        let digest = sha2::Sha256::digest(&text);
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        self.restart_nonce.wrapping_add(u64::from_le_bytes(first))
    }
}

impl ServiceRecord {
    /// Desired number of tasks as the spec says it (0 once deleting; a DAEMON's count
    /// depends on the instances, see `desired_count_in`: 1 here).
    pub fn desired_count(&self) -> u32 {
        if self.deleting {
            0
        } else if self.spec.scheduling_strategy == crate::model::SchedulingStrategy::Daemon {
            1
        } else {
            self.spec.desired_count.unwrap_or(0)
        }
    }

    /// Desired number of tasks as the scheduler last computed it: a DAEMON wants one per
    /// instance it covers, which its PRIMARY deployment records.
    pub fn desired_count_in(&self, status: &ServiceStatus) -> u32 {
        let daemon = self.spec.scheduling_strategy == crate::model::SchedulingStrategy::Daemon;
        match status
            .deployments
            .iter()
            .find(|d| d.status == DeploymentStatus::Primary)
        {
            Some(p) if daemon && !self.deleting => p.desired_count,
            _ => self.desired_count(),
        }
    }
}

/// ECS deployment `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeploymentStatus {
    /// The deployment new tasks belong to.
    Primary,
    /// An older deployment whose tasks are being replaced.
    Active,
    /// Fully replaced (kept as history).
    Inactive,
}

/// ECS `rolloutState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RolloutState {
    /// Tasks are being started or replaced.
    InProgress,
    /// Every desired task runs this deployment, healthy, and nothing else remains.
    Completed,
    /// Gave up: the circuit breaker tripped or the progress deadline passed.
    Failed,
}

/// One deployment of a service (ECS `Deployment`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// `ecs-svc/<19 digits>`; also the `startedBy` and `ecsd.deployment` label of its tasks.
    pub id: String,
    /// `family:revision` its tasks run.
    pub task_definition: String,
    /// PRIMARY, ACTIVE or INACTIVE.
    pub status: DeploymentStatus,
    /// IN_PROGRESS, COMPLETED or FAILED.
    pub rollout_state: RolloutState,
    /// Why it is in that state.
    #[serde(default)]
    pub rollout_state_reason: Option<String>,
    /// Tasks it should run.
    pub desired_count: u32,
    /// Its RUNNING tasks.
    pub running_count: u32,
    /// Its tasks not yet RUNNING.
    pub pending_count: u32,
    /// Its tasks that failed before becoming healthy (reset by a healthy task).
    pub failed_tasks: u32,
    /// `restart_nonce` of the service when it was made.
    #[serde(default)]
    pub restart_nonce: u64,
    /// The deployment this one rolled back from, if it is a rollback.
    #[serde(default)]
    pub rollback_from: Option<String>,
    /// Creation time (ms since epoch).
    pub created_at: u64,
    /// Last change (ms since epoch).
    pub updated_at: u64,
    /// When it last made progress (a task became healthy), for the progress deadline.
    #[serde(default)]
    pub progressed_at: u64,
    /// Every image of its task definition is present (pulled or verified) — the preflight
    /// that must pass before any old task is stopped.
    #[serde(default)]
    pub images_ready: bool,
}

/// A service event (ECS `ServiceEvent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceEvent {
    /// Unique id.
    pub id: String,
    /// When (ms since epoch).
    pub created_at: u64,
    /// ECS-worded message, e.g. `(service web) has reached a steady state.`
    pub message: String,
}

/// How many events a service, a watched folder or a schedule keeps (ECS keeps a service's
/// latest 100).
pub const EVENTS_KEPT: usize = 100;

impl ServiceEvent {
    /// Records `message` at `now` as the newest of `events` (newest first) unless it repeats
    /// the newest one, keeping at most [`EVENTS_KEPT`].
    pub fn push(events: &mut Vec<ServiceEvent>, message: String, now: u64) {
        if events.first().is_some_and(|e| e.message == message) {
            return;
        }
        // Unique even for several events in one millisecond, and after the oldest are dropped.
        let same_instant = events.iter().take_while(|e| e.created_at == now).count();
        events.insert(
            0,
            ServiceEvent {
                id: format!("{now}-{same_instant}"),
                created_at: now,
                message,
            },
        );
        events.truncate(EVENTS_KEPT);
    }
}

/// A service's observed state, written by the service controller.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceStatus {
    /// Generation of the spec this status reflects.
    pub observed_generation: u64,
    /// Resolved `family:revision` the service runs.
    #[serde(default)]
    pub task_definition: Option<String>,
    /// Tasks RUNNING.
    pub running_count: u32,
    /// Tasks not yet RUNNING.
    pub pending_count: u32,
    /// Why the service cannot progress, if it cannot.
    #[serde(default)]
    pub message: Option<String>,
    /// Deployments, PRIMARY first; INACTIVE ones are kept as history (bounded).
    #[serde(default)]
    pub deployments: Vec<Deployment>,
    /// Events, newest first (bounded).
    #[serde(default)]
    pub events: Vec<ServiceEvent>,
    /// The `family:revision` the spec asked for when deployments were last decided.
    #[serde(default)]
    pub requested_task_definition: Option<String>,
    /// The `restart_nonce` the spec had when deployments were last decided.
    #[serde(default)]
    pub requested_nonce: u64,
    /// Tasks that stopped on their own and were replaced, by cause, since the service was
    /// created (see `model::RestartCause`).
    #[serde(default)]
    pub restarts: RestartCounts,
    /// The stopped tasks already in `restarts`, while they are kept (stopped-task retention):
    /// each is counted once however often the service is reconciled. Written with the counts,
    /// so a lost write loses both and the task is counted at the next step.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub restarts_counted: BTreeSet<String>,
    /// Last update (ms since epoch).
    pub updated_at: u64,
}

impl ServiceStatus {
    /// Whether the controller has acted on the service's current spec and on `target` (the
    /// revision the spec resolves to now), so `deployments` describe them.
    pub fn observes(&self, s: &ServiceRecord, target: Option<&str>) -> bool {
        self.observed_generation == s.generation
            && self.requested_nonce == s.deployment_nonce()
            && target.is_some()
            && self.requested_task_definition.as_deref() == target
    }
}

/// A task's intent: what to run and whether it should run. Written before any container exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    /// 32-hex task id.
    pub id: String,
    /// Cluster name.
    pub cluster: String,
    /// `family:revision`.
    pub task_definition: String,
    /// Owning service, if any.
    #[serde(default)]
    pub service: Option<String>,
    /// ECS group (`service:<name>` or `family:<family>`).
    pub group: String,
    /// Who started it (ECS `startedBy`).
    #[serde(default)]
    pub started_by: Option<String>,
    /// Deployment the task belongs to, if any.
    #[serde(default)]
    pub deployment: Option<String>,
    /// Create the containers but start them only once this task has STOPPED (an in-place
    /// replacement on a fixed host port).
    #[serde(default)]
    pub start_after: Option<String>,
    /// RUNNING or STOPPED.
    pub desired_status: DesiredStatus,
    /// Why a stop was requested, if it was.
    #[serde(default)]
    pub stop_code: Option<StopCode>,
    /// Human reason for the stop request.
    #[serde(default)]
    pub stopped_reason: Option<String>,
    /// Creation time (ms since epoch).
    pub created_at: u64,
    /// ECS tags given to RunTask/StartTask or TagResource.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// How it was launched: launch type, overrides, execute command.
    #[serde(default, skip_serializing_if = "TaskLaunch::is_default")]
    pub launch: TaskLaunch,
    /// The container instance it was placed on; `None` is the daemon's own engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_instance: Option<String>,
}

/// How a task was launched (RunTask's or its service's settings).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskLaunch {
    /// `EC2`, `FARGATE` or `EXTERNAL`; `None` is EC2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_type: Option<crate::model::LaunchType>,
    /// Fargate platform version, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    /// RunTask's `overrides`, applied to the task definition when containers are made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overrides: Option<crate::model::TaskOverride>,
    /// ECS `enableExecuteCommand`, as given.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enable_execute_command: bool,
}

impl TaskLaunch {
    /// Nothing given: an EC2 task as its definition says.
    pub fn is_default(&self) -> bool {
        self == &Self::default()
    }
}

/// `startedBy` of a task rebuilt from its containers' labels: its intent is unknown until
/// its service (or task definition) is known again.
pub const ADOPTED_BY: &str = "ecsd/adopted";

impl TaskRecord {
    /// Rebuilt from container labels, not created by this database.
    pub fn is_adopted(&self) -> bool {
        self.started_by.as_deref() == Some(ADOPTED_BY)
    }

    /// The id of the container instance it was placed on; `local` (the daemon's own
    /// instance id) for a task recorded before instances were.
    pub fn placed_on<'a>(&'a self, local: &'a str) -> &'a str {
        self.container_instance.as_deref().unwrap_or(local)
    }

    /// A standalone task of `task_definition` (`family:revision`) in the default cluster, to
    /// be shaped further by the caller; used where tests and callers need a plain task.
    pub fn standalone(id: &str, task_definition: &str) -> Self {
        let family = task_definition.split(':').next().unwrap_or(task_definition);
        TaskRecord {
            id: id.to_string(),
            cluster: crate::model::DEFAULT_CLUSTER.to_string(),
            task_definition: task_definition.to_string(),
            service: None,
            group: format!("family:{family}"),
            started_by: None,
            deployment: None,
            start_after: None,
            desired_status: DesiredStatus::Running,
            stop_code: None,
            stopped_reason: None,
            created_at: 0,
            labels: BTreeMap::new(),
            launch: TaskLaunch::default(),
            container_instance: None,
        }
    }
}

/// A task's observed state, written only by the task controller.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskStatus {
    /// ECS `lastStatus`.
    pub last_status: TaskState,
    /// ECS `healthStatus`.
    #[serde(default)]
    pub health_status: HealthStatus,
    /// One entry per container definition.
    #[serde(default)]
    pub containers: Vec<ContainerStatus>,
    /// Why the task stopped (set when the task itself decides to stop).
    #[serde(default)]
    pub stop_code: Option<StopCode>,
    /// Human reason it stopped.
    #[serde(default)]
    pub stopped_reason: Option<String>,
    /// When every essential container was first seen running.
    #[serde(default)]
    pub started_at: Option<u64>,
    /// When the task was first seen HEALTHY (deployments count it as a success).
    #[serde(default)]
    pub healthy_at: Option<u64>,
    /// When shutdown began.
    #[serde(default)]
    pub stopping_at: Option<u64>,
    /// When the task reached STOPPED.
    #[serde(default)]
    pub stopped_at: Option<u64>,
    /// Why an adopted task is left running as it is (ORPHANED): its intent is unknown since
    /// the state database was lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orphaned: Option<String>,
}

/// The part of an observed status that a crash must not lose, because decisions hang on it
/// and no engine listing can rebuild it; a change of it is flushed to disk.
pub trait Milestones: Default {
    /// The milestones, comparable.
    type View: PartialEq;
    /// Extracts them.
    fn milestones(&self) -> Self::View;
}

impl Milestones for TaskStatus {
    /// Running (and since when), healthy, stopping, stopped and why. The steps before RUNNING,
    /// container details and probe bookkeeping are observed again after a restart.
    type View = (
        Option<TaskState>,
        HealthStatus,
        Option<StopCode>,
        Option<String>,
        [Option<u64>; 4],
    );

    fn milestones(&self) -> Self::View {
        (
            (!self.last_status.is_pending()).then_some(self.last_status),
            self.health_status,
            self.stop_code,
            self.stopped_reason.clone(),
            [
                self.started_at,
                self.healthy_at,
                self.stopping_at,
                self.stopped_at,
            ],
        )
    }
}

impl Milestones for ServiceStatus {
    /// Which deployments exist, their revision, status and rollout state, and what the spec
    /// last asked for; counts and events are rebuilt.
    type View = (
        Vec<(String, String, DeploymentStatus, RolloutState, u64, bool)>,
        Option<String>,
        u64,
    );

    fn milestones(&self) -> Self::View {
        let deployments = self
            .deployments
            .iter()
            .map(|d| {
                (
                    d.id.clone(),
                    d.task_definition.clone(),
                    d.status,
                    d.rollout_state,
                    d.restart_nonce,
                    d.images_ready,
                )
            })
            .collect();
        (
            deployments,
            self.requested_task_definition.clone(),
            self.requested_nonce,
        )
    }
}

/// One container of a task as last observed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerStatus {
    /// Container name from the task definition.
    pub name: String,
    /// Engine container id, once created.
    #[serde(default)]
    pub runtime_id: Option<String>,
    /// ECS `lastStatus` of the container (PENDING, RUNNING, STOPPED).
    pub last_status: TaskState,
    /// Exit code, once exited.
    #[serde(default)]
    pub exit_code: Option<i64>,
    /// Why it stopped or failed.
    #[serde(default)]
    pub reason: Option<String>,
    /// Published ports.
    #[serde(default)]
    pub network_bindings: Vec<NetworkBinding>,
    /// ECS container health (UNKNOWN without a health check).
    #[serde(default)]
    pub health_status: HealthStatus,
    /// Consecutive failures of probes ecsd ran itself (engines that do not probe).
    #[serde(default)]
    pub probe_failures: u32,
    /// When ecsd last ran the probe itself.
    #[serde(default)]
    pub last_probe_at: Option<u64>,
    /// The last health check runs (the engine's or ecsd's own), oldest first, bounded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub health_probes: Vec<crate::model::HealthProbe>,
}

/// Where an object's manifest came from: a folder (or file) given to `apply -f` or watched by
/// `serve --watch`, and the file inside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// Absolute folder (or file) path given to apply/watch; `<stdin>` for `-f -`.
    pub root: String,
    /// File relative to `root` (empty when `root` is the file itself).
    pub file: String,
}

impl Origin {
    /// The manifest file as one path.
    pub fn path(&self) -> String {
        if self.file.is_empty() {
            self.root.clone()
        } else {
            format!("{}/{}", self.root.trim_end_matches('/'), self.file)
        }
    }

    /// Two origins are the same source when one's root contains the other's file (applying a
    /// file of a watched folder by hand is not a conflict with that folder).
    pub fn same_source(&self, other: &Origin) -> bool {
        let inside = |root: &str, path: &str| {
            path == root || path.starts_with(&format!("{}/", root.trim_end_matches('/')))
        };
        self.root == other.root || inside(&self.root, &other.path()) || inside(&other.root, &self.path())
    }
}

/// Sync state of one file of a watched folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileSync {
    /// Synced, Error, Pending or Empty.
    pub state: FileSyncState,
    /// Hash of the content last read.
    pub hash: String,
    /// Problems (file:line: path: message), when in error.
    #[serde(default)]
    pub errors: Vec<String>,
    /// When its content was last applied successfully (ms since epoch).
    #[serde(default)]
    pub applied_at: Option<u64>,
    /// Hash of the content last applied successfully.
    #[serde(default)]
    pub applied_hash: Option<String>,
    /// The manifests of the last good version, kept while the file is broken.
    #[serde(default)]
    pub last_good: Vec<crate::model::Manifest>,
}

/// State of a file in folder sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileSyncState {
    /// The file's objects match the store.
    Synced,
    /// The file cannot be applied; its last good version stays in force.
    Error,
    /// Seen but not applied yet.
    Pending,
    /// Emptied (0 bytes, or only comments and whitespace): like a broken file, its last good
    /// version stays in force, since editors and failed checkouts leave empty files behind.
    Empty,
}

/// Sync state of one watched folder.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FolderSync {
    /// Absolute folder path.
    pub root: String,
    /// Last full scan (ms since epoch).
    pub scanned_at: u64,
    /// Why the last scan could not complete (nothing was pruned), if it could not.
    #[serde(default)]
    pub error: Option<String>,
    /// Per-file state, by path relative to the folder.
    #[serde(default)]
    pub files: BTreeMap<String, FileSync>,
    /// Recent sync events, newest first (bounded).
    #[serde(default)]
    pub events: Vec<ServiceEvent>,
}

/// What the daemon found when it opened a damaged state database (kept in the new one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateRecovery {
    /// When the damage was found (ms since epoch).
    pub detected_at: u64,
    /// What was wrong.
    pub reason: String,
    /// Where the damaged database was moved, if it existed.
    #[serde(default)]
    pub moved_to: Option<String>,
}
