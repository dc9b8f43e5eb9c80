//! Scenario 10, metrics: what Container Insights costs with the fleet running. The memory the
//! collector holds with a full hour of history of every fleet container (this process's RSS
//! before and after); one sample of every fleet container (the collector's `EngineUsage`, in
//! this process: one engine list, then cgroup files) in CPU and wall time, against the
//! engine's one-shot stats for each container; and the latency of a `GET /metrics` scrape of
//! the fleet daemon.

use crate::Bench;
use crate::fleet::Fleet;
use crate::footprint::Memory;
use crate::report::{Figure, ScenarioReport};
use anyhow::{Context as _, ensure};
use ecsd::metrics::{CgroupReader, EngineUsage, UsageHistory, UsageSource, collector};
use ecsd::runtime::{ContainerRuntime, DockerRuntime};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Samples through the engine's one-shot stats: on Docker 20.10 each takes about a second
/// per 8 containers (every call after a container's first waits for the engine's 1 s tick).
const ONE_SHOT_SAMPLES: usize = 3;

/// The daemon's default sampling interval, to express the cost as a share of one core.
const INTERVAL: Duration = ecsd::config::DEFAULT_METRICS_INTERVAL;

/// Samples the fleet both ways, then scrapes the daemon.
pub async fn run(bench: &Bench, fleet: &mut Fleet, out: &mut ScenarioReport) -> anyhow::Result<()> {
    let runtime: Arc<dyn ContainerRuntime> = Arc::new(DockerRuntime::connect(None)?);
    // Negotiates the API version, as the daemon does at start.
    runtime.info().await?;
    let owner = fleet.daemon.owner().to_string();
    // First, while this process has not sampled anything yet.
    let (extra_mib, kept) = collector_memory(runtime.clone(), &owner, fleet.size).await?;
    out.note(format!(
        "collector RSS = this process's VmRSS after minus before making a collector and filling \
         its history with {kept} real samples (an hour at {} s) of {} containers",
        INTERVAL.as_secs(),
        fleet.size
    ));
    out.figure(Figure::measured(
        "collector_rss",
        format!(
            "collector with an hour of history of {} containers: extra RSS",
            fleet.size
        ),
        "MiB",
        &[extra_mib],
    ));
    let samples = bench.options.api_requests();
    let cgroups = EngineUsage::new(runtime.clone(), owner.clone(), Some(CgroupReader::default()));
    let (cpu, wall) = measure(&cgroups, fleet.size, samples).await?;
    let engine = EngineUsage::new(runtime, owner, None);
    let (engine_cpu, engine_wall) = measure(&engine, fleet.size, ONE_SHOT_SAMPLES).await?;
    let share: Vec<f64> = cpu.iter().map(|ms| ms / INTERVAL.as_secs_f64() / 10.0).collect();
    out.note(format!(
        "{} containers; CPU = this process's getrusage(RUSAGE_SELF) user+system per sample (the \
         engine's own work for the one list call is not in it); {samples} samples via cgroups, \
         {} via one-shot stats; share of one core at the default {} s interval",
        fleet.size,
        ONE_SHOT_SAMPLES,
        INTERVAL.as_secs()
    ));
    out.figure(Figure::latency(
        "sample_cpu",
        format!("one sample of {} containers: CPU", fleet.size),
        "ms",
        &cpu,
    ));
    out.figure(Figure::latency(
        "sample_wall",
        "  the same: wall time",
        "ms",
        &wall,
    ));
    out.figure(Figure::measured(
        "sample_share",
        "  CPU share of one core at 15 s",
        "%",
        &share,
    ));
    out.figure(Figure::latency(
        "oneshot_cpu",
        "  one-shot engine stats instead: CPU",
        "ms",
        &engine_cpu,
    ));
    out.figure(Figure::latency(
        "oneshot_wall",
        "  one-shot engine stats instead: wall",
        "ms",
        &engine_wall,
    ));
    let endpoint = fleet.daemon.metrics_endpoint()?;
    let mut scrapes = Vec::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        let page = scrape(endpoint).await?;
        scrapes.push(started.elapsed().as_secs_f64() * 1000.0);
        ensure!(
            page.contains("ecsd_service_cpu_utilized_units"),
            "a page without service metrics"
        );
    }
    out.figure(Figure::latency(
        "scrape",
        format!("GET /metrics ({} tasks)", fleet.size),
        "ms",
        &scrapes,
    ));
    Ok(())
}

/// The RSS (MiB) this process gains by making the daemon's collector (`EngineUsage` over
/// cgroups) and a history as `ecsd serve` sizes it at the default interval, then filling it
/// with real samples of the fleet; and how many samples that took.
async fn collector_memory(
    runtime: Arc<dyn ContainerRuntime>,
    owner: &str,
    size: usize,
) -> anyhow::Result<(f64, usize)> {
    let before = Memory::read(std::process::id())?.now_mib;
    let source = EngineUsage::new(runtime, owner.to_string(), Some(CgroupReader::default()));
    let history = UsageHistory::new(collector::history_capacity(INTERVAL));
    let step = u64::try_from(INTERVAL.as_millis())?;
    for i in 0..history.capacity() {
        history.record(i as u64 * step, source.sample().await?);
    }
    ensure!(
        history.len() == size,
        "the history holds {} of the fleet's {size} containers",
        history.len()
    );
    let after = Memory::read(std::process::id())?.now_mib;
    Ok((after - before, history.capacity()))
}

/// CPU and wall milliseconds of each of `n` samples, after one that learns the pids.
async fn measure(source: &EngineUsage, size: usize, n: usize) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let first = source.sample().await?;
    ensure!(
        first.len() == size,
        "sampled {} of the fleet's {size} containers",
        first.len()
    );
    let (mut cpu, mut wall) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let (cpu_before, started) = (cpu_millis()?, Instant::now());
        source.sample().await?;
        wall.push(started.elapsed().as_secs_f64() * 1000.0);
        cpu.push(cpu_millis()? - cpu_before);
    }
    Ok((cpu, wall))
}

/// This process's CPU time so far (user + system), in milliseconds.
fn cpu_millis() -> anyhow::Result<f64> {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: getrusage writes a whole rusage into the pointer it is given.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    ensure!(rc == 0, "getrusage failed");
    // SAFETY: rc == 0, so the kernel filled it.
    let usage = unsafe { usage.assume_init() };
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
    Ok(ms(usage.ru_utime) + ms(usage.ru_stime))
}

/// The body of `GET /metrics` on `endpoint`.
async fn scrape(endpoint: SocketAddr) -> anyhow::Result<String> {
    let mut stream = TcpStream::connect(endpoint).await?;
    stream
        .write_all(b"GET /metrics HTTP/1.0\r\nHost: ecsd\r\n\r\n")
        .await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let (head, body) = response.split_once("\r\n\r\n").context("not an HTTP response")?;
    ensure!(head.contains(" 200 "), "scrape answered {head}");
    Ok(body.to_string())
}
