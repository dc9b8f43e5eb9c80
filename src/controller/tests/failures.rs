//! What a failed deployment holds, and how failures are counted: a rollback keeps every later
//! start on the rolled-back revision, a new deployment is never throttled by an older one's
//! crash loop, an unhealthy task is a failure with a reason, and every task a service
//! replaced because it stopped on its own is a restart.

use super::deployments::{apply, completed_on, percents, status};
use super::*;
use crate::model::{CircuitBreaker, RestartCause, SchedulingStrategy};
use crate::store::RolloutState;

fn breaker() -> Option<CircuitBreaker> {
    Some(CircuitBreaker {
        enable: true,
        rollback: true,
    })
}

/// `web` runs 2 tasks of `busybox:1`, then `busybox:bad` (which exits at once) is registered
/// and the breaker rolls the service back to revision 1.
async fn rolled_back() -> Harness {
    let h = Harness::new();
    h.register("busybox:1");
    apply(
        &h,
        Some(2),
        percents(100, 200, breaker()),
        SchedulingStrategy::Replica,
    );
    h.until("revision 1 completed", |h| completed_on(h, "web:1"))
        .await;
    h.fake.set_image_crashes("busybox:bad", 1);
    h.register("busybox:bad");
    h.until("the rollback completed", |h| {
        status(h)
            .deployments
            .first()
            .is_some_and(|d| d.rollback_from.is_some() && d.rollout_state == RolloutState::Completed)
    })
    .await;
    h
}

fn container_ids(h: &Harness) -> Vec<String> {
    h.fake.containers().into_iter().map(|c| c.id).collect()
}

/// The revisions of containers created since `before` was taken.
fn started_revisions(h: &Harness, before: &[String]) -> Vec<String> {
    h.fake
        .containers()
        .iter()
        .filter(|c| !before.contains(&c.id))
        .filter_map(|c| c.label(labels::TASK_DEFINITION).map(str::to_string))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn after_a_rollback_a_removed_task_is_replaced_by_the_rolled_back_revision() {
    let h = rolled_back().await;
    let before = container_ids(&h);
    let victim = h.fake.running()[0].id.clone();
    h.fake.remove_externally(&victim);
    h.until("a replacement runs", |h| {
        h.fake.running().len() == 2 && h.fake.running().iter().all(|c| c.id != victim)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    let started = started_revisions(&h, &before);
    assert!(!started.is_empty(), "a replacement was created");
    assert!(
        started.iter().all(|td| td == "web:1"),
        "only the rolled-back revision starts again: {started:?}"
    );
    assert!(h.running_images().iter().all(|td| td == "web:1"));
    let held = status(&h).message.unwrap_or_default();
    assert!(held.contains("is held on web:1"), "the service says why: {held}");
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn after_a_rollback_scaling_up_starts_the_rolled_back_revision() {
    let h = rolled_back().await;
    let before = container_ids(&h);
    apply(
        &h,
        Some(4),
        percents(100, 200, breaker()),
        SchedulingStrategy::Replica,
    );
    h.until("4 tasks run", |h| h.fake.running().len() == 4).await;
    let started = started_revisions(&h, &before);
    assert_eq!(started, vec!["web:1".to_string(); 2]);
    let s = status(&h);
    let p = s.deployments.first().unwrap();
    assert_eq!(p.task_definition, "web:1");
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_new_revision_after_a_rollback_deploys_at_once() {
    let h = rolled_back().await;
    h.register("busybox:3");
    h.until("revision 3 completed", |h| completed_on(h, "web:3"))
        .await;
    assert!(h.running_images().iter().all(|td| td == "web:3"));
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_good_revision_after_a_crash_loop_starts_without_waiting_out_the_backoff() {
    let h = Harness::new();
    h.fake.set_image_crashes("busybox:bad", 1);
    h.register("busybox:bad");
    h.apply_service(1);
    // Let the crash loop grow its delay past a minute.
    for _ in 0..600 {
        if waiting_secs(&h) >= 60 {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert!(
        waiting_secs(&h) >= 60,
        "the crash loop backs off: {:?}",
        status(&h).message
    );
    let t0 = tokio::time::Instant::now();
    h.register("busybox:good");
    h.until("the good revision runs", |h| {
        h.running_images() == vec!["web:2".to_string()]
    })
    .await;
    assert!(
        t0.elapsed() < Duration::from_secs(10),
        "started after {:?}, not after the old backoff",
        t0.elapsed()
    );
    h.shutdown().await;
}

/// The wait the service's message announces ("… next attempt in 80s."), or 0.
fn waiting_secs(h: &Harness) -> u64 {
    let message = status(h).message.unwrap_or_default();
    message
        .rsplit(" in ")
        .next()
        .and_then(|rest| rest.trim_end_matches("s.").parse().ok())
        .unwrap_or(0)
}

#[tokio::test(start_paused = true)]
async fn an_unhealthy_task_is_replaced_with_the_ecs_reason_an_event_its_probe_output_and_a_growing_delay() {
    let h = Harness::new();
    let mut web = container("web");
    web.health_check = Some(health_check());
    register_defs(&h, vec![web]);
    h.apply_service(1);
    let mut starts = Vec::new();
    let mut stopped = Vec::new();
    let t0 = tokio::time::Instant::now();
    for _ in 0..3 {
        h.until("a container runs", |h| h.fake.running().len() == 1).await;
        starts.push(t0.elapsed().as_secs());
        let c = h.fake.running()[0].clone();
        let probe =
            crate::model::HealthProbe::new(1, "wget: can't connect to remote host: Connection refused", None);
        h.fake.set_health_log(&c.id, vec![probe]);
        h.fake
            .set_health(&c.id, Some(crate::runtime::HealthState::Unhealthy));
        let task = c.label(labels::TASK).unwrap().to_string();
        h.until("the unhealthy task stops", |h| h.task_stopped(&task))
            .await;
        stopped.push(task);
    }
    let gaps: Vec<u64> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps[0] >= 10 && gaps[1] >= 20,
        "replacements back off: starts at {starts:?}"
    );
    let s = h.catalog().task_status(&stopped[0]).unwrap().unwrap();
    assert_eq!(s.stop_code, Some(StopCode::ServiceSchedulerInitiated));
    assert_eq!(
        s.stopped_reason.as_deref(),
        Some("Task failed container health checks")
    );
    assert_eq!(s.containers[0].health_probes.last().map(|p| p.exit_code), Some(1));
    let events: Vec<String> = status(&h).events.into_iter().map(|e| e.message).collect();
    let expected = format!(
        "(task {}) failed container health checks: container web: exit 1: wget: can't connect",
        stopped[0]
    );
    assert!(events.iter().any(|e| e.contains(&expected)), "{events:?}");
    h.until("the three replacements are counted", |h| {
        status(h).restarts.get(RestartCause::Unhealthy) == 3
    })
    .await;
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_service_counts_the_tasks_it_replaced_by_cause_and_not_its_own_or_a_users_stops() {
    let h = Harness::running("busybox", 2).await;
    let running = h.fake.running();
    h.fake.exit(&running[0].id, 1);
    h.fake.oom_kill(&running[1].id);
    h.until("both are replaced and counted", |h| {
        service_running(h, 2) && status(h).restarts.total() == 2
    })
    .await;
    let counts = status(&h).restarts;
    assert_eq!((counts.exited, counts.oom_killed), (1, 1), "{counts:?}");
    h.apply_service(1);
    h.until("scaled in", |h| service_running(h, 1)).await;
    let task = h.running_tasks()[0].clone();
    h.catalog()
        .request_task_stop(&task, StopCode::UserInitiated, "stopped by hand")
        .unwrap();
    h.until("the stopped task is replaced", |h| {
        service_running(h, 1) && !h.running_tasks().contains(&task)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        status(&h).restarts.total(),
        2,
        "a scale-in and a user's stop are no restarts"
    );
    h.shutdown().await;
}
