//! Clusters: once one is deleted (and its last task has stopped), the network its tasks
//! shared for service discovery is removed from the engine.

use super::context::Context;
use super::{Action, ControllerError};
use crate::model::DEFAULT_CLUSTER;
use crate::runtime::cluster_network_name;
use std::time::Duration;
use tracing::info;

/// How long to wait for the last tasks of a deleted cluster to stop.
const WAIT_FOR_TASKS: Duration = Duration::from_secs(10);

/// Removes a deleted cluster's network; nothing to do for a cluster that exists.
pub async fn reconcile_cluster(ctx: &Context, name: &str) -> Result<Action, ControllerError> {
    let exists = ctx.catalog.cluster(name)?.is_some()
        || (name == DEFAULT_CLUSTER && ctx.catalog.deleted_cluster(name)?.is_none());
    if exists {
        return Ok(Action::Done);
    }
    let (_, tasks) = ctx.catalog.cluster_occupancy(name)?;
    if tasks > 0 {
        return Ok(Action::RequeueAfter(WAIT_FOR_TASKS));
    }
    let network = cluster_network_name(name, &ctx.owner);
    ctx.local_engine().remove_network(&network).await?;
    for (id, engine) in ctx.engines.all().into_iter().skip(1) {
        if let Err(e) = engine.remove_network(&network).await {
            tracing::warn!(instance = %id, network = %network, error = %e, "cannot remove the deleted cluster's network there yet");
        }
    }
    info!(cluster = name, network = %network, "removed the deleted cluster's network");
    Ok(Action::Done)
}
