//! Creating one container of a task: deterministic name, adopt on name conflict, start.

use super::super::ControllerError;
use super::super::context::Context;
use crate::model::ContainerDefinition;
use crate::runtime::{RuntimeError, container_spec, labels};
use crate::store::TaskRecord;
use tracing::debug;

/// Ok(Err(reason)) when the task cannot start for a reason retrying will not fix.
pub(super) async fn create_and_start(
    ctx: &Context,
    task: &TaskRecord,
    def: &ContainerDefinition,
) -> Result<Result<(), String>, ControllerError> {
    let spec = container_spec(def, task, &ctx.owner);
    let id = match ctx.runtime.create(&spec).await {
        Ok(id) => {
            debug!(task = %task.id, container = %spec.name, "created container");
            id
        }
        Err(RuntimeError::NameConflict { name }) => match adopt(ctx, task, &name).await? {
            Some(id) => id,
            None => {
                return Ok(Err(format!(
                    "CannotCreateContainerError: the name {name} is used by a container ecsd does not own"
                )));
            }
        },
        Err(RuntimeError::ImageNotFound { image }) => {
            return Ok(Err(format!(
                "CannotPullContainerError: image {image} not found (pull it or build it on this machine)"
            )));
        }
        Err(e @ RuntimeError::Unreachable { .. }) => return Err(e.into()),
        Err(e) => return Ok(Err(format!("CannotCreateContainerError: {e}"))),
    };
    match ctx.runtime.start(&id).await {
        Ok(()) => Ok(Ok(())),
        Err(e @ RuntimeError::Unreachable { .. }) => Err(e.into()),
        Err(e) => Ok(Err(format!("CannotStartContainerError: {}: {e}", def.name))),
    }
}

/// A create that collided with our own container (e.g. after a crash between create and
/// recording it) adopts that container; someone else's is never touched.
async fn adopt(ctx: &Context, task: &TaskRecord, name: &str) -> Result<Option<String>, ControllerError> {
    let Some(existing) = ctx.runtime.inspect(name).await? else {
        return Ok(None);
    };
    let ours = existing.label(labels::OWNER) == Some(ctx.owner.as_str())
        && existing.label(labels::TASK) == Some(task.id.as_str());
    Ok(ours.then_some(existing.id))
}
