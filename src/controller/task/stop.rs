//! Bringing a task down: dependents before their dependencies, each container with its own
//! stop timeout (SIGTERM, then SIGKILL), exit codes recorded.

use super::super::ControllerError;
use super::super::context::Context;
use super::dependencies::stoppable_now;
use super::{Observed, observe};
use crate::model::{ContainerDefinition, TaskDefinitionSpec, TaskState};
use crate::runtime::{ContainerState, RuntimeError};
use crate::store::{TaskRecord, TaskStatus};

/// Stops every running container in reverse dependency order; returns once none runs.
pub(super) async fn stop_containers(
    ctx: &Context,
    task: &TaskRecord,
    status: &mut TaskStatus,
    observed: &mut Observed,
    td: Option<&TaskDefinitionSpec>,
) -> Result<(), ControllerError> {
    let defs: &[ContainerDefinition] = td.map_or(&[], |td| &td.container_definitions);
    let holder = td
        .and_then(TaskDefinitionSpec::namespace_holder)
        .map(|h| h.name.as_str());
    let marked = mark_stopping(ctx, task, status);
    // Durable before the stops, which may wait out a whole grace: `get task` says STOPPING
    // meanwhile, and a daemon shut down during the grace leaves a record the next one resumes.
    if marked && observed.values().any(|c| c.state == ContainerState::Running) {
        ctx.catalog.put_task_status(&task.id, status)?;
    }
    // Each round stops what nothing else running depends on; containers unknown to the
    // definition (or with no definition at all) go in the first round.
    for _ in 0..=defs.len() {
        let running: Vec<&str> = observed
            .iter()
            .filter(|(_, c)| c.state == ContainerState::Running)
            .map(|(name, _)| name.as_str())
            .collect();
        if running.is_empty() {
            break;
        }
        let mut wave: Vec<&str> = stoppable_now(defs, &running, holder);
        wave.extend(running.iter().filter(|n| !defs.iter().any(|d| d.name == **n)));
        if wave.is_empty() {
            wave = running.clone(); // a dependency cycle cannot block shutdown
        }
        let engine = ctx.engine_for(task)?;
        let stops = wave.iter().filter_map(|name| {
            let info = observed.get(*name)?;
            let timeout = defs
                .iter()
                .find(|d| d.name == *name)
                .and_then(|d| d.stop_timeout)
                .map_or(ctx.settings.stop_timeout, |s| s.duration());
            Some(engine.stop(&info.id, timeout))
        });
        for result in futures::future::join_all(stops).await {
            match result {
                Ok(()) | Err(RuntimeError::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        *observed = observe(ctx, task, defs).await?;
    }
    Ok(())
}

/// Records that the task is leaving its target groups (ECS `DEACTIVATING`), and why.
pub(super) fn mark_deactivating(task: &TaskRecord, status: &mut TaskStatus) {
    if let (None, Some(code)) = (status.stop_code, task.stop_code) {
        status.stop_code = Some(code);
        status.stopped_reason = task.stopped_reason.clone();
    }
    // `stoppingAt` is when SIGTERM goes out (STOPPING), after the drain.
    if status.last_status < TaskState::Deactivating {
        status.last_status = TaskState::Deactivating;
    }
}

/// Records that the task is stopping, and why; true if that is news.
fn mark_stopping(ctx: &Context, task: &TaskRecord, status: &mut TaskStatus) -> bool {
    let before = (status.stop_code, status.stopping_at, status.last_status);
    if let (None, Some(code)) = (status.stop_code, task.stop_code) {
        status.stop_code = Some(code);
        status.stopped_reason = task.stopped_reason.clone();
    }
    status.stopping_at.get_or_insert_with(|| ctx.clock.now_millis());
    if status.last_status < TaskState::Stopping {
        status.last_status = TaskState::Stopping;
    }
    before != (status.stop_code, status.stopping_at, status.last_status)
}
