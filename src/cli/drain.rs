//! `ecsd drain instance NAME [--undo]`: stop placing tasks on a container instance, so its
//! service tasks move to the others (`kubectl drain`), or let it take tasks again with
//! `--undo` (`kubectl uncordon`).

use super::{CliKind, kind_and_name};
use crate::api::client::ApiClient;
use crate::api::shapes::{ContainerInstanceShape, DrainRequest};
use clap::Args;

/// Flags of `ecsd drain`.
#[derive(Debug, Args)]
pub struct DrainArgs {
    /// `instance` (or `containerinstance`, `ci`), or `instance/NAME`.
    kind: String,
    /// The container instance's name (or id).
    name: Option<String>,
    /// Its cluster.
    #[arg(long, default_value = crate::model::DEFAULT_CLUSTER)]
    cluster: String,
    /// Make it ACTIVE again: new tasks may be placed on it.
    #[arg(long)]
    undo: bool,
}

/// Runs `drain`.
pub async fn run(client: &ApiClient, args: DrainArgs) -> anyhow::Result<()> {
    let (kind, name) = kind_and_name(&args.kind, args.name.as_deref())?;
    let name = match (kind, name) {
        (CliKind::ContainerInstance, Some(name)) if !name.is_empty() => name,
        (CliKind::ContainerInstance, _) => anyhow::bail!("drain needs a NAME: ecsd drain instance NAME"),
        (other, _) => anyhow::bail!(
            "only container instances are drained, not {}: ecsd drain instance NAME",
            other.plural()
        ),
    };
    let path = format!("/v1/containerinstances/{}/{name}/drain", args.cluster);
    let ci: ContainerInstanceShape = client.post(&path, &DrainRequest { undo: args.undo }).await?;
    if args.undo {
        println!(
            "containerinstance/{} active: new tasks may be placed on it",
            ci.name
        );
    } else {
        println!(
            "containerinstance/{} draining: no new task is placed on it, its service tasks move to other instances, \
             standalone tasks keep running ({} running, {} pending on it now)",
            ci.name, ci.running_tasks_count, ci.pending_tasks_count
        );
    }
    Ok(())
}
