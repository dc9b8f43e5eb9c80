//! Whether a service's PRIMARY deployment must wait before starting tasks (its own crash loop
//! only: backoff belongs to a deployment, so a new one starts at once), and how it says so.

use super::super::restart_backoff::restart_delay;
use super::views::{ServiceTask, deployment_of, health_failure_as_stopped};
use crate::model::TaskState;
use crate::store::{Deployment, TaskStatus};
use std::time::Duration;

/// The PRIMARY waits this long before its next start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hold {
    /// Time left.
    pub wait: Duration,
    /// None of its failed tasks ever reached RUNNING.
    pub never_ran: bool,
}

impl Hold {
    /// The service's message: ECS's wording when tasks never reach RUNNING, ours when they
    /// fail right after they start.
    pub fn message(&self) -> String {
        let secs = self.wait.as_secs().max(1);
        if self.never_ran {
            format!("is unable to consistently start tasks successfully; next attempt in {secs}s.")
        } else {
            format!("tasks keep failing right after they start; next start in {secs}s.")
        }
    }
}

/// The PRIMARY's crash-loop hold, if any. `replaced_now` are tasks the scheduler has just
/// decided to replace for their health (id, stop reason): they count as failed already.
pub fn primary_hold(
    tasks: &[ServiceTask],
    primary: &Deployment,
    replaced_now: &[(String, String)],
    now: u64,
    ran_well: Duration,
) -> Option<Hold> {
    let mine: Vec<TaskStatus> = tasks
        .iter()
        .filter(|(t, _)| deployment_of(t, &primary.id, &primary.task_definition) == primary.id)
        .map(|(t, s)| {
            let decided = replaced_now
                .iter()
                .find(|(id, _)| *id == t.id)
                .map(|(_, r)| r.as_str());
            health_failure_as_stopped(t, s, decided, now)
        })
        .collect();
    let statuses: Vec<&TaskStatus> = mine.iter().collect();
    let wait = restart_delay(&statuses, now, ran_well)?;
    let never_ran = mine
        .iter()
        .filter(|s| s.last_status == TaskState::Stopped)
        .all(|s| s.started_at.is_none());
    Some(Hold { wait, never_ran })
}
