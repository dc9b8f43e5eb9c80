//! PutRule, DescribeRule, ListRules, EnableRule, DisableRule, DeleteRule: a rule's own
//! settings, which are its schedule's expression, state and description.

use super::mapping::{check_rule_name, rule_shape, rule_spec};
use super::shapes::{DeleteRuleInput, EventsTag, ListRulesInput, PutRuleInput, RuleName, RuleState};
use super::{EventsError, check_event_bus, find_rule, guard, input, managed_by, page, to_json};
use crate::api::ApiState;
use crate::model::{DEFAULT_CLUSTER, ScheduleState, check_caller_tag, limits};
use crate::ops::scheduled_tasks::{ScheduleWrite, find_named};
use crate::ops::{self, ObjectKind, OpsError};
use crate::store::{RuleBinding, ScheduledTaskRecord};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Why a rule with an `EventPattern` is refused.
const NO_EVENT_PATTERNS: &str = "EventPattern: ecsd runs scheduled rules only. There are no events \
     on one machine for a pattern to match, so a rule with an EventPattern would never run anything: \
     give ScheduleExpression instead";

/// Creates a rule (without targets, in the cluster `default`) or replaces its settings.
pub(super) fn put(s: &ApiState, body: Value) -> Result<Value, EventsError> {
    let req: PutRuleInput = input(body)?;
    check_event_bus(s, req.event_bus_name.as_deref())?;
    check_rule_name(&req.name).map_err(EventsError::Validation)?;
    let state = rule_state(req.state)?;
    let expression = schedule_expression(&req)?;
    let tags = req.tags.as_deref().map(tag_labels).transpose()?;
    let current = existing(s, &req.name)?;
    if let Some(record) = &current {
        guard(s, record, false)?;
    }
    let spec = rule_spec(
        current.as_ref().map(|r| &r.spec),
        expression,
        state,
        req.description.clone(),
    );
    let (cluster, labels, rule) = match current {
        Some(r) => (r.cluster, tags.unwrap_or(r.labels), r.rule),
        None => (
            DEFAULT_CLUSTER.to_string(),
            tags.unwrap_or_default(),
            RuleBinding::default(),
        ),
    };
    let write = ScheduleWrite {
        cluster,
        name: req.name.clone(),
        spec,
        labels,
        rule: RuleBinding {
            role_arn: req.role_arn.clone(),
            ..rule
        },
    };
    ops::scheduled_tasks::put(&s.catalog, &write, None)?;
    Ok(json!({"RuleArn": s.scope.rule_arn(&req.name)}))
}

/// The rule of that name, or `None` when there is none.
fn existing(s: &ApiState, name: &str) -> Result<Option<ScheduledTaskRecord>, EventsError> {
    match find_named(&s.catalog, name) {
        Ok(record) => Ok(Some(record)),
        Err(OpsError::NotFound {
            kind: ObjectKind::ScheduledTask,
            ..
        }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn rule_state(state: Option<RuleState>) -> Result<ScheduleState, EventsError> {
    match state {
        None | Some(RuleState::Enabled) => Ok(ScheduleState::Enabled),
        Some(RuleState::Disabled) => Ok(ScheduleState::Disabled),
        Some(RuleState::EnabledWithAllCloudtrailManagementEvents) => Err(EventsError::Validation(
            "State: ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS is for rules with an EventPattern, \
             which ecsd does not run: use ENABLED or DISABLED"
                .into(),
        )),
    }
}

fn schedule_expression(req: &PutRuleInput) -> Result<&str, EventsError> {
    if req.event_pattern.as_deref().is_some_and(|p| !p.is_empty()) {
        return Err(EventsError::Validation(NO_EVENT_PATTERNS.into()));
    }
    match req.schedule_expression.as_deref() {
        Some(expression) if !expression.is_empty() => Ok(expression),
        _ => Err(EventsError::Validation(
            "Parameter(s) EventPattern or ScheduleExpression must be specified. \
             ecsd runs scheduled rules only: give ScheduleExpression"
                .into(),
        )),
    }
}

/// A rule's tags as its schedule's labels, under ECS's tag rules.
fn tag_labels(tags: &[EventsTag]) -> Result<BTreeMap<String, String>, EventsError> {
    let mut labels = BTreeMap::new();
    for tag in tags {
        let ecs = crate::model::Tag {
            key: tag.key.clone(),
            value: tag.value.clone(),
        };
        check_caller_tag(&ecs).map_err(|why| EventsError::Validation(format!("Tags: {why}")))?;
        labels.insert(ecs.key, ecs.value);
    }
    limits::check_tag_count(labels.len()).map_err(|why| EventsError::Validation(format!("Tags: {why}")))?;
    Ok(labels)
}

/// One rule, with the account that made it.
pub(super) fn describe(s: &ApiState, body: Value) -> Result<Value, EventsError> {
    let req: RuleName = input(body)?;
    let record = find_rule(s, req.event_bus_name.as_deref(), &req.name)?;
    let mut shape = rule_shape(&s.scope, &record, managed_by(s, &record)?);
    shape.created_by = Some(s.scope.account.clone());
    to_json(&shape)
}

/// Every rule (schedule) whose name starts with `NamePrefix`, by name.
pub(super) fn list(s: &ApiState, body: Value) -> Result<Value, EventsError> {
    let req: ListRulesInput = input(body)?;
    check_event_bus(s, req.event_bus_name.as_deref())?;
    let prefix = req.name_prefix.as_deref().unwrap_or_default();
    let mut records: Vec<ScheduledTaskRecord> = s
        .catalog
        .scheduled_tasks(None)?
        .into_iter()
        .filter(|r| r.name.starts_with(prefix))
        .collect();
    records.sort_by(|a, b| (&a.name, &a.cluster).cmp(&(&b.name, &b.cluster)));
    let (records, next) = page(records, req.next_token.as_deref(), req.limit)?;
    let mut rules = Vec::new();
    for record in &records {
        rules.push(rule_shape(&s.scope, record, managed_by(s, record)?));
    }
    let mut out = json!({"Rules": to_json(&rules)?});
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    Ok(out)
}

/// EnableRule.
pub(super) fn enable(s: &ApiState, body: Value) -> Result<Value, EventsError> {
    set_state(s, body, ScheduleState::Enabled)
}

/// DisableRule.
pub(super) fn disable(s: &ApiState, body: Value) -> Result<Value, EventsError> {
    set_state(s, body, ScheduleState::Disabled)
}

fn set_state(s: &ApiState, body: Value, state: ScheduleState) -> Result<Value, EventsError> {
    let req: RuleName = input(body)?;
    let record = find_rule(s, req.event_bus_name.as_deref(), &req.name)?;
    guard(s, &record, false)?;
    ops::scheduled_tasks::set_state(&s.catalog, &record.cluster, &record.name, state)?;
    Ok(json!({}))
}

/// Deletes a rule without targets; as in EventBridge, deleting one that does not exist
/// succeeds, and one with targets is refused.
pub(super) fn delete(s: &ApiState, body: Value) -> Result<Value, EventsError> {
    let req: DeleteRuleInput = input(body)?;
    check_event_bus(s, req.event_bus_name.as_deref())?;
    let Some(record) = existing(s, &req.name)? else {
        return Ok(json!({}));
    };
    guard(s, &record, req.force)?;
    if record.spec.task_definition.is_some() {
        return Err(EventsError::Validation(
            "Rule can't be deleted since it has targets.".into(),
        ));
    }
    ops::scheduled_tasks::delete(&s.catalog, &record.cluster, &record.name)?;
    Ok(json!({}))
}
