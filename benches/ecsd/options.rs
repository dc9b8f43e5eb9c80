//! Flags of the benchmark: `cargo bench --bench ecsd -- [--n N] [--trials T] [--smoke] [--only S,…]`.

use crate::wrk::Load;
use anyhow::{Context as _, bail};
use std::time::Duration;

/// The scenarios, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// A service from 0 to N tasks against N direct container starts.
    ScaleUp,
    /// A 10-task service rolled to a new revision against 10 stops and 10 starts.
    Rolling,
    /// Watched-folder save → first create, and container kill → replacement RUNNING.
    Reaction,
    /// `kill -9` of the daemon with a fleet running, then restart.
    Adoption,
    /// CPU and memory of the idle daemon with a fleet running, and one resync's cost.
    Footprint,
    /// `get tasks` latency with many tasks in the store.
    Api,
    /// The scale-up scenario against Docker Swarm.
    Peer,
    /// Requests through ecsd's balancer against HAProxy and direct to a backend.
    Lb,
    /// Placement decisions for 10,000 tasks over 100 fake container instances.
    Placement,
    /// One metrics sample of the fleet (cgroups, and one-shot stats), and a scrape.
    Metrics,
    /// The control plane with 10,000 tasks over 100 fake container instances.
    Instances,
    /// A service from 0 to N tasks over two engines (Docker and Podman) against direct starts on both.
    ScaleUpTwo,
}

impl Scenario {
    /// Every scenario, in run order.
    pub const ALL: [Scenario; 12] = [
        Scenario::ScaleUp,
        Scenario::ScaleUpTwo,
        Scenario::Rolling,
        Scenario::Reaction,
        // Footprint first: its peak RSS is then that of the daemon that started the fleet,
        // not of the one adoption restarted.
        Scenario::Footprint,
        Scenario::Adoption,
        Scenario::Api,
        Scenario::Metrics,
        Scenario::Placement,
        Scenario::Instances,
        Scenario::Lb,
        Scenario::Peer,
    ];

    /// The name used by `--only`, the table and the JSON.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::ScaleUp => "scale-up",
            Scenario::Rolling => "rolling-deploy",
            Scenario::Reaction => "reaction",
            Scenario::Adoption => "adoption",
            Scenario::Footprint => "footprint",
            Scenario::Api => "api",
            Scenario::Peer => "peer",
            Scenario::Lb => "lb",
            Scenario::Placement => "placement",
            Scenario::Metrics => "metrics",
            Scenario::Instances => "instances",
            Scenario::ScaleUpTwo => "scale-up-two-engines",
        }
    }

    fn parse(text: &str) -> anyhow::Result<Self> {
        let text = if text == "rolling" { "rolling-deploy" } else { text };
        Scenario::ALL
            .into_iter()
            .find(|s| s.name() == text)
            .with_context(|| {
                let names: Vec<&str> = Scenario::ALL.iter().map(|s| s.name()).collect();
                format!("unknown scenario {text:?}; expected one of {}", names.join(", "))
            })
    }
}

/// What to run and how big.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Tasks of the scale-up and peer scenarios.
    pub n: usize,
    /// Repetitions of each timed figure.
    pub trials: usize,
    /// Tiny sizes so the benchmark runs in the test suite without rotting.
    pub smoke: bool,
    /// Scenarios to run; empty means all (all but `peer` with `--smoke`).
    pub only: Vec<Scenario>,
}

/// The `--help` text.
pub const USAGE: &str =
    "usage: cargo bench --bench ecsd -- [--n N] [--trials T] [--smoke] [--only SCENARIO[,SCENARIO…]]
  --n N          tasks of the scale-up and peer scenarios (default 30; --smoke: 3)
  --trials T     repetitions of each timed figure (default 5; --smoke: 1)
  --smoke        tiny sizes, no swarm: n=3, trials=1, 5 s idle window, 5-task fleet, 50-task store,
                 1 s wrk runs with 4 connections, 1,000 placements over 10 instances
  --only S       run only these scenarios: scale-up, rolling-deploy, reaction, adoption, footprint, api,
                 metrics, placement, lb, peer";

impl BenchOptions {
    /// Parses the arguments after `--` (cargo's own `--bench` is ignored).
    pub fn parse(args: impl IntoIterator<Item = String>) -> anyhow::Result<Self> {
        let (mut n, mut trials, mut smoke, mut only) = (None, None, false, Vec::new());
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |flag: &str| args.next().with_context(|| format!("{flag} needs a value"));
            match arg.as_str() {
                "--bench" => {}
                "--smoke" => smoke = true,
                "--n" => n = Some(positive("--n", &value("--n")?)?),
                "--trials" => trials = Some(positive("--trials", &value("--trials")?)?),
                "--only" => {
                    for name in value("--only")?.split(',') {
                        only.push(Scenario::parse(name.trim())?);
                    }
                }
                other => bail!("unknown argument {other:?}\n{USAGE}"),
            }
        }
        Ok(Self {
            n: n.unwrap_or(if smoke { 3 } else { 30 }),
            trials: trials.unwrap_or(if smoke { 1 } else { 5 }),
            smoke,
            only,
        })
    }

    /// Whether `scenario` is part of this run.
    pub fn runs(&self, scenario: Scenario) -> bool {
        if self.only.is_empty() {
            !(self.smoke && scenario == Scenario::Peer)
        } else {
            self.only.contains(&scenario)
        }
    }

    /// Running tasks of the adoption, footprint and API scenarios.
    pub fn fleet_size(&self) -> usize {
        if self.smoke { 5 } else { 100 }
    }

    /// How long the idle daemon is watched.
    pub fn idle_window(&self) -> Duration {
        Duration::from_secs(if self.smoke { 5 } else { 60 })
    }

    /// Tasks (running and stopped) in the store for the API scenario.
    pub fn api_tasks(&self) -> usize {
        if self.smoke { 50 } else { 1000 }
    }

    /// Requests per API figure.
    pub fn api_requests(&self) -> usize {
        if self.smoke { 20 } else { 200 }
    }

    /// Samples of each reaction figure (p50 and p99 need at least 20).
    pub fn reaction_samples(&self) -> usize {
        if self.smoke { 3 } else { 20 }
    }

    /// The `wrk` load of every `lb` run: 2 threads, 32 connections, 5 s (smoke: 1, 4, 1 s).
    pub fn lb_load(&self) -> Load {
        if self.smoke {
            Load {
                threads: 1,
                connections: 4,
                duration: Duration::from_secs(1),
            }
        } else {
            Load {
                threads: 2,
                connections: 32,
                duration: Duration::from_secs(5),
            }
        }
    }
}

fn positive(flag: &str, text: &str) -> anyhow::Result<usize> {
    match text.parse::<usize>() {
        Ok(v) if v > 0 => Ok(v),
        _ => bail!("{flag} expects a positive number, got {text:?}"),
    }
}
