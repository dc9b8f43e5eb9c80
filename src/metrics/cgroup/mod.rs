//! A container's counters read straight from the kernel: its cgroup (v1 or v2, found through
//! `/proc/<pid>/cgroup`) and its network namespace (`/proc/<pid>/net/dev`). Reading a few
//! small files costs microseconds and nothing in the engine, unlike the engine's stats call.
//!
//! The parsers are pure; [`CgroupReader`] is the one place that touches the files.

use super::MetricsError;
use crate::runtime::ResourceUsage;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where a process sits in the cgroup hierarchies, from `/proc/<pid>/cgroup`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CgroupPaths {
    /// The unified (v2) path, from the `0::` line.
    pub unified: Option<String>,
    /// v1 paths by controller, each with the hierarchy's mount name (`cpu,cpuacct` when
    /// controllers share one).
    pub v1: BTreeMap<String, (String, String)>,
}

/// Parses `/proc/<pid>/cgroup` (`id:controllers:path` per line).
pub fn parse_proc_cgroup(text: &str) -> CgroupPaths {
    let mut paths = CgroupPaths::default();
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if controllers.is_empty() {
            paths.unified = Some(path.to_string());
            continue;
        }
        for controller in controllers.split(',') {
            let mount = controllers.trim_start_matches("name=").to_string();
            paths.v1.insert(controller.to_string(), (mount, path.to_string()));
        }
    }
    paths
}

/// The value of `key` in a `key value` per line file (`memory.stat`, `cpu.stat`).
pub fn flat_keyed(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}

/// A single-number file; `max` (v2, no limit) is None.
pub fn single_value(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

/// v1 memory limits: the kernel writes a page-rounded `LONG_MAX` for "no limit".
pub fn v1_limit(text: &str) -> Option<u64> {
    single_value(text).filter(|l| *l < (1 << 62))
}

/// (read, write) bytes from v1 `blkio.throttle.io_service_bytes_recursive`
/// (`8:0 Read 4096` lines).
pub fn v1_blkio(text: &str) -> (u64, u64) {
    let ops = text.lines().filter_map(|line| {
        let mut fields = line.split_whitespace().skip(1);
        Some((fields.next()?, fields.next()?))
    });
    sum_io(ops, "Read", "Write")
}

/// (read, write) bytes from v2 `io.stat` (`8:0 rbytes=4096 wbytes=8192 …` lines).
pub fn v2_io(text: &str) -> (u64, u64) {
    sum_io(
        text.split_whitespace().filter_map(|pair| pair.split_once('=')),
        "rbytes",
        "wbytes",
    )
}

/// Sums the values of the `read` and of the `write` keys over every device.
fn sum_io<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>, read: &str, write: &str) -> (u64, u64) {
    pairs.fold((0, 0), |(r, w), (key, value)| {
        let value: u64 = value.parse().unwrap_or(0);
        match key {
            k if k == read => (r + value, w),
            k if k == write => (r, w + value),
            _ => (r, w),
        }
    })
}

/// (received, sent) bytes over every interface but loopback, from `/proc/<pid>/net/dev`.
pub fn net_dev(text: &str) -> (u64, u64) {
    let mut sums = (0, 0);
    for line in text.lines().skip(2) {
        let Some((name, counters)) = line.split_once(':') else {
            continue;
        };
        if name.trim() == "lo" {
            continue;
        }
        let fields: Vec<u64> = counters
            .split_whitespace()
            .map(|f| f.parse().unwrap_or(0))
            .collect();
        if let (Some(rx), Some(tx)) = (fields.first(), fields.get(8)) {
            sums.0 += rx;
            sums.1 += tx;
        }
    }
    sums
}

/// Reads containers' counters from a cgroup mount and a proc filesystem.
#[derive(Debug, Clone)]
pub struct CgroupReader {
    cgroup_root: PathBuf,
    proc_root: PathBuf,
}

impl Default for CgroupReader {
    fn default() -> Self {
        Self::new("/sys/fs/cgroup", "/proc")
    }
}

impl CgroupReader {
    /// A reader over these mounts (tests point it at a fixture tree).
    pub fn new(cgroup_root: impl Into<PathBuf>, proc_root: impl Into<PathBuf>) -> Self {
        Self {
            cgroup_root: cgroup_root.into(),
            proc_root: proc_root.into(),
        }
    }

    /// The counters of the process `pid`'s cgroup and network namespace.
    pub fn read(&self, pid: u32) -> Result<ResourceUsage, MetricsError> {
        let proc = self.proc_root.join(pid.to_string());
        let paths = parse_proc_cgroup(&read(&proc.join("cgroup"))?);
        let mut usage = match (paths.v1.get("cpuacct"), paths.v1.get("memory")) {
            (Some(cpu), Some(memory)) => self.read_v1(cpu, memory, paths.v1.get("blkio"))?,
            _ => self.read_v2(paths.unified.as_deref().ok_or_else(|| MetricsError::Cgroup {
                path: proc.join("cgroup").display().to_string(),
                message: "no cpuacct/memory controllers and no unified hierarchy".into(),
            })?)?,
        };
        (usage.net_rx_bytes, usage.net_tx_bytes) = net_dev(&read(&proc.join("net/dev"))?);
        Ok(usage)
    }

    /// The directory of a v1 hierarchy: its own mount, else the single controller's name
    /// (systemd links `cpuacct` to `cpu,cpuacct`).
    fn v1_dir(&self, controller: &str, (mount, path): &(String, String)) -> PathBuf {
        let shared = self.cgroup_root.join(mount);
        let base = if shared.exists() {
            shared
        } else {
            self.cgroup_root.join(controller)
        };
        base.join(path.trim_start_matches('/'))
    }

    fn read_v1(
        &self,
        cpu: &(String, String),
        memory: &(String, String),
        blkio: Option<&(String, String)>,
    ) -> Result<ResourceUsage, MetricsError> {
        let cpu_dir = self.v1_dir("cpuacct", cpu);
        let mem_dir = self.v1_dir("memory", memory);
        let memory_bytes = number(&mem_dir.join("memory.usage_in_bytes"))?;
        let stat = read(&mem_dir.join("memory.stat"))?;
        let inactive = flat_keyed(&stat, "total_inactive_file").unwrap_or(0);
        let (read_bytes, write_bytes) = match blkio {
            Some(b) => v1_blkio(&read(
                &self
                    .v1_dir("blkio", b)
                    .join("blkio.throttle.io_service_bytes_recursive"),
            )?),
            None => (0, 0),
        };
        Ok(Memory {
            usage: memory_bytes,
            inactive,
            limit: v1_limit(&read(&mem_dir.join("memory.limit_in_bytes"))?),
        }
        .with(number(&cpu_dir.join("cpuacct.usage"))?, (read_bytes, write_bytes)))
    }

    fn read_v2(&self, path: &str) -> Result<ResourceUsage, MetricsError> {
        // A pure v2 host mounts the unified hierarchy at the root; a hybrid one below it.
        let unified = if self.cgroup_root.join("cgroup.controllers").exists() {
            self.cgroup_root.clone()
        } else {
            self.cgroup_root.join("unified")
        };
        let dir = unified.join(path.trim_start_matches('/'));
        let cpu_stat = read(&dir.join("cpu.stat"))?;
        let memory_bytes = number(&dir.join("memory.current"))?;
        let inactive = flat_keyed(&read(&dir.join("memory.stat"))?, "inactive_file").unwrap_or(0);
        // io.stat is absent when the io controller is not enabled for the group.
        let (read_bytes, write_bytes) = std::fs::read_to_string(dir.join("io.stat"))
            .map(|t| v2_io(&t))
            .unwrap_or((0, 0));
        let cpu_ns = flat_keyed(&cpu_stat, "usage_usec")
            .unwrap_or(0)
            .saturating_mul(1000);
        Ok(Memory {
            usage: memory_bytes,
            inactive,
            limit: single_value(&read(&dir.join("memory.max"))?),
        }
        .with(cpu_ns, (read_bytes, write_bytes)))
    }
}

/// A cgroup's memory figures, in either version.
struct Memory {
    usage: u64,
    inactive: u64,
    limit: Option<u64>,
}

impl Memory {
    /// The usage with these CPU and (read, write) block I/O counters; network comes later.
    fn with(self, cpu_ns: u64, (read_bytes, write_bytes): (u64, u64)) -> ResourceUsage {
        ResourceUsage {
            cpu_ns,
            memory_bytes: self.usage,
            working_set_bytes: self.usage.saturating_sub(self.inactive),
            memory_limit_bytes: self.limit,
            read_bytes,
            write_bytes,
            ..Default::default()
        }
    }
}

fn read(path: &Path) -> Result<String, MetricsError> {
    std::fs::read_to_string(path).map_err(|e| MetricsError::Cgroup {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

fn number(path: &Path) -> Result<u64, MetricsError> {
    single_value(&read(path)?).ok_or_else(|| MetricsError::Cgroup {
        path: path.display().to_string(),
        message: "not a number".into(),
    })
}

#[cfg(test)]
mod tests;
