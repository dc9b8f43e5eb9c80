//! PutTargets, RemoveTargets, ListTargetsByRule: a rule's one ECS target, which is its
//! schedule's target (task definition, count, overrides, RunTask's fields) and cluster.

use super::mapping::{EcsTarget, ecs_target, target_id, target_of};
use super::shapes::{ListTargetsInput, PutTargetsInput, RemoveTargetsInput, Target};
use super::{EventsError, find_rule, guard, input, page, to_json};
use crate::api::ApiState;
use crate::ops::{self, scheduled_tasks::ScheduleWrite};
use crate::store::{RuleBinding, ScheduledTaskRecord};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Sets the rule's target: the first target when it has none, or the one with its target's
/// `Id`; any other is a failed entry (a schedule has one target). Every target is read
/// before anything is written, and a target ecsd cannot honour refuses the whole request.
pub(super) fn put(s: &ApiState, body: Value) -> Result<Value, EventsError> {
    let req: PutTargetsInput = input(body)?;
    let record = find_rule(s, req.event_bus_name.as_deref(), &req.rule)?;
    guard(s, &record, false)?;
    let read = read_targets(s, &req.targets)?;
    let mut current = record.spec.task_definition.is_some().then(|| target_id(&record));
    let mut taken = None;
    let mut failed = Vec::new();
    for (target, ecs) in req.targets.iter().zip(read) {
        match &current {
            Some(id) if *id != target.id => failed.push(json!({
                "TargetId": target.id,
                "ErrorCode": "LimitExceededException",
                "ErrorMessage": one_target_only(&record.name, id),
            })),
            _ => {
                current = Some(target.id.clone());
                taken = Some((target, ecs));
            }
        }
    }
    if let Some((target, ecs)) = taken {
        let write = ScheduleWrite {
            cluster: ecs.cluster,
            name: record.name.clone(),
            spec: ecs.spec.with_schedule_of(&record.spec),
            labels: record.labels.clone(),
            rule: RuleBinding {
                target_id: Some(target.id.clone()),
                target_role_arn: target.role_arn.clone(),
                ..record.rule.clone()
            },
        };
        ops::scheduled_tasks::put(&s.catalog, &write, Some(&record.cluster))?;
    }
    Ok(json!({"FailedEntryCount": failed.len(), "FailedEntries": failed}))
}

/// Every target read as an ECS target, or the first that cannot be, named by its index.
fn read_targets(s: &ApiState, targets: &[Target]) -> Result<Vec<EcsTarget>, EventsError> {
    let mut ids = BTreeSet::new();
    let mut read = Vec::new();
    for (i, target) in targets.iter().enumerate() {
        if !ids.insert(target.id.as_str()) {
            return Err(EventsError::Validation(format!(
                "Targets[{i}].Id: {} is given twice",
                target.id
            )));
        }
        let ecs = ecs_target(&s.scope, target)
            .map_err(|why| EventsError::Validation(format!("Targets[{i}].{why}")))?;
        read.push(ecs);
    }
    if read.is_empty() {
        return Err(EventsError::Validation(
            "Targets: expected 1 to 100 targets".into(),
        ));
    }
    Ok(read)
}

fn one_target_only(rule: &str, id: &str) -> String {
    format!(
        "rule {rule} has the target {id} already, and ecsd keeps a rule with its target as one \
         scheduled task, so a rule takes one target: remove {id} first, or put this target with Id \
         {id} to replace it"
    )
}

/// Removes the rule's target when `Ids` names it (unknown ids are ignored, as EventBridge
/// does); the rule stays, without a target, and stops running.
pub(super) fn remove(s: &ApiState, body: Value) -> Result<Value, EventsError> {
    let req: RemoveTargetsInput = input(body)?;
    let record = find_rule(s, req.event_bus_name.as_deref(), &req.rule)?;
    guard(s, &record, req.force)?;
    if has_target_among(&record, &req.ids) {
        let write = ScheduleWrite {
            cluster: record.cluster.clone(),
            name: record.name.clone(),
            spec: record.spec.without_target(),
            labels: record.labels.clone(),
            rule: RuleBinding {
                target_id: None,
                target_role_arn: None,
                ..record.rule.clone()
            },
        };
        ops::scheduled_tasks::put(&s.catalog, &write, None)?;
    }
    Ok(json!({"FailedEntryCount": 0, "FailedEntries": []}))
}

fn has_target_among(record: &ScheduledTaskRecord, ids: &[String]) -> bool {
    record.spec.task_definition.is_some() && ids.contains(&target_id(record))
}

/// The rule's target (none or one).
pub(super) fn list(s: &ApiState, body: Value) -> Result<Value, EventsError> {
    let req: ListTargetsInput = input(body)?;
    let record = find_rule(s, req.event_bus_name.as_deref(), &req.rule)?;
    let targets: Vec<Target> = target_of(&s.scope, &record).into_iter().collect();
    let (targets, next) = page(targets, req.next_token.as_deref(), req.limit)?;
    let mut out = json!({"Targets": to_json(&targets)?});
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    Ok(out)
}
