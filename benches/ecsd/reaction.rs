//! Scenario 3, reaction: (a) a manifest saved into a watched folder until the engine's first
//! `create` event for it; (b) a task's container killed until ecsd reports a replacement
//! RUNNING (in `replacement`). p50 and p99 over many samples; the watch debounce is reported
//! beside (a).

use crate::Bench;
use crate::daemon::{BenchDaemon, ServeOptions};
use crate::engine::{epoch_nanos, filters};
use crate::manifests;
use crate::poll::wait_for;
use crate::replacement;
use crate::report::{Figure, ScenarioReport};
use anyhow::Context as _;
use ecsd::runtime::labels;
use ecsd::watch::WatchSettings;
use std::time::{Duration, SystemTime};

/// Runs both halves on one daemon watching its deploy folder.
pub async fn run(bench: &Bench, out: &mut ScenarioReport) -> anyhow::Result<()> {
    let samples = bench.options.reaction_samples();
    // Each sample removes its file again, leaving the folder empty: let that prune.
    let daemon = BenchDaemon::start(ServeOptions {
        watch: true,
        flags: vec!["--watch-prune-empty".into()],
    })
    .await?;
    let watch = WatchSettings::default();
    let quiet_ms = watch.quiet.as_secs_f64() * 1000.0;
    out.note(format!(
        "{samples} samples each; watch debounce: {quiet_ms:.0} ms quiet (at most {} ms), from ecsd::watch::WatchSettings",
        watch.max_wait.as_millis()
    ));
    let saves = watch_to_create(bench, &daemon, samples).await?;
    let beyond: Vec<f64> = saves.iter().map(|ms| ms - quiet_ms).collect();
    out.figure(Figure::latency(
        "watch_create",
        "save in watched folder -> first create",
        "ms",
        &saves,
    ));
    out.figure(Figure::latency(
        "watch_beyond_debounce",
        "  the same, minus the debounce",
        "ms",
        &beyond,
    ));
    replacement::run(bench, &daemon, samples, out).await
}

/// Milliseconds from writing a new service's manifest into the watched folder to the engine's
/// `create` event of its first container; each service is pruned again before the next sample.
async fn watch_to_create(bench: &Bench, daemon: &BenchDaemon, samples: usize) -> anyhow::Result<Vec<f64>> {
    let mut out = Vec::new();
    for i in 0..samples {
        let name = format!("react{i}");
        let path = daemon.deploy_dir().join(format!("{name}.yaml"));
        let owner = daemon.owner_label();
        let service = labels::filter(labels::SERVICE, &name);
        let wanted = filters(&[
            ("type", "container"),
            ("event", "create"),
            ("label", &owner),
            ("label", &service),
        ]);
        let saved = SystemTime::now();
        std::fs::write(&path, manifests::service(&name, 1, "1"))?;
        let event = bench
            .engine
            .first_event(saved, wanted, Duration::from_secs(30))
            .await;
        let event = event.with_context(|| {
            format!(
                "after saving {}; daemon log:\n{}",
                path.display(),
                daemon.log_tail(20)
            )
        })?;
        let at = event.time_nano.context("event without timeNano")?;
        out.push((at - epoch_nanos(saved)) as f64 / 1e6);
        std::fs::remove_file(&path)?;
        let what = format!("service {name} is pruned");
        wait_for(
            &what,
            Duration::from_secs(60),
            Duration::from_millis(50),
            async || {
                let gone = daemon
                    .get(&format!("/v1/services/default/{name}"))
                    .await?
                    .is_none();
                Ok(gone.then_some(()))
            },
        )
        .await?;
    }
    Ok(out)
}
