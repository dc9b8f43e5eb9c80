//! Scenario 12, scale-up on two engines: a service from 0 to N tasks spread over two
//! container instances (the daemon's own Docker and Podman declared as a `ContainerInstance`),
//! until ecsd reports all RUNNING, against N/2 containers created and started directly on
//! each engine at once, with ecsd's concurrency on each.

use crate::Bench;
use crate::daemon::{BenchDaemon, ServeOptions};
use crate::engine::{Engine, filters};
use crate::report::ScenarioReport;
use anyhow::{Context as _, ensure};
use ecsd::controller::ControllerSettings;
use ecsd::model::ContainerInstanceSpec;
use ecsd::model::fixtures::Manifests;
use std::time::Duration;
use tokio::time::Instant;

/// Podman's Docker-compatible socket (`scripts/setup-podman`).
const PODMAN: &str = "unix:///run/podman/podman.sock";

/// Runs the trials, ecsd and direct alternating which goes first.
pub async fn run(bench: &Bench, out: &mut ScenarioReport) -> anyhow::Result<()> {
    let n = bench.options.n;
    let concurrency = ControllerSettings::default().concurrency;
    let podman = Engine::connect_to(PODMAN, bench.engine.run_id().to_string())
        .await
        .context("Podman: run scripts/setup-podman")?;
    out.note(format!(
        "N={n} over the local Docker and Podman; direct baseline: {} on each at once through bollard, \
         {concurrency} at a time per engine",
        n / 2
    ));
    crate::scale_up::compare(
        bench,
        out,
        format!("ecsd: service 0->{n} RUNNING on 2 engines"),
        async |_trial| ecsd_scale_up(n, &podman).await,
        ("direct", format!("direct: {n} create+start, half on each engine")),
        async |trial| direct_scale_up(bench, &podman, n, concurrency, trial).await,
    )
    .await
}

/// Seconds from `ecsd scale service/NAME N` until N RUNNING over both engines, on a fresh
/// daemon with Podman declared and connected; checks the tasks landed on both.
async fn ecsd_scale_up(n: usize, podman: &Engine) -> anyhow::Result<f64> {
    let daemon = BenchDaemon::start(ServeOptions::default()).await?;
    let result = timed_spread_scale_up(&daemon, n, podman).await;
    // The daemon's drop cleans its own engine; Podman's containers go here.
    podman
        .remove(filters(&[("label", &daemon.owner_label())]))
        .await?;
    result
}

async fn timed_spread_scale_up(daemon: &BenchDaemon, n: usize, podman: &Engine) -> anyhow::Result<f64> {
    let instance = Manifests::new()
        .container_instance(
            "podman",
            ContainerInstanceSpec {
                engine: PODMAN.into(),
                ..Default::default()
            },
        )
        .yaml();
    daemon.apply("instance.yaml", &instance).await?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !daemon.log().contains("container instance connected") {
        ensure!(Instant::now() < deadline, "Podman did not connect within 30 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let secs = crate::scale_up::timed_scale_up(daemon, n).await?;
    let on_podman = podman
        .containers(filters(&[("label", &daemon.owner_label())]), false)
        .await?
        .len();
    ensure!(
        on_podman.abs_diff(n / 2) <= 1,
        "spread: {on_podman} of {n} tasks on Podman"
    );
    Ok(secs)
}

/// Seconds to create and start N containers, half on each engine, at once; removes them afterwards.
async fn direct_scale_up(
    bench: &Bench,
    podman: &Engine,
    n: usize,
    concurrency: usize,
    trial: usize,
) -> anyhow::Result<f64> {
    let names = |engine: &str, count: usize| -> Vec<String> {
        (0..count)
            .map(|i| format!("ecsd-bench-{}-two{trial}-{engine}-{i}", bench.engine.run_id()))
            .collect()
    };
    let (on_docker, on_podman) = (names("docker", n / 2), names("podman", n - n / 2));
    let started = Instant::now();
    let (a, b) = tokio::join!(
        bench.engine.create_and_start(&on_docker, concurrency),
        podman.create_and_start(&on_podman, concurrency)
    );
    let secs = started.elapsed().as_secs_f64();
    bench.engine.remove_run_containers().await?;
    podman.remove_run_containers().await?;
    a?;
    b?;
    Ok(secs)
}
