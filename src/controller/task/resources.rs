//! What a task needs before its containers can be created (volumes, its cluster's network,
//! its own network, environment files) and the cleanup of what it owned once its containers
//! are gone. The cluster network is shared by the cluster's tasks and is never released with
//! one of them.

use super::super::ControllerError;
use super::super::context::Context;
use super::Prepared;
use crate::model::{TaskDefinitionRef, TaskDefinitionSpec};
use crate::runtime::{cluster_network, env_file_paths, task_network, task_volumes};
use crate::store::TaskRecord;
use std::collections::BTreeMap;

/// Environment-file contents by path, read for the task's containers.
pub(super) type EnvFiles = BTreeMap<String, String>;

/// Creates the task's volumes and networks and reads its environment files, or says why the
/// task cannot start (a missing volume that may not be created, an unreadable file).
pub(super) async fn prepare(
    ctx: &Context,
    task: &TaskRecord,
    td: &TaskDefinitionSpec,
) -> Result<Prepared<EnvFiles>, ControllerError> {
    let identity = super::identity(task);
    for volume in task_volumes(td, &identity, &ctx.owner) {
        if !ctx.engine_for(task)?.ensure_volume(&volume).await? {
            return Ok(Prepared::CannotStart(format!(
                "CannotCreateContainerError: volume {} does not exist and autoprovision is false",
                volume.name
            )));
        }
    }
    let networks = cluster_network(td, &identity, &ctx.owner)
        .into_iter()
        .chain(task_network(td, &identity, &ctx.owner));
    for network in networks {
        ctx.engine_for(task)?.ensure_network(&network).await?;
    }
    let mut files = EnvFiles::new();
    for path in td.container_definitions.iter().flat_map(env_file_paths) {
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                files.insert(path, text);
            }
            Err(e) => {
                return Ok(Prepared::CannotStart(format!(
                    "CannotCreateContainerError: environment file {path}: {e}"
                )));
            }
        }
    }
    Ok(Prepared::Ready(files))
}

/// Removes the task-scoped volumes and the per-task network (after its containers are gone).
pub async fn release(ctx: &Context, task: &TaskRecord) -> Result<(), ControllerError> {
    let Ok(reference) = TaskDefinitionRef::parse(&task.task_definition) else {
        return Ok(());
    };
    let Some(td) = ctx
        .catalog
        .task_definition(&reference.family, reference.revision.unwrap_or(0))?
    else {
        return Ok(());
    };
    if let Some(network) = task_network(&td.spec, &super::identity(task), &ctx.owner) {
        ctx.engine_for(task)?.remove_network(&network.name).await?;
    }
    for volume in task_volumes(&td.spec, &super::identity(task), &ctx.owner)
        .into_iter()
        .filter(|v| v.task_scoped)
    {
        ctx.engine_for(task)?.remove_volume(&volume.name).await?;
    }
    Ok(())
}
