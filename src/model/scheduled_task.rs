//! `ScheduledTask`: an EventBridge schedule with an ECS RunTask target, as one manifest kind,
//! plus ecsd's extensions for overlap (`concurrencyPolicy`), downtime
//! (`startingDeadlineSeconds`) and history (`runsHistoryLimit`).

use super::duration::Seconds;
use super::limits;
use super::placement::{
    PlacementConstraint, PlacementStrategy, validate_placement_constraints, validate_placement_strategy,
};
use super::schedule::Schedule;
use super::service::TaskDefinitionRef;
use super::task_overrides::TaskOverride;
use super::validation::FieldError;
use serde::{Deserialize, Serialize};

/// How many runs a schedule remembers when the manifest does not say.
pub const DEFAULT_RUNS_HISTORY_LIMIT: u32 = 10;
/// The most runs a schedule may remember.
pub const MAX_RUNS_HISTORY_LIMIT: u32 = 1_000;

/// Whether a schedule fires (EventBridge's `State`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ScheduleState {
    /// Fires at each due time.
    #[default]
    Enabled,
    /// Never fires; due times that pass while disabled are not caught up.
    Disabled,
}

/// What a due time does while the previous run's tasks are still running.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConcurrencyPolicy {
    /// Start the new run anyway (AWS's behaviour).
    #[default]
    Allow,
    /// Skip the new run.
    Forbid,
    /// Stop the previous run's tasks, then start the new run.
    Replace,
}

/// The `spec` of a `ScheduledTask` manifest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduledTaskSpec {
    /// `cron(...)`, `rate(...)` or `at(...)`, as EventBridge Scheduler reads them.
    pub schedule_expression: String,
    /// IANA time zone of the expression; UTC when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_expression_timezone: Option<String>,
    /// `ENABLED` (default) or `DISABLED`.
    #[serde(default)]
    pub state: ScheduleState,
    /// `family` (latest ACTIVE revision at each run) or `family:revision`.
    pub task_definition: String,
    /// Tasks started per run (1–10; default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_count: Option<u32>,
    /// RunTask `overrides`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overrides: Option<TaskOverride>,
    /// RunTask `placementConstraints`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placement_constraints: Vec<PlacementConstraint>,
    /// RunTask `placementStrategy`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placement_strategy: Vec<PlacementStrategy>,
    /// ecsd extension: `Allow` (default), `Forbid` or `Replace`.
    #[serde(default)]
    pub concurrency_policy: ConcurrencyPolicy,
    /// ecsd extension: a due time missed by more than this (ecsd was down) is skipped;
    /// absent means no deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starting_deadline_seconds: Option<Seconds>,
    /// ecsd extension: how many runs are remembered (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs_history_limit: Option<u32>,
}

impl ScheduledTaskSpec {
    /// The parsed expression in its time zone.
    pub fn schedule(&self) -> Result<Schedule, super::schedule::ScheduleError> {
        Schedule::parse(
            &self.schedule_expression,
            self.schedule_expression_timezone.as_deref(),
        )
    }

    /// Tasks per run.
    pub fn task_count(&self) -> u32 {
        self.task_count.unwrap_or(1)
    }

    /// Runs remembered.
    pub fn runs_history_limit(&self) -> usize {
        usize::try_from(self.runs_history_limit.unwrap_or(DEFAULT_RUNS_HISTORY_LIMIT)).unwrap_or(usize::MAX)
    }

    /// The time zone shown to people.
    pub fn timezone(&self) -> &str {
        self.schedule_expression_timezone
            .as_deref()
            .unwrap_or(super::schedule::DEFAULT_TIMEZONE)
    }
}

/// Every problem in a `ScheduledTask` spec.
pub fn validate_scheduled_task(spec: &ScheduledTaskSpec) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Err(e) = spec.schedule() {
        let path = match e {
            super::schedule::ScheduleError::InvalidTimezone { .. } => "spec.scheduleExpressionTimezone",
            super::schedule::ScheduleError::InvalidExpression { .. } => "spec.scheduleExpression",
        };
        errors.push(FieldError::new(path, e.to_string()));
    }
    if let Err(why) = TaskDefinitionRef::parse(&spec.task_definition) {
        errors.push(FieldError::new("spec.taskDefinition", why));
    }
    if let Err(why) = limits::check_run_task_count(spec.task_count()) {
        errors.push(FieldError::new("spec.taskCount", why));
    }
    if let Some(limit) = spec.runs_history_limit
        && !(1..=MAX_RUNS_HISTORY_LIMIT).contains(&limit)
    {
        errors.push(FieldError::new(
            "spec.runsHistoryLimit",
            format!("must be between 1 and {MAX_RUNS_HISTORY_LIMIT}, got {limit}"),
        ));
    }
    errors.extend(validate_placement_constraints(
        &spec.placement_constraints,
        "spec.placementConstraints",
    ));
    // The scheduler starts its tasks through RunTask's operation, which places on the one
    // container instance without constraints yet: refused rather than ignored.
    if !spec.placement_constraints.is_empty() {
        errors.push(FieldError::new(
            "spec.placementConstraints",
            super::NOT_SUPPORTED.to_string() + " for scheduled tasks",
        ));
    }
    errors.extend(validate_placement_strategy(
        &spec.placement_strategy,
        "spec.placementStrategy",
    ));
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(expression: &str) -> ScheduledTaskSpec {
        ScheduledTaskSpec {
            schedule_expression: expression.into(),
            task_definition: "backup".into(),
            ..Default::default()
        }
    }

    fn paths(spec: &ScheduledTaskSpec) -> Vec<String> {
        validate_scheduled_task(spec)
            .into_iter()
            .map(|e| e.path)
            .collect()
    }

    #[test]
    fn a_nightly_backup_in_berlin_is_valid() {
        let spec = ScheduledTaskSpec {
            schedule_expression_timezone: Some("Europe/Berlin".into()),
            ..spec("cron(0 3 * * ? *)")
        };
        assert!(validate_scheduled_task(&spec).is_empty());
        assert_eq!(spec.task_count(), 1);
        assert_eq!(spec.runs_history_limit(), 10);
    }

    #[test]
    fn each_bad_field_is_named_by_its_path() {
        assert_eq!(paths(&spec("rate(5 minute)")), ["spec.scheduleExpression"]);
        let bad = ScheduledTaskSpec {
            schedule_expression_timezone: Some("Nowhere/Town".into()),
            task_definition: "a:b:c".into(),
            task_count: Some(11),
            runs_history_limit: Some(0),
            ..spec("rate(1 hour)")
        };
        assert_eq!(
            paths(&bad),
            [
                "spec.scheduleExpressionTimezone",
                "spec.taskDefinition",
                "spec.taskCount",
                "spec.runsHistoryLimit"
            ]
        );
    }

    #[test]
    fn the_manifest_reads_camel_case_and_screaming_states() {
        let yaml = "scheduleExpression: rate(2 seconds)\nstate: DISABLED\ntaskDefinition: backup:3\n\
                    concurrencyPolicy: Forbid\nstartingDeadlineSeconds: 5m\nrunsHistoryLimit: 3\n";
        let spec: ScheduledTaskSpec = serde_yaml_ng::from_str(yaml).unwrap();
        assert_eq!(spec.state, ScheduleState::Disabled);
        assert_eq!(spec.concurrency_policy, ConcurrencyPolicy::Forbid);
        assert_eq!(spec.starting_deadline_seconds, Some(Seconds(300)));
        assert!(validate_scheduled_task(&spec).is_empty());
    }
}
