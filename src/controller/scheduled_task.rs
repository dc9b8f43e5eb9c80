//! The schedule reconciler: at each due time of a `ScheduledTask`, records the tick, then
//! starts its tasks (RunTask), honouring the overlap policy; settles finished runs' outcomes.
//!
//! What has fired is written (and flushed) before any task starts, so a crash between the two
//! loses that run rather than starting it twice.

use super::context::Context;
use super::schedule_plan::{Decision, ScheduleFacts, anchor_at, anchor_key, decide};
use super::{Action, ControllerError};
use crate::model::{ConcurrencyPolicy, ScheduleState, StopCode, TaskState};
use crate::ops::OpsError;
use crate::ops::scheduled_tasks::{run_placement, run_request};
use crate::ops::tasks::launch;
use crate::store::{RunOutcome, ScheduleRun, ScheduleStatus, ScheduledTaskRecord, TaskRecord, TaskStatus};
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
    settle_runs(&mut status, &tasks);
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
    let mut decision = decide(now, &facts);
    if record.runs_requested > status.runs_requested_handled && matches!(decision, Decision::Wait { .. }) {
        // A run asked for by hand (`ecsd schedule run`): now, under the overlap policy,
        // whatever the expression and state say.
        status.runs_requested_handled = record.runs_requested;
        decision = match (facts.active, record.spec.concurrency_policy) {
            (true, ConcurrencyPolicy::Forbid) => Decision::Skip { tick: now },
            (active, policy) => Decision::Run {
                tick: now,
                replace: active && policy == ConcurrencyPolicy::Replace,
                passed_over: 0,
            },
        };
    }
    let next = match decision {
        Decision::Wait { next } => next,
        Decision::Skip { tick } => {
            let message = "skipped: the previous run is still active (concurrencyPolicy Forbid)";
            info!(tick, "{message}");
            record_tick(
                &mut status,
                &record,
                run_entry(tick, now, RunOutcome::Skipped, message),
            );
            Some(now)
        }
        Decision::Miss { tick, count } => {
            let message = format!(
                "missed: {count} due time(s) passed while ecsd was down, beyond startingDeadlineSeconds"
            );
            warn!(tick, count, "schedule missed due times");
            record_tick(
                &mut status,
                &record,
                run_entry(tick, now, RunOutcome::Missed, &message),
            );
            Some(now)
        }
        Decision::Run {
            tick,
            replace,
            passed_over,
        } => {
            let mut entry = run_entry(tick, now, RunOutcome::Running, "");
            entry.message = (passed_over > 0).then(|| {
                format!(
                    "ran once for {} due times missed while ecsd was down",
                    passed_over + 1
                )
            });
            record_tick(&mut status, &record, entry);
            save(ctx, &record, &stored, &status)?;
            if replace {
                replace_active(ctx, &record, &tasks)?;
            }
            start_run(ctx, &record, &mut status);
            Some(now)
        }
    };
    save(ctx, &record, &stored, &status)?;
    let running = status.runs.iter().any(|r| r.outcome == RunOutcome::Running);
    Ok(wake_at(now, next, running))
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

/// Starts the run's tasks; a refusal (unknown task definition, no target, …) fails the run.
fn start_run(ctx: &Context, record: &ScheduledTaskRecord, status: &mut ScheduleStatus) {
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
/// removed it) counts as stopped with an unknown exit code.
fn settle_runs(status: &mut ScheduleStatus, tasks: &[(TaskRecord, Option<TaskStatus>)]) {
    let by_id: BTreeMap<&str, Option<&TaskStatus>> =
        tasks.iter().map(|(t, s)| (t.id.as_str(), s.as_ref())).collect();
    for run in status
        .runs
        .iter_mut()
        .filter(|r| r.outcome == RunOutcome::Running)
    {
        if run.task_ids.is_empty() {
            run.outcome = RunOutcome::Failed;
            run.message =
                Some("no task was started (ecsd stopped between recording the run and starting it)".into());
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
}

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
