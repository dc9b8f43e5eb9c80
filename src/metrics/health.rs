//! The daemon's own health counters: reconciles by kind and result with a latency histogram,
//! engine call latency and errors by container instance and operation, event-stream
//! reconnects by container instance, and the collector's sampling cost. Plain atomics behind
//! a lock-free read path would be overkill at these rates; a mutex per family is enough.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Engine call series are keyed by container instance id and operation.
pub type EngineCallKey = (Arc<str>, &'static str);

/// Upper bounds (seconds) of the latency histograms' buckets; `+Inf` is implied.
pub const LATENCY_BUCKETS: [f64; 11] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0];

/// A cumulative latency histogram in the Prometheus sense.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    /// Observations at or below each bound of [`LATENCY_BUCKETS`] (not cumulative).
    pub buckets: [u64; LATENCY_BUCKETS.len()],
    /// All observations.
    pub count: u64,
    /// Sum of all observations (seconds).
    pub sum: f64,
}

/// The bucket an observation falls in; `None` above the last bound (only `+Inf`).
fn bucket_of(value: Duration) -> Option<usize> {
    let secs = value.as_secs_f64();
    LATENCY_BUCKETS.iter().position(|b| secs <= *b)
}

impl Histogram {
    /// Counts one observation.
    pub fn observe(&mut self, value: Duration) {
        if let Some(i) = bucket_of(value) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum += value.as_secs_f64();
    }

    /// Cumulative counts per bound (what `_bucket{le=…}` reports).
    pub fn cumulative(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        LATENCY_BUCKETS
            .iter()
            .zip(self.buckets.iter())
            .scan(0, |acc, (bound, n)| {
                *acc += n;
                Some((*bound, *acc))
            })
    }
}

/// A latency histogram updated with atomics alone, for hot paths (every request the load
/// balancer forwards); read as a [`Histogram`]. A scrape may see a count one ahead of its
/// buckets, which Prometheus tolerates.
#[derive(Debug, Default)]
pub struct AtomicHistogram {
    buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

impl AtomicHistogram {
    /// Counts one observation.
    pub fn observe(&self, value: Duration) {
        if let Some(i) = bucket_of(value) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        let nanos = u64::try_from(value.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// The observations so far.
    pub fn snapshot(&self) -> Histogram {
        Histogram {
            buckets: std::array::from_fn(|i| self.buckets[i].load(Ordering::Relaxed)),
            count: self.count.load(Ordering::Relaxed),
            sum: self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9,
        }
    }
}

/// Whether a reconcile succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Converged or asked to look again later.
    Ok,
    /// Failed (retried with backoff).
    Error,
}

impl Outcome {
    /// Label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
        }
    }
}

/// Counters the daemon keeps about itself, read at scrape time.
#[derive(Debug, Default)]
pub struct DaemonHealth {
    reconciles: Mutex<BTreeMap<(&'static str, Outcome), u64>>,
    latency: Mutex<BTreeMap<&'static str, Histogram>>,
    engine_calls: Mutex<BTreeMap<EngineCallKey, Histogram>>,
    engine_errors: Mutex<BTreeMap<EngineCallKey, u64>>,
    reconnects: Mutex<BTreeMap<Arc<str>, u64>>,
    sampling: Mutex<Histogram>,
    sample_errors: Mutex<u64>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl DaemonHealth {
    /// Counts one reconcile of `kind` that took `elapsed`.
    pub fn record_reconcile(&self, kind: &'static str, outcome: Outcome, elapsed: Duration) {
        *lock(&self.reconciles).entry((kind, outcome)).or_insert(0) += 1;
        lock(&self.latency).entry(kind).or_default().observe(elapsed);
    }

    /// Counts one call of operation `op` to the engine of container instance `instance` that
    /// took `elapsed`, and whether it failed.
    pub fn record_engine_call(&self, instance: &Arc<str>, op: &'static str, elapsed: Duration, failed: bool) {
        let key = (instance.clone(), op);
        lock(&self.engine_calls)
            .entry(key.clone())
            .or_default()
            .observe(elapsed);
        if failed {
            *lock(&self.engine_errors).entry(key).or_insert(0) += 1;
        }
    }

    /// Counts an engine event stream of container instance `instance` opened: the first
    /// opening makes its series (at 0), every later one is a reconnect.
    pub fn record_event_stream(&self, instance: &str, reconnect: bool) {
        let mut reconnects = lock(&self.reconnects);
        let count = match reconnects.get_mut(instance) {
            Some(count) => count,
            None => reconnects.entry(Arc::from(instance)).or_insert(0),
        };
        if reconnect {
            *count += 1;
        }
    }

    /// Forgets every series of a container instance that is no longer declared.
    pub fn forget_instance(&self, instance: &str) {
        lock(&self.engine_calls).retain(|(i, _), _| &**i != instance);
        lock(&self.engine_errors).retain(|(i, _), _| &**i != instance);
        lock(&self.reconnects).remove(instance);
    }

    /// Counts one metrics sample that took `elapsed`, or failed.
    pub fn record_sample(&self, elapsed: Duration, ok: bool) {
        lock(&self.sampling).observe(elapsed);
        if !ok {
            *lock(&self.sample_errors) += 1;
        }
    }

    /// Reconciles so far by (kind, outcome).
    pub fn reconciles(&self) -> BTreeMap<(&'static str, Outcome), u64> {
        lock(&self.reconciles).clone()
    }

    /// Reconcile latency by kind.
    pub fn latency(&self) -> BTreeMap<&'static str, Histogram> {
        lock(&self.latency).clone()
    }

    /// Engine call latency by container instance and operation.
    pub fn engine_calls(&self) -> BTreeMap<EngineCallKey, Histogram> {
        lock(&self.engine_calls).clone()
    }

    /// Failed engine calls by container instance and operation.
    pub fn engine_errors(&self) -> BTreeMap<EngineCallKey, u64> {
        lock(&self.engine_errors).clone()
    }

    /// Event-stream reconnects by container instance.
    pub fn reconnects(&self) -> BTreeMap<Arc<str>, u64> {
        lock(&self.reconnects).clone()
    }

    /// Duration of the collector's samples, and how many failed.
    pub fn sampling(&self) -> (Histogram, u64) {
        (lock(&self.sampling).clone(), *lock(&self.sample_errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_is_cumulative_per_bound() {
        let mut h = Histogram::default();
        h.observe(Duration::from_micros(500));
        h.observe(Duration::from_millis(20));
        h.observe(Duration::from_secs(60));
        let cumulative: Vec<(f64, u64)> = h.cumulative().collect();
        assert_eq!(cumulative[0], (0.001, 1));
        assert_eq!(cumulative[3], (0.025, 2));
        assert_eq!(cumulative.last(), Some(&(30.0, 2)));
        assert_eq!(h.count, 3);
        assert!((h.sum - 60.0205).abs() < 1e-9);
    }

    #[test]
    fn an_atomic_histogram_reads_as_the_same_histogram() {
        let atomic = AtomicHistogram::default();
        let mut plain = Histogram::default();
        for ms in [0, 3, 20, 700, 60_000] {
            atomic.observe(Duration::from_millis(ms));
            plain.observe(Duration::from_millis(ms));
        }
        let read = atomic.snapshot();
        assert_eq!((read.buckets, read.count), (plain.buckets, plain.count));
        assert!((read.sum - plain.sum).abs() < 1e-9);
    }

    #[test]
    fn reconciles_are_counted_by_kind_and_outcome() {
        let health = DaemonHealth::default();
        health.record_reconcile("task", Outcome::Ok, Duration::from_millis(1));
        health.record_reconcile("task", Outcome::Ok, Duration::from_millis(1));
        health.record_reconcile("service", Outcome::Error, Duration::from_millis(1));
        let counts = health.reconciles();
        assert_eq!(counts[&("task", Outcome::Ok)], 2);
        assert_eq!(counts[&("service", Outcome::Error)], 1);
        assert_eq!(health.latency()["task"].count, 2);
    }

    #[test]
    fn reconnects_count_from_the_second_opening_and_a_forgotten_instance_has_no_series() {
        let health = DaemonHealth::default();
        health.record_event_stream("a", false);
        health.record_event_stream("b", false);
        health.record_event_stream("b", true);
        health.record_event_stream("b", true);
        let b: Arc<str> = Arc::from("b");
        health.record_engine_call(&b, "list", Duration::from_millis(1), true);
        let counts = health.reconnects();
        assert_eq!(
            counts.get("a"),
            Some(&0),
            "a watched engine shows 0 before its first reconnect"
        );
        assert_eq!(counts.get("b"), Some(&2));
        health.forget_instance("b");
        assert_eq!(health.reconnects().get("b"), None);
        assert!(health.engine_calls().is_empty());
        assert!(health.engine_errors().is_empty());
    }
}
