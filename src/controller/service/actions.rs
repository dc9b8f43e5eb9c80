//! Carrying out a deployment step: start tasks for the PRIMARY, stop tasks, swap in place.

use super::super::ControllerError;
use super::super::context::Context;
use super::super::deployment_plan::{DeploymentPlan, StopWhy};
use super::placing::Placer;
use super::views::{ServiceTask, is_live};
use crate::model::{DesiredStatus, StopCode, TagSources, new_task_id, task_tags};
use crate::store::{Deployment, ServiceRecord, TaskDefinitionRecord, TaskLaunch, TaskRecord};
use tracing::info;

/// Asks a task to stop on behalf of the service scheduler.
pub fn stop(ctx: &Context, id: &str, reason: &str) -> Result<(), ControllerError> {
    ctx.catalog
        .request_task_stop(id, StopCode::ServiceSchedulerInitiated, reason)?;
    Ok(())
}

/// What carrying out a plan did.
pub struct PlanOutcome {
    /// ECS-worded service events.
    pub events: Vec<String>,
    /// Why a task could not be placed, when one could not.
    pub unplaced: Option<String>,
}

/// Applies the plan: stops, in-place swaps (the new task on the old one's instance), and
/// starts, each placed by `placer`.
pub fn apply_plan(
    ctx: &Context,
    service: &ServiceRecord,
    primary: &Deployment,
    td: &TaskDefinitionRecord,
    plan: &DeploymentPlan,
    placer: &mut Placer,
    tasks: &[ServiceTask],
) -> Result<PlanOutcome, ControllerError> {
    let name = &service.name;
    let mut events = Vec::new();
    let mut stopped = Vec::new();
    for (id, why) in &plan.stop {
        let reason = match why {
            StopWhy::ScaleIn => format!("Scaling activity initiated by (deployment {})", primary.id),
            StopWhy::Replaced => format!("Replaced by deployment {}", primary.id),
        };
        stop(ctx, id, &reason)?;
        stopped.push(id.clone());
    }
    let mut started = Vec::new();
    for old in &plan.replace_in_place {
        let on = tasks
            .iter()
            .find(|(t, _)| t.id == *old)
            .and_then(|(t, _)| t.container_instance.clone());
        let new = start_task(ctx, service, primary, td, Some(old.clone()), on)?;
        started.push(new.clone());
        events.push(format!(
            "(service {name}) is replacing task {old} in place with task {new}: its fixed host port leaves \
             no room to start a new task first, so the new task is created, then the old one stops, then \
             the new one starts."
        ));
    }
    let mut unplaced = None;
    for _ in 0..plan.start {
        match placer.place_one(tasks) {
            Ok(instance) => {
                let on = placer.record_instance(instance);
                started.push(start_task(ctx, service, primary, td, None, on)?);
            }
            Err(why) => {
                let event = why.service_event(name);
                events.push(event.clone());
                unplaced = Some(event);
                break;
            }
        }
    }
    if !stopped.is_empty() {
        events.push(format!(
            "(service {name}) has stopped {} running tasks: {}.",
            stopped.len(),
            task_list(&stopped)
        ));
    }
    if !started.is_empty() {
        info!(service = %name, started = started.len(), stopped = stopped.len(), "service scaled");
        events.push(format!(
            "(service {name}) has started {} tasks: {}.",
            started.len(),
            task_list(&started)
        ));
    }
    Ok(PlanOutcome { events, unplaced })
}

/// Second half of an in-place swap: once the held task's containers exist, stop the task whose
/// slot (host port) it takes.
pub fn release_swapped_slots(
    ctx: &Context,
    service: &ServiceRecord,
    tasks: &[ServiceTask],
    primary_id: &str,
) -> Result<Vec<String>, ControllerError> {
    let mut events = Vec::new();
    for (held, status) in tasks.iter().filter(|(t, s)| is_live(t, s)) {
        let Some(old) = &held.start_after else { continue };
        let created =
            !status.containers.is_empty() && status.containers.iter().all(|c| c.runtime_id.is_some());
        let old_live = tasks.iter().any(|(t, s)| t.id == *old && is_live(t, s));
        if created && old_live {
            stop(ctx, old, &format!("Replaced in place by deployment {primary_id}"))?;
            events.push(format!(
                "(service {}) has stopped 1 running tasks: (task {old}).",
                service.name
            ));
        }
    }
    Ok(events)
}

fn task_list(ids: &[String]) -> String {
    ids.iter()
        .map(|id| format!("(task {id})"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn start_task(
    ctx: &Context,
    service: &ServiceRecord,
    primary: &Deployment,
    td: &TaskDefinitionRecord,
    start_after: Option<String>,
    container_instance: Option<String>,
) -> Result<String, ControllerError> {
    let task = TaskRecord {
        id: new_task_id(),
        cluster: service.cluster.clone(),
        task_definition: td.reference(),
        service: Some(service.name.clone()),
        group: format!("service:{}", service.name),
        started_by: Some(primary.id.clone()),
        deployment: Some(primary.id.clone()),
        start_after,
        desired_status: DesiredStatus::Running,
        stop_code: None,
        stopped_reason: None,
        created_at: ctx.clock.now_millis(),
        labels: task_tags(
            &TagSources {
                cluster: &service.cluster,
                service: Some(&service.name),
                managed: service.spec.enable_ecs_managed_tags,
                propagate: service.spec.propagate_tags,
                service_tags: &service.labels,
                task_definition_tags: &td.labels,
            },
            &Default::default(),
        ),
        launch: TaskLaunch {
            launch_type: service.spec.launch_type,
            platform_version: service.spec.platform_version.clone(),
            overrides: None,
            enable_execute_command: service.spec.enable_execute_command,
        },
        container_instance,
    };
    ctx.catalog.create_task(&task)?;
    Ok(task.id)
}
