//! What a schedule does now: pure decisions from (schedule, what it has done, now).
//!
//! The rules: a due time is handled once (`last_tick`); after downtime only the most recent
//! missed due time runs, and only within `startingDeadlineSeconds`; `Forbid` skips a due time
//! while the previous run is active, `Replace` stops that run first; a DISABLED schedule
//! never fires and does not catch up on the due times it slept through.

use crate::model::schedule::Schedule;
use crate::model::{ConcurrencyPolicy, ScheduleState};
use crate::store::{ScheduleStatus, ScheduledTaskRecord};

/// Due times walked one by one before the walk jumps to the last week before `now`.
const WALK_LIMIT: u64 = 100_000;
/// How far back the jump lands.
const WEEK_MILLIS: u64 = 7 * 86_400_000;

/// Everything `decide` looks at.
#[derive(Debug, Clone)]
pub struct ScheduleFacts<'a> {
    /// The parsed expression in its zone.
    pub schedule: &'a Schedule,
    /// ENABLED or DISABLED (a schedule without a target counts as DISABLED).
    pub state: ScheduleState,
    /// What a due time does while a run is active.
    pub policy: ConcurrencyPolicy,
    /// `startingDeadlineSeconds` in milliseconds.
    pub deadline_millis: Option<u64>,
    /// When counting started (a `rate` fires first here; nothing before it is due).
    pub anchor: u64,
    /// The latest due time already handled.
    pub last_tick: Option<u64>,
    /// Whether a previous run still has a task that is not STOPPED.
    pub active: bool,
}

/// What to do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Nothing is due; look again at `next` (`None`: the schedule never fires again).
    Wait {
        /// The next due time.
        next: Option<u64>,
    },
    /// Start a run for `tick`.
    Run {
        /// The due time run.
        tick: u64,
        /// Stop the active run's tasks first (`Replace`).
        replace: bool,
        /// Earlier due times that passed unrun (ecsd was down) and are folded into this one.
        passed_over: u64,
    },
    /// `Forbid`: record `tick` as skipped because a run is active.
    Skip {
        /// The due time skipped.
        tick: u64,
    },
    /// Due times passed beyond the starting deadline: record the latest as missed.
    Miss {
        /// The most recent missed due time.
        tick: u64,
        /// How many due times were missed.
        count: u64,
    },
}

/// The decision for `now`.
pub fn decide(now: u64, facts: &ScheduleFacts) -> Decision {
    if facts.state == ScheduleState::Disabled {
        return Decision::Wait { next: None };
    }
    // Nothing before the anchor is due: a schedule enabled again (or given a new expression)
    // does not catch up on what passed since its last run.
    let from = facts.last_tick.unwrap_or(0).max(facts.anchor.saturating_sub(1));
    let Some(due) = facts.schedule.next_after(from, facts.anchor) else {
        return Decision::Wait { next: None };
    };
    if due > now {
        return Decision::Wait { next: Some(due) };
    }
    let (tick, count) = latest_due(facts.schedule, due, now, facts.anchor);
    if facts
        .deadline_millis
        .is_some_and(|deadline| now - tick > deadline)
    {
        return Decision::Miss { tick, count };
    }
    match (facts.active, facts.policy) {
        (true, ConcurrencyPolicy::Forbid) => Decision::Skip { tick },
        (active, policy) => Decision::Run {
            tick,
            replace: active && policy == ConcurrencyPolicy::Replace,
            passed_over: count - 1,
        },
    }
}

/// The latest due time at or before `now`, starting from the due time `first`, and how many
/// due times that is (a lower bound once the walk jumped).
fn latest_due(schedule: &Schedule, first: u64, now: u64, anchor: u64) -> (u64, u64) {
    let (mut latest, mut count) = (first, 1);
    while let Some(next) = schedule.next_after(latest, anchor).filter(|n| *n <= now) {
        latest = next;
        count += 1;
        if count == WALK_LIMIT {
            let jump = now.saturating_sub(WEEK_MILLIS).max(latest);
            if let Some(later) = schedule.next_after(jump, anchor).filter(|n| *n <= now) {
                latest = later;
            }
        }
    }
    (latest, count)
}

/// The key an anchor belongs to: a changed expression or zone, or a schedule enabled again or
/// given a target again, counts from the change.
pub fn anchor_key(record: &ScheduledTaskRecord) -> String {
    if record.spec.fires() {
        format!("{} {}", record.spec.schedule_expression, record.spec.timezone())
    } else {
        String::new()
    }
}

/// The anchor `decide` should use: the stored one while the expression is unchanged, else now.
pub fn anchor_at(record: &ScheduledTaskRecord, status: &ScheduleStatus, now: u64) -> u64 {
    if status.anchored_to == anchor_key(record) && status.anchor > 0 {
        status.anchor
    } else {
        now
    }
}

/// The next `count` due times from `now` on; empty while DISABLED or invalid.
pub fn upcoming(record: &ScheduledTaskRecord, status: &ScheduleStatus, now: u64, count: usize) -> Vec<u64> {
    let Ok(schedule) = record.spec.schedule() else {
        return Vec::new();
    };
    if !record.spec.fires() {
        return Vec::new();
    }
    let anchor = anchor_at(record, status, now);
    let from = status
        .last_tick
        .unwrap_or(0)
        .max(anchor.saturating_sub(1))
        .max(now.saturating_sub(1));
    schedule.upcoming(from, anchor, count)
}

#[cfg(test)]
mod tests;
