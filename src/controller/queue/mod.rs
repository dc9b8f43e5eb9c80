//! The work queue: dedup by key (earliest due time wins), never the same key twice at once,
//! bounded concurrency, per-key exponential backoff on error, and a readiness gate.

use super::backoff::Backoff;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::info;

/// What a reconcile asks for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Converged; wait for the next change.
    Done,
    /// Look again after this long (e.g. a deadline or a stop still in progress).
    RequeueAfter(Duration),
}

/// Why a key was queued; the earliest request's reason is the one its reconcile reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Intent changed (a store change).
    Change,
    /// The engine reported something about the key's containers.
    EngineEvent,
    /// A full resync (periodic, or after a reconnect).
    Resync,
    /// The last reconcile failed; this is its backoff retry.
    Retry,
    /// The last reconcile asked to look again later.
    Requeue,
}

impl Reason {
    /// Name for logs and spans.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Change => "change",
            Reason::EngineEvent => "engine-event",
            Reason::Resync => "resync",
            Reason::Retry => "retry",
            Reason::Requeue => "requeue",
        }
    }
}

struct State<K> {
    due: HashMap<K, (Instant, Reason)>,
    running: HashSet<K>,
    failures: HashMap<K, u32>,
    /// Keys whose last reconcile failed, and when their backoff ends: engine events do not
    /// run them sooner, so a failing reconcile that causes events cannot spin.
    held: HashMap<K, Instant>,
}

/// A delay queue of keys, shared by every producer; one `run` loop consumes it.
pub struct WorkQueue<K> {
    state: Mutex<State<K>>,
    wake: Notify,
    ready: watch::Sender<bool>,
    backoff: Backoff,
}

impl<K: Clone + Eq + Hash + Send + Sync + std::fmt::Debug + 'static> WorkQueue<K> {
    /// An empty, not-yet-ready queue.
    pub fn new(backoff: Backoff) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State {
                due: HashMap::new(),
                running: HashSet::new(),
                failures: HashMap::new(),
                held: HashMap::new(),
            }),
            wake: Notify::new(),
            ready: watch::channel(false).0,
            backoff,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State<K>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reconcile `key` as soon as possible (a change of intent).
    pub fn add(&self, key: K) {
        self.schedule(key, Duration::ZERO, Reason::Change);
    }

    /// Reconcile `key` as soon as possible, for a full resync.
    pub fn add_resync(&self, key: K) {
        self.schedule(key, Duration::ZERO, Reason::Resync);
    }

    /// Reconcile `key` after `delay`; an earlier pending request for the same key wins.
    pub fn add_after(&self, key: K, delay: Duration) {
        self.schedule(key, delay, Reason::Requeue);
    }

    /// Reconcile `key` for an engine event: as soon as possible, but not before its backoff
    /// after a failure ends, since the event may be the failing reconcile's own doing.
    pub fn add_event(&self, key: K) {
        self.schedule(key, Duration::ZERO, Reason::EngineEvent);
    }

    fn schedule(&self, key: K, delay: Duration, reason: Reason) {
        let mut at = Instant::now() + delay;
        {
            let mut state = self.lock();
            if let Some(held) = state.held.get(&key).filter(|_| reason == Reason::EngineEvent) {
                at = at.max(*held);
            }
            let slot = state.due.entry(key).or_insert((at, reason));
            if at < slot.0 {
                *slot = (at, reason);
            }
        }
        self.wake.notify_one();
    }

    /// Opens the readiness gate: nothing runs before this.
    pub fn set_ready(&self) {
        self.ready.send_replace(true);
        self.wake.notify_one();
    }

    /// Number of keys waiting (not counting running ones).
    pub fn len(&self) -> usize {
        self.lock().due.len()
    }

    /// True when no key is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of keys being reconciled right now.
    pub fn running(&self) -> usize {
        self.lock().running.len()
    }

    /// The earliest due key that is not running: Ok(key, why) if due now, Err(wait-until)
    /// otherwise.
    fn next(&self) -> Option<Result<(K, Reason), Instant>> {
        let mut state = self.lock();
        let (key, (at, reason)) = state
            .due
            .iter()
            .filter(|(k, _)| !state.running.contains(*k))
            .min_by_key(|(_, (at, _))| *at)
            .map(|(k, due)| (k.clone(), *due))?;
        if at > Instant::now() {
            return Some(Err(at));
        }
        state.due.remove(&key);
        state.running.insert(key.clone());
        Some(Ok((key, reason)))
    }

    /// Releases a key after its reconcile: `failed` backs it off, `requeue` looks again later.
    fn finish(&self, key: K, failed: bool, requeue: Option<Duration>) {
        let retry = {
            let mut state = self.lock();
            state.running.remove(&key);
            if failed {
                let n = state.failures.entry(key.clone()).or_insert(0);
                *n += 1;
                let delay = self.backoff.delay(*n);
                state.held.insert(key.clone(), Instant::now() + delay);
                Some(delay)
            } else {
                state.failures.remove(&key);
                state.held.remove(&key);
                None
            }
        };
        match (retry, requeue) {
            (Some(delay), _) => self.schedule(key, delay, Reason::Retry),
            (None, Some(delay)) => self.schedule(key, delay, Reason::Requeue),
            (None, None) => self.wake.notify_one(),
        }
    }

    /// Runs `reconcile` for due keys, at most `concurrency` at once, until `shutdown` resolves;
    /// then lets in-flight reconciles finish for up to `SHUTDOWN_DRAIN` and abandons the rest.
    pub async fn run<F, Fut, E>(
        self: Arc<Self>,
        concurrency: usize,
        reconcile: F,
        shutdown: impl Future<Output = ()>,
    ) where
        F: Fn(K, Reason) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Action, E>> + Send + 'static,
        E: Send + 'static,
    {
        let permits = Arc::new(Semaphore::new(concurrency.max(1)));
        let reconcile = Arc::new(reconcile);
        let mut in_flight = JoinSet::new();
        let mut ready = self.ready.subscribe();
        tokio::pin!(shutdown);
        tokio::select! {
            _ = ready.wait_for(|r| *r) => {}
            _ = &mut shutdown => return,
        }
        loop {
            while in_flight.try_join_next().is_some() {}
            let acquired = tokio::select! {
                p = permits.clone().acquire_owned() => p,
                _ = &mut shutdown => break,
            };
            let Ok(permit) = acquired else { break };
            let notified = self.wake.notified();
            match self.next() {
                Some(Ok((key, reason))) => {
                    let mut release = Release {
                        queue: self.clone(),
                        key: Some(key.clone()),
                    };
                    let reconcile = reconcile.clone();
                    in_flight.spawn(async move {
                        let result = reconcile(key, reason).await;
                        let requeue = match &result {
                            Ok(Action::RequeueAfter(delay)) => Some(*delay),
                            _ => None,
                        };
                        if let Some(key) = release.key.take() {
                            release.queue.finish(key, result.is_err(), requeue);
                        }
                        drop(permit);
                    });
                }
                next => {
                    drop(permit);
                    let sleep = match next {
                        Some(Err(at)) => tokio::time::sleep_until(at),
                        _ => tokio::time::sleep(Duration::from_secs(3600)),
                    };
                    tokio::select! {
                        _ = notified => {}
                        _ = sleep => {}
                        _ = &mut shutdown => break,
                    }
                }
            }
        }
        drain(in_flight).await;
    }
}

/// Releases a running key when its reconcile ends without reporting: it panicked (backed off
/// like a failure) or was abandoned at shutdown. A key is never left marked running.
struct Release<K: Clone + Eq + Hash + Send + Sync + std::fmt::Debug + 'static> {
    queue: Arc<WorkQueue<K>>,
    key: Option<K>,
}

impl<K: Clone + Eq + Hash + Send + Sync + std::fmt::Debug + 'static> Drop for Release<K> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            // Unwinding: the reconcile panicked. Otherwise it was cancelled (shutdown).
            let panicked = std::thread::panicking();
            if panicked {
                tracing::error!(key = ?key, "a reconcile panicked; retrying it after its backoff");
            }
            self.queue.finish(key, panicked, None);
        }
    }
}

/// How long shutdown waits for in-flight reconciles: enough for engine calls that answer at
/// once (a create, a start), far less than a container's stop grace.
const SHUTDOWN_DRAIN: Duration = Duration::from_secs(2);

/// Lets in-flight reconciles finish for up to `SHUTDOWN_DRAIN`, then abandons the rest, as a
/// crash would: every reconcile tolerates that, and the next start picks the key up again
/// (a stop under way is recorded first, and the engine keeps the container's grace).
async fn drain(mut in_flight: JoinSet<()>) {
    let finished = async { while in_flight.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_DRAIN, finished).await.is_ok() {
        return;
    }
    info!(
        abandoned = in_flight.len(),
        "shutting down without waiting for reconciles still in flight (e.g. a container's stop grace); the next start resumes them"
    );
    in_flight.abort_all();
    while in_flight.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests;
