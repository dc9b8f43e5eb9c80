//! A rule and its ECS target as one schedule, and back: pure conversions between EventBridge's
//! members and a `ScheduledTaskSpec`, and EventBridge's names for the spec's fields in errors.

use super::shapes::{EcsParameters, EventsTag, RuleShape, RuleState, Target};
use crate::api::shapes::ArnScope;
use crate::model::{
    ScheduleState, ScheduledTaskSpec, Tag, TaskDefinitionRef, TaskOverride, check_name, check_name_within,
};
use crate::store::ScheduledTaskRecord;
use serde_json::Value;

/// The longest rule name and target id.
const MAX_RULE_NAME_LEN: usize = 64;

/// EventBridge's member for each field of a schedule's spec, as errors name them; the
/// expression's own message already names `ScheduleExpression`.
const MEMBER_NAMES: &[(&str, &str)] = &[
    ("spec.scheduleExpression: ", ""),
    ("spec.description", "Description"),
    ("spec.taskDefinition", "EcsParameters.TaskDefinitionArn"),
    ("spec.taskCount", "EcsParameters.TaskCount"),
    ("spec.overrides", "Input"),
    ("spec.placementConstraints", "EcsParameters.PlacementConstraints"),
    ("spec.placementStrategy", "EcsParameters.PlacementStrategy"),
    ("spec.group", "EcsParameters.Group"),
    ("spec.launchType", "EcsParameters.LaunchType"),
    ("spec.platformVersion", "EcsParameters.PlatformVersion"),
    ("spec.networkConfiguration", "EcsParameters.NetworkConfiguration"),
    ("spec.tags", "EcsParameters.Tags"),
    ("spec.propagateTags", "EcsParameters.PropagateTags"),
];

/// `message` with each spec field path replaced by EventBridge's member name.
pub(super) fn eventbridge_names(message: &str) -> String {
    MEMBER_NAMES
        .iter()
        .fold(message.to_string(), |text, (path, member)| {
            text.replace(path, member)
        })
}

/// A rule's name: a schedule's name (letters, digits, `-`, `_`), at most 64 characters.
pub(super) fn check_rule_name(name: &str) -> Result<(), String> {
    check_name_within(name, MAX_RULE_NAME_LEN).map_err(|why| {
        let dot = if name.contains('.') {
            " (EventBridge allows '.', but ecsd keeps a rule as a scheduled task, whose names do not)"
        } else {
            ""
        };
        format!("Name: {why}{dot}")
    })
}

/// A target's `Id`: 1 to 64 letters, digits, `.`, `-`, `_`.
fn check_target_id(id: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    if id.is_empty() || id.len() > MAX_RULE_NAME_LEN || !id.chars().all(allowed) {
        return Err(format!(
            "Id: expected 1 to {MAX_RULE_NAME_LEN} letters, digits, '.', '-' and '_', got {id:?}"
        ));
    }
    Ok(())
}

/// The spec after PutRule: the rule's own settings replaced, its target and ecsd's extensions
/// (time zone, overlap policy, …) kept from `current`.
pub(super) fn rule_spec(
    current: Option<&ScheduledTaskSpec>,
    expression: &str,
    state: ScheduleState,
    description: Option<String>,
) -> ScheduledTaskSpec {
    let current = current.cloned().unwrap_or_default();
    let mut schedule = current.without_target();
    schedule.schedule_expression = expression.to_string();
    schedule.state = state;
    schedule.description = description;
    current.with_schedule_of(&schedule)
}

/// An ECS target read from PutTargets: the cluster its runs start in, and the target's fields
/// of a spec (no schedule fields).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct EcsTarget {
    /// The cluster named by the target's `Arn`.
    pub cluster: String,
    /// `taskDefinition`, `taskCount`, `overrides`, `group`, …
    pub spec: ScheduledTaskSpec,
}

/// Reads one target; the error names the member (`Arn: …`, `Input: …`).
pub(super) fn ecs_target(scope: &ArnScope, target: &Target) -> Result<EcsTarget, String> {
    check_target_id(&target.id)?;
    let cluster = cluster_of(scope, &target.arn)?;
    let ecs = target.ecs_parameters.as_ref().ok_or_else(|| {
        "EcsParameters: required for an ECS target (TaskDefinitionArn at least)".to_string()
    })?;
    let reference = TaskDefinitionRef::parse(&ecs.task_definition_arn)
        .map_err(|why| format!("EcsParameters.TaskDefinitionArn: {why}"))?;
    let task_definition = match reference.revision {
        Some(revision) => format!("{}:{revision}", reference.family),
        None => reference.family,
    };
    let spec = ScheduledTaskSpec {
        task_definition: Some(task_definition),
        task_count: ecs.task_count,
        overrides: overrides_of(target.input.as_deref())?,
        placement_constraints: ecs.placement_constraints.clone(),
        placement_strategy: ecs.placement_strategy.clone(),
        group: ecs.group.clone(),
        launch_type: ecs.launch_type,
        platform_version: ecs.platform_version.clone(),
        network_configuration: ecs.network_configuration.clone().map(Into::into),
        tags: ecs
            .tags
            .iter()
            .map(|t| Tag {
                key: t.key.clone(),
                value: t.value.clone(),
            })
            .collect(),
        enable_ecs_managed_tags: ecs.enable_ecs_managed_tags,
        propagate_tags: ecs.propagate_tags,
        enable_execute_command: ecs.enable_execute_command,
        ..ScheduledTaskSpec::default()
    };
    Ok(EcsTarget { cluster, spec })
}

/// The cluster of an ECS cluster ARN in this endpoint's region and account.
fn cluster_of(scope: &ArnScope, arn: &str) -> Result<String, String> {
    let prefix = scope.cluster_arn("");
    match arn.strip_prefix(&prefix) {
        Some(name) if check_name(name).is_ok() => Ok(name.to_string()),
        _ => Err(format!(
            "Arn: ecsd runs ECS targets only: expected a cluster ARN of this endpoint, \
             {prefix}<cluster name>, got {arn:?}"
        )),
    }
}

/// `Input` of an ECS target: RunTask's overrides as a JSON object (empty means none).
fn overrides_of(input: Option<&str>) -> Result<Option<TaskOverride>, String> {
    let Some(text) = input.filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    let value: Value = serde_json::from_str(text).map_err(|e| format!("Input: not JSON: {e}"))?;
    if !value.is_object() {
        return Err(
            "Input: an ECS target's Input is RunTask's overrides as a JSON object, \
             e.g. {\"containerOverrides\": [{\"name\": \"main\", \"command\": [\"sh\", \"-c\", \"date\"]}]}"
                .into(),
        );
    }
    crate::api::ecs::decode(value)
        .map(Some)
        .map_err(|why| format!("Input: {why}"))
}

/// The rule's one target as EventBridge shows it; `None` while the rule has none.
pub(super) fn target_of(scope: &ArnScope, record: &ScheduledTaskRecord) -> Option<Target> {
    let spec = &record.spec;
    let task_definition = spec.task_definition.as_ref()?;
    let ecs = EcsParameters {
        task_definition_arn: scope.task_definition_arn(task_definition),
        task_count: Some(spec.task_count()),
        launch_type: spec.launch_type,
        network_configuration: spec.network_configuration.clone().map(Into::into),
        platform_version: spec.platform_version.clone(),
        group: spec.group.clone(),
        enable_ecs_managed_tags: spec.enable_ecs_managed_tags,
        enable_execute_command: spec.enable_execute_command,
        placement_constraints: spec.placement_constraints.clone(),
        placement_strategy: spec.placement_strategy.clone(),
        propagate_tags: spec.propagate_tags,
        tags: spec
            .tags
            .iter()
            .map(|t| EventsTag {
                key: t.key.clone(),
                value: t.value.clone(),
            })
            .collect(),
        ..EcsParameters::default()
    };
    Some(Target {
        id: target_id(record),
        arn: scope.cluster_arn(&record.cluster),
        role_arn: record.rule.target_role_arn.clone(),
        input: spec
            .overrides
            .as_ref()
            .and_then(|o| serde_json::to_string(o).ok()),
        ecs_parameters: Some(ecs),
        ..Target::default()
    })
}

/// The `Id` of the rule's target: as given, or the schedule's name for one a manifest made.
pub(super) fn target_id(record: &ScheduledTaskRecord) -> String {
    record
        .rule
        .target_id
        .clone()
        .unwrap_or_else(|| record.name.clone())
}

/// The rule as ListRules and DescribeRule show it.
pub(super) fn rule_shape(
    scope: &ArnScope,
    record: &ScheduledTaskRecord,
    managed_by: Option<String>,
) -> RuleShape {
    RuleShape {
        name: record.name.clone(),
        arn: scope.rule_arn(&record.name),
        state: match record.spec.state {
            ScheduleState::Enabled => RuleState::Enabled,
            ScheduleState::Disabled => RuleState::Disabled,
        },
        description: record.spec.description.clone(),
        schedule_expression: record.spec.schedule_expression.clone(),
        role_arn: record.rule.role_arn.clone(),
        managed_by,
        event_bus_name: super::DEFAULT_EVENT_BUS.to_string(),
        created_by: None,
    }
}
