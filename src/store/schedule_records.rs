//! What is stored for a `ScheduledTask`: its spec (intent) and its status (what has fired).

use super::records::{Milestones, ServiceEvent};
use crate::model::ScheduledTaskSpec;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A stored `ScheduledTask`: its manifest spec, labels and creation time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledTaskRecord {
    /// Cluster the runs start in.
    pub cluster: String,
    /// Schedule name (unique per cluster).
    pub name: String,
    /// The manifest's spec.
    pub spec: ScheduledTaskSpec,
    /// Labels from the manifest.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Creation time (ms since epoch).
    pub created_at: u64,
    /// Runs asked for by hand (`ecsd schedule run`), counted; the scheduler starts one for
    /// each it has not handled yet.
    #[serde(default)]
    pub runs_requested: u64,
    /// What the EventBridge API echoes back beyond the spec (empty for a manifest's schedule).
    #[serde(default)]
    pub rule: RuleBinding,
}

/// What the EventBridge API keeps of a schedule made or changed through it, beyond the spec:
/// the identities it hands back (roles mean nothing here: there is no IAM).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleBinding {
    /// The rule's `RoleArn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// The target's `Id` (the schedule's name when it was never given one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    /// The target's `RoleArn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_role_arn: Option<String>,
}

/// How a run ended (or why a due time did not start one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunOutcome {
    /// Tasks started; not all have stopped yet.
    Running,
    /// Every task stopped and every essential container exited 0.
    Succeeded,
    /// A task stopped with a non-zero exit code, or could not start.
    Failed,
    /// The due time was skipped (`Forbid` while a run was active).
    Skipped,
    /// The due time passed while ecsd was down, beyond `startingDeadlineSeconds`.
    Missed,
}

/// One due time of a schedule and what came of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleRun {
    /// The due time (ms since epoch).
    pub tick: u64,
    /// When ecsd acted on it.
    pub at: u64,
    /// Tasks started for it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub task_ids: Vec<String>,
    /// How it went.
    pub outcome: RunOutcome,
    /// Exit code of each task's first non-zero (or last) essential container, in task order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exit_codes: Vec<Option<i64>>,
    /// Why it was skipped, missed or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// What a schedule has done: written only by the schedule controller.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleStatus {
    /// The expression and zone the anchor belongs to; a changed expression starts counting
    /// again from when the change was seen.
    #[serde(default)]
    pub anchored_to: String,
    /// When counting started: a `rate` fires first here; earlier due times are never run.
    #[serde(default)]
    pub anchor: u64,
    /// The latest due time handled (run, skipped or missed): never handled twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_tick: Option<u64>,
    /// Runs, oldest first, at most `runsHistoryLimit`.
    #[serde(default)]
    pub runs: Vec<ScheduleRun>,
    /// How many runs asked for by hand have been handled.
    #[serde(default)]
    pub runs_requested_handled: u64,
    /// Due times that did not run as planned (skipped, missed, not started), newest first, at
    /// most [`EVENTS_KEPT`](super::EVENTS_KEPT): what `ecsd events` shows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<ServiceEvent>,
}

impl Milestones for ScheduleStatus {
    /// Everything: what has fired must survive a crash, or it would fire twice.
    type View = Self;

    fn milestones(&self) -> Self {
        self.clone()
    }
}
