//! `ScheduledTask`: an EventBridge schedule with an ECS RunTask target, as one manifest kind,
//! plus ecsd's extensions for overlap (`concurrencyPolicy`), downtime
//! (`startingDeadlineSeconds`) and history (`runsHistoryLimit`).
//!
//! The target is RunTask's own fields (`taskDefinition`, `taskCount`, `overrides`, `group`,
//! `launchType`, …). A schedule without `taskDefinition` has no target and never runs: that
//! is how an EventBridge rule without targets is kept.

use super::duration::Seconds;
use super::launch::{
    LaunchType, NETWORK_MODE_MISMATCH, PropagateTags, Tag, check_caller_tag, check_launch_type,
    check_platform_version,
};
use super::limits;
use super::placement::{
    PlacementConstraint, PlacementStrategy, validate_placement_constraints, validate_placement_strategy,
};
use super::schedule::Schedule;
use super::service::{NetworkConfiguration, TaskDefinitionRef, validate_network_configuration};
use super::task_definition::{NetworkMode, TaskDefinitionSpec};
use super::task_overrides::{TaskOverride, validate_overrides};
use super::validation::FieldError;
use serde::{Deserialize, Serialize};

/// How many runs a schedule remembers when the manifest does not say.
pub const DEFAULT_RUNS_HISTORY_LIMIT: u32 = 10;
/// The most runs a schedule may remember.
pub const MAX_RUNS_HISTORY_LIMIT: u32 = 1_000;
/// The longest description (EventBridge's rule `Description`).
pub const MAX_DESCRIPTION_LEN: usize = 512;

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
    /// What the schedule is for (at most 512 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `family` (latest ACTIVE revision at each run) or `family:revision`; without it the
    /// schedule has no target and never runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<String>,
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
    /// RunTask `group` of each run's tasks (default `scheduled:<name>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// RunTask `launchType` (default EC2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_type: Option<LaunchType>,
    /// RunTask `platformVersion`: `FARGATE` only; stored on each task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    /// RunTask `networkConfiguration`, for `awsvpc` definitions only: stored and returned,
    /// the task's own network stands for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_configuration: Option<NetworkConfiguration>,
    /// RunTask `tags` of each run's tasks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// RunTask `enableECSManagedTags`: tag each task with `aws:ecs:clusterName`.
    #[serde(
        default,
        rename = "enableECSManagedTags",
        alias = "enableEcsManagedTags",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub enable_ecs_managed_tags: bool,
    /// RunTask `propagateTags`: `TASK_DEFINITION` (a schedule has no service to copy from).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagate_tags: Option<PropagateTags>,
    /// RunTask `enableExecuteCommand`: stored on each task.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enable_execute_command: bool,
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

    /// Whether due times start runs: ENABLED, with a target.
    pub fn fires(&self) -> bool {
        self.state == ScheduleState::Enabled && self.task_definition.is_some()
    }

    /// This spec's target under `schedule`'s own fields (expression, zone, state,
    /// description and ecsd's extensions): an EventBridge rule's settings and its target are
    /// set apart.
    pub fn with_schedule_of(&self, schedule: &Self) -> Self {
        Self {
            schedule_expression: schedule.schedule_expression.clone(),
            schedule_expression_timezone: schedule.schedule_expression_timezone.clone(),
            state: schedule.state,
            description: schedule.description.clone(),
            concurrency_policy: schedule.concurrency_policy,
            starting_deadline_seconds: schedule.starting_deadline_seconds,
            runs_history_limit: schedule.runs_history_limit,
            ..self.clone()
        }
    }

    /// The schedule's own fields without a target: a rule before (or after) its targets.
    pub fn without_target(&self) -> Self {
        Self::default().with_schedule_of(self)
    }

    /// Whether `other` starts the same runs, whatever its own schedule fields.
    pub fn same_target(&self, other: &Self) -> bool {
        self.with_schedule_of(other) == *other
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
    if let Some(description) = &spec.description
        && description.chars().count() > MAX_DESCRIPTION_LEN
    {
        errors.push(FieldError::new(
            "spec.description",
            format!("expected at most {MAX_DESCRIPTION_LEN} characters"),
        ));
    }
    match &spec.task_definition {
        Some(task_definition) => errors.extend(validate_target(spec, task_definition)),
        None => errors.extend(orphan_target_fields(spec)),
    }
    if let Some(limit) = spec.runs_history_limit
        && !(1..=MAX_RUNS_HISTORY_LIMIT).contains(&limit)
    {
        errors.push(FieldError::new(
            "spec.runsHistoryLimit",
            format!("must be between 1 and {MAX_RUNS_HISTORY_LIMIT}, got {limit}"),
        ));
    }
    errors
}

/// What a schedule's target demands of the task definition it runs: the launch type's rules,
/// `networkConfiguration` only with `networkMode: awsvpc`, overrides naming its containers.
pub fn target_problems(spec: &ScheduledTaskSpec, td: &TaskDefinitionSpec) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Err(why) = check_launch_type(td, spec.launch_type.unwrap_or_default()) {
        errors.push(FieldError::new("spec.launchType", why));
    }
    if spec.network_configuration.is_some() && td.network_mode() != NetworkMode::Awsvpc {
        errors.push(FieldError::new(
            "spec.networkConfiguration",
            NETWORK_MODE_MISMATCH,
        ));
    }
    if let Some(overrides) = &spec.overrides {
        errors.extend(
            validate_overrides(overrides, td)
                .into_iter()
                .map(|e| FieldError::new(format!("spec.{}", e.path), e.message)),
        );
    }
    errors
}

/// The RunTask fields of a schedule with a target.
fn validate_target(spec: &ScheduledTaskSpec, task_definition: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Err(why) = TaskDefinitionRef::parse(task_definition) {
        errors.push(FieldError::new("spec.taskDefinition", why));
    }
    if let Err(why) = limits::check_run_task_count(spec.task_count()) {
        errors.push(FieldError::new("spec.taskCount", why));
    }
    errors.extend(validate_placement_constraints(
        &spec.placement_constraints,
        "spec.placementConstraints",
    ));
    errors.extend(validate_placement_strategy(
        &spec.placement_strategy,
        "spec.placementStrategy",
    ));
    if let Err(why) = check_platform_version(spec.launch_type, spec.platform_version.as_deref()) {
        errors.push(FieldError::new("spec.platformVersion", why));
    }
    if let Some(network) = &spec.network_configuration {
        errors.extend(validate_network_configuration(
            network,
            "spec.networkConfiguration",
        ));
    }
    errors.extend(validate_tags(&spec.tags));
    if spec.propagate_tags == Some(PropagateTags::Service) {
        errors.push(FieldError::new(
            "spec.propagateTags",
            "SERVICE needs a service; a schedule's tasks can propagate TASK_DEFINITION tags",
        ));
    }
    errors
}

fn validate_tags(tags: &[Tag]) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = tags
        .iter()
        .filter_map(|tag| check_caller_tag(tag).err())
        .map(|why| FieldError::new("spec.tags", why))
        .collect();
    if let Err(why) = limits::check_tag_count(tags.len()) {
        errors.push(FieldError::new("spec.tags", why));
    }
    errors
}

/// Target fields set on a schedule without a target would silently do nothing: refused.
fn orphan_target_fields(spec: &ScheduledTaskSpec) -> Vec<FieldError> {
    if *spec == spec.without_target() {
        return Vec::new();
    }
    vec![FieldError::new(
        "spec.taskDefinition",
        "required when the schedule sets what its runs start (taskCount, overrides, group, launchType, …); \
         a schedule without taskDefinition has no target and never runs",
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(expression: &str) -> ScheduledTaskSpec {
        ScheduledTaskSpec {
            schedule_expression: expression.into(),
            task_definition: Some("backup".into()),
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
            task_definition: Some("a:b:c".into()),
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
    fn a_schedule_without_a_task_definition_is_valid_never_fires_and_takes_no_target_fields() {
        let target_less = ScheduledTaskSpec {
            task_definition: None,
            description: Some("waits for a target".into()),
            ..spec("rate(1 hour)")
        };
        assert!(validate_scheduled_task(&target_less).is_empty());
        assert!(!target_less.fires());
        let half = ScheduledTaskSpec {
            task_count: Some(2),
            ..target_less
        };
        assert_eq!(paths(&half), ["spec.taskDefinition"]);
    }

    #[test]
    fn run_settings_follow_runtasks_rules() {
        let bad = ScheduledTaskSpec {
            platform_version: Some("LATEST".into()),
            tags: vec![Tag {
                key: "aws:owner".into(),
                value: "me".into(),
            }],
            propagate_tags: Some(PropagateTags::Service),
            description: Some("x".repeat(MAX_DESCRIPTION_LEN + 1)),
            ..spec("rate(1 hour)")
        };
        assert_eq!(
            paths(&bad),
            [
                "spec.description",
                "spec.platformVersion",
                "spec.tags",
                "spec.propagateTags"
            ]
        );
        let fargate = ScheduledTaskSpec {
            launch_type: Some(LaunchType::Fargate),
            ..bad
        };
        assert!(!paths(&fargate).contains(&"spec.platformVersion".to_string()));
    }

    #[test]
    fn the_target_must_suit_its_task_definition() {
        let td: TaskDefinitionSpec =
            serde_yaml_ng::from_str("containerDefinitions: [{name: main, image: busybox}]").unwrap();
        let network = NetworkConfiguration {
            awsvpc_configuration: serde_json::from_str(r#"{"subnets": ["s"]}"#).unwrap(),
        };
        let spec = ScheduledTaskSpec {
            launch_type: Some(LaunchType::Fargate),
            network_configuration: Some(network),
            overrides: Some(serde_json::from_str(r#"{"containerOverrides": [{"name": "other"}]}"#).unwrap()),
            ..spec("rate(1 hour)")
        };
        let problems: Vec<String> = target_problems(&spec, &td).into_iter().map(|e| e.path).collect();
        assert_eq!(
            problems,
            [
                "spec.launchType",
                "spec.networkConfiguration",
                "spec.overrides.containerOverrides[0].name"
            ]
        );
    }

    #[test]
    fn a_rules_settings_and_its_target_are_set_apart() {
        let target = ScheduledTaskSpec {
            task_count: Some(3),
            ..spec("rate(1 hour)")
        };
        let rule = ScheduledTaskSpec {
            description: Some("nightly".into()),
            concurrency_policy: ConcurrencyPolicy::Forbid,
            ..spec("cron(0 3 * * ? *)")
        }
        .without_target();
        assert_eq!(rule.task_definition, None);
        let both = target.with_schedule_of(&rule);
        assert_eq!(
            (both.schedule_expression.as_str(), both.task_count),
            ("cron(0 3 * * ? *)", Some(3))
        );
        assert_eq!(both.concurrency_policy, ConcurrencyPolicy::Forbid);
        assert!(both.same_target(&target));
        assert!(!both.same_target(&rule));
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
