//! A daemon keeping a service of long-running tasks; the adoption, footprint and API scenarios
//! share it (in that order) so the fleet is started once per run.

use crate::Bench;
use crate::daemon::{BenchDaemon, ServeOptions};
use crate::manifests;
use crate::poll::wait_for;
use crate::report::ScenarioReport;
use std::time::Duration;
use tokio::time::Instant;

/// The service every fleet runs.
pub const SERVICE: &str = "fleet";

/// The daemon and how many tasks its service runs.
pub struct Fleet {
    /// The daemon (restarted in place by the adoption scenario).
    pub daemon: BenchDaemon,
    /// Tasks of `SERVICE`.
    pub size: usize,
    /// Resync period the daemon runs with.
    pub resync: Duration,
}

impl Fleet {
    /// Starts a daemon and waits until its fleet runs; notes how long that took in `out`.
    pub async fn start(bench: &Bench, out: &mut ScenarioReport) -> anyhow::Result<Self> {
        let size = bench.options.fleet_size();
        // The footprint window must contain a resync: the default 30 s fits the full 60 s
        // window twice; the smoke window of 5 s needs a shorter period.
        let resync = if bench.options.smoke {
            Duration::from_secs(2)
        } else {
            ecsd::controller::ControllerSettings::default().resync_interval
        };
        let flags = vec![
            "--resync-interval".into(),
            humantime::format_duration(resync).to_string(),
            // A port of the system's choosing, read back with `BenchDaemon::ecs_endpoint`.
            "--listen".into(),
            "127.0.0.1:0".into(),
            // The metrics scenario scrapes it (the collector runs either way).
            "--metrics-listen".into(),
            "127.0.0.1:0".into(),
        ];
        let daemon = BenchDaemon::start(ServeOptions {
            flags,
            ..Default::default()
        })
        .await?;
        let started = Instant::now();
        daemon
            .apply("fleet.yaml", &manifests::service(SERVICE, size, "1"))
            .await?;
        daemon
            .wait_running(SERVICE, size, Duration::from_secs(900))
            .await?;
        wait_completed(&daemon).await?;
        out.note(format!(
            "fleet: a service of {size} tasks reached COMPLETED in {:.1} s after apply; resync every {}",
            started.elapsed().as_secs_f64(),
            humantime::format_duration(resync)
        ));
        Ok(Self { daemon, size, resync })
    }
}

/// Waits until the fleet's deployment is COMPLETED: after that the daemon has nothing left to
/// do (a task counts as healthy only `--min-healthy-time` after it runs).
async fn wait_completed(daemon: &BenchDaemon) -> anyhow::Result<()> {
    let what = "the fleet's deployment is COMPLETED";
    wait_for(
        what,
        Duration::from_secs(120),
        Duration::from_millis(100),
        async || {
            let s = daemon.service(SERVICE).await?;
            Ok((s["deployments"][0]["rolloutState"] == "COMPLETED").then_some(()))
        },
    )
    .await
}

/// The fleet in `slot`, started on first use.
pub async fn get_or_start<'a>(
    slot: &'a mut Option<Fleet>,
    bench: &Bench,
    out: &mut ScenarioReport,
) -> anyhow::Result<&'a mut Fleet> {
    if slot.is_none() {
        *slot = Some(Fleet::start(bench, out).await?);
    }
    slot.as_mut().ok_or_else(|| anyhow::anyhow!("fleet not started"))
}
