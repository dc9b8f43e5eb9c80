//! Pure deployment bookkeeping: which deployment is PRIMARY, when one completes, fails, or
//! rolls back. Every function takes the status and "now" and returns event messages.

use crate::store::{Deployment, DeploymentStatus, RolloutState, ServiceStatus};

/// INACTIVE deployments kept as history.
const HISTORY: usize = 10;

/// Failed tasks that trip the breaker: clamp(ceil(desired/2), 3, 200).
pub fn breaker_threshold(desired: u32) -> u32 {
    desired.div_ceil(2).clamp(3, 200)
}

/// The PRIMARY deployment, if any.
pub fn primary(status: &ServiceStatus) -> Option<&Deployment> {
    status
        .deployments
        .iter()
        .find(|d| d.status == DeploymentStatus::Primary)
}

fn primary_mut(status: &mut ServiceStatus) -> Option<&mut Deployment> {
    status
        .deployments
        .iter_mut()
        .find(|d| d.status == DeploymentStatus::Primary)
}

/// Starts a new deployment when the spec asks for another revision or a restart; the old
/// PRIMARY keeps its tasks as ACTIVE until they are replaced.
pub fn follow_spec(
    status: &mut ServiceStatus,
    service: &str,
    target: &str,
    nonce: u64,
    desired: u32,
    now: u64,
    new_id: String,
) -> Vec<String> {
    let asked = (Some(target.to_string()), nonce);
    if (status.requested_task_definition.clone(), status.requested_nonce) == asked {
        return Vec::new();
    }
    status.requested_task_definition = Some(target.to_string());
    status.requested_nonce = nonce;
    if primary(status).is_some_and(|p| p.task_definition == target && p.restart_nonce == nonce) {
        return Vec::new();
    }
    for d in &mut status.deployments {
        if d.status == DeploymentStatus::Primary {
            d.status = DeploymentStatus::Active;
            d.updated_at = now;
        }
    }
    let first = status.deployments.is_empty();
    status.deployments.insert(
        0,
        Deployment {
            id: new_id.clone(),
            task_definition: target.to_string(),
            status: DeploymentStatus::Primary,
            rollout_state: RolloutState::InProgress,
            rollout_state_reason: Some("ECS deployment in progress.".into()),
            desired_count: desired,
            running_count: 0,
            pending_count: 0,
            failed_tasks: 0,
            restart_nonce: nonce,
            rollback_from: None,
            created_at: now,
            updated_at: now,
            progressed_at: now,
            images_ready: false,
        },
    );
    if first {
        Vec::new()
    } else {
        vec![format!(
            "(service {service}) has begun deployment {new_id} of {target}."
        )]
    }
}

/// Why the service runs another revision than its spec asks: a deployment of the requested
/// revision failed and was rolled back. It stays held until the spec changes (a new revision,
/// another pinned one, or a restart).
pub fn held_reason(status: &ServiceStatus) -> Option<String> {
    let p = primary(status)?;
    let failed = p.rollback_from.as_deref()?;
    let requested = status.requested_task_definition.as_deref()?;
    if requested == p.task_definition {
        return None;
    }
    Some(format!(
        "is held on {} because deployment {failed} of {requested} failed and was rolled back; \
         register a new revision, pin another one, or restart the rollout to try {requested} again.",
        p.task_definition
    ))
}

/// Marks the PRIMARY COMPLETED once it alone runs `desired` healthy tasks; older deployments
/// become INACTIVE history.
pub fn complete_if_done(
    status: &mut ServiceStatus,
    service: &str,
    healthy_primary: u32,
    others_live: usize,
    now: u64,
) -> Vec<String> {
    let Some(p) = primary_mut(status) else {
        return Vec::new();
    };
    let done = healthy_primary >= p.desired_count && p.running_count == p.desired_count && others_live == 0;
    if !done {
        return Vec::new();
    }
    let mut events = Vec::new();
    if p.rollout_state == RolloutState::InProgress {
        p.rollout_state = RolloutState::Completed;
        p.rollout_state_reason = Some("ECS deployment completed.".into());
        p.updated_at = now;
        events.push(format!(
            "(service {service}) (deployment {}) deployment completed.",
            p.id
        ));
    }
    for d in &mut status.deployments {
        if d.status == DeploymentStatus::Active {
            d.status = DeploymentStatus::Inactive;
            d.updated_at = now;
        }
    }
    trim_history(status);
    events.push(format!("(service {service}) has reached a steady state."));
    events
}

/// Fails the PRIMARY (circuit breaker or progress deadline) and, when asked and allowed, makes
/// the last COMPLETED deployment PRIMARY again, reusing its tasks. A rollback is never rolled back.
pub fn fail_primary(
    status: &mut ServiceStatus,
    service: &str,
    reason: &str,
    rollback: bool,
    now: u64,
) -> Vec<String> {
    let Some(p) = primary_mut(status) else {
        return Vec::new();
    };
    if p.rollout_state != RolloutState::InProgress {
        return Vec::new();
    }
    p.rollout_state = RolloutState::Failed;
    p.rollout_state_reason = Some(reason.to_string());
    p.updated_at = now;
    let failed_id = p.id.clone();
    let is_rollback = p.rollback_from.is_some();
    let mut events = vec![format!(
        "(service {service}) (deployment {failed_id}) deployment failed: {reason}"
    )];
    if !rollback || is_rollback {
        return events;
    }
    let Some(back) = status
        .deployments
        .iter()
        .filter(|d| d.id != failed_id && d.rollout_state == RolloutState::Completed)
        .max_by_key(|d| d.created_at)
        .map(|d| d.id.clone())
    else {
        events.push(format!(
            "(service {service}) has no completed deployment to roll back to."
        ));
        return events;
    };
    for d in &mut status.deployments {
        if d.id == failed_id {
            d.status = DeploymentStatus::Active;
        } else if d.id == back {
            d.status = DeploymentStatus::Primary;
            d.rollout_state = RolloutState::InProgress;
            d.rollout_state_reason = Some(format!("Rolling back from deployment {failed_id}."));
            d.rollback_from = Some(failed_id.clone());
            d.failed_tasks = 0;
            d.updated_at = now;
            d.progressed_at = now;
        }
    }
    // PRIMARY first.
    status.deployments.sort_by_key(|d| {
        (
            d.status != DeploymentStatus::Primary,
            std::cmp::Reverse(d.created_at),
        )
    });
    events.push(format!("(service {service}) rolling back to deployment {back}."));
    events
}

fn trim_history(status: &mut ServiceStatus) {
    let mut inactive = 0;
    status.deployments.retain(|d| {
        if d.status != DeploymentStatus::Inactive {
            return true;
        }
        inactive += 1;
        inactive <= HISTORY
    });
}

/// Records `message` as the service's newest event unless it repeats the newest one.
pub fn push_event(status: &mut ServiceStatus, message: String, now: u64) {
    crate::store::ServiceEvent::push(&mut status.events, message, now);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_with(target: &str) -> ServiceStatus {
        let mut s = ServiceStatus::default();
        follow_spec(&mut s, "web", target, 0, 3, 1, "d1".into());
        s
    }

    #[test]
    fn the_breaker_threshold_is_half_the_desired_count_clamped_to_3_and_200() {
        assert_eq!(breaker_threshold(1), 3);
        assert_eq!(breaker_threshold(9), 5);
        assert_eq!(breaker_threshold(1000), 200);
    }

    #[test]
    fn a_new_revision_makes_a_new_primary_and_demotes_the_old_one() {
        let mut s = status_with("web:1");
        let events = follow_spec(&mut s, "web", "web:2", 0, 3, 2, "d2".into());
        assert_eq!(events.len(), 1);
        assert_eq!(primary(&s).unwrap().id, "d2");
        assert_eq!(s.deployments[1].status, DeploymentStatus::Active);
        assert!(
            follow_spec(&mut s, "web", "web:2", 0, 3, 3, "d3".into()).is_empty(),
            "same request: no new one"
        );
    }

    #[test]
    fn a_restart_makes_a_new_deployment_of_the_same_revision() {
        let mut s = status_with("web:1");
        follow_spec(&mut s, "web", "web:1", 1, 3, 2, "d2".into());
        assert_eq!(primary(&s).unwrap().id, "d2");
    }

    #[test]
    fn completion_needs_desired_healthy_primary_tasks_and_no_old_ones() {
        let mut s = status_with("web:1");
        s.deployments[0].running_count = 3;
        assert!(
            complete_if_done(&mut s, "web", 3, 1, 5).is_empty(),
            "an old task is still live"
        );
        let events = complete_if_done(&mut s, "web", 3, 0, 5);
        assert!(events.last().unwrap().contains("has reached a steady state"));
        assert_eq!(primary(&s).unwrap().rollout_state, RolloutState::Completed);
    }

    #[test]
    fn a_failed_deployment_rolls_back_to_the_last_completed_one_and_never_rolls_back_a_rollback() {
        let mut s = status_with("web:1");
        s.deployments[0].running_count = 3;
        complete_if_done(&mut s, "web", 3, 0, 5);
        follow_spec(&mut s, "web", "web:2", 0, 3, 6, "d2".into());
        let events = fail_primary(&mut s, "web", "tasks failed to start.", true, 7);
        assert!(events[1].contains("rolling back to deployment d1"), "{events:?}");
        let p = primary(&s).unwrap();
        assert_eq!((p.id.as_str(), p.rollback_from.as_deref()), ("d1", Some("d2")));
        let failed = s.deployments.iter().find(|d| d.id == "d2").unwrap();
        assert_eq!(
            (failed.status, failed.rollout_state),
            (DeploymentStatus::Active, RolloutState::Failed)
        );
        // The rollback itself fails: no further rollback.
        let events = fail_primary(&mut s, "web", "tasks failed to start.", true, 8);
        assert_eq!(events.len(), 1);
        assert_eq!(primary(&s).unwrap().id, "d1");
        assert_eq!(primary(&s).unwrap().rollout_state, RolloutState::Failed);
    }

    #[test]
    fn without_rollback_a_failed_deployment_stays_primary_and_failed() {
        let mut s = status_with("web:1");
        fail_primary(&mut s, "web", "tasks failed to start.", false, 2);
        let p = primary(&s).unwrap();
        assert_eq!(p.rollout_state, RolloutState::Failed);
    }

    #[test]
    fn events_are_deduplicated_and_bounded() {
        let mut s = ServiceStatus::default();
        push_event(&mut s, "a".into(), 1);
        push_event(&mut s, "a".into(), 2);
        assert_eq!(s.events.len(), 1);
        for i in 0..200 {
            push_event(&mut s, format!("m{i}"), i);
        }
        assert_eq!(s.events.len(), 100);
        assert_eq!(s.events[0].message, "m199");
        push_event(&mut s, "same instant".into(), 199);
        assert_ne!(
            s.events[0].id, s.events[1].id,
            "ids stay unique within a millisecond"
        );
    }
}
