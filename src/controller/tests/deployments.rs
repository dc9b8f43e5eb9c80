//! Deployments on the fake engine: start-first, percent bounds, breaker and rollback,
//! in-place swaps for fixed host ports, DAEMON.

use super::*;
use crate::model::{CircuitBreaker, DeploymentConfiguration, PortMapping, SchedulingStrategy};
use crate::store::{DeploymentStatus, RolloutState};

pub(super) fn apply(
    h: &Harness,
    desired: Option<u32>,
    config: Option<DeploymentConfiguration>,
    strategy: SchedulingStrategy,
) {
    let spec = ServiceSpec {
        task_definition: "web".into(),
        desired_count: desired,
        deployment_configuration: config,
        scheduling_strategy: strategy,
        ..Default::default()
    };
    h.catalog()
        .apply_service("default", "web", &spec, &BTreeMap::new())
        .unwrap();
}

pub(super) fn percents(
    min: u32,
    max: u32,
    breaker: Option<CircuitBreaker>,
) -> Option<DeploymentConfiguration> {
    Some(DeploymentConfiguration {
        minimum_healthy_percent: Some(min),
        maximum_percent: Some(max),
        deployment_circuit_breaker: breaker,
        ..Default::default()
    })
}

pub(super) fn status(h: &Harness) -> crate::store::ServiceStatus {
    h.catalog()
        .service_status("default", "web")
        .unwrap()
        .unwrap_or_default()
}

pub(super) fn completed_on(h: &Harness, td: &str) -> bool {
    let s = status(h);
    s.deployments.first().is_some_and(|d| {
        d.task_definition == td
            && d.status == DeploymentStatus::Primary
            && d.rollout_state == RolloutState::Completed
    }) && s.deployments.iter().all(|d| d.status != DeploymentStatus::Active)
}

fn running_by_revision(h: &Harness) -> (usize, usize) {
    let running = h.running_images();
    (
        running.iter().filter(|td| *td == "web:1").count(),
        running.iter().filter(|td| *td == "web:2").count(),
    )
}

/// Polls until `done`, checking `invariant` on every observation.
async fn watch(
    h: &Harness,
    what: &str,
    done: impl Fn(&Harness) -> bool,
    invariant: impl Fn(&Harness) -> Result<(), String>,
) {
    for _ in 0..3000 {
        if let Err(why) = invariant(h) {
            panic!("invariant broken while waiting until {what}: {why}");
        }
        if done(h) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}; events: {:?}", status(h).events);
}

#[tokio::test(start_paused = true)]
async fn a_100_200_rollout_never_drops_below_desired_running_and_completes() {
    let h = Harness::new();
    h.register("busybox:1");
    apply(&h, Some(3), None, SchedulingStrategy::Replica);
    h.until("revision 1 completed", |h| completed_on(h, "web:1"))
        .await;
    h.register("busybox:2");
    watch(
        &h,
        "revision 2 completed",
        |h| completed_on(h, "web:2") && running_by_revision(h) == (0, 3),
        |h| {
            let (old, new) = running_by_revision(h);
            (old + new >= 3)
                .then_some(())
                .ok_or(format!("only {old}+{new} running"))
        },
    )
    .await;
    let events: Vec<String> = status(&h).events.iter().map(|e| e.message.clone()).collect();
    assert!(events[0].contains("has reached a steady state"), "{events:?}");
    assert!(
        events.iter().any(|e| e.contains("has begun deployment")),
        "{events:?}"
    );
    assert_eq!(
        status(&h)
            .deployments
            .iter()
            .filter(|d| d.status == DeploymentStatus::Inactive)
            .count(),
        1
    );
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_50_100_rollout_never_runs_more_than_desired_nor_fewer_than_half() {
    let h = Harness::new();
    h.register("busybox:1");
    apply(&h, Some(3), percents(50, 100, None), SchedulingStrategy::Replica);
    h.until("revision 1 completed", |h| completed_on(h, "web:1"))
        .await;
    h.register("busybox:2");
    watch(
        &h,
        "revision 2 completed",
        |h| completed_on(h, "web:2"),
        |h| {
            let (old, new) = running_by_revision(h);
            let total = h
                .fake
                .containers()
                .iter()
                .filter(|c| c.state != crate::runtime::ContainerState::Exited)
                .count();
            if total > 3 {
                return Err(format!("{total} containers exist"));
            }
            (old + new >= 2)
                .then_some(())
                .ok_or(format!("only {old}+{new} running"))
        },
    )
    .await;
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_broken_revision_trips_the_breaker_and_rolls_back_keeping_the_old_tasks() {
    let h = Harness::new();
    h.register("busybox:1");
    let breaker = Some(CircuitBreaker {
        enable: true,
        rollback: true,
    });
    apply(
        &h,
        Some(2),
        percents(100, 200, breaker),
        SchedulingStrategy::Replica,
    );
    h.until("revision 1 completed", |h| completed_on(h, "web:1"))
        .await;
    let old_ids: Vec<String> = h.fake.running().iter().map(|c| c.id.clone()).collect();
    h.fake.set_image_crashes("busybox:bad", 1);
    h.register("busybox:bad");
    watch(
        &h,
        "the rollback completed",
        |h| {
            let s = status(h);
            s.deployments
                .first()
                .is_some_and(|d| d.rollback_from.is_some() && d.rollout_state == RolloutState::Completed)
        },
        |h| {
            let (old, _) = running_by_revision(h);
            (old >= 2)
                .then_some(())
                .ok_or(format!("old tasks dropped to {old}"))
        },
    )
    .await;
    let s = status(&h);
    let failed = s
        .deployments
        .iter()
        .find(|d| d.task_definition == "web:2")
        .unwrap();
    assert_eq!(failed.rollout_state, RolloutState::Failed);
    let events: Vec<String> = s.events.iter().map(|e| e.message.clone()).collect();
    assert!(
        events
            .iter()
            .any(|e| e.contains("deployment failed: tasks failed to start")),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| e.contains("rolling back to deployment")),
        "{events:?}"
    );
    let now: Vec<String> = h.fake.running().iter().map(|c| c.id.clone()).collect();
    assert_eq!(now, old_ids, "the old tasks were reused, never replaced");
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_fixed_host_port_is_swapped_in_place_and_the_events_say_so() {
    let h = Harness::new();
    let with_port = |image: &str| ContainerDefinition {
        port_mappings: vec![PortMapping {
            container_port: 80,
            host_port: Some(8080),
            ..Default::default()
        }],
        ..container_with_image("web", image)
    };
    register_defs(&h, vec![with_port("busybox:1")]);
    apply(&h, Some(1), None, SchedulingStrategy::Replica);
    h.until("revision 1 completed", |h| completed_on(h, "web:1"))
        .await;
    register_defs(&h, vec![with_port("busybox:2")]);
    watch(
        &h,
        "revision 2 completed",
        |h| completed_on(h, "web:2"),
        |h| {
            let running = h.fake.running().len();
            (running <= 1)
                .then_some(())
                .ok_or(format!("{running} containers hold port 8080"))
        },
    )
    .await;
    let events: Vec<String> = status(&h).events.iter().map(|e| e.message.clone()).collect();
    assert!(events.iter().any(|e| e.contains("in place")), "{events:?}");
    // The new container was created before the old one stopped, and started after.
    let calls = h.fake.calls();
    let second_create = calls
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c, FakeCall::Create(_)))
        .nth(1)
        .unwrap()
        .0;
    let first_stop = calls.iter().position(|c| matches!(c, FakeCall::Stop(_))).unwrap();
    let second_start = calls
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c, FakeCall::Start(_)))
        .nth(1)
        .unwrap()
        .0;
    assert!(
        second_create < first_stop && first_stop < second_start,
        "{calls:?} {:?}",
        status(&h).events
    );
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_daemon_service_runs_one_task_and_redeploys_stop_first() {
    let h = Harness::new();
    h.register("busybox:1");
    apply(&h, None, None, SchedulingStrategy::Daemon);
    h.until("revision 1 completed", |h| completed_on(h, "web:1"))
        .await;
    assert_eq!(h.fake.running().len(), 1);
    h.register("busybox:2");
    watch(
        &h,
        "revision 2 completed",
        |h| completed_on(h, "web:2"),
        |h| {
            let running = h.fake.running().len();
            (running <= 1)
                .then_some(())
                .ok_or(format!("{running} daemon tasks"))
        },
    )
    .await;
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn changing_only_desired_count_does_not_start_a_deployment() {
    let h = Harness::new();
    h.register("busybox:1");
    apply(&h, Some(1), None, SchedulingStrategy::Replica);
    h.until("completed", |h| completed_on(h, "web:1")).await;
    apply(&h, Some(2), None, SchedulingStrategy::Replica);
    h.until("2 run", |h| {
        h.fake.running().len() == 2 && completed_on(h, "web:1")
    })
    .await;
    assert_eq!(status(&h).deployments.len(), 1);
    h.catalog().restart_service("default", "web").unwrap();
    h.until("a restart made a second deployment", |h| {
        status(h).deployments.len() == 2
    })
    .await;
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn an_image_that_cannot_be_pulled_fails_the_deployment_before_any_old_task_stops() {
    let h = Harness::new();
    h.register("busybox:1");
    apply(&h, Some(3), percents(50, 100, None), SchedulingStrategy::Replica);
    h.until("revision 1 completed", |h| completed_on(h, "web:1"))
        .await;
    let calls_before = h.fake.calls().len();
    h.fake.set_image_missing("busybox:gone");
    h.register("busybox:gone");
    h.until("the deployment failed", |h| {
        status(h)
            .deployments
            .first()
            .is_some_and(|d| d.rollout_state == RolloutState::Failed)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    let later = &h.fake.calls()[calls_before..];
    assert!(
        !later
            .iter()
            .any(|c| matches!(c, FakeCall::Stop(_) | FakeCall::Create(_))),
        "{later:?}"
    );
    assert_eq!(h.fake.running().len(), 3);
    let reason = status(&h).deployments[0].rollout_state_reason.clone().unwrap();
    assert!(reason.starts_with("CannotPullContainerError"), "{reason}");
    h.shutdown().await;
}
