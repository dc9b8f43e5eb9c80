//! Tasks adopted from container labels after the state database was lost: until their
//! service (or their task definition revision) is known again, nobody knows what they should
//! run, so they keep running exactly as they are (ORPHANED) and only an explicit stop, or
//! their service's own decisions once it is applied again, ends them.

use super::super::context::Context;
use super::super::{Action, ControllerError};
use super::{Observed, container_status, observe};
use crate::model::{DesiredStatus, TaskState};
use crate::runtime::ContainerState;
use crate::store::{TaskRecord, TaskStatus};
use std::time::Duration;

/// How often a held task looks again whether its intent came back.
const RECHECK: Duration = Duration::from_secs(5);

/// Why `task` must be held as it is, or None when its intent is known. `known_revision` says
/// whether its task definition revision is registered.
pub(super) fn unknown_intent(
    ctx: &Context,
    task: &TaskRecord,
    known_revision: bool,
) -> Result<Option<String>, ControllerError> {
    if !task.is_adopted() || task.desired_status != DesiredStatus::Running {
        return Ok(None);
    }
    let adopted = "adopted from its labels after the state database was lost";
    if let Some(service) = &task.service
        && ctx.catalog.service(&task.cluster, service)?.is_none()
    {
        return Ok(Some(format!(
            "{adopted}; service {service} is unknown: apply it to take the task back, or stop it with `ecsd stop-task`"
        )));
    }
    if !known_revision {
        return Ok(Some(format!(
            "{adopted}; it runs {}, which is not registered{}",
            task.task_definition,
            match &task.service {
                Some(s) => format!(": service {s} replaces it with its own revision"),
                None => ": stop it with `ecsd stop-task`".to_string(),
            }
        )));
    }
    Ok(None)
}

/// Records what the held task's containers do, touching none of them. A held task whose
/// containers all exited is STOPPED: nothing knows how to start it again.
pub(super) async fn hold(
    ctx: &Context,
    task: &TaskRecord,
    status: &mut TaskStatus,
    why: String,
) -> Result<Action, ControllerError> {
    let observed: Observed = observe(ctx, task, &[]).await?;
    let old = std::mem::take(&mut status.containers);
    status.containers = observed
        .iter()
        .map(|(name, c)| container_status(name, c, old.iter().find(|o| &o.name == name)))
        .collect();
    let now = ctx.clock.now_millis();
    if observed.values().any(|c| c.state == ContainerState::Running) {
        status.last_status = TaskState::Running;
        status.started_at.get_or_insert(now);
        status.orphaned = Some(why);
        return Ok(Action::RequeueAfter(RECHECK));
    }
    status.orphaned = None;
    status.last_status = TaskState::Stopped;
    status.stopped_reason = Some(format!(
        "its containers exited while its intent was unknown ({why})"
    ));
    status.stopped_at.get_or_insert(now);
    Ok(Action::Done)
}
