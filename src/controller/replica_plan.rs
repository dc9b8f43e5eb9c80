//! Pure decision for a REPLICA service: how many tasks to start and which to stop.

use crate::model::TaskState;

/// What the planner needs to know about one live (not stopping) task of the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskView {
    /// Task id.
    pub id: String,
    /// `family:revision` it runs.
    pub task_definition: String,
    /// Current lifecycle state.
    pub state: TaskState,
    /// Creation time, to prefer stopping the newest.
    pub created_at: u64,
}

/// Why the planner stops a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopWhy {
    /// More tasks than desired.
    ScaleIn,
    /// Runs an old revision and enough new tasks are running.
    Replaced,
}

/// The planner's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplicaPlan {
    /// New tasks to start on the target revision.
    pub start: u32,
    /// Tasks to stop, with why.
    pub stop: Vec<(String, StopWhy)>,
}

/// Plans one step toward `desired` tasks of `target` (None: no usable revision, so only
/// scale what exists). New tasks start before old ones stop: an old task stops only while
/// the running tasks still cover `desired` without it.
pub fn plan_replicas(desired: u32, target: Option<&str>, tasks: &[TaskView]) -> ReplicaPlan {
    let desired = desired as usize;
    let is_current = |t: &&TaskView| target.is_none_or(|td| t.task_definition == td);
    let mut current: Vec<&TaskView> = tasks.iter().filter(is_current).collect();
    let old: Vec<&TaskView> = tasks.iter().filter(|t| !is_current(t)).collect();
    let mut plan = ReplicaPlan::default();

    // Scale in: pending tasks first (they serve nothing yet), then the newest.
    current.sort_by_key(|t| (t.state == TaskState::Running, std::cmp::Reverse(t.created_at)));
    let excess = current.len().saturating_sub(desired);
    for t in current.drain(..excess) {
        plan.stop.push((t.id.clone(), StopWhy::ScaleIn));
    }
    if target.is_some() {
        plan.start = (desired - current.len()) as u32;
    }

    let running_current = current.iter().filter(|t| t.state == TaskState::Running).count();
    let (old_running, old_pending): (Vec<&TaskView>, Vec<&TaskView>) =
        old.into_iter().partition(|t| t.state == TaskState::Running);
    for t in old_pending {
        plan.stop.push((t.id.clone(), StopWhy::Replaced));
    }
    let keep = desired.saturating_sub(running_current).min(old_running.len());
    let mut old_running = old_running;
    old_running.sort_by_key(|t| std::cmp::Reverse(t.created_at));
    for t in old_running.into_iter().skip(keep) {
        plan.stop.push((t.id.clone(), StopWhy::Replaced));
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: &str, td: &str, state: TaskState, created_at: u64) -> TaskView {
        TaskView {
            id: id.into(),
            task_definition: td.into(),
            state,
            created_at,
        }
    }

    fn stopped_ids(plan: &ReplicaPlan) -> Vec<&str> {
        plan.stop.iter().map(|(id, _)| id.as_str()).collect()
    }

    #[test]
    fn an_empty_service_starts_desired_count_tasks() {
        assert_eq!(plan_replicas(3, Some("web:1"), &[]).start, 3);
    }

    #[test]
    fn a_converged_service_does_nothing() {
        let tasks = [
            task("a", "web:1", TaskState::Running, 1),
            task("b", "web:1", TaskState::Pending, 2),
        ];
        assert_eq!(plan_replicas(2, Some("web:1"), &tasks), ReplicaPlan::default());
    }

    #[test]
    fn scale_in_stops_pending_tasks_first_then_the_newest() {
        let tasks = [
            task("old", "web:1", TaskState::Running, 1),
            task("new", "web:1", TaskState::Running, 3),
            task("pending", "web:1", TaskState::Pending, 2),
        ];
        let plan = plan_replicas(1, Some("web:1"), &tasks);
        assert_eq!(stopped_ids(&plan), vec!["pending", "new"]);
        assert_eq!(plan.start, 0);
    }

    #[test]
    fn a_new_revision_starts_new_tasks_and_keeps_old_ones_until_new_ones_run() {
        let tasks = [
            task("a", "web:1", TaskState::Running, 1),
            task("b", "web:1", TaskState::Running, 2),
        ];
        let plan = plan_replicas(2, Some("web:2"), &tasks);
        assert_eq!(plan.start, 2);
        assert!(plan.stop.is_empty());
    }

    #[test]
    fn each_running_new_task_releases_one_old_task() {
        let tasks = [
            task("a", "web:1", TaskState::Running, 1),
            task("b", "web:1", TaskState::Running, 2),
            task("n1", "web:2", TaskState::Running, 3),
            task("n2", "web:2", TaskState::Pending, 4),
        ];
        let plan = plan_replicas(2, Some("web:2"), &tasks);
        assert_eq!(plan.start, 0);
        assert_eq!(
            plan.stop,
            vec![("a".to_string(), StopWhy::Replaced)],
            "the oldest goes first"
        );
    }

    #[test]
    fn old_tasks_that_never_ran_are_stopped_at_once() {
        let tasks = [task("a", "web:1", TaskState::Pending, 1)];
        let plan = plan_replicas(1, Some("web:2"), &tasks);
        assert_eq!((plan.start, stopped_ids(&plan)), (1, vec!["a"]));
    }

    #[test]
    fn scaling_to_zero_stops_everything() {
        let tasks = [
            task("a", "web:1", TaskState::Running, 1),
            task("b", "web:2", TaskState::Running, 2),
        ];
        let plan = plan_replicas(0, Some("web:2"), &tasks);
        assert_eq!(plan.stop.len(), 2);
        assert_eq!(plan.start, 0);
    }

    #[test]
    fn without_a_usable_revision_nothing_starts_but_scale_in_still_works() {
        let tasks = [
            task("a", "web:1", TaskState::Running, 1),
            task("b", "web:1", TaskState::Running, 2),
        ];
        let plan = plan_replicas(1, None, &tasks);
        assert_eq!((plan.start, stopped_ids(&plan)), (0, vec!["b"]));
        assert_eq!(plan_replicas(5, None, &tasks).start, 0);
    }

    #[test]
    fn the_plan_never_drops_running_tasks_below_desired_during_a_revision_change() {
        // Exhaustive over small mixes: running tasks kept >= min(desired, running before).
        let states = [TaskState::Pending, TaskState::Running];
        for desired in 0..4u32 {
            for mask in 0..(1u32 << 8) {
                let tasks: Vec<TaskView> = (0..4)
                    .map(|i| {
                        let td = if mask >> i & 1 == 1 { "web:2" } else { "web:1" };
                        let state = states[(mask >> (i + 4) & 1) as usize];
                        task(&i.to_string(), td, state, i as u64)
                    })
                    .collect();
                let plan = plan_replicas(desired, Some("web:2"), &tasks);
                let running_before = tasks.iter().filter(|t| t.state == TaskState::Running).count();
                let running_after = tasks
                    .iter()
                    .filter(|t| t.state == TaskState::Running && !plan.stop.iter().any(|(id, _)| *id == t.id))
                    .count();
                assert!(
                    running_after >= running_before.min(desired as usize),
                    "desired {desired}, mask {mask:b}: {plan:?}"
                );
            }
        }
    }
}
