//! The target health state machine with ELB's states and reason codes, and target selection
//! (fail-open, slow start): pure functions over plain values.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// ELB target states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetState {
    /// Registered, no health check passed yet.
    Initial,
    /// Receives traffic.
    Healthy,
    /// Failed its checks; receives traffic only when every target is unhealthy (fail-open).
    Unhealthy,
    /// Deregistered; in-flight work finishes, no new traffic.
    Draining,
    /// Not registered (any more).
    Unused,
}

impl TargetState {
    /// The state as ELB writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetState::Initial => "initial",
            TargetState::Healthy => "healthy",
            TargetState::Unhealthy => "unhealthy",
            TargetState::Draining => "draining",
            TargetState::Unused => "unused",
        }
    }
}

impl fmt::Display for TargetState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// ELB reason codes for a target's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReasonCode {
    /// Just registered.
    #[serde(rename = "Elb.RegistrationInProgress")]
    RegistrationInProgress,
    /// Checks run; none passed yet.
    #[serde(rename = "Elb.InitialHealthChecking")]
    InitialHealthChecking,
    /// The check answered with a code outside the matcher.
    #[serde(rename = "Target.ResponseCodeMismatch")]
    ResponseCodeMismatch,
    /// The check did not answer within the timeout.
    #[serde(rename = "Target.Timeout")]
    Timeout,
    /// The check could not connect or the answer was not HTTP.
    #[serde(rename = "Target.FailedHealthChecks")]
    FailedHealthChecks,
    /// Deregistered and draining.
    #[serde(rename = "Target.DeregistrationInProgress")]
    DeregistrationInProgress,
    /// Not registered.
    #[serde(rename = "Target.NotRegistered")]
    NotRegistered,
}

impl ReasonCode {
    /// The code as ELB writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::RegistrationInProgress => "Elb.RegistrationInProgress",
            ReasonCode::InitialHealthChecking => "Elb.InitialHealthChecking",
            ReasonCode::ResponseCodeMismatch => "Target.ResponseCodeMismatch",
            ReasonCode::Timeout => "Target.Timeout",
            ReasonCode::FailedHealthChecks => "Target.FailedHealthChecks",
            ReasonCode::DeregistrationInProgress => "Target.DeregistrationInProgress",
            ReasonCode::NotRegistered => "Target.NotRegistered",
        }
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of one health check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    /// The check passed.
    Pass,
    /// An HTTP answer with a code outside the matcher.
    CodeMismatch(u16),
    /// No answer within the timeout.
    Timeout,
    /// Connection refused, reset, or not HTTP.
    Failed(String),
}

/// Thresholds of a target group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Consecutive passes that bring an unhealthy target back.
    pub healthy: u32,
    /// Consecutive failures that make a target unhealthy.
    pub unhealthy: u32,
}

/// A target's health: state, reason, and the consecutive-result counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// ELB state.
    pub state: TargetState,
    /// ELB reason code (none when healthy).
    pub reason: Option<ReasonCode>,
    /// Human description of the reason.
    pub description: String,
    /// Consecutive passing checks.
    pub passes: u32,
    /// Consecutive failing checks.
    pub failures: u32,
}

impl Health {
    /// A target just registered: `initial`, `Elb.RegistrationInProgress`.
    pub fn registered() -> Health {
        Health {
            state: TargetState::Initial,
            reason: Some(ReasonCode::RegistrationInProgress),
            description: "Target registration is in progress".into(),
            passes: 0,
            failures: 0,
        }
    }

    /// A deregistered target: `draining`, `Target.DeregistrationInProgress`.
    pub fn draining(&self) -> Health {
        Health {
            state: TargetState::Draining,
            reason: Some(ReasonCode::DeregistrationInProgress),
            description: "Target deregistration is in progress".into(),
            ..self.clone()
        }
    }

    /// The health after one check. A new target is healthy after its first pass; an
    /// unhealthy one after `healthy` consecutive passes; `unhealthy` consecutive failures
    /// make any checked target unhealthy. Draining and unused targets ignore checks.
    pub fn observe(&self, outcome: &CheckOutcome, thresholds: Thresholds) -> Health {
        if matches!(self.state, TargetState::Draining | TargetState::Unused) {
            return self.clone();
        }
        if *outcome == CheckOutcome::Pass {
            return self.after_pass(thresholds);
        }
        let failures = self.failures.saturating_add(1);
        let (reason, description) = failure_reason(outcome);
        let state = match self.state {
            _ if failures >= thresholds.unhealthy => TargetState::Unhealthy,
            other => other,
        };
        let (reason, description) = match state {
            TargetState::Initial => (
                ReasonCode::InitialHealthChecking,
                "Initial health checks in progress".into(),
            ),
            _ => (reason, description),
        };
        Health {
            state,
            reason: (state != TargetState::Healthy).then_some(reason),
            description: if state == TargetState::Healthy {
                String::new()
            } else {
                description
            },
            passes: 0,
            failures,
        }
    }

    fn after_pass(&self, thresholds: Thresholds) -> Health {
        let passes = self.passes.saturating_add(1);
        let recovered = match self.state {
            TargetState::Unhealthy => passes >= thresholds.healthy,
            _ => true,
        };
        if recovered {
            return Health {
                state: TargetState::Healthy,
                reason: None,
                description: String::new(),
                passes,
                failures: 0,
            };
        }
        Health {
            passes,
            failures: 0,
            ..self.clone()
        }
    }
}

fn failure_reason(outcome: &CheckOutcome) -> (ReasonCode, String) {
    match outcome {
        CheckOutcome::CodeMismatch(code) => (
            ReasonCode::ResponseCodeMismatch,
            format!("Health checks failed with these codes: [{code}]"),
        ),
        CheckOutcome::Timeout => (ReasonCode::Timeout, "Request timed out".into()),
        CheckOutcome::Failed(why) => (
            ReasonCode::FailedHealthChecks,
            format!("Health checks failed: {why}"),
        ),
        CheckOutcome::Pass => (ReasonCode::FailedHealthChecks, String::new()),
    }
}

/// What selection needs to know of one target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// Its state.
    pub state: TargetState,
    /// Its share relative to a full target (1.0), below 1 during slow start.
    pub weight: f64,
}

/// Picks a target with `r` uniform in `[0, 1)`: weighted among the healthy ones; when none is
/// healthy, among the unhealthy ones (ELB fails open); `None` when only initial, draining or
/// unused targets remain. `skip` excludes one index (the target a retry leaves).
pub fn choose_target(candidates: &[Candidate], r: f64, skip: Option<usize>) -> Option<usize> {
    let pool = |state: TargetState| -> Vec<(usize, f64)> {
        candidates
            .iter()
            .enumerate()
            .filter(|(i, c)| c.state == state && Some(*i) != skip)
            .map(|(i, c)| (i, c.weight.max(f64::MIN_POSITIVE)))
            .collect()
    };
    let healthy = pool(TargetState::Healthy);
    let pool = if healthy.is_empty() {
        pool(TargetState::Unhealthy)
    } else {
        healthy
    };
    let total: f64 = pool.iter().map(|(_, w)| w).sum();
    let mut point = r.clamp(0.0, 1.0) * total;
    for (i, weight) in &pool {
        if point < *weight {
            return Some(*i);
        }
        point -= weight;
    }
    pool.last().map(|(i, _)| *i)
}

/// A target's weight during slow start: grows linearly from 10% to 100% over `window`
/// (the floor keeps a new target from starving).
pub fn slow_start_weight(since_healthy: Duration, window: Duration) -> f64 {
    if window.is_zero() || since_healthy >= window {
        return 1.0;
    }
    (since_healthy.as_secs_f64() / window.as_secs_f64()).max(0.1)
}

/// Whether a target that just turned healthy enters slow start: only when slow start is on
/// and another healthy target is not itself in slow start (ELB's rule for empty groups).
pub fn enters_slow_start(window: Duration, others_healthy_not_ramping: usize) -> bool {
    !window.is_zero() && others_healthy_not_ramping > 0
}

#[cfg(test)]
mod tests;
