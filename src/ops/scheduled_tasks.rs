//! Scheduled tasks as the doors see them: find (by cluster and name, or by name alone as
//! EventBridge names rules), list (with what each has done and will do), write from an API,
//! enable or disable, run now, delete.

use super::tasks::RunTasks;
use super::{ObjectKind, OpsError, clusters, task_definitions};
use crate::model::{ScheduleState, ScheduledTaskSpec, TaskState, target_problems, validate_scheduled_task};
use crate::store::{ApplyOutcome, Catalog, RuleBinding, ScheduleStatus, ScheduledTaskRecord, TaskLaunch};
use std::collections::BTreeMap;

/// How many future firings a description lists.
pub const UPCOMING: usize = 5;

/// A scheduled task with its status and its next firings.
#[derive(Debug, Clone)]
pub struct ScheduledTaskView {
    /// The stored schedule.
    pub record: ScheduledTaskRecord,
    /// What it has done.
    pub status: ScheduleStatus,
    /// Its next firings (ms since epoch), at most [`UPCOMING`]; empty while DISABLED.
    pub upcoming: Vec<u64>,
    /// Its tasks that have not STOPPED.
    pub active_tasks: usize,
}

/// The schedule `name` in `cluster`.
pub fn find(catalog: &Catalog, cluster: &str, name: &str) -> Result<ScheduledTaskRecord, OpsError> {
    catalog
        .scheduled_task(cluster, name)?
        .ok_or_else(|| OpsError::not_found(ObjectKind::ScheduledTask, name))
}

/// The one schedule called `name`, in whichever cluster (EventBridge names a rule alone).
pub fn find_named(catalog: &Catalog, name: &str) -> Result<ScheduledTaskRecord, OpsError> {
    let mut found: Vec<ScheduledTaskRecord> = catalog
        .scheduled_tasks(None)?
        .into_iter()
        .filter(|r| r.name == name)
        .collect();
    match found.len() {
        0 => Err(OpsError::not_found(ObjectKind::ScheduledTask, name)),
        1 => Ok(found.remove(0)),
        _ => Err(OpsError::AmbiguousSchedule {
            name: name.to_string(),
            clusters: found.into_iter().map(|r| r.cluster).collect(),
        }),
    }
}

/// A schedule as an API writes it whole: where, what, and what EventBridge echoes back.
#[derive(Debug, Clone)]
pub struct ScheduleWrite {
    /// The cluster its runs start in.
    pub cluster: String,
    /// Its name.
    pub name: String,
    /// The spec, replacing the stored one.
    pub spec: ScheduledTaskSpec,
    /// Its labels (tags).
    pub labels: BTreeMap<String, String>,
    /// Its EventBridge identities.
    pub rule: RuleBinding,
}

/// Creates or replaces a schedule, moving it when it is stored in another cluster now
/// (`from`). Refused, with nothing written, when the spec is invalid, the cluster is not
/// ACTIVE, a new target's task definition is unknown or does not suit it, or another
/// schedule of that name is already in the new cluster. Whether a watched folder manages the schedule
/// is the door's question (`ownership`), asked before.
pub fn put(catalog: &Catalog, write: &ScheduleWrite, from: Option<&str>) -> Result<ApplyOutcome, OpsError> {
    let problems: Vec<String> = validate_scheduled_task(&write.spec)
        .iter()
        .map(ToString::to_string)
        .collect();
    if !problems.is_empty() {
        return Err(OpsError::InvalidSpec(problems.join("; ")));
    }
    clusters::require_active(catalog, &write.cluster)?;
    let stored = catalog.scheduled_task(from.unwrap_or(&write.cluster), &write.name)?;
    // A target already stored is not judged again (its family may have been deregistered
    // since): changing only the rule's own settings always works.
    let new_target = stored.is_none_or(|r| !r.spec.same_target(&write.spec));
    if let Some(reference) = write.spec.task_definition.as_ref().filter(|_| new_target) {
        let td = task_definitions::resolve(catalog, reference)?;
        if let Some(problem) = target_problems(&write.spec, &td.spec).first() {
            return Err(OpsError::InvalidSpec(problem.to_string()));
        }
    }
    let moving = from.filter(|old| *old != write.cluster);
    if moving.is_some() && catalog.scheduled_task(&write.cluster, &write.name)?.is_some() {
        return Err(OpsError::InvalidSpec(format!(
            "a scheduled task {}/{} exists already",
            write.cluster, write.name
        )));
    }
    // Written in its new cluster before it leaves the old one: a crash in between leaves two
    // (which `find_named` reports), never none.
    let outcome = catalog.apply_scheduled_task(
        &write.cluster,
        &write.name,
        &write.spec,
        &write.labels,
        Some(&write.rule),
    )?;
    if let Some(old) = moving {
        catalog.delete_scheduled_task(old, &write.name)?;
    }
    Ok(outcome)
}

/// One schedule with its status and next firings after `now`.
pub fn view(catalog: &Catalog, cluster: &str, name: &str, now: u64) -> Result<ScheduledTaskView, OpsError> {
    let record = find(catalog, cluster, name)?;
    with_status(catalog, record, now)
}

/// Every schedule (of `cluster`, or of all clusters), with status and next firings.
pub fn list(catalog: &Catalog, cluster: Option<&str>, now: u64) -> Result<Vec<ScheduledTaskView>, OpsError> {
    if let Some(cluster) = cluster {
        clusters::require_active(catalog, cluster)?;
    }
    catalog
        .scheduled_tasks(cluster)?
        .into_iter()
        .map(|record| with_status(catalog, record, now))
        .collect()
}

/// Deletes the schedule; runs already started keep running.
pub fn delete(catalog: &Catalog, cluster: &str, name: &str) -> Result<(), OpsError> {
    find(catalog, cluster, name)?;
    Ok(catalog.delete_scheduled_task(cluster, name)?)
}

fn with_status(
    catalog: &Catalog,
    record: ScheduledTaskRecord,
    now: u64,
) -> Result<ScheduledTaskView, OpsError> {
    let status = catalog.schedule_status(&record.cluster, &record.name)?;
    let upcoming = crate::controller::schedule_plan::upcoming(&record, &status, now, UPCOMING);
    let started_by = crate::controller::schedule_started_by(&record.name);
    let statuses = catalog.task_statuses()?;
    let active_tasks = catalog
        .tasks()?
        .into_iter()
        .filter(|t| t.cluster == record.cluster && t.started_by.as_deref() == Some(started_by.as_str()))
        .filter(|t| {
            statuses
                .get(&t.id)
                .is_none_or(|s| s.last_status != TaskState::Stopped)
        })
        .count();
    Ok(ScheduledTaskView {
        record,
        status,
        upcoming,
        active_tasks,
    })
}

/// Asks for one run now (`ecsd schedule run`), whatever the expression and state say; the
/// overlap policy still applies. The schedule must exist and have a target.
pub fn run_now(catalog: &Catalog, cluster: &str, name: &str) -> Result<(), OpsError> {
    let record = find(catalog, cluster, name)?;
    if record.spec.task_definition.is_none() {
        return Err(OpsError::InvalidSpec(format!(
            "scheduled task {cluster}/{name} has no target (no taskDefinition): there is nothing to run"
        )));
    }
    catalog.request_scheduled_run(cluster, name)?;
    Ok(())
}

/// Where a run's tasks go: placed over the cluster's instances with the schedule's
/// `placementConstraints` (on top of the task definition's) and `placementStrategy`.
pub fn run_placement(record: &ScheduledTaskRecord) -> super::task_placement::Where {
    super::task_placement::Where::Placed {
        constraints: record.spec.placement_constraints.clone(),
        strategies: record.spec.placement_strategy.clone(),
    }
}

/// The RunTask one run of `record` makes (`None` for a schedule without a target): its
/// target's fields, `startedBy: ecsd-schedule/<name>` and, unless it names one, the group
/// `scheduled:<name>`.
pub fn run_request(record: &ScheduledTaskRecord) -> Option<RunTasks> {
    let spec = &record.spec;
    Some(RunTasks {
        cluster: record.cluster.clone(),
        task_definition: spec.task_definition.clone()?,
        count: spec.task_count(),
        started_by: Some(crate::controller::schedule_started_by(&record.name)),
        group: Some(
            spec.group
                .clone()
                .unwrap_or_else(|| format!("scheduled:{}", record.name)),
        ),
        labels: spec
            .tags
            .iter()
            .map(|t| (t.key.clone(), t.value.clone()))
            .collect(),
        launch: TaskLaunch {
            launch_type: spec.launch_type,
            platform_version: spec.platform_version.clone(),
            overrides: spec.overrides.clone(),
            enable_execute_command: spec.enable_execute_command,
        },
        managed_tags: spec.enable_ecs_managed_tags,
        propagate_tags: spec.propagate_tags,
    })
}

/// Enables or disables a schedule (`ecsd schedule enable|disable`).
pub fn set_state(catalog: &Catalog, cluster: &str, name: &str, state: ScheduleState) -> Result<(), OpsError> {
    find(catalog, cluster, name)?;
    catalog.set_schedule_state(cluster, name, state)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{schedule, task_definition};
    use crate::store::MemoryStore;
    use std::sync::Arc;

    fn catalog() -> Catalog {
        let catalog = Catalog::new(Arc::new(MemoryStore::new()));
        let td = task_definition(&[("main", "busybox")]);
        catalog
            .register_task_definition("job", &td, &BTreeMap::new())
            .unwrap();
        catalog
    }

    fn write(cluster: &str, spec: ScheduledTaskSpec) -> ScheduleWrite {
        ScheduleWrite {
            cluster: cluster.into(),
            name: "nightly".into(),
            spec,
            labels: BTreeMap::new(),
            rule: RuleBinding {
                target_id: Some("t1".into()),
                ..Default::default()
            },
        }
    }

    #[test]
    fn put_creates_then_replaces_and_keeps_the_rule_binding() {
        let catalog = catalog();
        let first = write("default", schedule("rate(1 hour)", "job"));
        assert_eq!(put(&catalog, &first, None).unwrap(), ApplyOutcome::Created);
        assert_eq!(
            put(&catalog, &first, Some("default")).unwrap(),
            ApplyOutcome::Unchanged
        );
        let found = find_named(&catalog, "nightly").unwrap();
        assert_eq!(found.rule.target_id.as_deref(), Some("t1"));
        assert!(matches!(
            find_named(&catalog, "nope"),
            Err(OpsError::NotFound {
                kind: ObjectKind::ScheduledTask,
                ..
            })
        ));
    }

    #[test]
    fn put_refuses_an_invalid_spec_an_unknown_cluster_or_task_definition_and_writes_nothing() {
        let catalog = catalog();
        let invalid = write("default", schedule("rate(5 minute)", "job"));
        let err = put(&catalog, &invalid, None).unwrap_err();
        assert!(err.to_string().contains("spec.scheduleExpression"), "{err}");
        let elsewhere = write("prod", schedule("rate(1 hour)", "job"));
        assert!(matches!(
            put(&catalog, &elsewhere, None),
            Err(OpsError::NotFound {
                kind: ObjectKind::Cluster,
                ..
            })
        ));
        let unknown = write("default", schedule("rate(1 hour)", "nope"));
        assert!(matches!(
            put(&catalog, &unknown, None),
            Err(OpsError::NotFound {
                kind: ObjectKind::TaskDefinition,
                ..
            })
        ));
        let wrong_container = ScheduledTaskSpec {
            overrides: Some(serde_json::from_str(r#"{"containerOverrides": [{"name": "x"}]}"#).unwrap()),
            ..schedule("rate(1 hour)", "job")
        };
        let err = put(&catalog, &write("default", wrong_container), None).unwrap_err();
        assert!(err.to_string().contains("no container named"), "{err}");
        assert!(catalog.scheduled_tasks(None).unwrap().is_empty());
    }

    #[test]
    fn a_stored_target_is_not_judged_again_when_only_the_rule_changes() {
        let catalog = catalog();
        put(&catalog, &write("default", schedule("rate(1 hour)", "job")), None).unwrap();
        task_definitions::deregister(&catalog, "job").unwrap();
        let disabled = ScheduledTaskSpec {
            state: ScheduleState::Disabled,
            ..schedule("rate(2 hours)", "job")
        };
        put(&catalog, &write("default", disabled), Some("default")).unwrap();
        let more = ScheduledTaskSpec {
            task_count: Some(2),
            ..schedule("rate(2 hours)", "job")
        };
        assert!(put(&catalog, &write("default", more), Some("default")).is_err());
    }

    #[test]
    fn put_moves_a_schedule_to_the_cluster_its_target_names() {
        let catalog = catalog();
        catalog.apply_cluster("prod", BTreeMap::new(), None).unwrap();
        let target_less = ScheduledTaskSpec {
            task_definition: None,
            ..schedule("rate(1 hour)", "job")
        };
        put(&catalog, &write("default", target_less), None).unwrap();
        put(
            &catalog,
            &write("prod", schedule("rate(1 hour)", "job")),
            Some("default"),
        )
        .unwrap();
        let all = catalog.scheduled_tasks(None).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].cluster, "prod");
    }

    #[test]
    fn a_name_in_two_clusters_is_ambiguous_and_both_are_named() {
        let catalog = catalog();
        catalog.apply_cluster("prod", BTreeMap::new(), None).unwrap();
        put(&catalog, &write("default", schedule("rate(1 hour)", "job")), None).unwrap();
        put(&catalog, &write("prod", schedule("rate(1 hour)", "job")), None).unwrap();
        let err = find_named(&catalog, "nightly").unwrap_err();
        assert!(err.to_string().contains("default, prod"), "{err}");
        let moving = put(
            &catalog,
            &write("prod", schedule("rate(2 hours)", "job")),
            Some("default"),
        );
        assert!(moving.unwrap_err().to_string().contains("exists already"));
    }
}
