//! Counting a service's restarts (pure): each of its tasks that stopped on its own, once,
//! by cause. The service replaces every such task (after the crash-loop backoff); stops it
//! asked for itself (scale-in, deployments, a lost instance) and user stops are no restarts.

use super::views::ServiceTask;
use crate::model::{OOM_KILLED_REASON, RestartCause, StopCode, TaskState, is_health_failure};
use crate::store::{ServiceStatus, TaskStatus};
use std::collections::BTreeSet;

/// Why a STOPPED task stopped on its own; `None` for a task still running, or stopped by a
/// user or by the scheduler for another reason than its health.
pub fn restart_cause(s: &TaskStatus) -> Option<RestartCause> {
    if s.last_status != TaskState::Stopped {
        return None;
    }
    let oom = s
        .containers
        .iter()
        .any(|c| c.reason.as_deref() == Some(OOM_KILLED_REASON));
    match s.stop_code? {
        StopCode::TaskFailedToStart => Some(RestartCause::FailedToStart),
        StopCode::EssentialContainerExited if oom => Some(RestartCause::OomKilled),
        StopCode::EssentialContainerExited => Some(RestartCause::Exited),
        code if is_health_failure(code, s.stopped_reason.as_deref()) => Some(RestartCause::Unhealthy),
        StopCode::UserInitiated | StopCode::ServiceSchedulerInitiated => None,
    }
}

/// Adds the service's newly stopped tasks to its restart counts, and forgets the counted
/// ids of tasks no longer kept (their counts stay).
pub fn count_restarts(status: &mut ServiceStatus, tasks: &[ServiceTask]) {
    let mut counted = BTreeSet::new();
    for (t, s) in tasks {
        if status.restarts_counted.contains(&t.id) {
            counted.insert(t.id.clone());
        } else if let Some(cause) = restart_cause(s) {
            status.restarts.add(cause);
            counted.insert(t.id.clone());
        }
    }
    status.restarts_counted = counted;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UNHEALTHY_STOP_REASON;
    use crate::store::{ContainerStatus, TaskRecord};

    fn stopped(
        id: &str,
        code: StopCode,
        reason: Option<&str>,
        container_reason: Option<&str>,
    ) -> ServiceTask {
        let status = TaskStatus {
            last_status: TaskState::Stopped,
            stop_code: Some(code),
            stopped_reason: reason.map(str::to_string),
            containers: vec![ContainerStatus {
                exit_code: Some(137),
                reason: container_reason.map(str::to_string),
                ..Default::default()
            }],
            ..Default::default()
        };
        (TaskRecord::standalone(id, "web:1"), status)
    }

    #[test]
    fn each_cause_is_told_apart_and_the_schedulers_own_stops_are_no_restarts() {
        let cause = |t: ServiceTask| restart_cause(&t.1);
        let exit = StopCode::EssentialContainerExited;
        assert_eq!(cause(stopped("a", exit, None, None)), Some(RestartCause::Exited));
        assert_eq!(
            cause(stopped("a", exit, None, Some(OOM_KILLED_REASON))),
            Some(RestartCause::OomKilled)
        );
        assert_eq!(
            cause(stopped("a", StopCode::TaskFailedToStart, None, None)),
            Some(RestartCause::FailedToStart)
        );
        let scheduler = StopCode::ServiceSchedulerInitiated;
        assert_eq!(
            cause(stopped("a", scheduler, Some(UNHEALTHY_STOP_REASON), None)),
            Some(RestartCause::Unhealthy)
        );
        let scale_in = Some("Scaling activity initiated by (deployment ecs-svc/1)");
        assert_eq!(cause(stopped("a", scheduler, scale_in, None)), None);
        assert_eq!(cause(stopped("a", StopCode::UserInitiated, None, None)), None);
        let mut running = stopped("a", exit, None, None);
        running.1.last_status = TaskState::Stopping;
        assert_eq!(cause(running), None, "counted once STOPPED, not before");
    }

    #[test]
    fn a_task_is_counted_once_and_its_count_outlives_its_record() {
        let mut status = ServiceStatus::default();
        let a = stopped("a", StopCode::EssentialContainerExited, None, None);
        let b = stopped("b", StopCode::EssentialContainerExited, None, None);
        count_restarts(&mut status, std::slice::from_ref(&a));
        count_restarts(&mut status, &[a.clone(), b]);
        count_restarts(&mut status, &[a]);
        assert_eq!(status.restarts.exited, 2);
        assert_eq!(status.restarts_counted, BTreeSet::from(["a".to_string()]));
        count_restarts(&mut status, &[]);
        assert_eq!(
            status.restarts.exited, 2,
            "retention removed the tasks, not their count"
        );
        assert!(status.restarts_counted.is_empty());
    }
}
