use super::*;

fn wire<T: serde::de::DeserializeOwned>(text: &str) -> T {
    serde_json::from_value(serde_json::Value::String(text.into())).unwrap()
}

fn deployment(id: &str, td: &str, status: &str, state: &str) -> DeploymentShape {
    DeploymentShape {
        status: wire(status),
        rollout_state: wire(state),
        ..DeploymentShape::example(id, td)
    }
}

fn service(deployments: Vec<DeploymentShape>) -> Service {
    Service::example(deployments)
}

fn with_reason(mut d: DeploymentShape, reason: &str) -> DeploymentShape {
    d.rollout_state_reason = Some(reason.into());
    d
}

#[test]
fn a_completed_primary_with_nothing_else_left_is_completed() {
    let s = service(vec![deployment("d2", "web:2", "PRIMARY", "COMPLETED")]);
    assert_eq!(rollout_outcome(&s, Some("d2")), RolloutOutcome::Completed);
    assert_eq!(rollout_outcome(&s, None), RolloutOutcome::Completed);
}

#[test]
fn inactive_history_does_not_hold_a_completed_rollout_back() {
    let s = service(vec![
        deployment("d2", "web:2", "PRIMARY", "COMPLETED"),
        deployment("d1", "web:1", "INACTIVE", "COMPLETED"),
    ]);
    assert_eq!(rollout_outcome(&s, Some("d2")), RolloutOutcome::Completed);
}

#[test]
fn a_completed_primary_is_in_progress_until_the_service_runs_its_desired_count() {
    let mut s = service(vec![deployment("d2", "web:2", "PRIMARY", "COMPLETED")]);
    s.desired_count = 5;
    assert_eq!(rollout_outcome(&s, Some("d2")), RolloutOutcome::InProgress);
    s.running_count = 5;
    s.pending_count = 1;
    assert_eq!(rollout_outcome(&s, Some("d2")), RolloutOutcome::InProgress);
    s.pending_count = 0;
    assert_eq!(rollout_outcome(&s, Some("d2")), RolloutOutcome::Completed);
}

#[test]
fn a_primary_in_progress_is_in_progress() {
    let s = service(vec![deployment("d2", "web:2", "PRIMARY", "IN_PROGRESS")]);
    assert_eq!(rollout_outcome(&s, Some("d2")), RolloutOutcome::InProgress);
}

#[test]
fn a_completed_primary_is_in_progress_while_an_old_deployment_is_still_active() {
    let s = service(vec![
        deployment("d2", "web:2", "PRIMARY", "COMPLETED"),
        deployment("d1", "web:1", "ACTIVE", "COMPLETED"),
    ]);
    assert_eq!(rollout_outcome(&s, Some("d2")), RolloutOutcome::InProgress);
}

#[test]
fn nothing_counts_until_the_controller_has_seen_the_latest_change() {
    let mut s = service(vec![deployment("d1", "web:1", "PRIMARY", "FAILED")]);
    s.spec_observed = false;
    assert_eq!(rollout_outcome(&s, None), RolloutOutcome::InProgress);
    s.deployments = vec![deployment("d1", "web:1", "PRIMARY", "COMPLETED")];
    assert_eq!(rollout_outcome(&s, None), RolloutOutcome::InProgress);
}

#[test]
fn a_service_without_a_primary_is_in_progress() {
    assert_eq!(
        rollout_outcome(&service(vec![]), None),
        RolloutOutcome::InProgress
    );
}

#[test]
fn a_failed_primary_fails_with_its_reason() {
    let failed = with_reason(
        deployment("d2", "web:2", "PRIMARY", "FAILED"),
        "tasks failed to start",
    );
    let s = service(vec![failed, deployment("d1", "web:1", "ACTIVE", "COMPLETED")]);
    assert_eq!(
        rollout_outcome(&s, Some("d2")),
        RolloutOutcome::Failed {
            deployment: "d2".into(),
            reason: "tasks failed to start".into()
        }
    );
}

#[test]
fn a_failure_without_a_reason_still_says_it_failed() {
    let s = service(vec![deployment("d2", "web:2", "PRIMARY", "FAILED")]);
    assert!(matches!(
        rollout_outcome(&s, None),
        RolloutOutcome::Failed { reason, .. } if reason == "the deployment failed"
    ));
}

#[test]
fn the_watched_deployment_failing_fails_even_after_another_took_over() {
    let s = service(vec![
        deployment("d3", "web:3", "PRIMARY", "IN_PROGRESS"),
        deployment("d2", "web:2", "ACTIVE", "FAILED"),
    ]);
    assert!(matches!(
        rollout_outcome(&s, Some("d2")),
        RolloutOutcome::Failed { deployment, .. } if deployment == "d2"
    ));
}

#[test]
fn an_old_failed_deployment_that_is_not_watched_does_not_fail_the_wait() {
    let s = service(vec![
        deployment("d3", "web:3", "PRIMARY", "IN_PROGRESS"),
        deployment("d2", "web:2", "ACTIVE", "FAILED"),
    ]);
    assert_eq!(rollout_outcome(&s, Some("d3")), RolloutOutcome::InProgress);
}

#[test]
fn a_rollback_primary_means_rolled_back_with_the_failed_deployments_reason() {
    let mut rollback = deployment("d3", "web:1", "PRIMARY", "IN_PROGRESS");
    rollback.rollback_from = Some("d2".into());
    let failed = with_reason(
        deployment("d2", "web:2", "ACTIVE", "FAILED"),
        "tasks failed to start.",
    );
    let s = service(vec![rollback, failed]);
    assert_eq!(
        rollout_outcome(&s, Some("d2")),
        RolloutOutcome::RolledBack {
            from: "d2".into(),
            to: "web:1".into(),
            reason: Some("tasks failed to start".into())
        }
    );
}

#[test]
fn a_completed_rollback_is_still_a_rolled_back_rollout_without_its_own_reason() {
    let mut rollback = with_reason(
        deployment("d3", "web:1", "PRIMARY", "COMPLETED"),
        "ECS deployment completed.",
    );
    rollback.rollback_from = Some("d2".into());
    let s = service(vec![rollback]);
    assert_eq!(
        rollout_outcome(&s, Some("d3")),
        RolloutOutcome::RolledBack {
            from: "d2".into(),
            to: "web:1".into(),
            reason: None
        }
    );
}

#[test]
fn a_draining_service_is_being_deleted() {
    let mut s = service(vec![deployment("d2", "web:2", "PRIMARY", "IN_PROGRESS")]);
    s.status = "DRAINING".into();
    assert_eq!(rollout_outcome(&s, Some("d2")), RolloutOutcome::Deleting);
}

#[test]
fn progress_names_the_primary_its_revision_and_counts() {
    let mut primary = deployment("ecs-svc/1", "web:3", "PRIMARY", "IN_PROGRESS");
    let s = service(vec![primary.clone()]);
    assert_eq!(
        progress(&s).as_deref(),
        Some("deployment ecs-svc/1 (web:3): 2 of 3 running, IN_PROGRESS")
    );
    primary.failed_tasks = 2;
    assert_eq!(
        progress(&service(vec![primary])).as_deref(),
        Some("deployment ecs-svc/1 (web:3): 2 of 3 running, 2 failed, IN_PROGRESS")
    );
    assert_eq!(progress(&service(vec![])), None);
}

#[test]
fn the_latest_event_is_the_first_one() {
    let s = service(vec![]);
    assert_eq!(
        latest_event(Some(&s)),
        "; latest event: (service web) has started 1 tasks."
    );
    assert_eq!(latest_event(None), "");
}
