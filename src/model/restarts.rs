//! Restarts of a service: tasks that stopped on their own (an essential container exited or
//! was OOM-killed, the task failed to start, or it failed its health checks) and that the
//! service replaced. ECS has no in-place restart of a service's task either; a replacement
//! is a new task, so restarts are counted per service, by cause.

use serde::{Deserialize, Serialize};

/// Why a service's task stopped on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RestartCause {
    /// An essential container exited (any exit code, or removed from outside).
    Exited,
    /// An essential container was killed by the kernel's OOM killer.
    OomKilled,
    /// The task failed its container health checks, its target group's health checks, or
    /// did not become healthy within the deadline, and the scheduler replaced it.
    Unhealthy,
    /// A container could not be created or started.
    FailedToStart,
}

impl RestartCause {
    /// Every cause, in label order.
    pub const ALL: [RestartCause; 4] = [
        RestartCause::Exited,
        RestartCause::OomKilled,
        RestartCause::Unhealthy,
        RestartCause::FailedToStart,
    ];

    /// Label value (`/metrics`) and word (`describe service`).
    pub fn as_str(self) -> &'static str {
        match self {
            RestartCause::Exited => "exited",
            RestartCause::OomKilled => "oom_killed",
            RestartCause::Unhealthy => "unhealthy",
            RestartCause::FailedToStart => "failed_to_start",
        }
    }
}

/// Restarts of one service so far, by cause.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestartCounts {
    /// Essential container exits.
    #[serde(default)]
    pub exited: u64,
    /// Essential containers killed for their memory use.
    #[serde(default)]
    pub oom_killed: u64,
    /// Tasks replaced for failing health checks.
    #[serde(default)]
    pub unhealthy: u64,
    /// Tasks that failed to start.
    #[serde(default)]
    pub failed_to_start: u64,
}

impl RestartCounts {
    /// Counts one restart.
    pub fn add(&mut self, cause: RestartCause) {
        *self.slot(cause) += 1;
    }

    /// Restarts of one cause.
    pub fn get(&self, cause: RestartCause) -> u64 {
        match cause {
            RestartCause::Exited => self.exited,
            RestartCause::OomKilled => self.oom_killed,
            RestartCause::Unhealthy => self.unhealthy,
            RestartCause::FailedToStart => self.failed_to_start,
        }
    }

    /// Restarts of every cause.
    pub fn total(&self) -> u64 {
        RestartCause::ALL.iter().map(|c| self.get(*c)).sum()
    }

    /// `3 (2 exited, 1 unhealthy)`, or `0`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = RestartCause::ALL
            .iter()
            .filter(|c| self.get(**c) > 0)
            .map(|c| format!("{} {}", self.get(*c), c.as_str().replace('_', " ")))
            .collect();
        if parts.is_empty() {
            return "0".into();
        }
        format!("{} ({})", self.total(), parts.join(", "))
    }

    fn slot(&mut self, cause: RestartCause) -> &mut u64 {
        match cause {
            RestartCause::Exited => &mut self.exited,
            RestartCause::OomKilled => &mut self.oom_killed,
            RestartCause::Unhealthy => &mut self.unhealthy,
            RestartCause::FailedToStart => &mut self.failed_to_start,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_by_cause_and_summarise_only_what_happened() {
        let mut counts = RestartCounts::default();
        assert_eq!(counts.summary(), "0");
        counts.add(RestartCause::Exited);
        counts.add(RestartCause::Exited);
        counts.add(RestartCause::OomKilled);
        assert_eq!(counts.total(), 3);
        assert_eq!(counts.get(RestartCause::Unhealthy), 0);
        assert_eq!(counts.summary(), "3 (2 exited, 1 oom killed)");
    }
}
