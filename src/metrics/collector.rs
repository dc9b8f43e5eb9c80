//! The sampling loop: every interval, one sample of every running container into the
//! bounded history. A failed sample is logged and counted; the next tick tries again.

use super::health::DaemonHealth;
use super::history::UsageHistory;
use super::source::UsageSource;
use crate::clock::Clock;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tracing::debug;

/// How much history to keep: one hour at the interval.
pub const HISTORY_SPAN: Duration = Duration::from_secs(3600);

/// Samples kept per container for `interval` (an hour's worth, at least 2).
pub fn history_capacity(interval: Duration) -> usize {
    let per = interval.as_millis().max(1);
    usize::try_from(HISTORY_SPAN.as_millis().div_ceil(per))
        .unwrap_or(usize::MAX)
        .max(2)
}

/// Takes one sample now and records it (and its cost).
pub async fn sample_once(
    source: &dyn UsageSource,
    history: &UsageHistory,
    health: &DaemonHealth,
    clock: &Clock,
) {
    let started = tokio::time::Instant::now();
    match source.sample().await {
        Ok(sample) => {
            history.record(clock.now_millis(), sample);
            health.record_sample(started.elapsed(), true);
        }
        Err(e) => {
            debug!(error = %e, "metrics sample failed; trying again at the next interval");
            health.record_sample(started.elapsed(), false);
        }
    }
}

/// Samples every `interval` until `shutdown` resolves.
pub async fn run(
    source: Arc<dyn UsageSource>,
    history: Arc<UsageHistory>,
    health: Arc<DaemonHealth>,
    interval: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let clock = Clock::new();
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = tick.tick() => sample_once(source.as_ref(), &history, &health, &clock).await,
            _ = &mut shutdown => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::source::{ContainerRef, ContainerUsage, FakeUsage};
    use crate::runtime::ResourceUsage;

    #[test]
    fn an_hour_at_fifteen_seconds_is_240_samples() {
        assert_eq!(history_capacity(Duration::from_secs(15)), 240);
        assert_eq!(history_capacity(Duration::from_secs(7200)), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn the_loop_samples_every_interval_until_shutdown() {
        let source = Arc::new(FakeUsage::default());
        source.set(vec![ContainerUsage {
            container: ContainerRef {
                id: "c".into(),
                name: "app".into(),
                task: "t".into(),
                service: None,
                cluster: "default".into(),
            },
            usage: ResourceUsage::default(),
        }]);
        let history = Arc::new(UsageHistory::new(100));
        let health = Arc::new(DaemonHealth::default());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(run(
            source,
            history.clone(),
            health.clone(),
            Duration::from_secs(15),
            async move {
                let _ = stopped.await;
            },
        ));
        tokio::time::sleep(Duration::from_secs(46)).await;
        let _ = stop.send(());
        task.await.unwrap();
        // Ticks at 0, 15, 30 and 45 s.
        assert_eq!(history.snapshot()[0].samples.len(), 4);
        assert_eq!(health.sampling().0.count, 4);
    }
}
