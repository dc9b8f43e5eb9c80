//! Bringing a task up: create every container, then start each once its `dependsOn`
//! conditions hold; probe health where the engine does not.

use super::super::ControllerError;
use super::super::context::Context;
use super::create::{Made, create_container};
use super::dependencies::{Readiness, readiness};
use super::health::{container_health, probe_command, record_probe};
use super::resources;
use super::{Observed, Prepared, fail};
use crate::model::{ContainerDefinition, HealthProbe, HealthStatus, StopCode, TaskDefinitionSpec};
use crate::runtime::{ContainerInfo, ContainerState, HealthState, RuntimeError};
use crate::store::{TaskRecord, TaskStatus};
use std::time::Duration;

/// What `advance` did, so the caller knows whether to look again and when.
#[derive(Debug, Default)]
pub(super) struct Progress {
    /// Something was created or started: re-observe before recording.
    pub changed: bool,
    /// Look again after this long (waiting on a dependency or a probe).
    pub recheck: Option<Duration>,
}

/// Creates missing containers and starts those whose dependencies are met.
pub(super) async fn advance(
    ctx: &Context,
    task: &TaskRecord,
    td: &TaskDefinitionSpec,
    status: &mut TaskStatus,
    observed: &Observed,
) -> Result<Progress, ControllerError> {
    let mut progress = Progress::default();
    let mut created = match create_missing(ctx, task, td, status, observed, &mut progress).await? {
        Prepared::Ready(created) => created,
        Prepared::CannotStart(reason) => {
            fail(status, StopCode::TaskFailedToStart, reason);
            return Ok(progress);
        }
    };
    believe_own_health(status, &mut created);
    if let Prepared::CannotStart(reason) = start_ready(ctx, task, td, &created, &mut progress).await? {
        fail(status, StopCode::TaskFailedToStart, reason);
    }
    Ok(progress)
}

/// Creates the containers not created yet (after the task's volumes, network and environment
/// files); returns every container of the task as it now is.
async fn create_missing(
    ctx: &Context,
    task: &TaskRecord,
    td: &TaskDefinitionSpec,
    status: &TaskStatus,
    observed: &Observed,
    progress: &mut Progress,
) -> Result<Prepared<Observed>, ControllerError> {
    let mut created = observed.clone();
    let missing: Vec<&ContainerDefinition> = td
        .container_definitions
        .iter()
        .filter(|def| !observed.contains_key(&def.name) && !was_created(status, def))
        .collect();
    if missing.is_empty() {
        return Ok(Prepared::Ready(created));
    }
    let env_files = match resources::prepare(ctx, task, td).await? {
        Prepared::Ready(files) => files,
        Prepared::CannotStart(reason) => return Ok(Prepared::CannotStart(reason)),
    };
    for def in creation_order(missing, observed) {
        let info = match create_container(ctx, task, td, def, &env_files).await? {
            // Just created: nothing to ask the engine that we do not already know.
            Prepared::Ready(Made::New(id)) => just_created(id, def),
            // Left by a crash: as it is, so an exited container is not started again.
            Prepared::Ready(Made::Adopted(info)) => info,
            Prepared::CannotStart(reason) => return Ok(Prepared::CannotStart(reason)),
        };
        progress.changed = true;
        created.insert(def.name.clone(), info);
    }
    Ok(Prepared::Ready(created))
}

/// Health as ecsd believes it (its own probes included), not only as the engine reports it,
/// so `HEALTHY` dependency conditions see it.
fn believe_own_health(status: &TaskStatus, created: &mut Observed) {
    for own in &status.containers {
        let belief = match own.health_status {
            HealthStatus::Healthy => Some(HealthState::Healthy),
            HealthStatus::Unhealthy => Some(HealthState::Unhealthy),
            HealthStatus::Unknown => None,
        };
        if let (Some(belief), Some(info)) = (belief, created.get_mut(&own.name)) {
            info.health = Some(belief);
        }
    }
}

/// Starts every created container whose conditions hold (dependencies, implicit ones, and a
/// predecessor that must be gone first); asks to look again while one waits.
async fn start_ready(
    ctx: &Context,
    task: &TaskRecord,
    td: &TaskDefinitionSpec,
    created: &Observed,
    progress: &mut Progress,
) -> Result<Prepared<()>, ControllerError> {
    let waited = Duration::from_millis(ctx.clock.now_millis().saturating_sub(task.created_at));
    for def in &td.container_definitions {
        let Some(info) = created
            .get(&def.name)
            .filter(|c| c.state == ContainerState::Created)
        else {
            continue;
        };
        let implicit_ready = implicit_start_dependencies(td, def).iter().all(|dep| {
            created
                .get(*dep)
                .is_some_and(|c| c.state == ContainerState::Running)
        });
        let predecessor_gone = match &task.start_after {
            Some(old) => predecessor_gone(ctx, old)?,
            None => true,
        };
        let verdict = if implicit_ready && predecessor_gone {
            readiness(def, &td.container_definitions, created, waited)
        } else {
            Readiness::Waiting
        };
        match verdict {
            Readiness::Ready => {
                progress.changed = true;
                match ctx.engine_for(task)?.start(&info.id).await {
                    Ok(()) => {}
                    Err(e @ RuntimeError::Unreachable { .. }) => return Err(e.into()),
                    Err(other) => {
                        let reason = format!("CannotStartContainerError: {}: {other}", def.name);
                        return Ok(Prepared::CannotStart(reason));
                    }
                }
            }
            Readiness::Waiting => progress.recheck = Some(Duration::from_secs(1)),
            Readiness::Failed(reason) => return Ok(Prepared::CannotStart(reason)),
        }
    }
    Ok(Prepared::Ready(()))
}

/// Containers another one needs running before it can start: the namespace holder it joins
/// (awsvpc, pidMode/ipcMode task) and the targets of its links.
fn implicit_start_dependencies<'a>(td: &'a TaskDefinitionSpec, def: &'a ContainerDefinition) -> Vec<&'a str> {
    let mut deps: Vec<&str> = def
        .links
        .iter()
        .map(|l| l.split(':').next().unwrap_or(l))
        .collect();
    if let Some(holder) = td.namespace_holder().filter(|h| h.name != def.name) {
        deps.push(holder.name.as_str());
    }
    deps
}

/// Creation order: a container whose `volumesFrom` sources are not created yet waits for them
/// (validation has ruled out cycles).
fn creation_order<'a>(
    mut missing: Vec<&'a ContainerDefinition>,
    existing: &Observed,
) -> Vec<&'a ContainerDefinition> {
    let mut order: Vec<&ContainerDefinition> = Vec::new();
    while !missing.is_empty() {
        let before = missing.len();
        missing.retain(|def| {
            let ready = def.volumes_from.iter().all(|v| {
                existing.contains_key(&v.source_container)
                    || order.iter().any(|o| o.name == v.source_container)
            });
            if ready {
                order.push(def);
            }
            !ready
        });
        if missing.len() == before {
            order.append(&mut missing);
        }
    }
    order
}

/// The task an in-place replacement waits for has released its slot: it is STOPPED, or gone.
/// A task not yet observed (no status, e.g. lost in a crash) may still hold the port.
fn predecessor_gone(ctx: &Context, old: &str) -> Result<bool, ControllerError> {
    Ok(match ctx.catalog.task_status(old)? {
        Some(s) => s.last_status == crate::model::TaskState::Stopped,
        None => ctx.catalog.task(old)?.is_none(),
    })
}

fn just_created(id: String, def: &ContainerDefinition) -> ContainerInfo {
    ContainerInfo {
        id,
        name: def.name.clone(),
        labels: Default::default(),
        state: ContainerState::Created,
        exit_code: None,
        error: None,
        oom_killed: false,
        ports: Vec::new(),
        health: None,
        health_log: Vec::new(),
        started_at: None,
        finished_at: None,
        pid: None,
    }
}

fn was_created(status: &TaskStatus, def: &ContainerDefinition) -> bool {
    status
        .containers
        .iter()
        .any(|c| c.name == def.name && c.runtime_id.is_some())
}

/// Updates every container's health, running the probe where the engine stays silent;
/// returns when the next own probe is due.
pub(super) async fn check_health(
    ctx: &Context,
    task: &TaskRecord,
    defs: &[ContainerDefinition],
    status: &mut TaskStatus,
    observed: &Observed,
) -> Result<Option<Duration>, ControllerError> {
    let now = ctx.clock.now_millis();
    let mut next: Option<u64> = None;
    for def in defs {
        let Some(own) = status.containers.iter_mut().find(|c| c.name == def.name) else {
            continue;
        };
        let info = observed.get(&def.name);
        let view = container_health(def.health_check.as_ref(), info, own, now);
        own.health_status = view.status;
        if let Some(info) = info.filter(|i| !i.health_log.is_empty()) {
            own.health_probes = HealthProbe::newest(&info.health_log);
        }
        let mut due = view.next_probe_at;
        if let (true, Some(hc), Some(info)) = (view.probe_due, &def.health_check, info) {
            let result = ctx
                .engine_for(task)?
                .exec(&info.id, &probe_command(hc), hc.timeout().duration())
                .await;
            let probe = match &result {
                Ok(out) => HealthProbe::new(out.exit_code, &out.output, Some(now)),
                Err(e) => HealthProbe::new(-1, &e.to_string(), Some(now)),
            };
            own.health_probes.push(probe);
            own.health_probes = HealthProbe::newest(&own.health_probes);
            let passed = matches!(result, Ok(ref out) if out.exit_code == 0);
            record_probe(own, hc, passed, info.started_at.unwrap_or(now), now);
            due = Some(now + hc.interval().0 * 1000);
        }
        if let Some(at) = due {
            next = Some(next.map_or(at, |n| n.min(at)));
        }
    }
    Ok(next.map(|at| Duration::from_millis(at.saturating_sub(now).max(200))))
}
