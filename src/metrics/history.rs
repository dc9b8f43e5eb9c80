//! The bounded in-memory sample history: per running container, its last N samples. Never
//! in sled; a container missing from a sample (stopped, removed) is forgotten at once, so
//! nothing reports a task that no longer runs.

use super::source::{ContainerRef, ContainerUsage};
use crate::runtime::ResourceUsage;
use std::collections::{BTreeMap, VecDeque};
use std::sync::RwLock;

/// One container's counters at one time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// When (ms since the epoch).
    pub at_ms: u64,
    /// The counters.
    pub usage: ResourceUsage,
}

/// One container's samples, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Whose samples.
    pub container: ContainerRef,
    /// Oldest first, at most the history's capacity.
    pub samples: VecDeque<Sample>,
}

impl Series {
    /// The newest sample and the one before it, when there are two.
    pub fn last_two(&self) -> Option<(&Sample, &Sample)> {
        let n = self.samples.len();
        Some((self.samples.get(n.checked_sub(2)?)?, self.samples.get(n - 1)?))
    }
}

/// Samples of every running container, bounded per container.
#[derive(Debug)]
pub struct UsageHistory {
    capacity: usize,
    series: RwLock<BTreeMap<String, Series>>,
}

impl UsageHistory {
    /// An empty history keeping `capacity` samples per container (at least 2, for rates).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(2),
            series: RwLock::default(),
        }
    }

    /// How many samples it keeps per container.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Records one sample of every running container; containers it does not name are
    /// dropped.
    pub fn record(&self, at_ms: u64, sample: Vec<ContainerUsage>) {
        let mut series = self.series.write().unwrap_or_else(|p| p.into_inner());
        let mut next = BTreeMap::new();
        for ContainerUsage { container, usage } in sample {
            let mut kept = series
                .remove(&container.id)
                .map(|s| s.samples)
                .unwrap_or_default();
            if kept.len() >= self.capacity {
                kept.pop_front();
            }
            kept.push_back(Sample { at_ms, usage });
            next.insert(
                container.id.clone(),
                Series {
                    container,
                    samples: kept,
                },
            );
        }
        *series = next;
    }

    /// A copy of every container's series (a scrape works on a snapshot, not under the lock).
    pub fn snapshot(&self) -> Vec<Series> {
        let series = self.series.read().unwrap_or_else(|p| p.into_inner());
        series.values().cloned().collect()
    }

    /// The newest two samples of every container (what the rates need), without copying
    /// the whole history.
    pub fn latest(&self) -> Vec<Series> {
        let series = self.series.read().unwrap_or_else(|p| p.into_inner());
        series
            .values()
            .map(|s| Series {
                container: s.container.clone(),
                samples: s.samples.iter().rev().take(2).rev().copied().collect(),
            })
            .collect()
    }

    /// Number of containers sampled.
    pub fn len(&self) -> usize {
        self.series.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// True when no container is sampled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(id: &str, cpu_ns: u64) -> ContainerUsage {
        ContainerUsage {
            container: ContainerRef {
                id: id.into(),
                name: "app".into(),
                task: format!("task-{id}"),
                service: None,
                cluster: "default".into(),
            },
            usage: ResourceUsage {
                cpu_ns,
                ..Default::default()
            },
        }
    }

    #[test]
    fn each_container_keeps_at_most_capacity_samples_newest_last() {
        let history = UsageHistory::new(3);
        for i in 0..5 {
            history.record(i * 1000, vec![usage("a", i)]);
        }
        let series = history.snapshot();
        let kept: Vec<u64> = series[0].samples.iter().map(|s| s.usage.cpu_ns).collect();
        assert_eq!(kept, vec![2, 3, 4]);
        let (prev, last) = series[0].last_two().unwrap();
        assert_eq!((prev.at_ms, last.at_ms), (3000, 4000));
    }

    #[test]
    fn a_container_missing_from_a_sample_is_forgotten() {
        let history = UsageHistory::new(10);
        history.record(0, vec![usage("a", 1), usage("b", 1)]);
        history.record(1000, vec![usage("b", 2)]);
        let ids: Vec<String> = history.snapshot().into_iter().map(|s| s.container.id).collect();
        assert_eq!(ids, vec!["b".to_string()]);
    }

    #[test]
    fn latest_holds_only_the_last_two_samples() {
        let history = UsageHistory::new(10);
        for i in 0..4 {
            history.record(i, vec![usage("a", i)]);
        }
        let latest = history.latest();
        assert_eq!(latest[0].samples.len(), 2);
        assert!(history.latest()[0].last_two().is_some());
        assert_eq!(UsageHistory::new(0).capacity(), 2);
    }
}
