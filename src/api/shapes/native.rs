//! Requests and small replies of the native API (ecsd's own shapes): what the CLI sends and
//! what the daemon answers besides ECS resources.

use crate::apply::{ApplyOptions, ApplyResult, Document};
use serde::{Deserialize, Serialize};

/// Every refusal of the native API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReply {
    /// One line saying what is wrong.
    pub error: String,
    /// Per-document problems, when there are several.
    #[serde(default)]
    pub details: Vec<String>,
}

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always true when the daemon answers.
    pub ok: bool,
    /// The engine endpoint the daemon uses (the CLI streams logs and execs through it).
    pub engine: String,
    /// The daemon's version.
    #[serde(default)]
    pub version: String,
}

/// `POST /v1/apply`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyRequest {
    /// Manifests and where they came from.
    pub documents: Vec<Document>,
    /// Dry run and prune.
    #[serde(flatten)]
    pub options: ApplyOptions,
}

/// The reply to `POST /v1/apply`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyReply {
    /// One per object touched.
    pub results: Vec<ApplyResult>,
}

/// `POST /v1/services/{cluster}/{name}/scale`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleRequest {
    /// The new desired count.
    pub desired_count: u32,
}

/// `POST /v1/services/{cluster}/{name}/undo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UndoRequest {
    /// Revision of the service's family to go back to (default: the previous completed one).
    #[serde(default)]
    pub to_revision: Option<u32>,
}

/// The reply to an undo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UndoReply {
    /// `family:revision` the service now runs.
    pub task_definition: String,
}

/// `POST /v1/tasks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunTaskRequest {
    /// `family` or `family:revision`.
    pub task_definition: String,
    /// Cluster (default `default`).
    #[serde(default)]
    pub cluster: Option<String>,
    /// Number of tasks (default 1).
    #[serde(default)]
    pub count: Option<u32>,
    /// Free-form `startedBy`.
    #[serde(default)]
    pub started_by: Option<String>,
}

/// The reply to `POST /v1/tasks`: the tasks started, and why the others were not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunTaskReply {
    /// The tasks started.
    pub items: Vec<super::Task>,
    /// One per task not started.
    #[serde(default)]
    pub failures: Vec<TaskFailure>,
}

/// A task that was not started: the instance that came closest and ECS's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskFailure {
    /// The container instance's name.
    pub instance: String,
    /// `DRAINING`, `AGENT`, `RESOURCE:MEMORY`, `MemberOf placement constraint unsatisfied.`, …
    pub reason: String,
}

/// `POST /v1/containerinstances/{cluster}/{name}/drain` (the body may be empty, or the
/// query say `?undo=true`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrainRequest {
    /// Make it ACTIVE again instead.
    #[serde(default)]
    pub undo: bool,
}

/// `POST /v1/tasks/{id}/stop`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopTaskRequest {
    /// Why (ECS `stoppedReason`).
    #[serde(default)]
    pub reason: Option<String>,
}

/// The reply to deleting a cluster, target group or load balancer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deleted {
    /// Its name.
    pub deleted: String,
}

/// The reply to deleting a service: it drains, then goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deleting {
    /// `cluster/name`.
    pub deleting: String,
}

/// The reply to deregistering a task definition family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deregistered {
    /// Revisions deregistered.
    pub deregistered: usize,
}
