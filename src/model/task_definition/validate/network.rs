//! Network-mode rules: ports per mode, links (bridge only), fields a shared or host network
//! cannot honour, and the container that holds the task's shared namespaces.

use super::{at, other_container};
use crate::model::task_definition::{
    ContainerDefinition, IpcMode, NetworkMode, PidMode, PortMapping, Protocol, TaskDefinitionSpec,
};
use crate::model::validation::FieldError;
use std::collections::BTreeSet;

pub(super) fn check(spec: &TaskDefinitionSpec, errors: &mut Vec<FieldError>) {
    let mode = spec.network_mode();
    let mut ports = BTreeSet::new();
    for (i, def) in spec.container_definitions.iter().enumerate() {
        check_ports(mode, i, def, &mut ports, errors);
        check_links(spec, mode, i, def, errors);
        check_mode_fields(mode, i, def, errors);
    }
    check_namespace_holder(spec, errors);
}

fn check_ports(
    mode: NetworkMode,
    i: usize,
    def: &ContainerDefinition,
    taken: &mut BTreeSet<(u16, Protocol)>,
    errors: &mut Vec<FieldError>,
) {
    if mode == NetworkMode::None && !def.port_mappings.is_empty() {
        errors.push(FieldError::new(
            at(i, "portMappings"),
            "not allowed with networkMode none (the container has no network)",
        ));
        return;
    }
    for (j, port) in def.port_mappings.iter().enumerate() {
        let path = at(i, &format!("portMappings[{j}]"));
        if port.container_port == 0 {
            errors.push(FieldError::new(
                format!("{path}.containerPort"),
                "expected a port between 1 and 65535",
            ));
        }
        check_port_claim(mode, port, &path, taken, errors);
    }
}

/// Host ports (or, sharing a network stack, container ports) must be unique across the task.
fn check_port_claim(
    mode: NetworkMode,
    port: &PortMapping,
    path: &str,
    taken: &mut BTreeSet<(u16, Protocol)>,
    errors: &mut Vec<FieldError>,
) {
    let protocol = port.protocol.as_str();
    let shared_stack = matches!(mode, NetworkMode::Host | NetworkMode::Awsvpc);
    // ECS rule: with host or awsvpc networking the container port is the port.
    if shared_stack
        && let Some(host) = port.fixed_host_port()
        && host != port.container_port
    {
        errors.push(FieldError::new(
            format!("{path}.hostPort"),
            format!(
                "must be absent or equal to containerPort ({}) with networkMode {}",
                port.container_port,
                mode.as_str()
            ),
        ));
    }
    let claimed = if shared_stack {
        Some(port.container_port)
    } else {
        port.fixed_host_port()
    };
    if let Some(p) = claimed
        && !taken.insert((p, port.protocol))
    {
        let message = match mode {
            NetworkMode::Awsvpc => format!("port {p}/{protocol} is used twice in the task's network"),
            _ => format!("host port {p}/{protocol} is mapped twice"),
        };
        errors.push(FieldError::new(format!("{path}.hostPort"), message));
    }
}

fn check_links(
    spec: &TaskDefinitionSpec,
    mode: NetworkMode,
    i: usize,
    def: &ContainerDefinition,
    errors: &mut Vec<FieldError>,
) {
    if def.links.is_empty() {
        return;
    }
    if mode != NetworkMode::Bridge {
        errors.push(FieldError::new(
            at(i, "links"),
            format!("links need networkMode bridge, not {}", mode.as_str()),
        ));
        return;
    }
    for (k, link) in def.links.iter().enumerate() {
        let (target, alias) = link.split_once(':').unwrap_or((link, link));
        let problem = if alias.is_empty() {
            Some(format!("expected \"name\" or \"name:alias\", got {link:?}"))
        } else {
            other_container(spec, i, target, "link to").err()
        };
        if let Some(why) = problem {
            errors.push(FieldError::new(at(i, &format!("links[{k}]")), why));
        }
    }
}

/// Fields the engine cannot apply to a container that does not own its network stack.
fn check_mode_fields(mode: NetworkMode, i: usize, def: &ContainerDefinition, errors: &mut Vec<FieldError>) {
    let mut refuse = |field: &str, present: bool| {
        if present {
            errors.push(FieldError::new(
                at(i, field),
                format!("not allowed with networkMode {}", mode.as_str()),
            ));
        }
    };
    match mode {
        NetworkMode::Host => refuse("hostname", def.hostname.is_some()),
        NetworkMode::Awsvpc => {
            refuse("hostname", def.hostname.is_some());
            refuse("extraHosts", !def.extra_hosts.is_empty());
            refuse("dnsServers", !def.dns_servers.is_empty());
            refuse("dnsSearchDomains", !def.dns_search_domains.is_empty());
        }
        NetworkMode::Bridge | NetworkMode::None => {}
    }
}

/// The first container owns the namespaces the others join, so it must be created first and
/// cannot wait for, link to or borrow volumes from a container that needs it to exist.
fn check_namespace_holder(spec: &TaskDefinitionSpec, errors: &mut Vec<FieldError>) {
    let Some(holder) = spec.namespace_holder() else {
        return;
    };
    let mut reasons = Vec::new();
    if spec.network_mode() == NetworkMode::Awsvpc {
        reasons.push("networkMode awsvpc");
    }
    if spec.pid_mode == Some(PidMode::Task) {
        reasons.push("pidMode task");
    }
    if spec.ipc_mode == Some(IpcMode::Task) {
        reasons.push("ipcMode task");
    }
    let why = format!(
        "must be empty on the first container: it holds the namespaces the task shares ({}) and starts first",
        reasons.join(", ")
    );
    for (field, present) in [
        ("dependsOn", !holder.depends_on.is_empty()),
        ("links", !holder.links.is_empty()),
        ("volumesFrom", !holder.volumes_from.is_empty()),
    ] {
        if present {
            errors.push(FieldError::new(at(0, field), why.clone()));
        }
    }
}
