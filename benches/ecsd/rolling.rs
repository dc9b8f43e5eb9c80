//! Scenario 2, rolling deploy: a 10-task service moved to a new revision until its PRIMARY
//! deployment is COMPLETED (old tasks gone), against starting 10 and stopping 10 containers
//! directly in the same start-first order.

use crate::Bench;
use crate::daemon::{BenchDaemon, ServeOptions};
use crate::engine::filters;
use crate::manifests;
use crate::poll::wait_for;
use crate::report::{Figure, ScenarioReport};
use ecsd::controller::{ControllerSettings, KEEP_STOPPED_CONTAINERS};
use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;

const TASKS: usize = 10;
const NAME: &str = "roll";

/// Runs the trials on one daemon, ecsd and direct alternating which goes first.
pub async fn run(bench: &Bench, out: &mut ScenarioReport) -> anyhow::Result<()> {
    let concurrency = ControllerSettings::default().concurrency;
    let daemon = BenchDaemon::start(ServeOptions {
        flags: vec!["--min-healthy-time".into(), "0s".into()],
        ..Default::default()
    })
    .await?;
    out.note(format!(
        "{TASKS} tasks, deployment 100/200 (start first), daemon --min-healthy-time 0s --stop-timeout 2s; \
         direct: create+start {TASKS}, then stop {TASKS}, {concurrency} at a time"
    ));
    daemon
        .apply("roll.yaml", &manifests::service(NAME, TASKS, "0"))
        .await?;
    daemon.wait_running(NAME, TASKS, Duration::from_secs(300)).await?;
    let (mut ecsd, mut direct, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for trial in 0..bench.options.trials {
        let marker = (trial + 1).to_string();
        let (e, d) = if trial % 2 == 0 {
            let e = ecsd_rollout(bench, &daemon, &marker).await?;
            (e, direct_rollout(bench, concurrency, trial).await?)
        } else {
            let d = direct_rollout(bench, concurrency, trial).await?;
            (ecsd_rollout(bench, &daemon, &marker).await?, d)
        };
        eprintln!("  trial {trial}: ecsd {e:.2} s, direct {d:.2} s");
        ecsd.push(e);
        direct.push(d);
        ratios.push(e / d);
    }
    out.figure(Figure::measured(
        "ecsd",
        "ecsd: apply new revision -> COMPLETED",
        "s",
        &ecsd,
    ));
    out.figure(Figure::measured(
        "direct",
        "direct: start 10 new, stop 10 old",
        "s",
        &direct,
    ));
    out.figure(Figure::measured(
        "ratio",
        "ratio ecsd/direct (per trial)",
        "x",
        &ratios,
    ));
    Ok(())
}

fn primary(service: &Value) -> Value {
    service["deployments"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["status"] == "PRIMARY"))
        .cloned()
        .unwrap_or_default()
}

/// Seconds from `ecsd apply` of a new revision until the new PRIMARY is COMPLETED and alone.
async fn ecsd_rollout(bench: &Bench, daemon: &BenchDaemon, marker: &str) -> anyhow::Result<f64> {
    let before = primary(&daemon.service(NAME).await?)["taskDefinition"].clone();
    let started = Instant::now();
    daemon
        .apply("roll.yaml", &manifests::service(NAME, TASKS, marker))
        .await?;
    wait_for(
        "the rollout completes",
        Duration::from_secs(600),
        Duration::from_millis(20),
        async || {
            let s = daemon.service(NAME).await?;
            let p = primary(&s);
            let done = s["specObserved"] == true
                && p["taskDefinition"] != before
                && p["rolloutState"] == "COMPLETED"
                && s["deployments"].as_array().is_some_and(|d| d.len() == 1);
            Ok(done.then_some(()))
        },
    )
    .await?;
    let secs = started.elapsed().as_secs_f64();
    // Let retention remove the old containers before anything else is timed.
    let owner = daemon.owner_label();
    let quiet = wait_for(
        "old containers are removed",
        Duration::from_secs(60),
        Duration::from_millis(100),
        async || {
            let left = bench
                .engine
                .containers(filters(&[("label", &owner)]), true)
                .await?;
            Ok((left.len() <= TASKS + KEEP_STOPPED_CONTAINERS).then_some(()))
        },
    );
    quiet.await?;
    Ok(secs)
}

/// Seconds to start 10 new containers and then stop 10 old ones directly; removes them all.
async fn direct_rollout(bench: &Bench, concurrency: usize, trial: usize) -> anyhow::Result<f64> {
    let engine = &bench.engine;
    let name = |kind: &str, i: usize| format!("ecsd-bench-{}-roll{trial}-{kind}{i}", engine.run_id());
    let old: Vec<String> = (0..TASKS).map(|i| name("old", i)).collect();
    let new: Vec<String> = (0..TASKS).map(|i| name("new", i)).collect();
    let result = async {
        let old_ids = engine.create_and_start(&old, concurrency).await?;
        let started = Instant::now();
        engine.create_and_start(&new, concurrency).await?;
        engine.stop(&old_ids, 2, concurrency).await?;
        Ok::<_, anyhow::Error>(started.elapsed().as_secs_f64())
    }
    .await;
    engine.remove_run_containers().await?;
    result
}
