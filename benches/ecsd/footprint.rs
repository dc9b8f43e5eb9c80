//! Scenario 5, footprint: CPU% and peak RSS of the idle daemon with the fleet running (from
//! /proc), and the CPU cost of one full resync: the burst of CPU time the idle daemon spends
//! at each multiple of the resync period after its start.

use crate::Bench;
use crate::fleet::Fleet;
use crate::poll::wait_for;
use crate::report::{Figure, ScenarioReport};
use anyhow::Context as _;
use std::time::Duration;
use tokio::time::Instant;

/// Sampling period of the CPU counters.
const TICK: Duration = Duration::from_millis(20);
/// CPU activity separated by less than this belongs to the same burst.
const BURST_GAP: Duration = Duration::from_millis(500);

/// Watches the fleet's idle daemon for the idle window.
pub async fn run(bench: &Bench, fleet: &mut Fleet, out: &mut ScenarioReport) -> anyhow::Result<()> {
    let pid = fleet.daemon.pid().context("the fleet daemon is not running")?;
    let hz = clock_ticks_per_second()?;
    let window = bench.options.idle_window();
    wait_until_idle(pid, hz, fleet.resync).await?;
    let (window_start, samples) = sample_cpu(pid, window).await?;
    let memory = Memory::read(pid)?;
    out.note(format!(
        "{} tasks running, {} s window after the daemon went quiet, resync every {}; CPU from \
         /proc/{{pid}}/stat utime+stime ({hz:.0} ticks/s), memory from /proc/{{pid}}/status",
        fleet.size,
        window.as_secs(),
        humantime::format_duration(fleet.resync)
    ));
    let used = samples.iter().sum::<u64>() as f64 / hz;
    let cpu = 100.0 * used / window.as_secs_f64();
    out.figure(Figure::measured("cpu", "idle CPU of the daemon", "%", &[cpu]));
    out.figure(Figure::measured(
        "peak_rss",
        "peak RSS (VmHWM)",
        "MiB",
        &[memory.peak_mib],
    ));
    out.figure(Figure::measured(
        "rss",
        "RSS at the end of the window (VmRSS)",
        "MiB",
        &[memory.now_mib],
    ));
    let phase = |b: &Burst| {
        let at = window_start + TICK * b.start as u32 - fleet.daemon.spawned_at();
        at.as_secs_f64() % fleet.resync.as_secs_f64()
    };
    // A resync starts on the period; its CPU shows within a second (and sampling may see it
    // one tick early).
    let (resyncs, other): (Vec<Burst>, Vec<Burst>) = bursts(&samples)
        .into_iter()
        .partition(|b| phase(b) < 1.0 || phase(b) > fleet.resync.as_secs_f64() - 2.0 * TICK.as_secs_f64());
    report_resyncs(out, &resyncs, &other, hz);
    Ok(())
}

/// The CPU bursts at resync times as the cost of one resync; the others in a note.
fn report_resyncs(out: &mut ScenarioReport, resyncs: &[Burst], other: &[Burst], hz: f64) {
    let ms = |ticks: u64| ticks as f64 * 1000.0 / hz;
    let describe = |bursts: &[Burst]| -> String {
        let at: Vec<String> = bursts
            .iter()
            .map(|b| {
                format!(
                    "{:.1} s: {:.0} ms",
                    b.start as f64 * TICK.as_secs_f64(),
                    ms(b.ticks)
                )
            })
            .collect();
        if at.is_empty() {
            "none".into()
        } else {
            at.join(", ")
        }
    };
    out.note(format!(
        "CPU bursts (window offset: CPU time) at resync times: {}; at other times: {}",
        describe(resyncs),
        describe(other)
    ));
    let cpu_ms: Vec<f64> = resyncs.iter().map(|b| ms(b.ticks)).collect();
    let wall_ms: Vec<f64> = resyncs
        .iter()
        .map(|b| b.length as f64 * TICK.as_secs_f64() * 1000.0)
        .collect();
    out.figure(Figure::measured(
        "resync_cpu",
        "one resync: CPU time",
        "ms",
        &cpu_ms,
    ));
    out.figure(Figure::measured(
        "resync_wall",
        "one resync: wall time (20 ms sampling)",
        "ms",
        &wall_ms,
    ));
}

fn clock_ticks_per_second() -> anyhow::Result<f64> {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    anyhow::ensure!(hz > 0, "sysconf(_SC_CLK_TCK) failed");
    Ok(hz as f64)
}

/// utime + stime of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) start at field 3.
    let rest = stat.rsplit_once(')').context("malformed /proc/PID/stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field =
        |n: usize| -> anyhow::Result<u64> { Ok(fields.get(n - 3).context("short /proc/PID/stat")?.parse()?) };
    Ok(field(14)? + field(15)?)
}

/// Waits (up to two resync periods) until the daemon spends no CPU for one second, so the
/// window starts after start-up or adoption work.
async fn wait_until_idle(pid: u32, hz: f64, resync: Duration) -> anyhow::Result<()> {
    let quiet_ticks = (hz * 0.02).ceil() as u64;
    let timeout = (resync * 2).max(Duration::from_secs(30));
    wait_for("the daemon is idle", timeout, Duration::ZERO, async || {
        let before = cpu_ticks(pid)?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok((cpu_ticks(pid)? - before <= quiet_ticks).then_some(()))
    })
    .await
}

/// When sampling started, and the CPU ticks spent in each `TICK` of `window`.
async fn sample_cpu(pid: u32, window: Duration) -> anyhow::Result<(Instant, Vec<u64>)> {
    let mut samples = Vec::new();
    let start = Instant::now();
    let mut last = cpu_ticks(pid)?;
    let mut tick = tokio::time::interval_at(start + TICK, TICK);
    while start.elapsed() < window {
        tick.tick().await;
        let now = cpu_ticks(pid)?;
        samples.push(now - last);
        last = now;
    }
    Ok((start, samples))
}

/// A run of samples with CPU activity.
#[derive(Debug, Default)]
struct Burst {
    /// Index of its first sample.
    start: usize,
    ticks: u64,
    length: usize,
}

/// Groups active samples into bursts (gaps shorter than `BURST_GAP` join them).
fn bursts(samples: &[u64]) -> Vec<Burst> {
    let gap = (BURST_GAP.as_millis() / TICK.as_millis()) as usize;
    let mut out: Vec<Burst> = Vec::new();
    let (mut current, mut idle) = (None::<Burst>, 0);
    for (i, &ticks) in samples.iter().enumerate() {
        if ticks > 0 {
            let b = current.get_or_insert_with(|| Burst {
                start: i,
                ..Burst::default()
            });
            b.length += idle + 1;
            b.ticks += ticks;
            idle = 0;
        } else if current.is_some() {
            idle += 1;
            if idle > gap {
                out.extend(current.take());
                idle = 0;
            }
        }
    }
    out.extend(current);
    out
}

/// Memory of a process, in MiB.
pub struct Memory {
    /// Peak resident set (`VmHWM`).
    pub peak_mib: f64,
    /// Resident set now (`VmRSS`).
    pub now_mib: f64,
}

impl Memory {
    /// Reads `/proc/<pid>/status`.
    pub fn read(pid: u32) -> anyhow::Result<Self> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let kib = |key: &str| -> anyhow::Result<f64> {
            let line = status
                .lines()
                .find(|l| l.starts_with(key))
                .with_context(|| format!("no {key}"))?;
            let value = line
                .split_whitespace()
                .nth(1)
                .context("malformed /proc/PID/status")?;
            Ok(value.parse::<f64>()?)
        };
        Ok(Self {
            peak_mib: kib("VmHWM:")? / 1024.0,
            now_mib: kib("VmRSS:")? / 1024.0,
        })
    }
}
