use super::*;
use crate::controller::{Backoff, ControllerSettings, WorkQueue};
use crate::model::fixtures::{schedule, task_definition};
use crate::model::{ConcurrencyPolicy, ScheduledTaskSpec};
use crate::runtime::FakeRuntime;
use crate::store::{Catalog, ContainerStatus, MemoryStore};
use std::sync::Arc;

fn context(catalog: &Catalog) -> Context {
    Context {
        catalog: catalog.clone(),
        engines: Arc::new(crate::fleet::Engines::local_only(
            catalog.container_instance_id().unwrap(),
            Arc::new(FakeRuntime::new()),
        )),
        owner: "test-owner".into(),
        settings: ControllerSettings::default(),
        queue: WorkQueue::new(Backoff::RECONCILE),
        exits: Default::default(),
        lb: crate::lb::LoadBalancers::new(),
        drains: Default::default(),
        news: Default::default(),
        clock: crate::clock::Clock::new(),
        health: Default::default(),
    }
}

fn catalog_with(spec: &ScheduledTaskSpec) -> Catalog {
    let catalog = Catalog::new(Arc::new(MemoryStore::new()));
    catalog
        .register_task_definition("job", &task_definition(&[("main", "busybox")]), &BTreeMap::new())
        .unwrap();
    catalog
        .apply_scheduled_task("default", "backup", spec, &BTreeMap::new(), None)
        .unwrap();
    catalog
}

async fn reconcile(ctx: &Context) -> Action {
    reconcile_scheduled_task(ctx, "default", "backup").await.unwrap()
}

fn status(catalog: &Catalog) -> ScheduleStatus {
    catalog.schedule_status("default", "backup").unwrap()
}

/// The schedule's event messages, newest first.
fn messages(status: &ScheduleStatus) -> Vec<&str> {
    status.events.iter().map(|e| e.message.as_str()).collect()
}

/// A due time as the events of a UTC schedule name it.
fn utc(tick: u64) -> String {
    crate::model::schedule::wall_clock(tick, "UTC")
}

fn stop(catalog: &Catalog, id: &str, exit_code: i64) {
    let stopped = TaskStatus {
        last_status: TaskState::Stopped,
        containers: vec![ContainerStatus {
            name: "main".into(),
            exit_code: Some(exit_code),
            ..Default::default()
        }],
        ..Default::default()
    };
    catalog.put_task_status(id, &stopped).unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_due_time_is_recorded_and_starts_task_count_tasks_named_after_the_schedule() {
    let spec = ScheduledTaskSpec {
        task_count: Some(2),
        ..schedule("rate(10 seconds)", "job")
    };
    let catalog = catalog_with(&spec);
    let ctx = context(&catalog);
    let action = reconcile(&ctx).await;
    let status = status(&catalog);
    assert_eq!(status.last_tick, Some(status.anchor));
    let run = &status.runs[0];
    assert_eq!(run.outcome, RunOutcome::Running);
    assert_eq!(run.task_ids.len(), 2);
    for task in catalog.tasks().unwrap() {
        assert_eq!(task.started_by.as_deref(), Some("ecsd-schedule/backup"));
        assert_eq!(task.group, "scheduled:backup");
    }
    assert!(matches!(action, Action::RequeueAfter(_)));
}

#[tokio::test(start_paused = true)]
async fn forbid_skips_a_due_time_while_the_previous_run_is_active_and_says_why() {
    let spec = ScheduledTaskSpec {
        concurrency_policy: ConcurrencyPolicy::Forbid,
        ..schedule("rate(10 seconds)", "job")
    };
    let catalog = catalog_with(&spec);
    let ctx = context(&catalog);
    reconcile(&ctx).await;
    tokio::time::advance(Duration::from_secs(10)).await;
    reconcile(&ctx).await;
    let status = status(&catalog);
    let runs = &status.runs;
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1].outcome, RunOutcome::Skipped);
    assert!(runs[1].message.as_deref().unwrap_or_default().contains("Forbid"));
    assert_eq!(catalog.tasks().unwrap().len(), 1);
    assert_eq!(
        messages(&status),
        [format!(
            "(scheduled task backup) skipped the run due at {}: the previous run is still active (concurrencyPolicy Forbid).",
            utc(runs[1].tick)
        )]
    );
}

#[tokio::test(start_paused = true)]
async fn a_run_asked_for_by_hand_while_forbid_holds_is_skipped_and_says_it_was_asked_for() {
    let spec = ScheduledTaskSpec {
        concurrency_policy: ConcurrencyPolicy::Forbid,
        ..schedule("rate(1 hour)", "job")
    };
    let catalog = catalog_with(&spec);
    let ctx = context(&catalog);
    reconcile(&ctx).await;
    crate::ops::scheduled_tasks::run_now(&catalog, "default", "backup").unwrap();
    reconcile(&ctx).await;
    let status = status(&catalog);
    assert_eq!(status.runs[1].outcome, RunOutcome::Skipped);
    assert!(
        messages(&status)[0]
            .starts_with("(scheduled task backup) skipped the run asked for by `ecsd schedule run` at "),
        "{:?}",
        messages(&status)
    );
}

#[tokio::test(start_paused = true)]
async fn allow_starts_a_run_while_the_previous_one_is_still_active() {
    let catalog = catalog_with(&schedule("rate(10 seconds)", "job"));
    let ctx = context(&catalog);
    reconcile(&ctx).await;
    tokio::time::advance(Duration::from_secs(10)).await;
    reconcile(&ctx).await;
    let status = status(&catalog);
    assert_eq!(status.runs.len(), 2);
    assert!(status.runs.iter().all(|r| r.outcome == RunOutcome::Running));
    assert_eq!(catalog.tasks().unwrap().len(), 2);
    assert!(status.events.is_empty(), "{:?}", messages(&status));
}

/// A `rate(10 seconds)` schedule with `startingDeadlineSeconds: deadline` runs once, then
/// ecsd is down (nothing reconciles) for `down` seconds and reconciles again.
async fn back_after_downtime(deadline: u64, down: u64) -> (Catalog, Context) {
    let spec = ScheduledTaskSpec {
        starting_deadline_seconds: Some(crate::model::Seconds(deadline)),
        ..schedule("rate(10 seconds)", "job")
    };
    let catalog = catalog_with(&spec);
    let ctx = context(&catalog);
    reconcile(&ctx).await;
    tokio::time::advance(Duration::from_secs(down)).await;
    reconcile(&ctx).await;
    (catalog, ctx)
}

#[tokio::test(start_paused = true)]
async fn after_downtime_the_latest_missed_due_time_runs_once_within_the_deadline_and_says_so() {
    let (catalog, _) = back_after_downtime(60, 35).await;
    let status = status(&catalog);
    assert_eq!(catalog.tasks().unwrap().len(), 2, "one run, not a burst of three");
    let run = &status.runs[1];
    assert_eq!(run.tick, status.anchor + 30_000, "the most recent due time");
    assert_eq!(run.outcome, RunOutcome::Running);
    assert_eq!(
        messages(&status),
        [format!(
            "(scheduled task backup) ran once for 3 due times that passed while ecsd was down: the run due at {}.",
            utc(run.tick)
        )]
    );
}

#[tokio::test(start_paused = true)]
async fn after_downtime_beyond_the_deadline_the_due_time_is_missed_and_says_so() {
    let (catalog, ctx) = back_after_downtime(5, 38).await;
    let status = status(&catalog);
    assert_eq!(catalog.tasks().unwrap().len(), 1, "nothing started late");
    let missed = &status.runs[1];
    assert_eq!(missed.outcome, RunOutcome::Missed);
    assert_eq!(
        messages(&status),
        [format!(
            "(scheduled task backup) missed 3 due times up to the run due at {}: they passed while ecsd was down, the latest more than startingDeadlineSeconds (5) ago.",
            utc(missed.tick)
        )]
    );
    // The next due time runs as usual.
    tokio::time::advance(Duration::from_secs(2)).await;
    reconcile(&ctx).await;
    assert_eq!(catalog.tasks().unwrap().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_run_that_cannot_start_fails_and_says_why() {
    let catalog = catalog_with(&schedule("rate(1 hour)", "job"));
    catalog.deregister_family("job").unwrap();
    reconcile(&context(&catalog)).await;
    let status = status(&catalog);
    assert_eq!(status.runs[0].outcome, RunOutcome::Failed);
    let events = messages(&status);
    assert_eq!(events.len(), 1);
    let prefix = format!(
        "(scheduled task backup) could not start the run due at {}: ",
        utc(status.runs[0].tick)
    );
    assert!(events[0].starts_with(&prefix), "{events:?}");
}

#[tokio::test(start_paused = true)]
async fn events_of_a_schedule_are_bounded() {
    let spec = ScheduledTaskSpec {
        concurrency_policy: ConcurrencyPolicy::Forbid,
        runs_history_limit: Some(3),
        ..schedule("rate(1 second)", "job")
    };
    let catalog = catalog_with(&spec);
    let ctx = context(&catalog);
    for _ in 0..crate::store::EVENTS_KEPT + 20 {
        reconcile(&ctx).await;
        tokio::time::advance(Duration::from_secs(1)).await;
    }
    let status = status(&catalog);
    assert_eq!(status.runs.len(), 3);
    assert_eq!(status.events.len(), crate::store::EVENTS_KEPT);
    let ids: std::collections::BTreeSet<&str> = status.events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), status.events.len(), "event ids are unique");
}

#[tokio::test(start_paused = true)]
async fn replace_stops_the_previous_run_before_starting_the_next() {
    let spec = ScheduledTaskSpec {
        concurrency_policy: ConcurrencyPolicy::Replace,
        ..schedule("rate(10 seconds)", "job")
    };
    let catalog = catalog_with(&spec);
    let ctx = context(&catalog);
    reconcile(&ctx).await;
    let first = status(&catalog).runs[0].task_ids[0].clone();
    tokio::time::advance(Duration::from_secs(10)).await;
    reconcile(&ctx).await;
    let old = catalog.task(&first).unwrap().unwrap();
    assert_eq!(old.desired_status, crate::model::DesiredStatus::Stopped);
    assert!(old.stopped_reason.unwrap_or_default().contains("Replaced"));
    assert_eq!(catalog.tasks().unwrap().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_restart_does_not_fire_the_same_due_time_twice() {
    let catalog = catalog_with(&schedule("rate(1 hour)", "job"));
    reconcile(&context(&catalog)).await;
    reconcile(&context(&catalog)).await;
    assert_eq!(catalog.tasks().unwrap().len(), 1);
    assert_eq!(status(&catalog).runs.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_finished_run_records_its_outcome_and_exit_codes() {
    let catalog = catalog_with(&schedule("rate(1 hour)", "job"));
    let ctx = context(&catalog);
    reconcile(&ctx).await;
    let id = status(&catalog).runs[0].task_ids[0].clone();
    stop(&catalog, &id, 3);
    reconcile(&ctx).await;
    let run = &status(&catalog).runs[0];
    assert_eq!(run.outcome, RunOutcome::Failed);
    assert_eq!(run.exit_codes, [Some(3)]);
}

#[tokio::test(start_paused = true)]
async fn history_keeps_only_the_latest_runs() {
    let spec = ScheduledTaskSpec {
        runs_history_limit: Some(2),
        ..schedule("rate(1 second)", "job")
    };
    let catalog = catalog_with(&spec);
    let ctx = context(&catalog);
    for _ in 0..4 {
        reconcile(&ctx).await;
        tokio::time::advance(Duration::from_secs(1)).await;
    }
    let runs = status(&catalog).runs;
    assert_eq!(runs.len(), 2);
    assert!(runs[0].tick < runs[1].tick);
}

#[tokio::test(start_paused = true)]
async fn a_disabled_schedule_starts_nothing_and_a_deleted_one_is_done() {
    let spec = ScheduledTaskSpec {
        state: crate::model::ScheduleState::Disabled,
        ..schedule("rate(1 second)", "job")
    };
    let catalog = catalog_with(&spec);
    let ctx = context(&catalog);
    assert_eq!(reconcile(&ctx).await, Action::Done);
    assert!(catalog.tasks().unwrap().is_empty());
    catalog.delete_scheduled_task("default", "backup").unwrap();
    assert_eq!(reconcile(&ctx).await, Action::Done);
}

#[tokio::test(start_paused = true)]
async fn a_run_starts_its_tasks_with_the_targets_group_tags_and_launch_settings() {
    let spec = ScheduledTaskSpec {
        group: Some("nightly".into()),
        tags: vec![crate::model::Tag {
            key: "team".into(),
            value: "ops".into(),
        }],
        enable_ecs_managed_tags: true,
        launch_type: Some(crate::model::LaunchType::External),
        enable_execute_command: true,
        ..schedule("rate(1 hour)", "job")
    };
    let catalog = catalog_with(&spec);
    reconcile(&context(&catalog)).await;
    let task = catalog.tasks().unwrap().pop().unwrap();
    assert_eq!(task.group, "nightly");
    assert_eq!(task.labels.get("team").map(String::as_str), Some("ops"));
    assert_eq!(
        task.labels
            .get(crate::model::MANAGED_CLUSTER_TAG)
            .map(String::as_str),
        Some("default")
    );
    assert_eq!(task.launch.launch_type, Some(crate::model::LaunchType::External));
    assert!(task.launch.enable_execute_command);
}

/// A schedule of `expression` without a target (an EventBridge rule without targets).
fn target_less(expression: &str) -> ScheduledTaskSpec {
    ScheduledTaskSpec {
        task_definition: None,
        ..schedule(expression, "job")
    }
}

#[tokio::test(start_paused = true)]
async fn a_schedule_without_a_target_never_runs_and_cannot_be_run_by_hand() {
    let catalog = catalog_with(&target_less("rate(1 second)"));
    let ctx = context(&catalog);
    assert_eq!(reconcile(&ctx).await, Action::Done);
    let err = crate::ops::scheduled_tasks::run_now(&catalog, "default", "backup").unwrap_err();
    assert!(err.to_string().contains("no target"), "{err}");
    assert!(catalog.tasks().unwrap().is_empty());
    let view = crate::ops::scheduled_tasks::view(&catalog, "default", "backup", 0).unwrap();
    assert!(view.upcoming.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_rate_given_a_target_runs_at_once() {
    let catalog = catalog_with(&target_less("rate(1 hour)"));
    let ctx = context(&catalog);
    reconcile(&ctx).await;
    tokio::time::advance(Duration::from_secs(600)).await;
    catalog
        .apply_scheduled_task(
            "default",
            "backup",
            &schedule("rate(1 hour)", "job"),
            &BTreeMap::new(),
            None,
        )
        .unwrap();
    reconcile(&ctx).await;
    assert_eq!(catalog.tasks().unwrap().len(), 1);
}

#[test]
fn a_run_interrupted_before_its_tasks_started_is_failed_not_left_running() {
    let catalog = catalog_with(&schedule("rate(1 hour)", "job"));
    let record = catalog.scheduled_task("default", "backup").unwrap().unwrap();
    let mut status = ScheduleStatus {
        runs: vec![run_entry(1_000, 1_000, RunOutcome::Running, "")],
        ..Default::default()
    };
    settle_runs(&mut status, &record, &[], 2_000);
    assert_eq!(status.runs[0].outcome, RunOutcome::Failed);
    assert_eq!(
        messages(&status),
        [
            "(scheduled task backup) did not start the run due at 1970-01-01 00:00:01 UTC: ecsd stopped between recording the run and starting its tasks."
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_runs_tasks_are_placed_by_the_schedules_constraints() {
    use crate::model::{ContainerInstanceSpec, PlacementConstraint, PlacementConstraintType};
    let spec = ScheduledTaskSpec {
        task_count: Some(2),
        placement_constraints: vec![PlacementConstraint {
            kind: PlacementConstraintType::MemberOf,
            expression: Some("attribute:disk == ssd".into()),
        }],
        ..schedule("rate(10 seconds)", "job")
    };
    let catalog = catalog_with(&spec);
    let instance = ContainerInstanceSpec {
        engine: "unix:///run/other.sock".into(),
        attributes: [("disk".to_string(), "ssd".to_string())].into(),
        ..Default::default()
    };
    catalog
        .apply_declared_instance("default", "fast", &instance, &BTreeMap::new())
        .unwrap();
    let id = crate::store::declared_instance_id("default", "fast");
    let facts = crate::store::EngineFacts {
        connected: true,
        cpu: 4096,
        memory: 8192,
        ..Default::default()
    };
    catalog.put_engine_facts(&id, &facts).unwrap();
    reconcile(&context(&catalog)).await;
    let tasks = catalog.tasks().unwrap();
    assert_eq!(tasks.len(), 2);
    for task in tasks {
        assert_eq!(
            task.container_instance.as_deref(),
            Some(id.as_str()),
            "memberOf picked the ssd instance"
        );
    }
}
