//! A running target group: its targets (swapped atomically, read without a lock on the
//! request path), their health, in-flight counters, selection and draining.

use super::target::{Candidate, CheckOutcome, Health, TargetState, Thresholds, choose_target};
use super::target::{enters_slow_start, slow_start_weight};
use super::{TargetEvent, TargetHealth};
use crate::model::load_balancing::TargetGroupSettings;
use arc_swap::ArcSwap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, broadcast};
use tokio_util::sync::CancellationToken;

/// One registered target and its live counters.
pub(crate) struct TargetEntry {
    /// Registration id (task id and container).
    pub id: String,
    /// Where traffic goes.
    pub addr: SocketAddr,
    state: AtomicU8,
    health: Mutex<Health>,
    /// Milliseconds since the group epoch when slow start began, 0 when not ramping.
    ramp_since_ms: AtomicU64,
    in_flight: AtomicUsize,
    connections: AtomicUsize,
    idle: Notify,
    /// Cancelled when the deregistration delay ends: remaining connections close.
    pub closed: CancellationToken,
}

/// Which counter an `ActiveGuard` holds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Activity {
    /// An HTTP request (until its response body finished).
    Request,
    /// A TCP or upgraded connection.
    Connection,
}

/// Counts one request or connection on a target until dropped.
pub(crate) struct ActiveGuard {
    target: Arc<TargetEntry>,
    activity: Activity,
}

impl ActiveGuard {
    /// Starts counting `activity` on `target`.
    pub fn new(target: Arc<TargetEntry>, activity: Activity) -> ActiveGuard {
        target.counter(activity).fetch_add(1, Ordering::SeqCst);
        ActiveGuard { target, activity }
    }

    /// The target being counted.
    pub fn target(&self) -> &Arc<TargetEntry> {
        &self.target
    }
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.target.counter(self.activity).fetch_sub(1, Ordering::SeqCst);
        if self.target.active() == 0 {
            self.target.idle.notify_waiters();
        }
    }
}

impl TargetEntry {
    fn new(id: String, addr: SocketAddr) -> TargetEntry {
        let health = Health::registered();
        TargetEntry {
            id,
            addr,
            state: AtomicU8::new(encode(health.state)),
            health: Mutex::new(health),
            ramp_since_ms: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
            idle: Notify::new(),
            closed: CancellationToken::new(),
        }
    }

    /// The current state, lock-free.
    pub fn state(&self) -> TargetState {
        decode(self.state.load(Ordering::SeqCst))
    }

    fn counter(&self, activity: Activity) -> &AtomicUsize {
        match activity {
            Activity::Request => &self.in_flight,
            Activity::Connection => &self.connections,
        }
    }

    fn active(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst) + self.connections.load(Ordering::SeqCst)
    }

    fn health(&self) -> MutexGuard<'_, Health> {
        // A panic while holding this lock leaves a whole Health value; keep using it.
        self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set_health(&self, health: Health) {
        self.state.store(encode(health.state), Ordering::SeqCst);
        *self.health() = health;
    }

    /// Resolves once no request or connection is active on the target.
    async fn wait_idle(&self) {
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.active() == 0 {
                return;
            }
            notified.await;
        }
    }
}

fn encode(state: TargetState) -> u8 {
    match state {
        TargetState::Initial => 0,
        TargetState::Healthy => 1,
        TargetState::Unhealthy => 2,
        TargetState::Draining => 3,
        TargetState::Unused => 4,
    }
}

fn decode(value: u8) -> TargetState {
    match value {
        0 => TargetState::Initial,
        1 => TargetState::Healthy,
        2 => TargetState::Unhealthy,
        3 => TargetState::Draining,
        _ => TargetState::Unused,
    }
}

/// A target group with its settings and targets.
pub(crate) struct Group {
    /// Target group name.
    pub name: String,
    /// Resolved settings; replaced by `apply`.
    pub settings: ArcSwap<TargetGroupSettings>,
    targets: ArcSwap<Vec<Arc<TargetEntry>>>,
    writer: Mutex<()>,
    events: broadcast::Sender<TargetEvent>,
    epoch: Instant,
    /// Cancelled when the group is removed: its health checks stop.
    pub removed: CancellationToken,
}

impl Group {
    /// A group without targets.
    pub fn new(name: &str, settings: TargetGroupSettings, events: broadcast::Sender<TargetEvent>) -> Group {
        Group {
            name: name.to_string(),
            settings: ArcSwap::from_pointee(settings),
            targets: ArcSwap::from_pointee(Vec::new()),
            writer: Mutex::new(()),
            events,
            epoch: Instant::now(),
            removed: CancellationToken::new(),
        }
    }

    /// Chooses a target for new traffic (healthy, else fail-open to unhealthy), never `skip`.
    fn pick(&self, skip: Option<&Arc<TargetEntry>>) -> Option<Arc<TargetEntry>> {
        let targets = self.targets.load();
        let window = self.settings.load().slow_start;
        let now_ms = self.elapsed_ms();
        let candidates: Vec<Candidate> = targets
            .iter()
            .map(|t| Candidate {
                state: t.state(),
                weight: ramp_weight(t.ramp_since_ms.load(Ordering::Relaxed), now_ms, window),
            })
            .collect();
        let skip = skip.and_then(|s| targets.iter().position(|t| Arc::ptr_eq(t, s)));
        let index = choose_target(&candidates, rand::random::<f64>(), skip)?;
        targets.get(index).cloned()
    }

    /// Chooses a target and counts `activity` on it. The count starts before the state is
    /// read again, so a drain that began meanwhile either sees the count or is seen here.
    pub fn acquire(&self, skip: Option<&Arc<TargetEntry>>, activity: Activity) -> Option<ActiveGuard> {
        for _ in 0..3 {
            let guard = ActiveGuard::new(self.pick(skip)?, activity);
            if !matches!(
                guard.target().state(),
                TargetState::Draining | TargetState::Unused
            ) {
                return Some(guard);
            }
        }
        None
    }

    /// Adds a target in state `initial`; returns it for its health checker. A target
    /// already registered with the same id and address is left as it is (`None`).
    pub fn register(&self, id: &str, addr: SocketAddr) -> Option<Arc<TargetEntry>> {
        let _writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let current = self.targets.load_full();
        let live = |t: &&Arc<TargetEntry>| t.id == id && t.state() != TargetState::Draining;
        if current.iter().find(live).is_some_and(|t| t.addr == addr) {
            return None;
        }
        // A live target re-registered at another address is replaced at once.
        current.iter().filter(live).for_each(|t| t.closed.cancel());
        let entry = Arc::new(TargetEntry::new(id.to_string(), addr));
        let mut next: Vec<_> = current.iter().filter(|t| !live(t)).cloned().collect();
        next.push(entry.clone());
        self.targets.store(Arc::new(next));
        self.emit(&entry);
        Some(entry)
    }

    /// Marks the live target `id` draining; `None` when no such target is registered.
    pub fn start_draining(&self, id: &str) -> Option<Arc<TargetEntry>> {
        let _writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let targets = self.targets.load();
        let entry = targets
            .iter()
            .find(|t| t.id == id && t.state() != TargetState::Draining)?;
        let draining = entry.health().draining();
        entry.set_health(draining);
        entry.ramp_since_ms.store(0, Ordering::Relaxed);
        self.emit(entry);
        Some(entry.clone())
    }

    /// Waits until the draining `entry` is idle or its delay ends; then (separately) the
    /// delay's end closes its connections and removes it.
    pub fn drain(self: &Arc<Self>, entry: Arc<TargetEntry>) -> impl Future<Output = ()> + Send + use<> {
        let delay = self.settings.load().deregistration_delay;
        let group = self.clone();
        let closing = entry.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            group.remove(&closing);
        });
        async move {
            tokio::select! {
                () = entry.wait_idle() => {}
                () = entry.closed.cancelled() => {}
            }
        }
    }

    fn remove(&self, entry: &Arc<TargetEntry>) {
        entry.closed.cancel();
        let _writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let current = self.targets.load();
        let next: Vec<_> = current
            .iter()
            .filter(|t| !Arc::ptr_eq(t, entry))
            .cloned()
            .collect();
        self.targets.store(Arc::new(next));
        entry.set_health(Health {
            state: TargetState::Unused,
            reason: Some(super::target::ReasonCode::NotRegistered),
            description: "Target is not registered to the target group".into(),
            ..Health::registered()
        });
        self.emit(entry);
    }

    /// Applies one health-check result; emits an event when the state changes.
    pub fn record(&self, entry: &TargetEntry, outcome: &CheckOutcome) {
        let settings = self.settings.load();
        let thresholds = Thresholds {
            healthy: settings.healthy_threshold,
            unhealthy: settings.unhealthy_threshold,
        };
        let before = entry.health().clone();
        let after = before.observe(outcome, thresholds);
        let changed = after.state != before.state || after.reason != before.reason;
        let became_healthy = after.state == TargetState::Healthy && before.state != TargetState::Healthy;
        entry.set_health(after);
        if became_healthy && enters_slow_start(settings.slow_start, self.healthy_not_ramping(entry)) {
            entry
                .ramp_since_ms
                .store(self.elapsed_ms().max(1), Ordering::Relaxed);
        } else if entry.state() != TargetState::Healthy {
            entry.ramp_since_ms.store(0, Ordering::Relaxed);
        }
        if changed {
            self.emit(entry);
        }
    }

    /// Healthy targets other than `except` that are not in slow start.
    fn healthy_not_ramping(&self, except: &TargetEntry) -> usize {
        let window = self.settings.load().slow_start;
        let now = self.elapsed_ms();
        let targets = self.targets.load();
        let steady = |t: &&Arc<TargetEntry>| {
            !std::ptr::eq(t.as_ref(), except)
                && t.state() == TargetState::Healthy
                && ramp_weight(t.ramp_since_ms.load(Ordering::Relaxed), now, window) >= 1.0
        };
        targets.iter().filter(steady).count()
    }

    /// Every target's state, in registration order (lock-free).
    pub fn states(&self) -> Vec<TargetState> {
        self.targets.load().iter().map(|t| t.state()).collect()
    }

    /// Every target's health, in registration order.
    pub fn health(&self) -> Vec<TargetHealth> {
        self.targets.load().iter().map(|t| self.describe(t)).collect()
    }

    fn describe(&self, entry: &TargetEntry) -> TargetHealth {
        let health = entry.health().clone();
        TargetHealth {
            id: entry.id.clone(),
            addr: entry.addr,
            state: health.state,
            reason: health.reason,
            description: health.description,
            in_flight: entry.in_flight.load(Ordering::SeqCst),
            connections: entry.connections.load(Ordering::SeqCst),
        }
    }

    fn emit(&self, entry: &TargetEntry) {
        let health = self.describe(entry);
        // No subscriber is fine: events are for whoever listens.
        let _ = self.events.send(TargetEvent {
            target_group: self.name.clone(),
            target: health,
        });
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

fn ramp_weight(since_ms: u64, now_ms: u64, window: Duration) -> f64 {
    if since_ms == 0 {
        return 1.0;
    }
    slow_start_weight(Duration::from_millis(now_ms.saturating_sub(since_ms)), window)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load_balancing::LbProtocol;

    fn group(slow_start: Duration) -> Group {
        let settings = TargetGroupSettings {
            protocol: LbProtocol::Http,
            health_check_protocol: LbProtocol::Http,
            health_check_path: "/".into(),
            health_check_port: None,
            interval: Duration::from_secs(5),
            timeout: Duration::from_secs(2),
            healthy_threshold: 2,
            unhealthy_threshold: 2,
            matcher: vec![(200, 399)],
            deregistration_delay: Duration::from_secs(30),
            slow_start,
        };
        Group::new("web", settings, broadcast::channel(16).0)
    }

    fn share_of(group: &Group, id: &str) -> usize {
        (0..2000)
            .filter(|_| group.pick(None).is_some_and(|t| t.id == id))
            .count()
    }

    #[test]
    fn a_target_joining_a_healthy_group_ramps_up_during_slow_start() {
        let group = group(Duration::from_secs(60));
        let steady = group.register("steady", "127.0.0.1:1".parse().unwrap()).unwrap();
        group.record(&steady, &CheckOutcome::Pass);
        assert_eq!(
            steady.ramp_since_ms.load(Ordering::Relaxed),
            0,
            "the first target does not ramp"
        );
        let new = group.register("new", "127.0.0.1:2".parse().unwrap()).unwrap();
        group.record(&new, &CheckOutcome::Pass);
        assert_ne!(new.ramp_since_ms.load(Ordering::Relaxed), 0);
        let share = share_of(&group, "new");
        assert!(
            (50..400).contains(&share),
            "a new target gets about 10%: {share}/2000"
        );
    }

    #[test]
    fn without_slow_start_targets_share_evenly() {
        let group = group(Duration::ZERO);
        for (id, port) in [("a", 1), ("b", 2)] {
            let entry = group
                .register(id, SocketAddr::from(([127, 0, 0, 1], port)))
                .unwrap();
            group.record(&entry, &CheckOutcome::Pass);
        }
        let share = share_of(&group, "b");
        assert!((800..1200).contains(&share), "{share}/2000");
    }

    #[test]
    fn registering_the_same_target_twice_changes_nothing() {
        let group = group(Duration::ZERO);
        let addr = "127.0.0.1:1".parse().unwrap();
        assert!(group.register("a", addr).is_some());
        assert!(group.register("a", addr).is_none());
        assert_eq!(group.health().len(), 1);
    }
}
