//! Containers the engine said died but may still list as running.
//!
//! Docker 20.10 sends a container's `die` event before its list view (what `GET
//! /containers/json` reads) shows it exited, so a reconcile woken by the event would list the
//! container as running and wait for the next resync. Inspect reads the container itself, so
//! the task controller inspects every container named here once, however the list shows it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A hint older than this is dropped: the list has long caught up.
const KEEP: Duration = Duration::from_secs(60);

/// Container ids with a recent `die` event, each taken by the first observation that sees it.
#[derive(Debug, Default)]
pub struct ExitHints {
    died: Mutex<HashMap<String, Instant>>,
}

impl ExitHints {
    /// Notes that `container_id` died just now.
    pub fn died(&self, container_id: &str) {
        let now = Instant::now();
        let mut died = self.lock();
        died.retain(|_, at| now.duration_since(*at) < KEEP);
        died.insert(container_id.to_string(), now);
    }

    /// True (once) when `container_id` died recently and its listed state is not to be trusted.
    pub fn take(&self, container_id: &str) -> bool {
        self.lock().remove(container_id).is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        self.died.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_death_is_reported_once_and_only_for_that_container() {
        let hints = ExitHints::default();
        hints.died("a");
        assert!(!hints.take("b"));
        assert!(hints.take("a"));
        assert!(!hints.take("a"));
    }
}
