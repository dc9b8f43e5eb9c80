//! Pure judgement of a service's live tasks, before any planning: which the scheduler replaces
//! for their health (failing checks, or not healthy within the deadline) and which it keeps
//! for the planner, with what it knows of each.

use super::super::deployment_plan::PlanTask;
use super::views::{deployment_of, unhealthy_detail};
use crate::model::{
    ELB_UNHEALTHY_STOP_REASON, HEALTHY_DEADLINE_STOP_REASON, HealthStatus, TaskState, UNHEALTHY_STOP_REASON,
};
use crate::store::{Deployment, TaskRecord, TaskStatus};

/// One live task as the service sees it.
#[derive(Debug, Clone)]
pub struct LiveTask<'a> {
    /// Its record.
    pub task: &'a TaskRecord,
    /// Its observed status.
    pub status: &'a TaskStatus,
    /// Counts as healthy: RUNNING, container-healthy and healthy in every target group.
    pub healthy: bool,
    /// A target group that reports it unhealthy, if any.
    pub failing_target_group: Option<String>,
    /// Within the service's health check grace period: failing checks are ignored.
    pub in_grace: bool,
}

impl<'a> LiveTask<'a> {
    /// A task outside any grace period and any target group.
    pub fn new(task: &'a TaskRecord, status: &'a TaskStatus, healthy: bool) -> Self {
        Self {
            task,
            status,
            healthy,
            failing_target_group: None,
            in_grace: false,
        }
    }
}

/// Why the scheduler replaces a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replace {
    /// An essential container fails its health check; which one and what its probe said.
    Unhealthy {
        /// `failed container health checks: container web: exit 1: …`
        detail: String,
    },
    /// A target group reports the task's target unhealthy (after the grace period).
    ElbUnhealthy {
        /// The target group.
        target_group: String,
    },
    /// A task of the PRIMARY deployment was not healthy within the deadline.
    MissedDeadline {
        /// The deadline in seconds.
        seconds: u64,
    },
}

impl Replace {
    /// The task's `stoppedReason` (ECS's wording where ECS has one).
    pub fn stop_reason(&self) -> String {
        match self {
            Replace::Unhealthy { .. } => UNHEALTHY_STOP_REASON.to_string(),
            Replace::ElbUnhealthy { target_group } => {
                format!("{ELB_UNHEALTHY_STOP_REASON} (target-group {target_group})")
            }
            Replace::MissedDeadline { seconds } => format!("{HEALTHY_DEADLINE_STOP_REASON} {seconds}s"),
        }
    }

    /// The service event that says so, if any.
    pub fn event(&self, service: &str, task: &str) -> Option<String> {
        match self {
            Replace::Unhealthy { detail } => Some(format!("(service {service}) (task {task}) {detail}")),
            Replace::ElbUnhealthy { target_group } => Some(format!(
                "(service {service}) (task {task}) failed ELB health checks in (target-group {target_group})."
            )),
            Replace::MissedDeadline { .. } => None,
        }
    }
}

/// The outcome of judging a service's live tasks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Judgement {
    /// Tasks kept, as the planner sees them.
    pub keep: Vec<PlanTask>,
    /// Tasks to replace now, and why.
    pub replace: Vec<(String, Replace)>,
    /// Kept tasks of the PRIMARY deployment that count as healthy.
    pub healthy_primary: usize,
}

/// Judges every live task: an UNHEALTHY one is replaced; a PRIMARY task not healthy within
/// `healthy_deadline_ms` of its creation is replaced; the rest are kept.
pub fn judge_tasks(live: &[LiveTask], primary: &Deployment, healthy_deadline_ms: u64, now: u64) -> Judgement {
    let mut judgement = Judgement::default();
    for l in live {
        let (t, s, healthy) = (l.task, l.status, l.healthy);
        let deployment = deployment_of(t, &primary.id, &primary.task_definition);
        let is_primary = deployment == primary.id;
        if s.health_status == HealthStatus::Unhealthy && !l.in_grace {
            let detail = unhealthy_detail(s);
            judgement
                .replace
                .push((t.id.clone(), Replace::Unhealthy { detail }));
            continue;
        }
        if let (Some(target_group), false) = (l.failing_target_group.clone(), l.in_grace) {
            judgement
                .replace
                .push((t.id.clone(), Replace::ElbUnhealthy { target_group }));
            continue;
        }
        if is_primary && !healthy && now > t.created_at.saturating_add(healthy_deadline_ms) {
            let seconds = healthy_deadline_ms / 1000;
            judgement
                .replace
                .push((t.id.clone(), Replace::MissedDeadline { seconds }));
            continue;
        }
        judgement.healthy_primary += usize::from(healthy && is_primary);
        judgement.keep.push(PlanTask {
            id: t.id.clone(),
            deployment,
            healthy,
            running: s.last_status == TaskState::Running,
            created_at: t.created_at,
        });
    }
    judgement
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ContainerStatus;

    const DEADLINE: u64 = 300_000;

    fn primary() -> Deployment {
        let mut status = crate::store::ServiceStatus::default();
        super::super::deployments::follow_spec(&mut status, "web", "web:2", 0, 1, 0, "d2".into());
        status.deployments.remove(0)
    }

    fn task(id: &str, deployment: &str, created_at: u64) -> TaskRecord {
        TaskRecord {
            deployment: Some(deployment.into()),
            created_at,
            ..TaskRecord::standalone(id, "web:2")
        }
    }

    fn running(health: HealthStatus) -> TaskStatus {
        TaskStatus {
            last_status: TaskState::Running,
            health_status: health,
            ..Default::default()
        }
    }

    #[test]
    fn an_unhealthy_task_is_replaced_and_the_reason_names_its_container_and_probe() {
        let t = task("a", "d2", 0);
        let mut s = running(HealthStatus::Unhealthy);
        s.containers = vec![ContainerStatus {
            name: "web".into(),
            health_status: HealthStatus::Unhealthy,
            health_probes: vec![crate::model::HealthProbe::new(1, "refused\n", None)],
            ..Default::default()
        }];
        let j = judge_tasks(&[LiveTask::new(&t, &s, false)], &primary(), DEADLINE, 1);
        assert!(j.keep.is_empty());
        let (id, why) = &j.replace[0];
        assert_eq!(id, "a");
        assert_eq!(why.stop_reason(), "Task failed container health checks");
        assert_eq!(
            why.event("svc", "a").as_deref(),
            Some("(service svc) (task a) failed container health checks: container web: exit 1: refused.")
        );
    }

    #[test]
    fn a_primary_task_not_healthy_by_the_deadline_is_replaced_but_an_old_one_is_not() {
        let new = task("new", "d2", 0);
        let old = task("old", "d1", 0);
        let s = running(HealthStatus::Unknown);
        let j = judge_tasks(
            &[LiveTask::new(&new, &s, false), LiveTask::new(&old, &s, false)],
            &primary(),
            DEADLINE,
            DEADLINE + 1,
        );
        assert_eq!(
            j.replace,
            vec![("new".to_string(), Replace::MissedDeadline { seconds: 300 })]
        );
        assert_eq!(
            j.replace[0].1.stop_reason(),
            "Task did not become healthy within 300s"
        );
        assert_eq!(j.keep.len(), 1);
        assert_eq!(j.keep[0].deployment, "d1");
    }

    #[test]
    fn healthy_primary_tasks_are_kept_and_counted() {
        let a = task("a", "d2", 0);
        let b = task("b", "d1", 0);
        let s = running(HealthStatus::Healthy);
        let j = judge_tasks(
            &[LiveTask::new(&a, &s, true), LiveTask::new(&b, &s, true)],
            &primary(),
            DEADLINE,
            u64::MAX,
        );
        assert!(j.replace.is_empty());
        assert_eq!(j.healthy_primary, 1);
        assert_eq!(j.keep.len(), 2);
    }

    #[test]
    fn a_target_failing_elb_checks_is_replaced_with_ecs_reason_but_not_within_the_grace_period() {
        let t = task("a", "d2", 0);
        let s = running(HealthStatus::Healthy);
        let failing = LiveTask {
            failing_target_group: Some("web".into()),
            ..LiveTask::new(&t, &s, false)
        };
        let j = judge_tasks(std::slice::from_ref(&failing), &primary(), DEADLINE, 1);
        assert_eq!(
            j.replace[0].1.stop_reason(),
            "Task failed ELB health checks in (target-group web)"
        );
        let graced = LiveTask {
            in_grace: true,
            ..failing
        };
        let j = judge_tasks(&[graced], &primary(), DEADLINE, 1);
        assert!(j.replace.is_empty(), "{j:?}");
        assert_eq!(j.keep.len(), 1);
    }

    #[test]
    fn a_deadline_at_the_end_of_time_never_overflows() {
        let t = task("a", "d2", u64::MAX);
        let s = running(HealthStatus::Unknown);
        let j = judge_tasks(&[LiveTask::new(&t, &s, false)], &primary(), u64::MAX, u64::MAX);
        assert!(j.replace.is_empty());
    }
}
