//! Creating one container of a task: pull a missing image, deterministic name, adopt on a
//! name conflict with our own container, never touch someone else's.

use super::super::ControllerError;
use super::super::context::Context;
use super::Prepared;
use super::resources::EnvFiles;
use crate::model::{ContainerDefinition, TaskDefinitionSpec};
use crate::runtime::{ContainerInfo, RuntimeError, container_spec, labels};
use crate::store::TaskRecord;
use tracing::{debug, info};

/// The container a create call left the task with.
pub(super) enum Made {
    /// Created now (not started), with this id.
    New(String),
    /// Ours already, as the engine has it (it may be running, or have exited).
    Adopted(ContainerInfo),
}

/// Creates (without starting) container `def` of `task`, or says why the task cannot start
/// (a reason retrying will not fix).
pub(super) async fn create_container(
    ctx: &Context,
    task: &TaskRecord,
    td: &TaskDefinitionSpec,
    def: &ContainerDefinition,
    env_files: &EnvFiles,
) -> Result<Prepared<Made>, ControllerError> {
    let mut spec = container_spec(def, td, &super::identity(task), &ctx.owner, env_files);
    let balanced = super::targets::load_balancers(ctx, task)?;
    // On the daemon's own engine only the balancer needs those ports (loopback); a remote
    // engine's are reached from here, at its address.
    if task
        .container_instance
        .as_deref()
        .is_none_or(|id| id == ctx.engines.local_id())
    {
        super::targets::publish_privately(&mut spec.ports, &def.name, &balanced);
    }
    let mut pulled = false;
    loop {
        match ctx.engine_for(task)?.create(&spec).await {
            Ok(id) => {
                debug!(task = %task.id, container = %spec.name, "created container");
                return Ok(Prepared::Ready(Made::New(id)));
            }
            Err(RuntimeError::NameConflict { name }) => {
                return Ok(match adopt(ctx, task, &name).await? {
                    Some(info) => Prepared::Ready(Made::Adopted(info)),
                    None => Prepared::CannotStart(format!(
                        "CannotCreateContainerError: the name {name} is used by a container ecsd does not own"
                    )),
                });
            }
            Err(RuntimeError::ImageNotFound { image }) if !pulled => {
                info!(task = %task.id, image = %image, "pulling image");
                if let Err(e) = ctx.engine_for(task)?.pull(&image).await {
                    return match e {
                        RuntimeError::Unreachable { .. } => Err(e.into()),
                        other => Ok(Prepared::CannotStart(format!(
                            "CannotPullContainerError: {image}: {other}"
                        ))),
                    };
                }
                pulled = true;
            }
            Err(RuntimeError::ImageNotFound { image }) => {
                return Ok(Prepared::CannotStart(format!(
                    "CannotPullContainerError: image {image} not found"
                )));
            }
            Err(e @ RuntimeError::Unreachable { .. }) => return Err(e.into()),
            Err(e) => return Ok(Prepared::CannotStart(format!("CannotCreateContainerError: {e}"))),
        }
    }
}

/// A create that collided with our own container (e.g. after a crash between create and
/// recording it) adopts that container; someone else's is never touched.
async fn adopt(
    ctx: &Context,
    task: &TaskRecord,
    name: &str,
) -> Result<Option<ContainerInfo>, ControllerError> {
    let Some(existing) = ctx.engine_for(task)?.inspect(name).await? else {
        return Ok(None);
    };
    let ours = existing.label(labels::OWNER) == Some(ctx.owner.as_str())
        && existing.label(labels::TASK) == Some(task.id.as_str());
    Ok(ours.then_some(existing))
}
