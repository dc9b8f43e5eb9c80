//! The task reconciler: creates, starts, watches and stops the containers of one task.

use super::context::{Context, ObjectKey};
use super::{Action, ControllerError};
use crate::model::{ContainerDefinition, DesiredStatus, StopCode, TaskDefinitionRef, TaskState};
use crate::runtime::{ContainerInfo, ContainerState, RuntimeError, labels};
use crate::store::{ContainerStatus, TaskDefinitionRecord, TaskRecord, TaskStatus};
use std::collections::BTreeMap;
use std::time::Duration;
use tracing::info;

mod create;
use create::create_and_start;

/// Containers of one task, by container name.
type Observed = BTreeMap<String, ContainerInfo>;

/// One step toward the task's desired state.
pub async fn reconcile_task(ctx: &Context, id: &str) -> Result<Action, ControllerError> {
    let Some(mut task) = ctx.catalog.task(id)? else {
        return Ok(Action::Done);
    };
    let before = ctx.catalog.task_status(id)?.unwrap_or_default();
    let mut status = before.clone();
    let mut observed = observe(ctx, id).await?;
    if status.last_status == TaskState::Stopped {
        remove_all(ctx, &observed).await?;
        return Ok(Action::Done);
    }
    if task.desired_status == DesiredStatus::Running
        && let Some(service) = &task.service
        && ctx.catalog.service(&task.cluster, service)?.is_none()
    {
        let reason = format!("service {service} no longer exists");
        task = ctx
            .catalog
            .request_task_stop(id, StopCode::ServiceSchedulerInitiated, &reason)?;
    }
    let definition = load_definition(ctx, &task)?;
    let action = match &definition {
        Err(reason) => {
            fail(&mut status, StopCode::TaskFailedToStart, reason.clone());
            shut_down(ctx, &task, &mut status, &mut observed, &[]).await?
        }
        Ok(td) if is_stopping(&task, &status) => {
            shut_down(
                ctx,
                &task,
                &mut status,
                &mut observed,
                &td.spec.container_definitions,
            )
            .await?
        }
        Ok(td) => {
            let defs = &td.spec.container_definitions;
            if advance(ctx, &task, defs, &mut status, &observed).await? {
                observed = observe(ctx, id).await?;
            }
            record_containers(&mut status, defs, &observed);
            check_essentials(&mut status, defs, &observed);
            if is_stopping(&task, &status) {
                shut_down(ctx, &task, &mut status, &mut observed, defs).await?
            } else {
                status.last_status = running_state(defs, &observed);
                if status.last_status == TaskState::Running && status.started_at.is_none() {
                    status.started_at = Some(ctx.clock.now_millis());
                }
                Action::Done
            }
        }
    };
    if status != before {
        ctx.catalog.put_task_status(id, &status)?;
        if status.last_status != before.last_status {
            info!(task = id, from = %before.last_status, to = %status.last_status, "task state changed");
            if let Some(service) = &task.service {
                ctx.queue.add(ObjectKey::service(&task.cluster, service));
            }
        }
    }
    Ok(action)
}

fn is_stopping(task: &TaskRecord, status: &TaskStatus) -> bool {
    task.desired_status == DesiredStatus::Stopped || status.stop_code.is_some()
}

fn fail(status: &mut TaskStatus, code: StopCode, reason: String) {
    if status.stop_code.is_none() {
        status.stop_code = Some(code);
        status.stopped_reason = Some(reason);
    }
}

fn load_definition(
    ctx: &Context,
    task: &TaskRecord,
) -> Result<Result<TaskDefinitionRecord, String>, ControllerError> {
    let missing = || format!("task definition {} not found", task.task_definition);
    let Ok(reference) = TaskDefinitionRef::parse(&task.task_definition) else {
        return Ok(Err(missing()));
    };
    let revision = reference.revision.unwrap_or(0);
    Ok(ctx
        .catalog
        .task_definition(&reference.family, revision)?
        .ok_or_else(missing))
}

/// The task's containers as the engine has them, with exit codes for exited ones.
async fn observe(ctx: &Context, id: &str) -> Result<Observed, ControllerError> {
    let filters = [
        labels::filter(labels::OWNER, &ctx.owner),
        labels::filter(labels::TASK, id),
    ];
    let mut observed = Observed::new();
    for summary in ctx.runtime.list(&filters).await? {
        let Some(name) = summary.label(labels::CONTAINER).map(str::to_string) else {
            continue;
        };
        // A list carries no exit code; inspect the few that have exited.
        let info = if summary.state == ContainerState::Exited {
            ctx.runtime.inspect(&summary.id).await?.unwrap_or(summary)
        } else {
            summary
        };
        observed.insert(name, info);
    }
    Ok(observed)
}

/// Creates and starts missing containers; returns whether it changed anything.
async fn advance(
    ctx: &Context,
    task: &TaskRecord,
    defs: &[ContainerDefinition],
    status: &mut TaskStatus,
    observed: &Observed,
) -> Result<bool, ControllerError> {
    let mut changed = false;
    for def in defs {
        let previously_created = status
            .containers
            .iter()
            .any(|c| c.name == def.name && c.runtime_id.is_some());
        match observed.get(&def.name) {
            Some(c) if c.state == ContainerState::Created => {
                changed = true;
                if let Err(e) = ctx.runtime.start(&c.id).await {
                    start_failed(status, &def.name, e)?;
                    return Ok(true);
                }
            }
            Some(_) => {}
            None if previously_created => {}
            None => {
                changed = true;
                if let Err(reason) = create_and_start(ctx, task, def).await? {
                    fail(status, StopCode::TaskFailedToStart, reason);
                    return Ok(true);
                }
            }
        }
    }
    Ok(changed)
}

fn start_failed(status: &mut TaskStatus, container: &str, err: RuntimeError) -> Result<(), ControllerError> {
    match err {
        RuntimeError::Unreachable { .. } => Err(err.into()),
        other => {
            fail(
                status,
                StopCode::TaskFailedToStart,
                format!("CannotStartContainerError: {container}: {other}"),
            );
            Ok(())
        }
    }
}

fn record_containers(status: &mut TaskStatus, defs: &[ContainerDefinition], observed: &Observed) {
    let previous = std::mem::take(&mut status.containers);
    status.containers = defs
        .iter()
        .map(|def| {
            let old = previous.iter().find(|c| c.name == def.name);
            match observed.get(&def.name) {
                Some(c) => container_status(&def.name, c),
                None => match old {
                    Some(old) if old.runtime_id.is_some() && old.last_status != TaskState::Stopped => {
                        ContainerStatus {
                            last_status: TaskState::Stopped,
                            reason: Some("container was removed outside ecsd".into()),
                            ..old.clone()
                        }
                    }
                    Some(old) => old.clone(),
                    None => ContainerStatus {
                        name: def.name.clone(),
                        last_status: TaskState::Pending,
                        ..Default::default()
                    },
                },
            }
        })
        .collect();
}

fn container_status(name: &str, c: &ContainerInfo) -> ContainerStatus {
    let last_status = match c.state {
        ContainerState::Created => TaskState::Pending,
        ContainerState::Running => TaskState::Running,
        ContainerState::Exited | ContainerState::Removing => TaskState::Stopped,
    };
    let reason = if c.oom_killed {
        Some("OutOfMemoryError: container killed due to memory usage".to_string())
    } else {
        c.error.clone()
    };
    ContainerStatus {
        name: name.to_string(),
        runtime_id: Some(c.id.clone()),
        last_status,
        exit_code: c.exit_code,
        reason,
        network_bindings: c.ports.clone(),
    }
}

/// An essential container that exited (or vanished) stops the whole task.
fn check_essentials(status: &mut TaskStatus, defs: &[ContainerDefinition], observed: &Observed) {
    for def in defs.iter().filter(|d| d.is_essential()) {
        let recorded = status.containers.iter().find(|c| c.name == def.name);
        let exited = match observed.get(&def.name) {
            Some(c) => c.state == ContainerState::Exited,
            None => recorded.is_some_and(|c| c.runtime_id.is_some()),
        };
        if exited {
            let detail = recorded
                .map(|c| match (c.exit_code, &c.reason) {
                    (Some(code), _) => format!(" ({} exited with code {code})", def.name),
                    (None, Some(reason)) => format!(" ({}: {reason})", def.name),
                    (None, None) => format!(" ({})", def.name),
                })
                .unwrap_or_default();
            fail(
                status,
                StopCode::EssentialContainerExited,
                format!("Essential container in task exited{detail}"),
            );
            return;
        }
    }
}

fn running_state(defs: &[ContainerDefinition], observed: &Observed) -> TaskState {
    let all_essential_running = defs.iter().filter(|d| d.is_essential()).all(|d| {
        observed
            .get(&d.name)
            .is_some_and(|c| c.state == ContainerState::Running)
    });
    if all_essential_running {
        TaskState::Running
    } else if observed.is_empty() {
        TaskState::Provisioning
    } else {
        TaskState::Pending
    }
}

/// Stops every container, records exit codes, removes the containers, and marks the task STOPPED.
async fn shut_down(
    ctx: &Context,
    task: &TaskRecord,
    status: &mut TaskStatus,
    observed: &mut Observed,
    defs: &[ContainerDefinition],
) -> Result<Action, ControllerError> {
    if let (None, Some(code)) = (status.stop_code, task.stop_code) {
        status.stop_code = Some(code);
        status.stopped_reason = task.stopped_reason.clone();
    }
    status.stopping_at.get_or_insert_with(|| ctx.clock.now_millis());
    if status.last_status < TaskState::Stopping {
        status.last_status = TaskState::Stopping;
    }
    let running: Vec<&ContainerInfo> = observed
        .values()
        .filter(|c| c.state == ContainerState::Running)
        .collect();
    if !running.is_empty() {
        let timeout = ctx.settings.stop_timeout;
        let stops = running.iter().map(|c| ctx.runtime.stop(&c.id, timeout));
        for result in futures::future::join_all(stops).await {
            match result {
                Ok(()) | Err(RuntimeError::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        *observed = observe(ctx, &task.id).await?;
    }
    record_containers(status, defs, observed);
    if observed.values().any(|c| c.state == ContainerState::Running) {
        return Ok(Action::RequeueAfter(Duration::from_secs(1)));
    }
    remove_all(ctx, observed).await?;
    status.last_status = TaskState::Stopped;
    status.stopped_at.get_or_insert_with(|| ctx.clock.now_millis());
    Ok(Action::Done)
}

async fn remove_all(ctx: &Context, observed: &Observed) -> Result<(), ControllerError> {
    for c in observed.values() {
        ctx.runtime.remove(&c.id).await?;
    }
    Ok(())
}
