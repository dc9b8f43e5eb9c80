//! Crash-loop protection (pure): when a service's tasks keep failing right after they start,
//! replacements wait 10 s, doubling to 5 min; a task that ran well resets the count.

use super::backoff::Backoff;
use crate::model::{StopCode, TaskState, is_health_failure};
use crate::store::TaskStatus;
use std::time::Duration;

/// Replacement delay policy (Kubernetes-style crash-loop backoff).
pub const CRASH_LOOP: Backoff = Backoff {
    base: Duration::from_secs(10),
    max: Duration::from_secs(300),
};

/// A task healthy this long before it failed its health checks ran well.
pub const HEALTHY_RESET: Duration = Duration::from_secs(600);

/// How long to wait before starting replacements, given the statuses of the service's
/// tasks; None when starts may go ahead now.
/// A task that became HEALTHY, or ran at least `ran_well` (the minimum healthy time), "ran
/// well": its stop is not a crash loop.
pub fn restart_delay(statuses: &[&TaskStatus], now_millis: u64, ran_well: Duration) -> Option<Duration> {
    let mut stopped: Vec<&TaskStatus> = statuses
        .iter()
        .copied()
        .filter(|s| s.last_status == TaskState::Stopped && s.stopped_at.is_some())
        .collect();
    stopped.sort_by_key(|s| std::cmp::Reverse(s.stopped_at));
    let failed_fast = |s: &&TaskStatus| {
        // A container removed from outside (no exit code) is not the application failing.
        let exited = s.containers.iter().any(|c| c.exit_code.is_some());
        let since = |from: Option<u64>| match (from, s.stopped_at) {
            (Some(from), Some(stop)) => Duration::from_millis(stop.saturating_sub(from)),
            _ => Duration::ZERO,
        };
        match s.stop_code {
            Some(StopCode::TaskFailedToStart) => true,
            Some(StopCode::EssentialContainerExited) => {
                exited && since(s.started_at) < ran_well && s.healthy_at.is_none()
            }
            // A task replaced for failing its health checks failed, unless it had been healthy
            // for long enough to reset the count.
            Some(code) => {
                is_health_failure(code, s.stopped_reason.as_deref()) && since(s.healthy_at) < HEALTHY_RESET
            }
            None => false,
        }
    };
    let failures = stopped.iter().copied().take_while(failed_fast).count() as u32;
    let last = stopped.first()?.stopped_at?;
    if failures == 0 {
        return None;
    }
    let ready_at = last + CRASH_LOOP.delay(failures).as_millis() as u64;
    (now_millis < ready_at).then(|| Duration::from_millis(ready_at - now_millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN: Duration = Duration::from_secs(10);

    fn stopped(code: StopCode, started: Option<u64>, stopped: u64) -> TaskStatus {
        TaskStatus {
            containers: vec![crate::store::ContainerStatus {
                exit_code: Some(1),
                ..Default::default()
            }],
            last_status: TaskState::Stopped,
            stop_code: Some(code),
            started_at: started,
            stopped_at: Some(stopped),
            ..Default::default()
        }
    }

    #[test]
    fn a_task_that_ran_well_is_replaced_at_once() {
        let s = stopped(StopCode::EssentialContainerExited, Some(0), 60_000);
        assert_eq!(restart_delay(&[&s], 60_001, TEN), None);
    }

    #[test]
    fn repeated_fast_failures_wait_longer_each_time_up_to_five_minutes() {
        let mut statuses = Vec::new();
        let mut delays = Vec::new();
        for i in 0..8u64 {
            let at = i * 1_000_000;
            statuses.push(stopped(StopCode::EssentialContainerExited, Some(at), at + 500));
            let refs: Vec<&TaskStatus> = statuses.iter().collect();
            delays.push(restart_delay(&refs, at + 500, TEN).unwrap().as_secs());
        }
        assert_eq!(delays, vec![10, 20, 40, 80, 160, 300, 300, 300]);
    }

    #[test]
    fn the_delay_runs_from_the_last_failure() {
        let s = stopped(StopCode::TaskFailedToStart, None, 100_000);
        assert_eq!(restart_delay(&[&s], 104_000, TEN), Some(Duration::from_secs(6)));
        assert_eq!(restart_delay(&[&s], 110_000, TEN), None);
    }

    #[test]
    fn a_container_removed_from_outside_is_not_a_crash() {
        let mut s = stopped(StopCode::EssentialContainerExited, Some(0), 100);
        s.containers[0].exit_code = None;
        assert_eq!(restart_delay(&[&s], 200, TEN), None);
    }

    #[test]
    fn a_task_that_became_healthy_ran_well_however_short_its_run() {
        let mut s = stopped(StopCode::EssentialContainerExited, Some(0), 500);
        s.healthy_at = Some(400);
        assert_eq!(restart_delay(&[&s], 600, TEN), None);
    }

    #[test]
    fn user_stops_and_scale_in_never_delay_starts() {
        let a = stopped(StopCode::UserInitiated, None, 100);
        let b = stopped(StopCode::ServiceSchedulerInitiated, None, 200);
        assert_eq!(restart_delay(&[&a, &b], 300, TEN), None);
    }

    fn unhealthy(healthy_at: Option<u64>, stopped_at: u64) -> TaskStatus {
        TaskStatus {
            stop_code: Some(StopCode::ServiceSchedulerInitiated),
            stopped_reason: Some(crate::model::UNHEALTHY_STOP_REASON.into()),
            healthy_at,
            ..stopped(StopCode::ServiceSchedulerInitiated, Some(0), stopped_at)
        }
    }

    #[test]
    fn tasks_replaced_for_failing_health_checks_back_off_like_crashes() {
        let mut statuses = Vec::new();
        let mut delays = Vec::new();
        for i in 0..4u64 {
            let at = i * 1_000_000;
            statuses.push(unhealthy(None, at + 30_000));
            let refs: Vec<&TaskStatus> = statuses.iter().collect();
            delays.push(restart_delay(&refs, at + 30_000, TEN).unwrap().as_secs());
        }
        assert_eq!(delays, vec![10, 20, 40, 80]);
    }

    #[test]
    fn a_task_healthy_for_ten_minutes_before_failing_its_checks_resets_the_count() {
        let briefly = unhealthy(Some(1_000), 60_000);
        assert!(
            restart_delay(&[&briefly], 60_000, TEN).is_some(),
            "healthy for a minute only"
        );
        let long = unhealthy(Some(1_000), 1_000 + 600_000);
        assert_eq!(restart_delay(&[&long], 601_000, TEN), None);
    }

    #[test]
    fn a_well_running_task_resets_the_count() {
        let old_fail = stopped(StopCode::EssentialContainerExited, Some(0), 100);
        let good = stopped(StopCode::EssentialContainerExited, Some(1_000), 900_000);
        let new_fail = stopped(StopCode::EssentialContainerExited, Some(900_100), 900_200);
        let d = restart_delay(&[&old_fail, &good, &new_fail], 900_200, TEN).unwrap();
        assert_eq!(d.as_secs(), 10, "one failure since the good run");
    }
}
