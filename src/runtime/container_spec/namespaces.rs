//! Networking and shared namespaces. `awsvpc` gives the task a network of its own: the first
//! container joins it and every other container shares the first one's network namespace, so
//! the task's ports are published (on ephemeral host ports) by the first container alone.
//! `pidMode`/`ipcMode: task` share the first container's namespaces the same way. Bridge
//! containers join their cluster's network, and the awsvpc holder joins it too (see
//! `discovery`), so tasks of a cluster reach a service by its name.

use super::TaskIdentity;
use super::discovery::{NetworkAttachment, cluster_network_name, service_aliases};
use super::{Namespaces, PortSpec, container_name, family_of, task_prefix};
use crate::model::{ContainerDefinition, IpcMode, NetworkMode, PidMode, TaskDefinitionSpec};
use crate::runtime::labels;
use std::collections::BTreeMap;

/// A network to ensure before the task's containers are created (bridge driver).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkSpec {
    /// Network name.
    pub name: String,
    /// `ecsd.owner`, and `ecsd.task` (a task's own) or `ecsd.cluster` (a cluster's).
    pub labels: BTreeMap<String, String>,
}

/// The per-task network of an `awsvpc` task, `ecsd-task-<first 12 hex of the task id>`.
pub fn task_network(td: &TaskDefinitionSpec, task: &TaskIdentity, owner: &str) -> Option<NetworkSpec> {
    (td.network_mode() == NetworkMode::Awsvpc).then(|| NetworkSpec {
        name: task_network_name(&task.id),
        labels: BTreeMap::from([
            (labels::OWNER.to_string(), owner.to_string()),
            (labels::TASK.to_string(), task.id.clone()),
        ]),
    })
}

fn task_network_name(task_id: &str) -> String {
    format!("ecsd-task-{}", task_prefix(task_id))
}

/// Ports `def` publishes under the task's network mode.
pub(super) fn ports(def: &ContainerDefinition, td: &TaskDefinitionSpec) -> Vec<PortSpec> {
    let publish = |defs: &[&ContainerDefinition], fixed: bool| {
        defs.iter()
            .flat_map(|d| &d.port_mappings)
            .map(|p| PortSpec {
                container_port: p.container_port,
                host_port: if fixed { p.fixed_host_port() } else { None },
                host_ip: None,
                protocol: p.protocol,
            })
            .collect()
    };
    match td.network_mode() {
        NetworkMode::Bridge => publish(&[def], true),
        // Host networking has nothing to publish; `none` has no network.
        NetworkMode::Host | NetworkMode::None => Vec::new(),
        // Each awsvpc task has its own address in ECS, so the same port in two tasks must
        // not collide here either: the holder publishes the whole task on ephemeral ports.
        NetworkMode::Awsvpc if is_holder(def, td) => {
            publish(&td.container_definitions.iter().collect::<Vec<_>>(), false)
        }
        NetworkMode::Awsvpc => Vec::new(),
    }
}

/// Network, PID and IPC modes, networks, host name, links, hosts entries and DNS of `def`
/// in `task`, whose cluster network belongs to daemon `owner`.
pub(super) fn namespaces(
    def: &ContainerDefinition,
    td: &TaskDefinitionSpec,
    task: &TaskIdentity,
    owner: &str,
) -> Namespaces {
    let (family, task_id) = (family_of(task), task.id.as_str());
    let holder = is_holder(def, td);
    let networking = !def.disable_networking.unwrap_or(false);
    let cluster_network = cluster_network_name(&task.cluster, owner);
    let aliases = service_aliases(def, td, task);
    // Joining the holder's namespace; None for the holder itself (the others join it).
    let join = td
        .namespace_holder()
        .filter(|_| !holder)
        .map(|h| format!("container:{}", container_name(family, &h.name, task_id)));
    Namespaces {
        network_mode: network_mode(td, join.clone(), task_id, networking.then_some(&cluster_network)),
        network_aliases: match td.network_mode() {
            NetworkMode::Bridge => aliases.clone(),
            _ => Vec::new(),
        },
        attachments: match td.network_mode() {
            NetworkMode::Awsvpc if holder && networking => vec![NetworkAttachment {
                network: cluster_network,
                aliases,
            }],
            _ => Vec::new(),
        },
        pid_mode: match td.pid_mode {
            None => None,
            Some(PidMode::Host) => Some("host".to_string()),
            Some(PidMode::Task) => join.clone(),
        },
        ipc_mode: match td.ipc_mode {
            None => None,
            Some(IpcMode::Host) => Some("host".to_string()),
            Some(IpcMode::None) => Some("none".to_string()),
            // The holder must let others join its IPC namespace explicitly.
            Some(IpcMode::Task) => join.or_else(|| Some("shareable".to_string())),
        },
        hostname: def.hostname.clone(),
        links: links(def, family, task_id),
        extra_hosts: def
            .extra_hosts
            .iter()
            .map(|h| format!("{}:{}", h.hostname, h.ip_address))
            .collect(),
        dns: def.dns_servers.clone(),
        dns_search: def.dns_search_domains.clone(),
        network_disabled: !networking,
    }
}

/// `join` is `container:<holder>` for every container but the holder itself; a bridge
/// container without networking stays on the engine's default (it has no interface anyway).
fn network_mode(
    td: &TaskDefinitionSpec,
    join: Option<String>,
    task_id: &str,
    cluster_network: Option<&String>,
) -> Option<String> {
    match td.network_mode() {
        NetworkMode::Bridge => cluster_network.cloned(),
        NetworkMode::Host => Some("host".to_string()),
        NetworkMode::None => Some("none".to_string()),
        NetworkMode::Awsvpc => join.or_else(|| Some(task_network_name(task_id))),
    }
}

fn is_holder(def: &ContainerDefinition, td: &TaskDefinitionSpec) -> bool {
    td.namespace_holder().is_some_and(|h| h.name == def.name)
}

/// `name[:alias]` links as `<engine name of name>:<alias, default name>`.
fn links(def: &ContainerDefinition, family: &str, task_id: &str) -> Vec<String> {
    def.links
        .iter()
        .map(|link| {
            let (target, alias) = link.split_once(':').unwrap_or((link, link));
            format!("{}:{alias}", container_name(family, target, task_id))
        })
        .collect()
}
