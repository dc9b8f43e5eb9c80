//! Exponential backoff: a base delay doubling per consecutive failure, capped.

use std::time::Duration;

/// Delay policy for the n-th consecutive failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after the first failure.
    pub base: Duration,
    /// Upper bound.
    pub max: Duration,
}

impl Backoff {
    /// Per-key retry policy of the work queue: 200 ms doubling to 1 min.
    pub const RECONCILE: Backoff = Backoff {
        base: Duration::from_millis(200),
        max: Duration::from_secs(60),
    };

    /// Reconnect policy for the engine event stream: 500 ms doubling to 30 s.
    pub const RECONNECT: Backoff = Backoff {
        base: Duration::from_millis(500),
        max: Duration::from_secs(30),
    };

    /// Delay before retry number `failures` (1-based).
    pub fn delay(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(30));
        self.base.saturating_mul(factor).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_the_base_and_stop_at_the_cap() {
        let b = Backoff {
            base: Duration::from_secs(10),
            max: Duration::from_secs(300),
        };
        let secs: Vec<u64> = (1..=7).map(|n| b.delay(n).as_secs()).collect();
        assert_eq!(secs, vec![10, 20, 40, 80, 160, 300, 300]);
        assert_eq!(b.delay(1000), Duration::from_secs(300));
    }
}
