//! Scenario 8, lb: requests/s and p50/p99 latency of the same two HTTP backends reached
//! directly, through HAProxy and through ecsd's balancer (`ecsd::lb`, in this process), with
//! `wrk` in keep-alive and new-connection modes, in the same run; ratios ecsd/HAProxy and
//! ecsd/direct per trial.

use crate::Bench;
use crate::backends::Backends;
use crate::haproxy::Haproxy;
use crate::poll::wait_for;
use crate::report::{Figure, ScenarioReport};
use crate::wrk::{self, ConnectionMode, Load, WrkResult};
use anyhow::Context as _;
use ecsd::lb::{LbConfig, LoadBalancers, Target, TargetState};
use ecsd::model::fixtures::forward_listener;
use ecsd::model::load_balancing::{LbProtocol, LoadBalancerSpec, TargetGroupSpec};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The three ways to the backends, in table order.
const PATHS: [&str; 3] = ["direct", "HAProxy", "ecsd"];
const DIRECT: usize = 0;
const HAPROXY: usize = 1;
const ECSD: usize = 2;

/// The target group and load balancer names inside the in-process data plane.
const GROUP: &str = "web";
const BALANCER: &str = "edge";

/// Figure keys of one connection mode (targets look the ratios up by key).
struct ModeKeys {
    rps: [&'static str; 3],
    p50: [&'static str; 3],
    p99: [&'static str; 3],
    /// ecsd/HAProxy req/s, ecsd/HAProxy p99, ecsd/direct req/s, ecsd/direct p99.
    ratios: [&'static str; 4],
}

const KEEP_ALIVE_KEYS: ModeKeys = ModeKeys {
    rps: ["ka_direct_rps", "ka_haproxy_rps", "ka_ecsd_rps"],
    p50: ["ka_direct_p50", "ka_haproxy_p50", "ka_ecsd_p50"],
    p99: ["ka_direct_p99", "ka_haproxy_p99", "ka_ecsd_p99"],
    ratios: [
        "ka_rps_vs_haproxy",
        "ka_p99_vs_haproxy",
        "ka_rps_vs_direct",
        "ka_p99_vs_direct",
    ],
};

const CLOSE_KEYS: ModeKeys = ModeKeys {
    rps: ["close_direct_rps", "close_haproxy_rps", "close_ecsd_rps"],
    p50: ["close_direct_p50", "close_haproxy_p50", "close_ecsd_p50"],
    p99: ["close_direct_p99", "close_haproxy_p99", "close_ecsd_p99"],
    ratios: [
        "close_rps_vs_haproxy",
        "close_p99_vs_haproxy",
        "close_rps_vs_direct",
        "close_p99_vs_direct",
    ],
};

fn keys(mode: ConnectionMode) -> &'static ModeKeys {
    match mode {
        ConnectionMode::KeepAlive => &KEEP_ALIVE_KEYS,
        ConnectionMode::Close => &CLOSE_KEYS,
    }
}

/// Starts the backends and both balancers, runs the trials and reports every figure.
pub async fn run(bench: &Bench, out: &mut ScenarioReport) -> anyhow::Result<()> {
    let load = bench.options.lb_load();
    let backends = Backends::start(2)?;
    let haproxy = Haproxy::start(&backends.addrs).await?;
    let (balancer, ecsd_addr) = start_balancer(&backends.addrs).await?;
    out.note(format!(
        "wrk -t{} -c{} -d{}s --latency (new conn: -H 'Connection: close'), {} trials, path order \
         rotated per trial; 2 in-process hyper backends (own thread each, {} B page); {} with \
         its default nbthread (one per CPU), no checks, http-reuse always; ecsd's balancer in \
         the benchmark's tokio runtime ({} workers), both targets healthy",
        load.threads,
        load.connections,
        load.duration.as_secs(),
        bench.options.trials,
        crate::backends::PAGE.len(),
        Haproxy::version(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    ));
    let addrs = [backends.addrs[0], haproxy.addr, ecsd_addr];
    let measured = measure(bench, load, &addrs).await;
    balancer.shutdown().await;
    drop(haproxy);
    let results = measured?;
    for (mode, per_path) in ConnectionMode::ALL.into_iter().zip(&results) {
        report_mode(out, mode, per_path);
    }
    Ok(())
}

/// `wrk` results per connection mode and path, over every trial.
type Results = Vec<[Vec<WrkResult>; 3]>;

async fn measure(bench: &Bench, load: Load, addrs: &[SocketAddr; 3]) -> anyhow::Result<Results> {
    if !bench.options.smoke {
        // Fills pools and caches; discarded.
        let warm_up = Load {
            duration: Duration::from_secs(1),
            ..load
        };
        for addr in addrs {
            wrk::run(*addr, warm_up, ConnectionMode::KeepAlive).await?;
        }
    }
    let mut results: Results = ConnectionMode::ALL.iter().map(|_| Default::default()).collect();
    for trial in 0..bench.options.trials {
        for (mode, per_path) in ConnectionMode::ALL.into_iter().zip(&mut results) {
            for step in 0..PATHS.len() {
                let path = (step + trial) % PATHS.len();
                let result = wrk::run(addrs[path], load, mode)
                    .await
                    .with_context(|| format!("{} through {}", mode.label(), PATHS[path]))?;
                eprintln!(
                    "  trial {trial}, {}, {}: {:.0} req/s, p50 {:.3} ms, p99 {:.3} ms",
                    mode.label(),
                    PATHS[path],
                    result.requests_per_sec,
                    result.p50_ms,
                    result.p99_ms
                );
                per_path[path].push(result);
            }
        }
    }
    Ok(results)
}

/// The figures of one connection mode: per path req/s, p50, p99; then the per-trial ratios.
fn report_mode(out: &mut ScenarioReport, mode: ConnectionMode, per_path: &[Vec<WrkResult>; 3]) {
    let keys = keys(mode);
    let label = mode.label();
    for (path, results) in per_path.iter().enumerate() {
        let name = PATHS[path];
        let stat = |f: fn(&WrkResult) -> f64| results.iter().map(f).collect::<Vec<f64>>();
        out.figure(Figure::measured(
            keys.rps[path],
            format!("{label}, {name}: requests/s"),
            "req/s",
            &stat(|r| r.requests_per_sec),
        ));
        out.figure(Figure::measured(
            keys.p50[path],
            format!("{label}, {name}: latency p50"),
            "ms",
            &stat(|r| r.p50_ms),
        ));
        out.figure(Figure::measured(
            keys.p99[path],
            format!("{label}, {name}: latency p99"),
            "ms",
            &stat(|r| r.p99_ms),
        ));
        let errors: u64 = results.iter().map(|r| r.socket_errors).sum();
        if errors > 0 {
            out.note(format!("{label}, {name}: {errors} socket errors reported by wrk"));
        }
    }
    let ratio = |other: usize, f: fn(&WrkResult) -> f64| -> Vec<f64> {
        let pairs = per_path[ECSD].iter().zip(&per_path[other]);
        pairs.map(|(e, o)| f(e) / f(o)).collect()
    };
    let rps = |r: &WrkResult| r.requests_per_sec;
    let p99 = |r: &WrkResult| r.p99_ms;
    let rows = [
        (HAPROXY, "requests/s", rps as fn(&WrkResult) -> f64),
        (HAPROXY, "p99", p99),
        (DIRECT, "requests/s", rps),
        (DIRECT, "p99", p99),
    ];
    for (key, (other, what, f)) in keys.ratios.into_iter().zip(rows) {
        out.figure(Figure::measured(
            key,
            format!("{label}: ratio ecsd/{} {what}", PATHS[other]),
            "x",
            &ratio(other, f),
        ));
    }
}

/// ecsd's data plane with one HTTP listener on 127.0.0.1 forwarding to a target group with
/// `targets` registered; returns once every target is healthy.
async fn start_balancer(targets: &[SocketAddr]) -> anyhow::Result<(LoadBalancers, SocketAddr)> {
    let group = TargetGroupSpec {
        protocol: LbProtocol::Http,
        ..Default::default()
    };
    // In this process the listener may take port 0: its address is asked back below.
    let loopback = Some(IpAddr::from([127, 0, 0, 1]));
    let spec = LoadBalancerSpec {
        listeners: vec![forward_listener(0, LbProtocol::Http, loopback, GROUP)],
        ..Default::default()
    };
    let config = LbConfig {
        target_groups: [(GROUP.to_string(), group.settings())].into(),
        load_balancers: [(BALANCER.to_string(), spec)].into(),
    };
    let balancer = LoadBalancers::new();
    balancer.apply(&config).await?;
    let ids: Vec<String> = (0..targets.len()).map(|i| format!("backend-{i}")).collect();
    for (id, addr) in ids.iter().zip(targets) {
        let target = Target {
            id: id.clone(),
            addr: *addr,
        };
        balancer.register(GROUP, target)?;
    }
    wait_for(
        "ecsd's balancer reports every backend healthy",
        Duration::from_secs(30),
        Duration::from_millis(20),
        async || {
            let healthy = ids
                .iter()
                .all(|id| balancer.target_state(GROUP, id) == Some(TargetState::Healthy));
            Ok(healthy.then_some(()))
        },
    )
    .await?;
    let addr = balancer.listener_addrs(BALANCER).await.first().copied();
    let addr = addr.context("ecsd's balancer bound no listener")?;
    Ok((balancer, addr))
}
