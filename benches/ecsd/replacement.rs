//! Scenario 3 (b), replacement: a task's container killed from outside until ecsd reports a
//! replacement RUNNING, with the engine's own events splitting the time into what the engine
//! did and what ecsd did.

use crate::Bench;
use crate::daemon::{BenchDaemon, task_id};
use crate::engine::{epoch_nanos, filters};
use crate::manifests;
use crate::poll::wait_for;
use crate::report::{Figure, ScenarioReport};
use bollard::models::EventMessage;
use ecsd::runtime::labels;
use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

/// A task that ran at least this long before it stopped is replaced at once (README,
/// "Crash loops"); killing younger tasks would measure the crash-loop backoff instead.
const RAN_WELL: Duration = Duration::from_secs(10);

const NAME: &str = "victims";

/// One kill, in milliseconds from the kill call.
struct Sample {
    /// ecsd reports the replacement RUNNING.
    running: f64,
    /// Engine events: the victim's `die`, the replacement's `create` and `start`.
    die: f64,
    create: f64,
    start: f64,
}

/// Kills each of `samples` well-running tasks of one service in turn.
pub async fn run(
    bench: &Bench,
    daemon: &BenchDaemon,
    samples: usize,
    out: &mut ScenarioReport,
) -> anyhow::Result<()> {
    daemon
        .apply("victims.yaml", &manifests::service(NAME, samples, "1"))
        .await?;
    daemon
        .wait_running(NAME, samples, Duration::from_secs(300))
        .await?;
    let originals: BTreeSet<String> = daemon.service_tasks(NAME).await?.iter().map(task_id).collect();
    wait_until_all_ran_well(daemon).await?;
    let (mut measured, mut floor) = (Vec::new(), Vec::new());
    for (i, victim) in originals.iter().enumerate() {
        floor.push(one_direct_start(bench, i).await?);
        match kill_once(bench, daemon, victim, samples).await? {
            Some(sample) => {
                eprintln!(
                    "  kill {}/{samples}: replacement RUNNING after {:.0} ms",
                    measured.len() + 1,
                    sample.running
                );
                measured.push(sample);
            }
            None => out.note(format!(
                "task {victim} was reported RUNNING but had no running container; skipped"
            )),
        }
    }
    // An engine event that did not show up leaves a NaN, which only its own figure skips.
    let series = |f: fn(&Sample) -> f64| {
        measured
            .iter()
            .map(f)
            .filter(|v| v.is_finite())
            .collect::<Vec<_>>()
    };
    out.figure(Figure::latency(
        "kill_replaced",
        "container killed -> replacement RUNNING",
        "ms",
        &series(|s| s.running),
    ));
    out.figure(Figure::latency(
        "kill_die",
        "  kill -> engine `die` event",
        "ms",
        &series(|s| s.die),
    ));
    out.figure(Figure::latency(
        "die_create",
        "  `die` -> replacement `create` (ecsd)",
        "ms",
        &series(|s| s.create - s.die),
    ));
    out.figure(Figure::latency(
        "create_start",
        "  `create` -> `start` (engine, ecsd)",
        "ms",
        &series(|s| s.start - s.create),
    ));
    out.figure(Figure::latency(
        "start_running",
        "  `start` -> RUNNING in ecsd (incl. 10 ms poll)",
        "ms",
        &series(|s| s.running - s.start),
    ));
    out.figure(Figure::latency(
        "direct_one",
        "direct: one create+start (engine floor)",
        "ms",
        &floor,
    ));
    Ok(())
}

/// Milliseconds to create and start one container directly (interleaved with the kills, so
/// both see the same engine); removes it again.
async fn one_direct_start(bench: &Bench, i: usize) -> anyhow::Result<f64> {
    let name = format!("ecsd-bench-{}-one{i}", bench.engine.run_id());
    let started = Instant::now();
    let created = bench.engine.create_and_start(&[name], 1).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    bench.engine.remove_run_containers().await?;
    created?;
    Ok(ms)
}

/// Kills the running container of task `victim`; None when it has none.
async fn kill_once(
    bench: &Bench,
    daemon: &BenchDaemon,
    victim: &str,
    samples: usize,
) -> anyhow::Result<Option<Sample>> {
    let task_label = labels::filter(labels::TASK, victim);
    let running = filters(&[("label", &task_label), ("status", "running")]);
    let Some(container) = bench.engine.containers(running, false).await?.pop() else {
        return Ok(None);
    };
    let killed_at = SystemTime::now();
    let started = Instant::now();
    bench.engine.kill(&container).await?;
    wait_for(
        "a replacement runs",
        Duration::from_secs(60),
        Duration::from_millis(10),
        async || {
            let tasks = daemon.service_tasks(NAME).await?;
            let up = tasks
                .iter()
                .filter(|t| t["lastStatus"] == "RUNNING" && task_id(t) != victim)
                .count();
            Ok((up == samples).then_some(()))
        },
    )
    .await?;
    let running = started.elapsed().as_secs_f64() * 1000.0;
    let service_label = labels::filter(labels::SERVICE, NAME);
    let wanted = filters(&[("type", "container"), ("label", &service_label)]);
    let events = bench
        .engine
        .events_between(killed_at, SystemTime::now(), wanted)
        .await?;
    let at = |action: &str| first_after(&events, action, killed_at).unwrap_or(f64::NAN);
    Ok(Some(Sample {
        running,
        die: at("die"),
        create: at("create"),
        start: at("start"),
    }))
}

/// Milliseconds from `since` to the first event with `action`.
fn first_after(events: &[EventMessage], action: &str, since: SystemTime) -> Option<f64> {
    let event = events.iter().find(|e| e.action.as_deref() == Some(action))?;
    Some((event.time_nano? - epoch_nanos(since)) as f64 / 1e6)
}

/// Waits until every running task of the service has run longer than `RAN_WELL`.
async fn wait_until_all_ran_well(daemon: &BenchDaemon) -> anyhow::Result<()> {
    wait_for(
        "every task ran well",
        Duration::from_secs(120),
        Duration::from_millis(200),
        async || {
            let now = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)?
                .as_secs_f64();
            let tasks = daemon.service_tasks(NAME).await?;
            let youngest = tasks
                .iter()
                .filter_map(|t| t["startedAt"].as_f64())
                .fold(0.0, f64::max);
            Ok((youngest > 0.0 && now - youngest > RAN_WELL.as_secs_f64() + 1.0).then_some(()))
        },
    )
    .await
}
