//! Scenario 1, scale-up: a service from 0 to N tasks until ecsd reports all RUNNING, against
//! the same N containers created and started directly with ecsd's concurrency.

use crate::Bench;
use crate::daemon::{BenchDaemon, ServeOptions};
use crate::manifests;
use crate::report::{Figure, ScenarioReport};
use ecsd::controller::ControllerSettings;
use std::time::Duration;
use tokio::time::Instant;

/// Runs the trials, ecsd and direct alternating which goes first.
pub async fn run(bench: &Bench, out: &mut ScenarioReport) -> anyhow::Result<()> {
    let n = bench.options.n;
    let concurrency = ControllerSettings::default().concurrency;
    out.note(format!(
        "N={n}; direct baseline: create+start through bollard, {concurrency} at a time (ecsd's reconcile concurrency)"
    ));
    let label = format!("direct: {n} create+start");
    against(bench, out, ("direct", label), async |trial| {
        direct_scale_up(bench, n, concurrency, trial).await
    })
    .await
}

/// Trials of ecsd's scale-up against another way (`key`, `label`) of getting N containers
/// running, alternating which goes first; reports both and the ratio ecsd/other per trial.
pub async fn against(
    bench: &Bench,
    out: &mut ScenarioReport,
    (key, label): (&'static str, String),
    other: impl AsyncFnMut(usize) -> anyhow::Result<f64>,
) -> anyhow::Result<()> {
    let n = bench.options.n;
    let ecsd = async |_trial: usize| ecsd_scale_up(n).await;
    compare(
        bench,
        out,
        format!("ecsd: service 0->{n} all RUNNING"),
        ecsd,
        (key, label),
        other,
    )
    .await
}

/// Trials of an ecsd way (`ecsd_label`) against another way (`key`, `label`) of getting the
/// same containers running, alternating which goes first; reports both and the ratio
/// ecsd/other per trial.
pub async fn compare(
    bench: &Bench,
    out: &mut ScenarioReport,
    ecsd_label: String,
    mut ecsd_way: impl AsyncFnMut(usize) -> anyhow::Result<f64>,
    (key, label): (&'static str, String),
    mut other: impl AsyncFnMut(usize) -> anyhow::Result<f64>,
) -> anyhow::Result<()> {
    let (mut ecsd, mut others, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for trial in 0..bench.options.trials {
        let (e, o) = if trial % 2 == 0 {
            let e = ecsd_way(trial).await?;
            (e, other(trial).await?)
        } else {
            let o = other(trial).await?;
            (ecsd_way(trial).await?, o)
        };
        eprintln!("  trial {trial}: ecsd {e:.2} s, {key} {o:.2} s");
        ecsd.push(e);
        others.push(o);
        ratios.push(e / o);
    }
    out.figure(Figure::measured("ecsd", ecsd_label, "s", &ecsd));
    out.figure(Figure::measured(key, label, "s", &others));
    out.figure(Figure::measured(
        "ratio",
        format!("ratio ecsd/{key} (per trial)"),
        "x",
        &ratios,
    ));
    Ok(())
}

/// Seconds from `ecsd scale service/NAME N` until the service reports N RUNNING, on a fresh
/// daemon whose service already exists with 0 tasks.
pub async fn ecsd_scale_up(n: usize) -> anyhow::Result<f64> {
    let daemon = BenchDaemon::start(ServeOptions::default()).await?;
    timed_scale_up(&daemon, n).await
}

/// Seconds from `ecsd scale service/scale N` until N RUNNING, once `daemon` runs the
/// service `scale` at 0 tasks (applied here).
pub async fn timed_scale_up(daemon: &BenchDaemon, n: usize) -> anyhow::Result<f64> {
    daemon
        .apply("scale.yaml", &manifests::service("scale", 0, "1"))
        .await?;
    daemon.wait_running("scale", 0, Duration::from_secs(30)).await?;
    let started = Instant::now();
    daemon.cli(&["scale", "service/scale", &n.to_string()]).await?;
    daemon.wait_running("scale", n, Duration::from_secs(600)).await?;
    Ok(started.elapsed().as_secs_f64())
}

/// Seconds to create and start `n` containers directly; removes them afterwards.
async fn direct_scale_up(bench: &Bench, n: usize, concurrency: usize, trial: usize) -> anyhow::Result<f64> {
    let names: Vec<String> = (0..n)
        .map(|i| format!("ecsd-bench-{}-scale{trial}-{i}", bench.engine.run_id()))
        .collect();
    let started = Instant::now();
    let created = bench.engine.create_and_start(&names, concurrency).await;
    let secs = started.elapsed().as_secs_f64();
    bench.engine.remove_run_containers().await?;
    created?;
    Ok(secs)
}
