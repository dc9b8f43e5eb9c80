//! Whether a task fits an instance: its status, then CPU, memory and host ports (the first
//! step of ECS placement), and what a task of a definition reserves.

use super::instance::{Demand, Instance, InstanceStatus};
use super::reason::Rejection;
use crate::model::{NetworkMode, Protocol, TaskDefinitionSpec};

/// Whether `instance` can take a task of `demand` now: connected, ACTIVE, with the CPU units
/// and memory left and every host port the task binds free; else the first check it fails.
pub fn fits(instance: &Instance, demand: &Demand) -> Result<(), Rejection> {
    if !instance.connected {
        return Err(Rejection::Disconnected);
    }
    if instance.status == InstanceStatus::Draining {
        return Err(Rejection::Draining);
    }
    fits_resources(instance, demand)
}

/// Whether the CPU, memory and host ports `demand` needs are free on `instance`, whatever
/// its status: `RESOURCE:CPU`, then `RESOURCE:MEMORY`, `RESOURCE:PORTS`, `RESOURCE:PORTS_UDP`.
pub fn fits_resources(instance: &Instance, demand: &Demand) -> Result<(), Rejection> {
    let (registered, used) = (&instance.registered, &instance.used);
    if used.cpu + demand.cpu > registered.cpu {
        return Err(Rejection::Cpu);
    }
    if used.memory + demand.memory > registered.memory {
        return Err(Rejection::Memory);
    }
    let taken =
        |port: &u16, reserved: &std::collections::BTreeSet<u16>, bound: &std::collections::BTreeSet<u16>| {
            reserved.contains(port) || bound.contains(port)
        };
    if demand
        .ports_tcp
        .iter()
        .any(|p| taken(p, &registered.ports_tcp, &used.ports_tcp))
    {
        return Err(Rejection::Ports);
    }
    if demand
        .ports_udp
        .iter()
        .any(|p| taken(p, &registered.ports_udp, &used.ports_udp))
    {
        return Err(Rejection::PortsUdp);
    }
    Ok(())
}

impl Demand {
    /// What a task of `td` asks for, counted in `group`: its reservation and fixed host ports.
    pub fn of(td: &TaskDefinitionSpec, group: impl Into<String>) -> Demand {
        let (cpu, memory) = reservation(td);
        let (ports_tcp, ports_udp) = fixed_ports(td);
        Demand {
            cpu,
            memory,
            ports_tcp,
            ports_udp,
            group: group.into(),
        }
    }
}

/// What a task of this definition reserves as ECS counts it, (CPU units, MiB): the
/// task-level size when set, else the sum of its containers (a container's soft memory limit
/// before its hard one).
pub fn reservation(td: &TaskDefinitionSpec) -> (u64, u64) {
    let containers = &td.container_definitions;
    let cpu = td.cpu.map_or_else(
        || containers.iter().filter_map(|c| c.cpu).map(u64::from).sum(),
        |c| c.0.into(),
    );
    let memory = td.memory.map_or_else(
        || {
            containers
                .iter()
                .filter_map(|c| c.memory_reservation.or(c.memory))
                .map(u64::from)
                .sum()
        },
        |m| m.0.into(),
    );
    (cpu, memory)
}

/// The host ports a task of this definition binds whatever the engine picks: fixed
/// `hostPort`s, and every container port under `networkMode: host`. (tcp, udp).
pub fn fixed_ports(td: &TaskDefinitionSpec) -> (Vec<u16>, Vec<u16>) {
    let host = td.network_mode() == NetworkMode::Host;
    let (mut tcp, mut udp) = (Vec::new(), Vec::new());
    for mapping in td.container_definitions.iter().flat_map(|c| &c.port_mappings) {
        let port = if host {
            Some(mapping.fixed_host_port().unwrap_or(mapping.container_port))
        } else {
            mapping.fixed_host_port()
        };
        match (port, mapping.protocol) {
            (Some(p), Protocol::Tcp) => tcp.push(p),
            (Some(p), Protocol::Udp) => udp.push(p),
            (None, _) => {}
        }
    }
    (tcp, udp)
}
