//! The one time source of the daemon: wall-clock milliseconds that follow tokio's clock.

/// Wall-clock milliseconds that advance with tokio's clock, so timestamps and the delays
/// computed from them agree (and tests on a paused clock see time pass).
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    wall_at_start: u64,
    started: tokio::time::Instant,
}

impl Clock {
    /// A clock reading the current wall time now.
    pub fn new() -> Self {
        Self {
            wall_at_start: crate::model::now_millis(),
            started: tokio::time::Instant::now(),
        }
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_millis(&self) -> u64 {
        let elapsed = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.wall_at_start.saturating_add(elapsed)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}
