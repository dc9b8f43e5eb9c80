//! The task reconciler: creates, starts (in `dependsOn` order), watches (exits, health) and
//! stops (in reverse order) the containers of one task.

mod create;
mod dependencies;
mod health;
mod orphan;
mod resources;
mod start;
mod stop;
pub mod targets;

use super::context::{Context, ObjectKey};
use super::{Action, ControllerError};
use crate::model::{
    ContainerDefinition, DesiredStatus, StopCode, TaskDefinitionRef, TaskDefinitionSpec, TaskState,
};
use crate::runtime::{ContainerInfo, ContainerState, labels};
use crate::store::{ContainerStatus, TaskDefinitionRecord, TaskRecord, TaskStatus};
use std::collections::BTreeMap;
use std::time::Duration;
use tracing::info;

pub use resources::release as release_task_resources;

/// Containers of one task, by container name.
type Observed = BTreeMap<String, ContainerInfo>;

/// One step toward the task's desired state.
pub async fn reconcile_task(ctx: &Context, id: &str) -> Result<Action, ControllerError> {
    let Some(mut task) = ctx.catalog.task(id)? else {
        return Ok(Action::Done);
    };
    let before = ctx.catalog.task_status(id)?.unwrap_or_default();
    if before.last_status == TaskState::Stopped {
        // Finished for good; its containers stay for logs until retention removes them.
        return Ok(Action::Done);
    }
    let mut status = before.clone();
    status.orphaned = None;
    let definition = load_definition(ctx, &task)?;
    if let Some(why) = orphan::unknown_intent(ctx, &task, definition.ready().is_some())? {
        let action = orphan::hold(ctx, &task, &mut status, why).await?;
        save_status(ctx, &task, &before, &status)?;
        return Ok(action);
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
    let defs: &[ContainerDefinition] = definition
        .ready()
        .map_or(&[], |td| &td.spec.container_definitions);
    // A brand-new task has no containers yet: skip the listing (a container left by a crash
    // between create and this record is adopted on its name conflict instead).
    let fresh = before == TaskStatus::default() && task.desired_status == DesiredStatus::Running;
    let mut observed = if fresh {
        Observed::new()
    } else {
        observe(ctx, &task, defs).await?
    };
    let action = match definition {
        Prepared::CannotStart(reason) => {
            fail(&mut status, StopCode::TaskFailedToStart, reason);
            finish(ctx, &task, &mut status, &mut observed, None).await?
        }
        Prepared::Ready(td) => run(ctx, &task, &td, &mut status, &mut observed).await?,
    };
    save_status(ctx, &task, &before, &status)?;
    Ok(action)
}

/// Writes a changed status; a new state or health wakes the task's service.
fn save_status(
    ctx: &Context,
    task: &TaskRecord,
    before: &TaskStatus,
    status: &TaskStatus,
) -> Result<(), ControllerError> {
    if status == before {
        return Ok(());
    }
    let id = task.id.as_str();
    ctx.catalog.put_task_status(id, status)?;
    if status.last_status != before.last_status || status.health_status != before.health_status {
        info!(task = id, from = %before.last_status, to = %status.last_status, health = status.health_status.as_str(), "task state changed");
        if let Some(service) = &task.service {
            ctx.queue.add(ObjectKey::service(&task.cluster, service));
        }
    }
    Ok(())
}

/// Advances a task whose definition is known.
async fn run(
    ctx: &Context,
    task: &TaskRecord,
    td: &TaskDefinitionRecord,
    status: &mut TaskStatus,
    observed: &mut Observed,
) -> Result<Action, ControllerError> {
    let defs = &td.spec.container_definitions;
    let mut recheck = None;
    if !is_stopping(task, status) {
        let progress = start::advance(ctx, task, &td.spec, status, observed).await?;
        if progress.changed {
            *observed = observe(ctx, task, defs).await?;
        }
        recheck = progress.recheck;
        record_containers(status, defs, observed);
        check_essentials(status, defs, observed);
    }
    if is_stopping(task, status) {
        return finish(ctx, task, status, observed, Some(&td.spec)).await;
    }
    let probe_in = start::check_health(ctx, task, defs, status, observed).await?;
    status.health_status = health::task_health(defs, &status.containers);
    if status.health_status == crate::model::HealthStatus::Healthy && status.healthy_at.is_none() {
        status.healthy_at = Some(ctx.clock.now_millis());
    }
    status.last_status = running_state(defs, observed);
    if status.last_status == TaskState::Running && status.started_at.is_none() {
        status.started_at = Some(ctx.clock.now_millis());
    }
    let mut next = [recheck, probe_in].into_iter().flatten().min();
    let balanced = targets::load_balancers(ctx, task)?;
    if status.last_status == TaskState::Running
        && !targets::register(ctx, task, &status.containers, &balanced)
    {
        next = Some(next.map_or(Duration::from_secs(1), |n| n.min(Duration::from_secs(1))));
    }
    Ok(next.map_or(Action::Done, Action::RequeueAfter))
}

/// Stops what still runs and, once nothing does, marks the task STOPPED.
async fn finish(
    ctx: &Context,
    task: &TaskRecord,
    status: &mut TaskStatus,
    observed: &mut Observed,
    td: Option<&TaskDefinitionSpec>,
) -> Result<Action, ControllerError> {
    let balanced = targets::load_balancers(ctx, task)?;
    let running = observed.values().any(|c| c.state == ContainerState::Running);
    if running && !targets::drained(ctx, task, &balanced) {
        // ECS's DEACTIVATING: out of the target groups, in-flight requests finishing.
        stop::mark_deactivating(task, status);
        return Ok(Action::RequeueAfter(Duration::from_secs(5)));
    }
    stop::stop_containers(ctx, task, status, observed, td).await?;
    let defs: &[ContainerDefinition] = td.map_or(&[], |td| &td.container_definitions);
    record_containers(status, defs, observed);
    if observed.values().any(|c| c.state == ContainerState::Running) {
        return Ok(Action::RequeueAfter(Duration::from_secs(1)));
    }
    status.last_status = TaskState::Stopped;
    status.stopped_at.get_or_insert_with(|| ctx.clock.now_millis());
    ctx.drains.forget(&task.id);
    Ok(Action::Done)
}

fn is_stopping(task: &TaskRecord, status: &TaskStatus) -> bool {
    task.desired_status == DesiredStatus::Stopped || status.stop_code.is_some()
}

/// Records why the task stops, unless a reason was already recorded.
fn fail(status: &mut TaskStatus, code: StopCode, reason: String) {
    if status.stop_code.is_none() {
        status.stop_code = Some(code);
        status.stopped_reason = Some(reason);
    }
}

fn load_definition(
    ctx: &Context,
    task: &TaskRecord,
) -> Result<Prepared<TaskDefinitionRecord>, ControllerError> {
    let missing = || Prepared::CannotStart(format!("task definition {} not found", task.task_definition));
    let Ok(reference) = TaskDefinitionRef::parse(&task.task_definition) else {
        return Ok(missing());
    };
    let revision = reference.revision.unwrap_or(0);
    Ok(match ctx.catalog.task_definition(&reference.family, revision)? {
        Some(td) if let Some(problem) = td.spec.platform_problem(std::env::consts::ARCH) => {
            Prepared::CannotStart(problem)
        }
        Some(mut td) => {
            if let Some(overrides) = &task.launch.overrides {
                td.spec = crate::model::apply_overrides(&td.spec, overrides);
            }
            Prepared::Ready(td)
        }
        None => missing(),
    })
}

/// The task's identity as its containers, volumes and network carry it.
pub(super) fn identity(task: &TaskRecord) -> crate::runtime::TaskIdentity {
    crate::runtime::TaskIdentity {
        id: task.id.clone(),
        cluster: task.cluster.clone(),
        task_definition: task.task_definition.clone(),
        service: task.service.clone(),
        deployment: task.deployment.clone(),
    }
}

/// What a step toward starting a task gives: what it prepared, or why the task cannot start
/// (a reason retrying will not fix: the task stops with `TaskFailedToStart`). Engine and store
/// failures are errors beside it, and are retried.
pub(super) enum Prepared<T> {
    /// Ready to go on.
    Ready(T),
    /// The task cannot start, and why.
    CannotStart(String),
}

impl<T> Prepared<T> {
    /// What was prepared, if it was.
    pub(super) fn ready(&self) -> Option<&T> {
        match self {
            Prepared::Ready(value) => Some(value),
            Prepared::CannotStart(_) => None,
        }
    }
}

/// The task's containers as the engine has them. Exited containers are inspected (exit
/// codes), and so are running ones with a health check (health, start time) and ones that
/// just died (the list may lag, see `exit_hints`); the rest need only the list.
async fn observe(
    ctx: &Context,
    task: &TaskRecord,
    defs: &[ContainerDefinition],
) -> Result<Observed, ControllerError> {
    let engine = ctx.engine_for(task)?;
    let filters = [
        labels::filter(labels::OWNER, &ctx.owner),
        labels::filter(labels::TASK, &task.id),
    ];
    let checked = |name: &str| defs.iter().any(|d| d.name == name && d.health_check.is_some());
    let mut observed = Observed::new();
    for summary in engine.list(&filters).await? {
        let Some(name) = summary.label(labels::CONTAINER).map(str::to_string) else {
            continue;
        };
        let needs_inspect =
            summary.state == ContainerState::Exited || checked(&name) || ctx.exits.take(&summary.id);
        if !needs_inspect {
            observed.insert(name, summary);
            continue;
        }
        // Gone between list and inspect (e.g. `docker rm -f`): treat it as absent.
        if let Some(info) = engine.inspect(&summary.id).await? {
            observed.insert(name, info);
        }
    }
    Ok(observed)
}

fn record_containers(status: &mut TaskStatus, defs: &[ContainerDefinition], observed: &Observed) {
    let previous = std::mem::take(&mut status.containers);
    status.containers = defs
        .iter()
        .map(|def| {
            let old = previous.iter().find(|c| c.name == def.name);
            match (observed.get(&def.name), old) {
                (Some(c), old) => container_status(&def.name, c, old),
                (None, Some(old)) if old.runtime_id.is_some() => {
                    let vanished = old.exit_code.is_none() && old.reason.is_none();
                    ContainerStatus {
                        last_status: TaskState::Stopped,
                        reason: vanished
                            .then(|| "container was removed outside ecsd".to_string())
                            .or(old.reason.clone()),
                        ..old.clone()
                    }
                }
                (None, Some(old)) => old.clone(),
                (None, None) => ContainerStatus {
                    name: def.name.clone(),
                    last_status: TaskState::Pending,
                    ..Default::default()
                },
            }
        })
        .collect();
}

fn container_status(name: &str, c: &ContainerInfo, old: Option<&ContainerStatus>) -> ContainerStatus {
    let last_status = match c.state {
        ContainerState::Created => TaskState::Pending,
        ContainerState::Running => TaskState::Running,
        ContainerState::Exited | ContainerState::Removing => TaskState::Stopped,
    };
    let reason = if c.oom_killed {
        Some(crate::model::OOM_KILLED_REASON.to_string())
    } else {
        c.error.clone()
    };
    let kept = old.cloned().unwrap_or_default();
    ContainerStatus {
        name: name.to_string(),
        runtime_id: Some(c.id.clone()),
        last_status,
        exit_code: c.exit_code,
        reason,
        network_bindings: c.ports.clone(),
        ..kept
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
