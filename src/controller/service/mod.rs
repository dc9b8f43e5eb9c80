//! The service reconciler: deployments as ECS models them. Each step decides the PRIMARY
//! deployment, enforces health deadlines and the circuit breaker, then asks the pure planner
//! which tasks to start and stop.

mod actions;
mod deployments;
mod hold;
mod judge;
mod placing;
mod restarts;
mod views;

pub use deployments::breaker_threshold;

use super::context::Context;
use super::deployment_plan::{PlanInput, plan_deployment};
use super::retention::remove_task_containers;
use super::{Action, ControllerError, StopWhy};
use crate::model::{NetworkMode, StopCode, TaskDefinitionRef, TaskState};
use crate::runtime::RuntimeError;
use crate::store::{DeploymentStatus, RolloutState, ServiceRecord, ServiceStatus, TaskDefinitionRecord};
use deployments::{complete_if_done, fail_primary, follow_spec, held_reason, primary, push_event};
use hold::primary_hold;
use judge::{Judgement, LiveTask, judge_tasks};
use std::time::Duration;
use tracing::info;
use views::{HealthRules, ServiceTask, deployment_of, failed_before_healthy, is_live, service_tasks};

/// One step toward the service's desired state.
pub async fn reconcile_service(ctx: &Context, cluster: &str, name: &str) -> Result<Action, ControllerError> {
    let Some(service) = ctx.catalog.service(cluster, name)? else {
        return Ok(Action::Done);
    };
    let tasks = service_tasks(ctx, &service)?;
    if service.deleting {
        return drain(ctx, &service, &tasks).await;
    }
    let now = ctx.clock.now_millis();
    let before = ctx.catalog.service_status(cluster, name)?.unwrap_or_default();
    let mut status = before.clone();
    let mut events = Vec::new();
    status.message = None;
    let requested = requested(ctx, &service)?;
    let wanted = match &requested {
        Requested::Revision(td) => Some(td.as_ref()),
        Requested::Unresolved(_) => None,
    };
    let desired = placing::Placer::new(ctx, &service, wanted)?.desired(&service);
    match requested {
        Requested::Revision(td) => {
            let id = format!(
                "ecs-svc/{:019}",
                now * 1000 + status.deployments.len() as u64 % 1000
            );
            events.extend(follow_spec(
                &mut status,
                name,
                &td.reference(),
                service.deployment_nonce(),
                desired,
                now,
                id,
            ));
        }
        Requested::Unresolved(why) => {
            status.message = Some(why.clone());
            events.push(format!("(service {name}) {why}"));
        }
    }
    events.extend(ctx.news.take(cluster, name));
    if let Some(why) = held_reason(&status) {
        status.message = Some(why);
    }
    let target = primary_target(ctx, &status)?;
    let action = step(
        ctx,
        &service,
        &tasks,
        &mut status,
        target.as_ref(),
        now,
        &mut events,
    )
    .await?;
    for e in events {
        push_event(&mut status, e, now);
    }
    restarts::count_restarts(&mut status, &tasks);
    status.observed_generation = service.generation;
    status.task_definition = primary(&status).map(|p| p.task_definition.clone());
    if status != before {
        status.updated_at = now;
        ctx.catalog.put_service_status(cluster, name, &status)?;
    }
    Ok(action)
}

/// Health gates, breaker, planning and counts for a service with a resolved status.
async fn step(
    ctx: &Context,
    service: &ServiceRecord,
    tasks: &[ServiceTask],
    status: &mut ServiceStatus,
    target: Option<&TaskDefinitionRecord>,
    now: u64,
    events: &mut Vec<String>,
) -> Result<Action, ControllerError> {
    let name = service.name.as_str();
    let mut placer = placing::Placer::new(ctx, service, target)?;
    let desired = placer.desired(service);
    let Some(p) = primary(status).cloned() else {
        return Ok(Action::Done);
    };
    let mut rules = HealthRules::new(ctx);
    let mut observed = Vec::new();
    for (t, s) in tasks.iter().filter(|(t, s)| is_live(t, s)) {
        let (balanced, failing) = views::target_health(ctx, service, t);
        observed.push(LiveTask {
            failing_target_group: failing,
            in_grace: views::in_grace(service, s, now),
            ..LiveTask::new(t, s, rules.is_healthy(t, s, now)? && balanced)
        });
    }
    let deadline = u64::try_from(ctx.settings.task_healthy_deadline.as_millis()).unwrap_or(u64::MAX);
    let Judgement {
        keep: live,
        replace,
        healthy_primary,
    } = judge_tasks(&observed, &p, deadline, now);
    let mut failed_now = Vec::new();
    for (id, why) in replace {
        actions::stop(ctx, &id, &why.stop_reason())?;
        events.extend(why.event(name, &id));
        failed_now.push((id, why.stop_reason()));
    }
    judge_primary(ctx, service, tasks, status, desired, now, events);
    if let Some(td) = target
        && !preflight(ctx, service, td, &placer.eligible(), status, now, events).await?
    {
        // Images missing: change nothing (in particular, stop no old task) until they are here.
        count(status, tasks, &p.id, &p.task_definition, desired);
        return Ok(Action::RequeueAfter(Duration::from_secs(5)));
    }
    // A task whose instance is DRAINING (or gone, or no longer a DAEMON's) is planned as if
    // an older deployment's: replaced within the service's bounds, then stopped.
    let mut live = live;
    let records: std::collections::HashMap<&str, &crate::store::TaskRecord> =
        tasks.iter().map(|(t, _)| (t.id.as_str(), t)).collect();
    for planned in live.iter_mut().filter(|t| t.deployment == p.id) {
        let moving = records
            .get(planned.id.as_str())
            .is_some_and(|t| placer.must_move(&placer.instance_of(t)));
        if moving {
            planned.deployment = format!("{} (moving off its instance)", p.id);
        }
    }
    let p = primary(status).cloned().unwrap_or(p);
    let hold = primary_hold(tasks, &p, &failed_now, now, ctx.settings.min_healthy_time);
    let may_start = target.is_some() && p.rollout_state != RolloutState::Failed && hold.is_none();
    let (min, max) = service.spec.deployment_percents();
    let plan = plan_deployment(&PlanInput {
        desired,
        min_percent: min,
        max_percent: max,
        primary: &p.id,
        may_start,
        fixed_host_port: target.is_some_and(uses_fixed_host_port) && !placer.can_surge_elsewhere(),
        tasks: &live,
        stopping: u32::try_from(tasks.iter().filter(|(t, s)| still_stopping(t, s)).count())
            .unwrap_or(u32::MAX),
    });
    let plan = choose_scale_in(plan, &live, tasks, &p.id, &placer);
    let short = live.iter().filter(|t| t.deployment == p.id).count() < desired as usize;
    if let Some(h) = hold.filter(|_| short) {
        status.message = Some(h.message());
        events.push(format!("(service {name}) {}", h.message()));
    }
    if let Some(td) = target {
        if plan.start > 0 || !plan.replace_in_place.is_empty() {
            record_deployments(ctx, service, status)?;
        }
        let outcome = actions::apply_plan(ctx, service, &p, td, &plan, &mut placer, tasks)?;
        if let Some(why) = &outcome.unplaced {
            status.message = Some(why.clone());
        }
        events.extend(outcome.events);
    }
    events.extend(actions::release_swapped_slots(ctx, service, tasks, &p.id)?);
    events.extend(settle(status, service, tasks, healthy_primary, desired, now));
    let in_progress = primary(status).is_some_and(|p| p.rollout_state == RolloutState::InProgress);
    Ok(match (hold, in_progress) {
        (Some(h), _) => Action::RequeueAfter(h.wait),
        (None, true) => Action::RequeueAfter(Duration::from_secs(1)),
        (None, false) => Action::Done,
    })
}

/// The planner says how many of the PRIMARY's tasks go when it scales in; which ones is
/// placement's choice (the service's strategies), preferring unhealthy, then newer, tasks.
fn choose_scale_in(
    mut plan: super::DeploymentPlan,
    live: &[super::PlanTask],
    tasks: &[ServiceTask],
    primary_id: &str,
    placer: &placing::Placer,
) -> super::DeploymentPlan {
    let count = plan
        .stop
        .iter()
        .filter(|(_, why)| *why == StopWhy::ScaleIn)
        .count();
    if count == 0 {
        return plan;
    }
    let mut mine: Vec<&super::PlanTask> = live.iter().filter(|t| t.deployment == primary_id).collect();
    mine.sort_by_key(|t| (t.healthy, std::cmp::Reverse(t.created_at)));
    let records: std::collections::HashMap<&str, &crate::store::TaskRecord> =
        tasks.iter().map(|(t, _)| (t.id.as_str(), t)).collect();
    let candidates: Vec<(String, String)> = mine
        .iter()
        .filter_map(|t| {
            let record = records.get(t.id.as_str())?;
            Some((t.id.clone(), placer.instance_of(record)))
        })
        .collect();
    let chosen = placer.choose_scale_in(&candidates, count);
    plan.stop.retain(|(_, why)| *why != StopWhy::ScaleIn);
    plan.stop
        .extend(chosen.into_iter().map(|id| (id, StopWhy::ScaleIn)));
    plan
}

/// Told to stop, not stopped yet: it still holds its slot (ports, memory).
fn still_stopping(t: &crate::store::TaskRecord, s: &crate::store::TaskStatus) -> bool {
    !is_live(t, s) && s.last_status != TaskState::Stopped && s.last_status != TaskState::Provisioning
}

/// Counts, then completes the PRIMARY once it alone runs the desired healthy tasks and every
/// other deployment's task has fully stopped.
fn settle(
    status: &mut ServiceStatus,
    service: &ServiceRecord,
    tasks: &[ServiceTask],
    healthy_primary: usize,
    desired: u32,
    now: u64,
) -> Vec<String> {
    let Some(p) = primary(status).cloned() else {
        return Vec::new();
    };
    count(status, tasks, &p.id, &p.task_definition, desired);
    let others_remaining = tasks
        .iter()
        .filter(|(t, s)| {
            deployment_of(t, &p.id, &p.task_definition) != p.id && s.last_status != TaskState::Stopped
        })
        .count();
    let healthy = u32::try_from(healthy_primary).unwrap_or(u32::MAX);
    complete_if_done(status, &service.name, healthy, others_remaining, now)
}

/// New tasks will name the PRIMARY: a deployment begun (or rolled back to) in this step is
/// recorded before any of them exists, so a crash cannot leave tasks of a deployment the next
/// daemon does not know.
fn record_deployments(
    ctx: &Context,
    service: &ServiceRecord,
    status: &ServiceStatus,
) -> Result<(), ControllerError> {
    let (cluster, name) = (service.cluster.as_str(), service.name.as_str());
    let recorded = ctx.catalog.service_status(cluster, name)?.unwrap_or_default();
    if recorded.deployments != status.deployments {
        ctx.catalog.put_service_status(cluster, name, status)?;
    }
    Ok(())
}

/// Pulls or verifies every image of the PRIMARY's task definition before its rollout may stop
/// anything; a pull failure fails the deployment (and rolls back when the breaker says so).
async fn preflight(
    ctx: &Context,
    service: &ServiceRecord,
    td: &TaskDefinitionRecord,
    instances: &[String],
    status: &mut ServiceStatus,
    now: u64,
    events: &mut Vec<String>,
) -> Result<bool, ControllerError> {
    let Some(p) = primary(status).cloned() else {
        return Ok(true);
    };
    if p.images_ready || p.rollout_state != RolloutState::InProgress || p.task_definition != td.reference() {
        return Ok(true);
    }
    // Every instance the rollout may place on; one that stops answering meanwhile is not
    // placed on, so it does not hold the others back.
    let local = ctx.engines.local_id().to_string();
    let engines = instances
        .iter()
        .filter_map(|id| ctx.engines.get(Some(id)).map(|engine| (id, engine)));
    for (instance, engine) in engines {
        for def in &td.spec.container_definitions {
            let present = match engine.image_exists(&def.image).await {
                Ok(present) => present,
                Err(RuntimeError::Unreachable { .. }) if *instance != local => break,
                Err(e) => return Err(e.into()),
            };
            if present {
                continue;
            }
            info!(service = %service.name, image = %def.image, instance = %instance, "pulling image before the rollout");
            if let Err(e) = engine.pull(&def.image).await {
                let reason = format!("CannotPullContainerError: {}: {e}", def.image);
                let rollback = service.spec.circuit_breaker().is_some_and(|b| b.rollback);
                events.extend(fail_primary(status, &service.name, &reason, rollback, now));
                return Ok(false);
            }
        }
    }
    if let Some(d) = status.deployments.iter_mut().find(|d| d.id == p.id) {
        d.images_ready = true;
    }
    Ok(true)
}

/// Counts failures of the PRIMARY (reset by a healthy task) and applies the circuit breaker
/// and the progress deadline.
fn judge_primary(
    ctx: &Context,
    service: &ServiceRecord,
    tasks: &[ServiceTask],
    status: &mut ServiceStatus,
    desired: u32,
    now: u64,
    events: &mut Vec<String>,
) {
    let Some(p) = primary(status).cloned() else { return };
    let mine: Vec<&ServiceTask> = tasks
        .iter()
        .filter(|(t, _)| deployment_of(t, &p.id, &p.task_definition) == p.id)
        .collect();
    let last_success = mine.iter().filter_map(|(_, s)| s.healthy_at).max().unwrap_or(0);
    let failures = mine
        .iter()
        .filter(|(_, s)| failed_before_healthy(s) && s.stopped_at.unwrap_or(0) > last_success)
        .count() as u32;
    let progressed_at = last_success.max(p.progressed_at).max(p.created_at);
    if let Some(d) = status.deployments.iter_mut().find(|d| d.id == p.id) {
        d.failed_tasks = failures;
        d.progressed_at = progressed_at;
    }
    if p.rollout_state != RolloutState::InProgress {
        return;
    }
    let breaker = service.spec.circuit_breaker();
    if let Some(b) = breaker.filter(|_| failures >= breaker_threshold(desired)) {
        info!(service = %service.name, failures, "circuit breaker tripped");
        events.extend(fail_primary(
            status,
            &service.name,
            "tasks failed to start.",
            b.rollback,
            now,
        ));
        return;
    }
    let deadline = ctx.settings.progress_deadline.as_millis() as u64;
    if now > progressed_at.saturating_add(deadline) {
        let reason = format!("no progress within the progress deadline ({}s).", deadline / 1000);
        let rollback = breaker.is_some_and(|b| b.rollback);
        events.extend(fail_primary(status, &service.name, &reason, rollback, now));
    }
}

/// Per-deployment and service counts.
fn count(
    status: &mut ServiceStatus,
    tasks: &[ServiceTask],
    primary_id: &str,
    primary_td: &str,
    desired: u32,
) {
    let live: Vec<&ServiceTask> = tasks.iter().filter(|(t, s)| is_live(t, s)).collect();
    for d in &mut status.deployments {
        let mine = live
            .iter()
            .filter(|(t, _)| deployment_of(t, primary_id, primary_td) == d.id);
        let (running, pending) = mine.fold((0, 0), |(r, p), (_, s)| match s.last_status {
            TaskState::Running => (r + 1, p),
            _ => (r, p + 1),
        });
        d.running_count = running;
        d.pending_count = pending;
        if d.status == DeploymentStatus::Primary {
            d.desired_count = desired;
        } else {
            d.desired_count = running + pending;
        }
    }
    status.running_count = live
        .iter()
        .filter(|(_, s)| s.last_status == TaskState::Running)
        .count() as u32;
    status.pending_count = live.iter().filter(|(_, s)| s.last_status.is_pending()).count() as u32;
}

/// Deleting: stop every task, then remove their containers and the service.
async fn drain(
    ctx: &Context,
    service: &ServiceRecord,
    tasks: &[ServiceTask],
) -> Result<Action, ControllerError> {
    for (t, _) in tasks.iter().filter(|(t, s)| is_live(t, s)) {
        ctx.catalog.request_task_stop(
            &t.id,
            StopCode::ServiceSchedulerInitiated,
            "Service is being deleted",
        )?;
    }
    if tasks.iter().all(|(_, s)| s.last_status == TaskState::Stopped) {
        for (t, _) in tasks {
            remove_task_containers(ctx, &t.id).await?;
        }
        ctx.catalog.remove_service(&service.cluster, &service.name)?;
        info!(service = %service.name, cluster = %service.cluster, "service deleted");
        return Ok(Action::Done);
    }
    Ok(Action::RequeueAfter(Duration::from_secs(1)))
}

/// The revision a service's spec asks for this step, or why it names none.
enum Requested {
    /// The revision `taskDefinition` resolves to now.
    Revision(Box<TaskDefinitionRecord>),
    /// ECS-worded reason it resolves to nothing.
    Unresolved(String),
}

/// What the spec's `taskDefinition` (`family` or `family:revision`) resolves to.
fn requested(ctx: &Context, service: &ServiceRecord) -> Result<Requested, ControllerError> {
    let reference = &service.spec.task_definition;
    let Ok(parsed) = TaskDefinitionRef::parse(reference) else {
        return Ok(Requested::Unresolved(format!(
            "invalid task definition {reference:?}"
        )));
    };
    Ok(match ctx.catalog.resolve_task_definition(&parsed)? {
        Some(td) => Requested::Revision(Box::new(td)),
        None => Requested::Unresolved(format!(
            "was unable to place a task because task definition {reference} has no ACTIVE revision."
        )),
    })
}

/// The revision every new task of the service runs: the PRIMARY deployment's, which after a
/// rollback is the rolled-back revision, not the one the spec names. The one place a start's
/// target is decided.
fn primary_target(
    ctx: &Context,
    status: &ServiceStatus,
) -> Result<Option<TaskDefinitionRecord>, ControllerError> {
    let Some(reference) = primary(status).and_then(|p| TaskDefinitionRef::parse(&p.task_definition).ok())
    else {
        return Ok(None);
    };
    let Some(revision) = reference.revision else {
        return Ok(None);
    };
    Ok(ctx.catalog.task_definition(&reference.family, revision)?)
}

/// Two copies cannot run at once: a fixed host port in bridge mode, or any port in host mode.
fn uses_fixed_host_port(td: &TaskDefinitionRecord) -> bool {
    let host_mode = td.spec.network_mode() == NetworkMode::Host;
    td.spec
        .container_definitions
        .iter()
        .flat_map(|c| &c.port_mappings)
        .any(|p| host_mode || p.fixed_host_port().is_some())
}
