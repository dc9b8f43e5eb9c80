//! Unit tests of the target state machine and selection.

use super::*;

const THRESHOLDS: Thresholds = Thresholds {
    healthy: 3,
    unhealthy: 2,
};

fn run(outcomes: &[CheckOutcome]) -> Health {
    outcomes
        .iter()
        .fold(Health::registered(), |h, o| h.observe(o, THRESHOLDS))
}

fn failed() -> CheckOutcome {
    CheckOutcome::Failed("connection refused".into())
}

#[test]
fn a_new_target_is_healthy_after_its_first_passing_check() {
    let health = run(&[CheckOutcome::Pass]);
    assert_eq!((health.state, health.reason), (TargetState::Healthy, None));
}

#[test]
fn a_registered_target_starts_initial_with_registration_in_progress() {
    let health = Health::registered();
    assert_eq!(health.state, TargetState::Initial);
    assert_eq!(health.reason, Some(ReasonCode::RegistrationInProgress));
}

#[test]
fn a_new_target_stays_initial_until_the_unhealthy_threshold_of_failures() {
    let health = run(&[failed()]);
    assert_eq!(health.state, TargetState::Initial);
    assert_eq!(health.reason, Some(ReasonCode::InitialHealthChecking));
    let health = run(&[failed(), CheckOutcome::Timeout]);
    assert_eq!(
        (health.state, health.reason),
        (TargetState::Unhealthy, Some(ReasonCode::Timeout))
    );
}

#[test]
fn consecutive_failures_make_a_healthy_target_unhealthy_with_the_last_reason() {
    let health = run(&[CheckOutcome::Pass, CheckOutcome::CodeMismatch(500)]);
    assert_eq!((health.state, health.reason), (TargetState::Healthy, None));
    let health = run(&[CheckOutcome::Pass, failed(), CheckOutcome::CodeMismatch(500)]);
    assert_eq!(health.state, TargetState::Unhealthy);
    assert_eq!(health.reason, Some(ReasonCode::ResponseCodeMismatch));
    assert!(health.description.contains("[500]"), "{}", health.description);
}

#[test]
fn a_pass_between_failures_resets_the_failure_count() {
    let health = run(&[CheckOutcome::Pass, failed(), CheckOutcome::Pass, failed()]);
    assert_eq!(health.state, TargetState::Healthy);
}

#[test]
fn an_unhealthy_target_recovers_after_the_healthy_threshold_of_passes() {
    let down = [CheckOutcome::Pass, failed(), failed()];
    let mut outcomes = down.to_vec();
    outcomes.extend([CheckOutcome::Pass, CheckOutcome::Pass]);
    let health = run(&outcomes);
    assert_eq!(health.state, TargetState::Unhealthy);
    assert_eq!(health.reason, Some(ReasonCode::FailedHealthChecks));
    outcomes.push(CheckOutcome::Pass);
    assert_eq!(run(&outcomes).state, TargetState::Healthy);
    let mut interrupted = down.to_vec();
    interrupted.extend([
        CheckOutcome::Pass,
        CheckOutcome::Pass,
        failed(),
        CheckOutcome::Pass,
    ]);
    assert_eq!(run(&interrupted).state, TargetState::Unhealthy);
}

#[test]
fn a_draining_target_ignores_health_checks() {
    let draining = run(&[CheckOutcome::Pass]).draining();
    assert_eq!(draining.reason, Some(ReasonCode::DeregistrationInProgress));
    let after = draining
        .observe(&failed(), THRESHOLDS)
        .observe(&failed(), THRESHOLDS);
    assert_eq!(after.state, TargetState::Draining);
    assert_eq!(
        draining.observe(&CheckOutcome::Pass, THRESHOLDS).state,
        TargetState::Draining
    );
}

fn candidate(state: TargetState) -> Candidate {
    Candidate { state, weight: 1.0 }
}

#[test]
fn selection_prefers_healthy_targets() {
    let targets = [
        candidate(TargetState::Unhealthy),
        candidate(TargetState::Healthy),
        candidate(TargetState::Initial),
        candidate(TargetState::Draining),
        candidate(TargetState::Healthy),
    ];
    assert_eq!(choose_target(&targets, 0.0, None), Some(1));
    assert_eq!(choose_target(&targets, 0.49, None), Some(1));
    assert_eq!(choose_target(&targets, 0.51, None), Some(4));
    assert_eq!(choose_target(&targets, 0.9999, None), Some(4));
}

#[test]
fn selection_fails_open_when_every_target_is_unhealthy() {
    let targets = [
        candidate(TargetState::Unhealthy),
        candidate(TargetState::Draining),
        candidate(TargetState::Unhealthy),
    ];
    assert_eq!(choose_target(&targets, 0.1, None), Some(0));
    assert_eq!(choose_target(&targets, 0.9, None), Some(2));
}

#[test]
fn selection_finds_nothing_among_initial_and_draining_targets() {
    let targets = [candidate(TargetState::Initial), candidate(TargetState::Draining)];
    assert_eq!(choose_target(&targets, 0.5, None), None);
    assert_eq!(choose_target(&[], 0.5, None), None);
}

#[test]
fn a_retry_skips_the_target_that_failed() {
    let targets = [candidate(TargetState::Healthy), candidate(TargetState::Healthy)];
    assert_eq!(choose_target(&targets, 0.0, Some(0)), Some(1));
    assert_eq!(choose_target(&targets, 0.9, Some(1)), Some(0));
    assert_eq!(choose_target(&targets[..1], 0.5, Some(0)), None);
}

#[test]
fn selection_follows_slow_start_weights() {
    let targets = [
        Candidate {
            state: TargetState::Healthy,
            weight: 1.0,
        },
        Candidate {
            state: TargetState::Healthy,
            weight: 0.25,
        },
    ];
    assert_eq!(choose_target(&targets, 0.79, None), Some(0));
    assert_eq!(choose_target(&targets, 0.81, None), Some(1));
}

#[test]
fn slow_start_ramps_linearly_with_a_floor() {
    let window = Duration::from_secs(100);
    assert_eq!(slow_start_weight(Duration::from_secs(0), window), 0.1);
    assert_eq!(slow_start_weight(Duration::from_secs(50), window), 0.5);
    assert_eq!(slow_start_weight(Duration::from_secs(100), window), 1.0);
    assert_eq!(slow_start_weight(Duration::from_secs(5), Duration::ZERO), 1.0);
}

#[test]
fn slow_start_applies_only_beside_a_healthy_target_not_ramping() {
    let window = Duration::from_secs(30);
    assert!(enters_slow_start(window, 1));
    assert!(!enters_slow_start(window, 0));
    assert!(!enters_slow_start(Duration::ZERO, 3));
}
