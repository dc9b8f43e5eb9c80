//! Full resync: list what the engine runs, adopt orphans, enqueue every live object, and
//! forget stopped tasks past their retention.

use super::ControllerError;
use super::context::{Context, ObjectKey};
use super::retention::enforce_retention;
use crate::model::{DesiredStatus, TaskState};
use crate::runtime::{ContainerState, labels};
use crate::store::{ADOPTED_BY, StateRecovery, TaskRecord};
use std::collections::BTreeSet;
use tracing::{error, info, warn};

/// Enqueues every service and every task that is not finished, recreates records for owned
/// containers whose task record is missing, and applies the stopped-task retention.
pub async fn resync_all(ctx: &Context) -> Result<(), ControllerError> {
    let adoption = adopt_orphans(ctx).await?;
    if adoption.running > 0 {
        report_lost_records(ctx, adoption.running)?;
    }
    let with_containers = adoption.with_containers;
    let tasks = ctx.catalog.tasks()?;
    let statuses = ctx.catalog.task_statuses()?;
    for task in &tasks {
        let finished = statuses
            .get(&task.id)
            .is_some_and(|s| s.last_status == TaskState::Stopped);
        if !finished {
            ctx.queue.add_resync(ObjectKey::Task(task.id.clone()));
        }
    }
    enforce_retention(ctx, &with_containers).await?;
    ctx.queue.add_resync(ObjectKey::LoadBalancing);
    for schedule in ctx.catalog.scheduled_tasks(None)? {
        ctx.queue.add_resync(ObjectKey::ScheduledTask {
            cluster: schedule.cluster,
            name: schedule.name,
        });
    }
    for service in ctx.catalog.services(None)? {
        ctx.queue
            .add_resync(ObjectKey::service(&service.cluster, &service.name));
    }
    Ok(())
}

/// What adopting orphans found.
pub struct Adoption {
    /// Ids of every task that has a container.
    pub with_containers: BTreeSet<String>,
    /// Running tasks whose record was missing and is rebuilt now.
    pub running: usize,
}

/// A task record is written before its container is created and kept while it runs, so a
/// running container without one means the database lost what it had acknowledged (sled
/// recovered only an earlier part of its log): a person must know.
fn report_lost_records(ctx: &Context, running: usize) -> Result<(), ControllerError> {
    let reason = format!(
        "the state database had lost the records of {running} running tasks; they were adopted from their labels"
    );
    error!(
        tasks = running,
        "{reason}; re-apply your manifests if their services are unknown"
    );
    ctx.catalog.record_recovery(&StateRecovery {
        detected_at: ctx.clock.now_millis(),
        reason,
        moved_to: None,
    })?;
    Ok(())
}

/// Recreates the task records of owned containers that have none (and notes the revisions
/// they run), on every engine that answers; the daemon's own engine must answer. A container
/// still running for a task that is STOPPED (replaced while its instance was lost) is stopped.
pub async fn adopt_orphans(ctx: &Context) -> Result<Adoption, ControllerError> {
    let mut adoption = Adoption {
        with_containers: BTreeSet::new(),
        running: 0,
    };
    for (id, engine) in ctx.engines.all() {
        let local = id == ctx.engines.local_id();
        let owned = match engine.list(&[labels::filter(labels::OWNER, &ctx.owner)]).await {
            Ok(owned) => owned,
            Err(e) if !local => {
                warn!(instance = %id, error = %e, "container instance does not answer; its tasks are left as they are");
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let on = (!local).then_some(id.as_str());
        adopt_from(ctx, &engine, on, &owned, &mut adoption)?;
    }
    Ok(adoption)
}

/// Adoption on one engine (`on`: its declared instance id, `None` for the daemon's own).
fn adopt_from(
    ctx: &Context,
    engine: &std::sync::Arc<dyn crate::runtime::ContainerRuntime>,
    on: Option<&str>,
    owned: &[crate::runtime::ContainerInfo],
    adoption: &mut Adoption,
) -> Result<(), ControllerError> {
    let known: BTreeSet<String> = ctx.catalog.tasks()?.into_iter().map(|t| t.id).collect();
    let statuses = ctx.catalog.task_statuses()?;
    for c in owned {
        let Some(task_id) = c.label(labels::TASK) else {
            continue;
        };
        let new = adoption.with_containers.insert(task_id.to_string());
        if !known.contains(task_id) {
            adopt_orphan(ctx, c.state, &c.labels, on)?;
            adoption.running += usize::from(new && c.state == ContainerState::Running);
            continue;
        }
        let stopped = statuses
            .get(task_id)
            .is_some_and(|s| s.last_status == TaskState::Stopped);
        if stopped && c.state == ContainerState::Running {
            info!(task = %task_id, container = %c.name, "stopping a container of a STOPPED task (replaced while its instance was lost)");
            let (engine, id, timeout) = (engine.clone(), c.id.clone(), ctx.settings.stop_timeout);
            tokio::spawn(async move {
                if let Err(e) = engine.stop(&id, timeout).await {
                    warn!(container = %id, error = %e, "cannot stop a superseded container");
                }
            });
        }
    }
    Ok(())
}

/// Rebuilds a task record from container labels (e.g. after the state dir was lost).
fn adopt_orphan(
    ctx: &Context,
    state: ContainerState,
    container_labels: &std::collections::BTreeMap<String, String>,
    on: Option<&str>,
) -> Result<(), ControllerError> {
    let get = |k: &str| container_labels.get(k).cloned();
    let (Some(id), Some(cluster), Some(task_definition)) = (
        get(labels::TASK),
        get(labels::CLUSTER),
        get(labels::TASK_DEFINITION),
    ) else {
        warn!(labels = ?container_labels, "owned container without task labels; leaving it alone");
        return Ok(());
    };
    if ctx.catalog.task(&id)?.is_some() {
        return Ok(());
    }
    let family = task_definition.split(':').next().unwrap_or_default().to_string();
    if let Some(revision) = task_definition.split_once(':').and_then(|(_, r)| r.parse().ok()) {
        let digest = get(labels::TASK_DEFINITION_DIGEST);
        ctx.catalog
            .note_adopted_revision(&family, revision, digest.as_deref())?;
    }
    let service = get(labels::SERVICE);
    let task = TaskRecord {
        group: service
            .as_ref()
            .map_or_else(|| format!("family:{family}"), |s| format!("service:{s}")),
        id,
        cluster,
        task_definition,
        service,
        started_by: Some(ADOPTED_BY.into()),
        deployment: None,
        start_after: None,
        desired_status: if state == ContainerState::Running {
            DesiredStatus::Running
        } else {
            DesiredStatus::Stopped
        },
        stop_code: None,
        stopped_reason: None,
        created_at: ctx.clock.now_millis(),
        labels: Default::default(),
        launch: Default::default(),
        container_instance: on.map(str::to_string),
    };
    info!(task = %task.id, "adopted a running container with no task record");
    // Not a fresh task: its containers exist, so the task reconciler must look before creating.
    let status = crate::store::TaskStatus {
        last_status: TaskState::Pending,
        ..Default::default()
    };
    ctx.catalog.put_task_status(&task.id, &status)?;
    ctx.catalog.create_task(&task)?;
    Ok(())
}
