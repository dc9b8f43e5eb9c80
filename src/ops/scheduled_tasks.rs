//! Scheduled tasks as both doors see them: find, list (with what each has done and will do),
//! delete.

use super::tasks::RunTasks;
use super::{ObjectKind, OpsError, clusters};
use crate::model::{ScheduleState, TaskState};
use crate::store::{Catalog, ScheduleStatus, ScheduledTaskRecord, TaskLaunch};

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
