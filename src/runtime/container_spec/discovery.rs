//! Service discovery by name, as Compose does it: every bridge and awsvpc task of a cluster
//! joins one user-defined network of that cluster, where a service task's container carries
//! the service name as a network alias, so the engine's DNS (Docker's 127.0.0.11, Podman's
//! aardvark-dns) answers the name with the addresses of the service's running tasks. Another
//! cluster's tasks are on another network and cannot resolve it. Host and none tasks have no
//! network of their own to join and get nothing.

use super::{NetworkSpec, TaskIdentity};
use crate::model::{ContainerDefinition, NetworkMode, TaskDefinitionSpec};
use crate::runtime::labels;
use std::collections::BTreeMap;

/// A network a container joins once created (before it starts), with the names that
/// network's DNS answers for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkAttachment {
    /// Network name.
    pub network: String,
    /// DNS aliases on that network.
    pub aliases: Vec<String>,
}

/// The network of the task's cluster, `ecsd-<cluster>-<owner>` (the daemon id keeps two
/// daemons on one engine apart), for the network modes that can join it. It carries
/// `ecsd.owner` and `ecsd.cluster` and outlives every task: tasks of the cluster share it.
pub fn cluster_network(td: &TaskDefinitionSpec, task: &TaskIdentity, owner: &str) -> Option<NetworkSpec> {
    joins_cluster_network(td).then(|| NetworkSpec {
        name: cluster_network_name(&task.cluster, owner),
        labels: BTreeMap::from([
            (labels::OWNER.to_string(), owner.to_string()),
            (labels::CLUSTER.to_string(), task.cluster.clone()),
        ]),
    })
}

/// `ecsd-<cluster>-<owner>`.
pub fn cluster_network_name(cluster: &str, owner: &str) -> String {
    format!("ecsd-{cluster}-{owner}")
}

fn joins_cluster_network(td: &TaskDefinitionSpec) -> bool {
    matches!(td.network_mode(), NetworkMode::Bridge | NetworkMode::Awsvpc)
}

/// The service name, on the containers that answer for the task: in bridge mode those that
/// declare port mappings (the first container when none does), so a sidecar without ports
/// is not handed requests; in awsvpc mode the namespace holder, whose address is the task's.
/// A standalone task, or a container without networking, answers no service name.
pub(super) fn service_aliases(
    def: &ContainerDefinition,
    td: &TaskDefinitionSpec,
    task: &TaskIdentity,
) -> Vec<String> {
    let Some(service) = &task.service else {
        return Vec::new();
    };
    let defs = &td.container_definitions;
    let is_first = defs.first().is_some_and(|first| first.name == def.name);
    let answers = match td.network_mode() {
        NetworkMode::Bridge => {
            !def.port_mappings.is_empty() || (is_first && defs.iter().all(|d| d.port_mappings.is_empty()))
        }
        NetworkMode::Awsvpc => is_first,
        NetworkMode::Host | NetworkMode::None => false,
    };
    if answers && !def.disable_networking.unwrap_or(false) {
        vec![service.clone()]
    } else {
        Vec::new()
    }
}
