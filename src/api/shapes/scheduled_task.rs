//! A scheduled task as the native API shows it: spec, state, next firings and run history.

use super::seconds;
use crate::model::ScheduledTaskSpec;
use crate::ops::scheduled_tasks::ScheduledTaskView;
use crate::store::{RunOutcome, ScheduleRun};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One due time of a schedule and what came of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleRunShape {
    /// The due time (seconds since epoch).
    pub scheduled_at: f64,
    /// When ecsd acted on it.
    pub handled_at: f64,
    /// `RUNNING`, `SUCCEEDED`, `FAILED`, `SKIPPED` or `MISSED`.
    pub outcome: RunOutcome,
    /// Tasks it started.
    #[serde(default)]
    pub task_ids: Vec<String>,
    /// Each task's exit code, once stopped.
    #[serde(default)]
    pub exit_codes: Vec<Option<i64>>,
    /// Why it was skipped, missed or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A scheduled task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledTaskShape {
    /// Schedule name.
    pub name: String,
    /// Cluster its runs start in.
    pub cluster: String,
    /// The manifest's spec.
    pub spec: ScheduledTaskSpec,
    /// Labels of its manifest.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The next firings (seconds since epoch), at most five.
    pub next_runs: Vec<f64>,
    /// Runs, oldest first.
    pub runs: Vec<ScheduleRunShape>,
    /// Its tasks that have not stopped.
    pub active_tasks: usize,
    /// When it was created.
    pub created_at: f64,
}

impl From<&ScheduleRun> for ScheduleRunShape {
    fn from(r: &ScheduleRun) -> Self {
        Self {
            scheduled_at: seconds(r.tick),
            handled_at: seconds(r.at),
            outcome: r.outcome,
            task_ids: r.task_ids.clone(),
            exit_codes: r.exit_codes.clone(),
            message: r.message.clone(),
        }
    }
}

impl From<ScheduledTaskView> for ScheduledTaskShape {
    fn from(v: ScheduledTaskView) -> Self {
        Self {
            name: v.record.name,
            cluster: v.record.cluster,
            spec: v.record.spec,
            labels: v.record.labels,
            next_runs: v.upcoming.into_iter().map(seconds).collect(),
            runs: v.status.runs.iter().map(ScheduleRunShape::from).collect(),
            active_tasks: v.active_tasks,
            created_at: seconds(v.record.created_at),
        }
    }
}
