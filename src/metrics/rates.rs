//! Pure arithmetic from samples to utilization: CPU cores and byte rates from two samples,
//! and the roll-up of containers into their tasks.

use super::history::{Sample, Series};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const NANOS_PER_SEC: f64 = 1e9;

/// Resource use over the last sampling interval (or now, for memory).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Utilization {
    /// CPU in cores (1.0 = one core busy all the time).
    pub cpu_cores: f64,
    /// Memory working set (bytes).
    pub memory_bytes: u64,
    /// Bytes received per second.
    pub net_rx_bytes_per_sec: f64,
    /// Bytes sent per second.
    pub net_tx_bytes_per_sec: f64,
    /// Bytes read from block devices per second.
    pub read_bytes_per_sec: f64,
    /// Bytes written to block devices per second.
    pub write_bytes_per_sec: f64,
}

impl Utilization {
    /// The sum of two utilizations (containers of a task, tasks of a service).
    pub fn plus(self, other: Self) -> Self {
        Self {
            cpu_cores: self.cpu_cores + other.cpu_cores,
            memory_bytes: self.memory_bytes.saturating_add(other.memory_bytes),
            net_rx_bytes_per_sec: self.net_rx_bytes_per_sec + other.net_rx_bytes_per_sec,
            net_tx_bytes_per_sec: self.net_tx_bytes_per_sec + other.net_tx_bytes_per_sec,
            read_bytes_per_sec: self.read_bytes_per_sec + other.read_bytes_per_sec,
            write_bytes_per_sec: self.write_bytes_per_sec + other.write_bytes_per_sec,
        }
    }
}

/// Utilization between two samples of one container; a counter that went backwards (a
/// restarted process) counts as no use rather than a huge one.
pub fn between(prev: &Sample, last: &Sample) -> Utilization {
    let secs = last.at_ms.saturating_sub(prev.at_ms) as f64 / 1000.0;
    let rate = |a: u64, b: u64| {
        if secs > 0.0 {
            b.saturating_sub(a) as f64 / secs
        } else {
            0.0
        }
    };
    let (p, l) = (&prev.usage, &last.usage);
    Utilization {
        cpu_cores: rate(p.cpu_ns, l.cpu_ns) / NANOS_PER_SEC,
        memory_bytes: l.working_set_bytes,
        net_rx_bytes_per_sec: rate(p.net_rx_bytes, l.net_rx_bytes),
        net_tx_bytes_per_sec: rate(p.net_tx_bytes, l.net_tx_bytes),
        read_bytes_per_sec: rate(p.read_bytes, l.read_bytes),
        write_bytes_per_sec: rate(p.write_bytes, l.write_bytes),
    }
}

/// A container's latest utilization: rates need two samples, so after only one it reports
/// its memory and no rates.
pub fn latest(series: &Series) -> Option<Utilization> {
    match series.last_two() {
        Some((prev, last)) => Some(between(prev, last)),
        None => series.samples.back().map(|s| Utilization {
            memory_bytes: s.usage.working_set_bytes,
            ..Default::default()
        }),
    }
}

/// A task's utilization: the sum over its running containers.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskUtilization {
    /// Cluster name.
    pub cluster: String,
    /// Service name, for a service's task.
    pub service: Option<String>,
    /// Each sampled container (its name in the task definition) and its utilization.
    pub containers: Vec<(String, Utilization)>,
    /// Their summed utilization.
    pub usage: Utilization,
}

/// Every sampled task's utilization, by task id.
pub fn by_task(series: &[Series]) -> BTreeMap<String, TaskUtilization> {
    let mut tasks: BTreeMap<String, TaskUtilization> = BTreeMap::new();
    for s in series {
        let Some(usage) = latest(s) else { continue };
        let c = &s.container;
        let task = tasks.entry(c.task.clone()).or_insert_with(|| TaskUtilization {
            cluster: c.cluster.clone(),
            service: c.service.clone(),
            containers: Vec::new(),
            usage: Utilization::default(),
        });
        task.containers.push((c.name.clone(), usage));
        task.usage = task.usage.plus(usage);
    }
    tasks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::source::ContainerRef;
    use crate::runtime::ResourceUsage;

    fn sample(at_ms: u64, cpu_ns: u64, rx: u64, ws: u64) -> Sample {
        Sample {
            at_ms,
            usage: ResourceUsage {
                cpu_ns,
                net_rx_bytes: rx,
                working_set_bytes: ws,
                ..Default::default()
            },
        }
    }

    fn series(id: &str, task: &str, samples: Vec<Sample>) -> Series {
        Series {
            container: ContainerRef {
                id: id.into(),
                name: id.into(),
                task: task.into(),
                service: Some("web".into()),
                cluster: "default".into(),
            },
            samples: samples.into(),
        }
    }

    #[test]
    fn one_busy_core_for_fifteen_seconds_is_one_core() {
        let u = between(&sample(0, 0, 0, 0), &sample(15_000, 15_000_000_000, 30_000, 42));
        assert!((u.cpu_cores - 1.0).abs() < 1e-9);
        assert!((u.net_rx_bytes_per_sec - 2000.0).abs() < 1e-9);
        assert_eq!(u.memory_bytes, 42);
    }

    #[test]
    fn the_docker_stats_formula_gives_the_same_cores() {
        // docker: cpu% = cpu_delta / system_delta × online_cpus × 100, with system_delta the
        // host's CPU time over the interval (2 cpus × 20 s).
        let (cpu_delta, online) = (5_000_000_000_f64, 2.0);
        let system_delta = online * 20e9;
        let docker_percent = cpu_delta / system_delta * online * 100.0;
        let u = between(
            &sample(0, 1_000, 0, 0),
            &sample(20_000, 1_000 + 5_000_000_000, 0, 0),
        );
        assert!((u.cpu_cores * 100.0 - docker_percent).abs() < 1e-6);
    }

    #[test]
    fn a_counter_that_goes_backwards_counts_as_no_use() {
        let u = between(&sample(0, 900, 900, 0), &sample(1_000, 100, 100, 0));
        assert_eq!((u.cpu_cores, u.net_rx_bytes_per_sec), (0.0, 0.0));
        assert_eq!(between(&sample(5, 1, 1, 0), &sample(5, 9, 9, 0)).cpu_cores, 0.0);
    }

    #[test]
    fn a_single_sample_reports_memory_but_no_rates() {
        let u = latest(&series("a", "t", vec![sample(0, 5, 5, 77)])).unwrap();
        assert_eq!(
            u,
            Utilization {
                memory_bytes: 77,
                ..Default::default()
            }
        );
        assert!(latest(&series("a", "t", vec![])).is_none());
    }

    #[test]
    fn containers_of_a_task_add_up() {
        let all = vec![
            series(
                "a",
                "t1",
                vec![sample(0, 0, 0, 10), sample(1_000, 500_000_000, 0, 10)],
            ),
            series(
                "b",
                "t1",
                vec![sample(0, 0, 0, 20), sample(1_000, 250_000_000, 0, 20)],
            ),
            series("c", "t2", vec![sample(0, 0, 0, 5), sample(1_000, 0, 0, 5)]),
        ];
        let tasks = by_task(&all);
        assert_eq!(tasks.len(), 2);
        let t1 = &tasks["t1"];
        assert_eq!((t1.containers.len(), t1.usage.memory_bytes), (2, 30));
        assert!((t1.usage.cpu_cores - 0.75).abs() < 1e-9);
        assert_eq!(t1.service.as_deref(), Some("web"));
    }
}
