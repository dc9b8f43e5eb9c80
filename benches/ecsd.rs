//! `cargo bench --bench ecsd`: how fast ecsd converges and reacts, and what it costs, measured
//! against the engine itself (and Docker Swarm) in the same run; and its load balancer
//! against HAProxy and direct requests (`lb`); and the placement engine's decisions for
//! 10,000 tasks over 100 fake instances (`placement`) and the control plane running them
//! (`instances`); and what Container Insights costs
//! with 100 tasks (`metrics`).
//!
//! Starts the real daemon binary in temp dirs against the local Docker engine, drives it with
//! its CLI and API, runs the direct-engine baselines through bollard, prints a table and the
//! verdicts on issues 7, 13 and 15's targets, and writes `target/bench/results.json`. Everything
//! it creates (daemons, containers, the swarm, HAProxy) is removed again, also on failure or
//! Ctrl-C.
//! Flags: see `options::USAGE`; `scripts/bench` runs it after `scripts/setup-engine`.

#[path = "ecsd/adoption.rs"]
mod adoption;
#[path = "ecsd/api.rs"]
mod api;
#[path = "ecsd/backends.rs"]
mod backends;
#[path = "ecsd/daemon.rs"]
mod daemon;
#[path = "ecsd/engine.rs"]
mod engine;
#[path = "ecsd/fleet.rs"]
mod fleet;
#[path = "ecsd/footprint.rs"]
mod footprint;
#[path = "ecsd/haproxy.rs"]
mod haproxy;
#[path = "ecsd/instances.rs"]
mod instances;
#[path = "ecsd/lb.rs"]
mod lb;
#[path = "ecsd/manifests.rs"]
mod manifests;
#[path = "ecsd/metrics.rs"]
mod metrics;
#[path = "ecsd/options.rs"]
mod options;
#[path = "ecsd/peer.rs"]
mod peer;
#[path = "ecsd/placement.rs"]
mod placement;
#[path = "ecsd/poll.rs"]
mod poll;
#[path = "ecsd/reaction.rs"]
mod reaction;
#[path = "ecsd/replacement.rs"]
mod replacement;
#[path = "ecsd/report.rs"]
mod report;
#[path = "ecsd/rolling.rs"]
mod rolling;
#[path = "ecsd/scale_up.rs"]
mod scale_up;
#[path = "ecsd/scale_up_two.rs"]
mod scale_up_two;
#[path = "ecsd/stats.rs"]
mod stats;
#[path = "ecsd/targets.rs"]
mod targets;
#[path = "ecsd/wrk.rs"]
mod wrk;

use engine::{Engine, RUN_LABEL};
use fleet::Fleet;
use options::{BenchOptions, Scenario};
use report::{Machine, Outcome, Report, ScenarioReport};
use std::path::Path;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

/// What every scenario gets: the flags and the engine.
pub struct Bench {
    /// Sizes and selection.
    pub options: BenchOptions,
    /// The engine, reached directly (baselines, events, cleanup).
    pub engine: Engine,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{}", options::USAGE);
        return ExitCode::SUCCESS;
    }
    let result = BenchOptions::parse(args.clone()).and_then(|options| {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        runtime.block_on(async {
            // SIGTERM (e.g. `kill`, a CI timeout) cleans up like Ctrl-C: the daemons and
            // containers are dropped with the run.
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                result = run(options, args.join(" ")) => result,
                _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted; cleaned up")),
                _ = term.recv() => Err(anyhow::anyhow!("terminated; cleaned up")),
            }
        })
    });
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("error: a scenario failed (see the table)");
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the chosen scenarios; whether all of them ran without failing.
async fn run(options: BenchOptions, args: String) -> anyhow::Result<bool> {
    let started_at = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let run_id = format!("{}-{started_at}", std::process::id());
    let engine = Engine::connect(run_id.clone()).await?;
    engine.image_id().await?;
    let _leftovers = LeftoverGuard(format!("{RUN_LABEL}={run_id}"));
    let bench = Bench { options, engine };
    let mut report = Report {
        machine: machine(&bench.engine).await?,
        args,
        started_at,
        scenarios: Vec::new(),
    };
    let mut fleet: Option<Fleet> = None;
    for scenario in Scenario::ALL {
        if !bench.options.runs(scenario) {
            continue;
        }
        eprintln!("== {}", scenario.name());
        let mut out = ScenarioReport::new(scenario);
        if let Err(err) = run_scenario(&bench, scenario, &mut fleet, &mut out).await {
            eprintln!("  FAILED: {err:#}");
            out.outcome = Outcome::Failed(format!("{err:#}").lines().next().unwrap_or_default().to_string());
        }
        report.scenarios.push(out);
    }
    drop(fleet);
    let verdicts = targets::judge(&report);
    let caveat = if bench.options.smoke {
        "smoke run (tiny sizes, usually a debug build): it checks that every scenario still works; \
         its verdicts do not judge the targets\n"
    } else {
        ""
    };
    println!(
        "\n{}\n{}\n{caveat}{}",
        report.table(),
        report.notes(),
        targets::table(&verdicts)
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench/results.json");
    report::write_json(&path, &report.to_json(targets::to_json(&verdicts)))?;
    println!("results: {}", path.display());
    Ok(!report.failed())
}

async fn run_scenario(
    bench: &Bench,
    scenario: Scenario,
    fleet: &mut Option<Fleet>,
    out: &mut ScenarioReport,
) -> anyhow::Result<()> {
    match scenario {
        Scenario::ScaleUp => scale_up::run(bench, out).await,
        Scenario::ScaleUpTwo => scale_up_two::run(bench, out).await,
        Scenario::Rolling => rolling::run(bench, out).await,
        Scenario::Reaction => reaction::run(bench, out).await,
        Scenario::Adoption => adoption::run(bench, fleet::get_or_start(fleet, bench, out).await?, out).await,
        Scenario::Footprint => {
            footprint::run(bench, fleet::get_or_start(fleet, bench, out).await?, out).await
        }
        Scenario::Api => api::run(bench, fleet::get_or_start(fleet, bench, out).await?, out).await,
        Scenario::Peer => peer::run(bench, out).await,
        Scenario::Lb => lb::run(bench, out).await,
        Scenario::Placement => placement::run(bench, out),
        Scenario::Instances => instances::run(bench, out).await,
        Scenario::Metrics => metrics::run(bench, fleet::get_or_start(fleet, bench, out).await?, out).await,
    }
}

async fn machine(engine: &Engine) -> anyhow::Result<Machine> {
    let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let os = os_release
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .unwrap_or("unknown")
        .trim_matches('"')
        .to_string();
    Ok(Machine {
        cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
        os,
        kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
            .to_string(),
        engine: engine.describe().await?,
        profile: if cfg!(debug_assertions) {
            "dev (debug assertions)"
        } else {
            "release"
        },
    })
}

/// Removes every container carrying this run's label when the run ends, however it ends.
struct LeftoverGuard(String);

impl Drop for LeftoverGuard {
    fn drop(&mut self) {
        daemon::remove_labelled_containers(&self.0);
    }
}
