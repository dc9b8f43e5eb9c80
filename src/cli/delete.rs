//! `ecsd delete -f PATH | KIND NAME`: drain and remove services, deregister task definitions,
//! delete clusters.

use super::apply::load;
use super::{CliKind, kind_and_name};
use crate::api::client::ApiClient;
use crate::api::shapes::{Deleted, Deleting, Deregistered};
use crate::model::{DEFAULT_CLUSTER, Manifest};
use clap::Args;
use std::path::PathBuf;

/// Flags of `ecsd delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Delete what these manifests declare.
    #[arg(short = 'f', long = "filename", conflicts_with_all = ["kind", "name"])]
    files: Vec<PathBuf>,
    /// services (svc), taskdefinitions (td), clusters, containerinstances (ci), …; or KIND/NAME.
    kind: Option<String>,
    /// Object name.
    name: Option<String>,
    /// Cluster of the service, schedule or container instance.
    #[arg(long)]
    cluster: Option<String>,
    /// Delete even what a watched folder manages (its next sync brings it back).
    #[arg(long)]
    force: bool,
}

/// Runs `delete`.
pub async fn run(client: &ApiClient, args: DeleteArgs) -> anyhow::Result<()> {
    let targets: Vec<(CliKind, String, String)> = if args.files.is_empty() {
        let Some(kind) = &args.kind else {
            anyhow::bail!("give -f PATH or KIND NAME");
        };
        let (kind, name) = kind_and_name(kind, args.name.as_deref())?;
        let name = name.ok_or_else(|| anyhow::anyhow!("delete needs a NAME"))?;
        let cluster = args
            .cluster
            .clone()
            .unwrap_or_else(|| DEFAULT_CLUSTER.to_string());
        vec![(kind, cluster, name)]
    } else {
        let mut manifests = load(&args.files)?;
        // Services first, clusters last: the reverse of apply.
        manifests.sort_by_key(|m| std::cmp::Reverse(m.kind()));
        manifests.iter().map(target).collect()
    };
    let force = super::force_query(args.force);
    for (kind, cluster, name) in targets {
        match kind {
            CliKind::Service => {
                let _: Deleting = client
                    .delete(&format!("/v1/services/{cluster}/{name}{force}"))
                    .await?;
                println!("service/{name} deleting (its tasks are being stopped)");
            }
            CliKind::TaskDefinition => {
                let _: Deregistered = client
                    .delete(&format!("/v1/taskdefinitions/{name}{force}"))
                    .await?;
                println!("taskdefinition/{name} deregistered");
            }
            CliKind::Cluster => {
                let _: Deleted = client.delete(&format!("/v1/clusters/{name}{force}")).await?;
                println!("cluster/{name} deleted");
            }
            CliKind::TargetGroup => {
                let _: Deleted = client.delete(&format!("/v1/targetgroups/{name}{force}")).await?;
                println!("targetgroup/{name} deleted");
            }
            CliKind::LoadBalancer => {
                let _: Deleted = client.delete(&format!("/v1/loadbalancers/{name}{force}")).await?;
                println!("loadbalancer/{name} deleted (its listeners closed)");
            }
            CliKind::ScheduledTask => {
                let _: Deleted = client
                    .delete(&format!("/v1/scheduledtasks/{cluster}/{name}{force}"))
                    .await?;
                println!("scheduledtask/{name} deleted (runs already started keep running)");
            }
            CliKind::ContainerInstance => {
                let _: Deleted = client
                    .delete(&format!("/v1/containerinstances/{cluster}/{name}{force}"))
                    .await?;
                println!("containerinstance/{name} deleted (its engine is no longer used)");
            }
            CliKind::Task => anyhow::bail!("tasks are stopped, not deleted: use `ecsd stop-task {name}`"),
        }
    }
    Ok(())
}

fn target(m: &Manifest) -> (CliKind, String, String) {
    let kind = match m {
        Manifest::Cluster(_) => CliKind::Cluster,
        Manifest::TaskDefinition(_) => CliKind::TaskDefinition,
        Manifest::Service(_) => CliKind::Service,
        Manifest::TargetGroup(_) => CliKind::TargetGroup,
        Manifest::LoadBalancer(_) => CliKind::LoadBalancer,
        Manifest::ScheduledTask(_) => CliKind::ScheduledTask,
        Manifest::ContainerInstance(_) => CliKind::ContainerInstance,
    };
    (kind, m.cluster().to_string(), m.metadata().name.clone())
}
