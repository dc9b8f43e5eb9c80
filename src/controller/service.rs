//! The service reconciler: keeps `desiredCount` tasks of the right revision running.

use super::context::Context;
use super::replica_plan::{StopWhy, TaskView, plan_replicas};
use super::restart_backoff::restart_delay;
use super::retention::remove_task_containers;
use super::{Action, ControllerError};
use crate::model::{DesiredStatus, HealthStatus, StopCode, TaskDefinitionRef, TaskState, new_task_id};
use crate::store::{ServiceRecord, ServiceStatus, TaskDefinitionRecord, TaskRecord, TaskStatus};
use tracing::info;

/// One step toward the service's desired state.
pub async fn reconcile_service(ctx: &Context, cluster: &str, name: &str) -> Result<Action, ControllerError> {
    let Some(service) = ctx.catalog.service(cluster, name)? else {
        return Ok(Action::Done);
    };
    let tasks = service_tasks(ctx, &service)?;
    let (target, message) = match resolve_target(ctx, &service)? {
        Ok(td) => (Some(td), None),
        Err(why) => (None, Some(why)),
    };
    // ECS replaces a service's tasks that fail their container health checks.
    for (t, s) in &tasks {
        if is_live(t, s) && s.health_status == HealthStatus::Unhealthy {
            ctx.catalog.request_task_stop(
                &t.id,
                StopCode::ServiceSchedulerInitiated,
                "Task failed container health checks",
            )?;
        }
    }
    let live: Vec<TaskView> = tasks
        .iter()
        .filter(|(t, s)| is_live(t, s) && s.health_status != HealthStatus::Unhealthy)
        .map(|(t, s)| TaskView {
            id: t.id.clone(),
            task_definition: t.task_definition.clone(),
            state: s.last_status,
            created_at: t.created_at,
        })
        .collect();
    let target_ref = target.as_ref().map(TaskDefinitionRecord::reference);
    let plan = plan_replicas(service.desired_count(), target_ref.as_deref(), &live);
    for (id, why) in &plan.stop {
        let reason = match (why, service.deleting) {
            (_, true) => "Service is being deleted",
            (StopWhy::ScaleIn, _) => "Scaling activity initiated by (deployment ecsd)",
            (StopWhy::Replaced, _) => "Replaced by a task of the new task definition revision",
        };
        ctx.catalog
            .request_task_stop(id, StopCode::ServiceSchedulerInitiated, reason)?;
    }
    let statuses: Vec<&TaskStatus> = tasks.iter().map(|(_, s)| s).collect();
    let hold = restart_delay(&statuses, ctx.clock.now_millis()).filter(|_| plan.start > 0);
    let mut message = message;
    match (&target, hold) {
        (Some(_), Some(wait)) => {
            message = Some(format!(
                "tasks keep failing right after they start; next start in {}s",
                wait.as_secs().max(1)
            ));
        }
        (Some(td), None) => {
            for _ in 0..plan.start {
                start_task(ctx, &service, td)?;
            }
        }
        (None, _) => {}
    }
    if plan.start > 0 || !plan.stop.is_empty() {
        info!(service = %name, started = plan.start, stopped = plan.stop.len(), "service scaled");
    }
    if service.deleting && tasks.iter().all(|(_, s)| s.last_status == TaskState::Stopped) {
        for (t, _) in &tasks {
            remove_task_containers(ctx, &t.id).await?;
        }
        ctx.catalog.remove_service(cluster, name)?;
        info!(service = %name, cluster = %cluster, "service deleted");
        return Ok(Action::Done);
    }
    write_status(ctx, &service, &live, target_ref, message)?;
    Ok(hold.map_or(Action::Done, Action::RequeueAfter))
}

/// A task that is meant to run and has not begun stopping.
fn is_live(t: &TaskRecord, s: &TaskStatus) -> bool {
    t.desired_status == DesiredStatus::Running && !s.last_status.is_shutting_down() && s.stop_code.is_none()
}

/// Every task record of the service with its observed status.
fn service_tasks(
    ctx: &Context,
    service: &ServiceRecord,
) -> Result<Vec<(TaskRecord, TaskStatus)>, ControllerError> {
    let mut out = Vec::new();
    for task in ctx.catalog.tasks()? {
        if task.cluster == service.cluster && task.service.as_deref() == Some(service.name.as_str()) {
            let status = ctx.catalog.task_status(&task.id)?.unwrap_or_default();
            out.push((task, status));
        }
    }
    Ok(out)
}

/// The revision new tasks should run, or why there is none.
fn resolve_target(
    ctx: &Context,
    service: &ServiceRecord,
) -> Result<Result<TaskDefinitionRecord, String>, ControllerError> {
    let Ok(reference) = TaskDefinitionRef::parse(&service.spec.task_definition) else {
        return Ok(Err(format!(
            "invalid task definition {:?}",
            service.spec.task_definition
        )));
    };
    let found = match reference.revision {
        Some(rev) => ctx.catalog.task_definition(&reference.family, rev)?,
        None => ctx.catalog.latest_task_definition(&reference.family)?,
    };
    Ok(found.ok_or_else(|| {
        format!(
            "unable to place a task: task definition {} has no ACTIVE revision; apply it first",
            service.spec.task_definition
        )
    }))
}

fn start_task(
    ctx: &Context,
    service: &ServiceRecord,
    td: &TaskDefinitionRecord,
) -> Result<(), ControllerError> {
    let task = TaskRecord {
        id: new_task_id(),
        cluster: service.cluster.clone(),
        task_definition: td.reference(),
        service: Some(service.name.clone()),
        group: format!("service:{}", service.name),
        started_by: Some(format!("ecsd/service/{}", service.name)),
        deployment: None,
        start_after: None,
        desired_status: DesiredStatus::Running,
        stop_code: None,
        stopped_reason: None,
        created_at: ctx.clock.now_millis(),
    };
    ctx.catalog.create_task(&task)?;
    Ok(())
}

fn write_status(
    ctx: &Context,
    service: &ServiceRecord,
    live: &[TaskView],
    task_definition: Option<String>,
    message: Option<String>,
) -> Result<(), ControllerError> {
    let running = live.iter().filter(|t| t.state == TaskState::Running).count() as u32;
    let pending = live.iter().filter(|t| t.state.is_pending()).count() as u32;
    let before = ctx.catalog.service_status(&service.cluster, &service.name)?;
    let mut status = ServiceStatus {
        observed_generation: service.generation,
        task_definition,
        running_count: running,
        pending_count: pending,
        message,
        updated_at: ctx.clock.now_millis(),
        ..Default::default()
    };
    if let Some(before) = before {
        status.updated_at = before.updated_at;
        if status == before {
            return Ok(());
        }
        status.updated_at = ctx.clock.now_millis();
    }
    ctx.catalog
        .put_service_status(&service.cluster, &service.name, &status)?;
    Ok(())
}
