//! Stopped tasks: keep the containers of the last few per group for logs, forget tasks past
//! the retention period, and clean up what a task owned.

use super::ControllerError;
use super::context::Context;
use crate::model::TaskState;
use crate::runtime::labels;
use crate::store::{TaskRecord, TaskStatus};
use std::collections::{BTreeMap, BTreeSet};
use tracing::warn;

/// Stopped tasks per service (or standalone group) whose containers are kept for `logs`.
pub const KEEP_STOPPED_CONTAINERS: usize = 3;

/// What to do with the stopped tasks, decided from records alone (pure).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RetentionPlan {
    /// Tasks whose containers should be removed now (record kept).
    pub remove_containers: Vec<String>,
    /// Tasks past retention: remove containers and forget the record.
    pub forget: Vec<String>,
}

/// Plans retention for every stopped task; `with_containers` are the tasks that still have
/// containers on the engine.
pub fn plan_retention(
    tasks: &[TaskRecord],
    statuses: &BTreeMap<String, TaskStatus>,
    with_containers: &BTreeSet<String>,
    retention_ms: u64,
    now: u64,
) -> RetentionPlan {
    let mut plan = RetentionPlan::default();
    let mut by_group: BTreeMap<(&str, &str), Vec<(u64, &str)>> = BTreeMap::new();
    for task in tasks {
        let Some(stopped_at) = statuses
            .get(&task.id)
            .filter(|s| s.last_status == TaskState::Stopped)
            .and_then(|s| s.stopped_at)
        else {
            continue;
        };
        if now.saturating_sub(stopped_at) > retention_ms {
            plan.forget.push(task.id.clone());
        } else {
            by_group
                .entry((task.cluster.as_str(), task.group.as_str()))
                .or_default()
                .push((stopped_at, task.id.as_str()));
        }
    }
    for mut stopped in by_group.into_values() {
        stopped.sort_by(|a, b| b.cmp(a));
        for (_, id) in stopped.into_iter().skip(KEEP_STOPPED_CONTAINERS) {
            if with_containers.contains(id) {
                plan.remove_containers.push(id.to_string());
            }
        }
    }
    plan
}

/// Applies the retention plan to the engine and the store.
pub async fn enforce_retention(
    ctx: &Context,
    with_containers: &BTreeSet<String>,
) -> Result<(), ControllerError> {
    let tasks = ctx.catalog.tasks()?;
    let statuses = ctx.catalog.task_statuses()?;
    let retention = ctx.settings.task_retention.as_millis() as u64;
    let plan = plan_retention(
        &tasks,
        &statuses,
        with_containers,
        retention,
        ctx.clock.now_millis(),
    );
    // One unreachable engine must not hold back the others' cleanup: its tasks wait for the
    // next resync.
    for id in &plan.remove_containers {
        if let Err(e) = remove_task_containers(ctx, id).await {
            warn!(task = %id, error = %e, "cannot remove the containers of a stopped task yet");
        }
    }
    for id in &plan.forget {
        match remove_task_containers(ctx, id).await {
            Ok(()) => ctx.catalog.remove_task(id)?,
            Err(e) => warn!(task = %id, error = %e, "cannot forget a stopped task yet"),
        }
    }
    Ok(())
}

/// Removes every container of a task (only ours: filtered by owner and task labels), then
/// its task-scoped volumes and network.
/// A task on an instance that is no longer declared has no engine to clean: nothing to do.
pub async fn remove_task_containers(ctx: &Context, task_id: &str) -> Result<(), ControllerError> {
    let task = ctx.catalog.task(task_id)?;
    let on = task.as_ref().and_then(|t| t.container_instance.as_deref());
    let Some(engine) = ctx.engines.get(on) else {
        return Ok(());
    };
    let filters = [
        labels::filter(labels::OWNER, &ctx.owner),
        labels::filter(labels::TASK, task_id),
    ];
    for c in engine.list(&filters).await? {
        engine.remove(&c.id).await?;
    }
    if let Some(task) = task {
        super::task::release_task_resources(ctx, &task).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DesiredStatus;

    fn task(id: &str, group: &str) -> TaskRecord {
        TaskRecord {
            group: group.into(),
            desired_status: DesiredStatus::Stopped,
            ..TaskRecord::standalone(id, "web:1")
        }
    }

    fn stopped(at: u64) -> TaskStatus {
        TaskStatus {
            last_status: TaskState::Stopped,
            stopped_at: Some(at),
            ..Default::default()
        }
    }

    #[test]
    fn only_the_last_few_stopped_tasks_per_group_keep_their_containers() {
        let tasks: Vec<TaskRecord> = (0..5).map(|i| task(&format!("t{i}"), "service:web")).collect();
        let statuses = (0..5).map(|i| (format!("t{i}"), stopped(1000 + i))).collect();
        let all: BTreeSet<String> = (0..5).map(|i| format!("t{i}")).collect();
        let plan = plan_retention(&tasks, &statuses, &all, 60_000, 2000);
        let mut removed = plan.remove_containers.clone();
        removed.sort();
        assert_eq!(removed, vec!["t0", "t1"], "the two oldest lose their containers");
        assert!(plan.forget.is_empty());
    }

    #[test]
    fn tasks_past_retention_are_forgotten_and_running_ones_are_never_touched() {
        let tasks = vec![task("old", "family:web"), task("live", "family:web")];
        let statuses = BTreeMap::from([("old".to_string(), stopped(0))]);
        let plan = plan_retention(&tasks, &statuses, &BTreeSet::new(), 1000, 5000);
        assert_eq!(plan.forget, vec!["old"]);
        assert!(plan.remove_containers.is_empty());
    }
}
