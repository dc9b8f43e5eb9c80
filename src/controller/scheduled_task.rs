//! The schedule reconciler: at each due time of a `ScheduledTask`, records the tick, then
//! starts its tasks (RunTask), honouring the overlap policy; settles finished runs' outcomes.
//!
//! What has fired is written (and flushed) before any task starts, so a crash between the two
//! loses that run rather than starting it twice.

use super::context::Context;
use super::schedule_plan::{Decision, ScheduleFacts, anchor_at, anchor_key, decide};
use super::{Action, ControllerError};
use crate::model::schedule::wall_clock;
use crate::model::{ConcurrencyPolicy, ScheduleState, StopCode, TaskState};
use crate::ops::OpsError;
use crate::ops::scheduled_tasks::{run_placement, run_request};
use crate::ops::tasks::launch;
use crate::store::{
    RunOutcome, ScheduleRun, ScheduleStatus, ScheduledTaskRecord, ServiceEvent, TaskRecord, TaskStatus,
};
use std::collections::BTreeMap;
use std::time::Duration;
use tracing::{info, warn};

/// `startedBy` of every task a schedule starts: `ecsd-schedule/<name>`.
pub fn started_by(name: &str) -> String {
    format!("ecsd-schedule/{name}")
}

/// How often a schedule with a run still going looks at its tasks again.
const SETTLE_EVERY: Duration = Duration::from_secs(5);

/// Brings one schedule up to date: settles runs, then handles a due time if one has come.
pub async fn reconcile_scheduled_task(
    ctx: &Context,
    cluster: &str,
    name: &str,
) -> Result<Action, ControllerError> {
    let Some(record) = ctx.catalog.scheduled_task(cluster, name)? else {
        return Ok(Action::Done);
    };
    let now = ctx.clock.now_millis();
    let stored = ctx.catalog.schedule_status(cluster, name)?;
    let mut status = stored.clone();
    status.anchor = anchor_at(&record, &status, now);
    status.anchored_to = anchor_key(&record);
    let tasks = schedule_tasks(ctx, &record)?;
    settle_runs(&mut status, &record, &tasks, now);
    let Ok(schedule) = record.spec.schedule() else {
        // Validated when applied; an expression this version cannot read never fires.
        save(ctx, &record, &stored, &status)?;
        return Ok(Action::Done);
    };
    let facts = ScheduleFacts {
        schedule: &schedule,
        state: if record.spec.fires() {
            ScheduleState::Enabled
        } else {
            ScheduleState::Disabled
        },
        policy: record.spec.concurrency_policy,
        deadline_millis: record
            .spec
            .starting_deadline_seconds
            .map(|s| s.0.saturating_mul(1_000)),
        anchor: status.anchor,
        last_tick: status.last_tick,
        active: tasks.iter().any(|(_, s)| !is_stopped(s.as_ref())),
    };
    let (decision, by_hand) = decision_now(now, &facts, &record, &mut status);
    let next = match decision {
        Decision::Wait { next } => next,
        Decision::Skip { tick } => {
            record_skip(&mut status, &record, tick, by_hand, now);
            Some(now)
        }
        Decision::Miss { tick, count } => {
            record_miss(&mut status, &record, tick, count, now);
            Some(now)
        }
        Decision::Run {
            tick,
            replace,
            passed_over,
        } => {
            record_run(&mut status, &record, tick, passed_over, now);
            save(ctx, &record, &stored, &status)?;
            if replace {
                replace_active(ctx, &record, &tasks)?;
            }
            start_run(ctx, &record, &mut status, &when(&record, tick, by_hand), now);
            Some(now)
        }
    };
    save(ctx, &record, &stored, &status)?;
    let running = status.runs.iter().any(|r| r.outcome == RunOutcome::Running);
    Ok(wake_at(now, next, running))
}

/// The planner's decision for `now`; when nothing is due, a run asked for by hand (`ecsd
/// schedule run`) not handled yet: now, under the overlap policy, whatever the expression and
/// state say. The flag says the decision is that run by hand.
fn decision_now(
    now: u64,
    facts: &ScheduleFacts,
    record: &ScheduledTaskRecord,
    status: &mut ScheduleStatus,
) -> (Decision, bool) {
    let decision = decide(now, facts);
    if record.runs_requested <= status.runs_requested_handled || !matches!(decision, Decision::Wait { .. }) {
        return (decision, false);
    }
    status.runs_requested_handled = record.runs_requested;
    let asked = match (facts.active, facts.policy) {
        (true, ConcurrencyPolicy::Forbid) => Decision::Skip { tick: now },
        (active, policy) => Decision::Run {
            tick: now,
            replace: active && policy == ConcurrencyPolicy::Replace,
            passed_over: 0,
        },
    };
    (asked, true)
}

/// Why `Forbid` skips a due time.
const FORBID_REASON: &str = "the previous run is still active (concurrencyPolicy Forbid)";

/// `Forbid`: `tick` is recorded as skipped, in the runs and in the events.
fn record_skip(
    status: &mut ScheduleStatus,
    record: &ScheduledTaskRecord,
    tick: u64,
    by_hand: bool,
    now: u64,
) {
    info!(tick, reason = FORBID_REASON, "schedule skipped a due time");
    let skipped = run_entry(
        tick,
        now,
        RunOutcome::Skipped,
        &format!("skipped: {FORBID_REASON}"),
    );
    record_tick(status, record, skipped);
    let what = format!("skipped the run {}: {FORBID_REASON}", when(record, tick, by_hand));
    push_event(status, record, what, now);
}

/// Due times up to `tick` passed beyond `startingDeadlineSeconds`: `tick` is recorded as
/// missed, in the runs and in the events.
fn record_miss(status: &mut ScheduleStatus, record: &ScheduledTaskRecord, tick: u64, count: u64, now: u64) {
    warn!(tick, count, "schedule missed due times");
    let message =
        format!("missed: {count} due time(s) passed while ecsd was down, beyond startingDeadlineSeconds");
    record_tick(status, record, run_entry(tick, now, RunOutcome::Missed, &message));
    let deadline = record.spec.starting_deadline_seconds.map_or(0, |s| s.0);
    let what = match count {
        1 => format!(
            "missed the run {}: it passed while ecsd was down, more than startingDeadlineSeconds ({deadline}) ago",
            when(record, tick, false)
        ),
        _ => format!(
            "missed {count} due times up to the run {}: they passed while ecsd was down, the latest more than startingDeadlineSeconds ({deadline}) ago",
            when(record, tick, false)
        ),
    };
    push_event(status, record, what, now);
}

/// A run for `tick` is recorded before its tasks start; due times folded into it (ecsd was
/// down) are told in the events.
fn record_run(
    status: &mut ScheduleStatus,
    record: &ScheduledTaskRecord,
    tick: u64,
    passed_over: u64,
    now: u64,
) {
    let mut entry = run_entry(tick, now, RunOutcome::Running, "");
    if passed_over > 0 {
        let due_times = passed_over + 1;
        entry.message = Some(format!(
            "ran once for {due_times} due times missed while ecsd was down"
        ));
        let what = format!(
            "ran once for {due_times} due times that passed while ecsd was down: the run {}",
            when(record, tick, false)
        );
        push_event(status, record, what, now);
    }
    record_tick(status, record, entry);
}

/// A run's due time as the events name it, in the schedule's time zone.
fn when(record: &ScheduledTaskRecord, tick: u64, by_hand: bool) -> String {
    let at = wall_clock(tick, record.spec.timezone());
    if by_hand {
        format!("asked for by `ecsd schedule run` at {at}")
    } else {
        format!("due at {at}")
    }
}

/// Tells `ecsd events` what became of a due time, worded as ECS words service events.
fn push_event(status: &mut ScheduleStatus, record: &ScheduledTaskRecord, what: String, now: u64) {
    let message = format!("(scheduled task {}) {what}.", record.name);
    ServiceEvent::push(&mut status.events, message, now);
}

/// When to look again: at the next due time, and every few seconds while a run is going.
fn wake_at(now: u64, next: Option<u64>, running: bool) -> Action {
    let until_due = next.map(|n| Duration::from_millis(n.saturating_sub(now)));
    let delay = match (until_due, running) {
        (Some(due), true) => due.min(SETTLE_EVERY),
        (Some(due), false) => due,
        (None, true) => SETTLE_EVERY,
        (None, false) => return Action::Done,
    };
    Action::RequeueAfter(delay)
}

fn save(
    ctx: &Context,
    record: &ScheduledTaskRecord,
    stored: &ScheduleStatus,
    status: &ScheduleStatus,
) -> Result<(), ControllerError> {
    if status != stored {
        ctx.catalog
            .put_schedule_status(&record.cluster, &record.name, status)?;
    }
    Ok(())
}

fn run_entry(tick: u64, now: u64, outcome: RunOutcome, message: &str) -> ScheduleRun {
    ScheduleRun {
        tick,
        at: now,
        task_ids: Vec::new(),
        outcome,
        exit_codes: Vec::new(),
        message: (!message.is_empty()).then(|| message.to_string()),
    }
}

/// Marks `entry.tick` handled and keeps at most `runsHistoryLimit` runs.
fn record_tick(status: &mut ScheduleStatus, record: &ScheduledTaskRecord, entry: ScheduleRun) {
    status.last_tick = Some(entry.tick);
    status.runs.push(entry);
    let excess = status.runs.len().saturating_sub(record.spec.runs_history_limit());
    status.runs.drain(..excess);
}

/// Starts the run's tasks; a refusal (unknown task definition, no target, …) fails the run,
/// and the events say so. `when` names the run.
fn start_run(ctx: &Context, record: &ScheduledTaskRecord, status: &mut ScheduleStatus, when: &str, now: u64) {
    let Some(entry) = status.runs.last_mut() else {
        return;
    };
    let started = match run_request(record) {
        Some(request) => launch(&ctx.catalog, &request, &run_placement(record))
            .and_then(|launched| launched.started(&request))
            .map(|launched| launched.tasks),
        None => Err(OpsError::InvalidSpec(
            "the schedule has no target (no taskDefinition)".into(),
        )),
    };
    match started {
        Ok(tasks) => {
            entry.task_ids = tasks.into_iter().map(|t| t.id).collect();
            info!(tasks = ?entry.task_ids, "schedule started a run");
        }
        Err(e) => {
            warn!(error = %e, "schedule could not start its run");
            entry.outcome = RunOutcome::Failed;
            entry.message = Some(format!("could not start: {e}"));
            push_event(
                status,
                record,
                format!("could not start the run {when}: {e}"),
                now,
            );
        }
    }
}

/// `Replace`: asks the active run's tasks to stop before the new run starts.
fn replace_active(
    ctx: &Context,
    record: &ScheduledTaskRecord,
    tasks: &[(TaskRecord, Option<TaskStatus>)],
) -> Result<(), ControllerError> {
    let reason = format!("Replaced by a later run of schedule {}", record.name);
    for (task, status) in tasks {
        if !is_stopped(status.as_ref()) {
            ctx.catalog
                .request_task_stop(&task.id, StopCode::UserInitiated, &reason)?;
        }
    }
    Ok(())
}

/// The schedule's tasks still on record, with their observed status.
fn schedule_tasks(
    ctx: &Context,
    record: &ScheduledTaskRecord,
) -> Result<Vec<(TaskRecord, Option<TaskStatus>)>, ControllerError> {
    let by = started_by(&record.name);
    let mut found = Vec::new();
    for task in ctx.catalog.tasks()? {
        if task.cluster == record.cluster && task.started_by.as_deref() == Some(by.as_str()) {
            let status = ctx.catalog.task_status(&task.id)?;
            found.push((task, status));
        }
    }
    Ok(found)
}

fn is_stopped(status: Option<&TaskStatus>) -> bool {
    status.is_some_and(|s| s.last_status == TaskState::Stopped)
}

/// Gives each finished run its outcome and exit codes. A task no longer on record (retention
/// removed it) counts as stopped with an unknown exit code; a run whose tasks never started
/// (ecsd stopped in between) failed, and the events say so.
fn settle_runs(
    status: &mut ScheduleStatus,
    record: &ScheduledTaskRecord,
    tasks: &[(TaskRecord, Option<TaskStatus>)],
    now: u64,
) {
    let by_id: BTreeMap<&str, Option<&TaskStatus>> =
        tasks.iter().map(|(t, s)| (t.id.as_str(), s.as_ref())).collect();
    let mut interrupted = Vec::new();
    for run in status
        .runs
        .iter_mut()
        .filter(|r| r.outcome == RunOutcome::Running)
    {
        if run.task_ids.is_empty() {
            run.outcome = RunOutcome::Failed;
            run.message = Some(format!("no task was started ({INTERRUPTED})"));
            interrupted.push(run.tick);
            continue;
        }
        let stopped: Option<Vec<Option<i64>>> = run
            .task_ids
            .iter()
            .map(|id| match by_id.get(id.as_str()) {
                None => Some(None),
                Some(s) if is_stopped(*s) => Some(s.and_then(exit_code)),
                Some(_) => None,
            })
            .collect();
        let Some(codes) = stopped else { continue };
        run.outcome = if codes.iter().all(|c| *c == Some(0)) {
            RunOutcome::Succeeded
        } else {
            RunOutcome::Failed
        };
        run.exit_codes = codes;
    }
    for tick in interrupted {
        let what = format!(
            "did not start the run {}: {INTERRUPTED}",
            when(record, tick, false)
        );
        push_event(status, record, what, now);
    }
}

/// Why a recorded run has no tasks.
const INTERRUPTED: &str = "ecsd stopped between recording the run and starting its tasks";

/// A stopped task's exit code: its first non-zero container exit code, else its first one.
fn exit_code(status: &TaskStatus) -> Option<i64> {
    let codes = status.containers.iter().filter_map(|c| c.exit_code);
    codes
        .clone()
        .find(|c| *c != 0)
        .or_else(|| codes.into_iter().next())
}

#[cfg(test)]
mod tests;
