//! The machine as ECS sizes a container instance: CPU units, memory in MiB and the host
//! ports in use, and what each task reserves of them.

use crate::model::{NetworkMode, Protocol, TaskDefinitionSpec};
use crate::store::TaskStatus;
use serde_json::{Value, json};

/// CPU units and MiB of memory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Capacity {
    /// CPU units (1024 per core).
    pub cpu: u64,
    /// Memory in MiB.
    pub memory: u64,
}

/// What the machine offers: 1024 units per core, and its total memory.
pub fn registered() -> Capacity {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| mem_total_mib(&text))
        .unwrap_or(0);
    Capacity {
        cpu: cores * 1024,
        memory,
    }
}

/// `MemTotal` of a `/proc/meminfo` text, in MiB.
pub fn mem_total_mib(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// What a task of this definition reserves, as ECS counts it: the task-level size when set,
/// else the sum of its containers (a container's soft limit before its hard one).
pub fn reservation(td: &TaskDefinitionSpec) -> Capacity {
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
    Capacity { cpu, memory }
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

/// What is taken on the instance: reserved CPU and memory, and host ports (tcp, udp).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Taken {
    /// CPU and memory reserved by tasks not STOPPED.
    pub reserved: Capacity,
    /// TCP host ports bound or claimed.
    pub tcp: Vec<u16>,
    /// UDP host ports bound or claimed.
    pub udp: Vec<u16>,
}

/// How many of `count` tasks reserving `each` and binding `ports` fit on an instance
/// offering `offered` with `taken` already used, and ECS's reason (`RESOURCE:CPU`,
/// `RESOURCE:MEMORY`, `RESOURCE:PORTS`, `RESOURCE:PORTS_UDP`) for each that does not.
pub fn fit(
    offered: Capacity,
    taken: &Taken,
    each: Capacity,
    ports: &(Vec<u16>, Vec<u16>),
    count: u32,
) -> (u32, Vec<&'static str>) {
    let mut taken = taken.clone();
    let (mut placed, mut refused) = (0, Vec::new());
    for _ in 0..count {
        let reason = if taken.reserved.cpu + each.cpu > offered.cpu {
            Some("RESOURCE:CPU")
        } else if taken.reserved.memory + each.memory > offered.memory {
            Some("RESOURCE:MEMORY")
        } else if ports.0.iter().any(|p| taken.tcp.contains(p)) {
            Some("RESOURCE:PORTS")
        } else if ports.1.iter().any(|p| taken.udp.contains(p)) {
            Some("RESOURCE:PORTS_UDP")
        } else {
            None
        };
        match reason {
            Some(why) => refused.push(why),
            None => {
                placed += 1;
                taken.reserved.cpu += each.cpu;
                taken.reserved.memory += each.memory;
                taken.tcp.extend(&ports.0);
                taken.udp.extend(&ports.1);
            }
        }
    }
    (placed, refused)
}

/// Host ports bound by these tasks' containers: (tcp, udp), sorted and without repeats.
pub fn ports_in_use<'a>(statuses: impl Iterator<Item = &'a TaskStatus>) -> (Vec<u16>, Vec<u16>) {
    let (mut tcp, mut udp) = (Vec::new(), Vec::new());
    for binding in statuses
        .flat_map(|s| &s.containers)
        .flat_map(|c| &c.network_bindings)
    {
        match binding.protocol {
            Protocol::Tcp => tcp.push(binding.host_port),
            Protocol::Udp => udp.push(binding.host_port),
        }
    }
    for ports in [&mut tcp, &mut udp] {
        ports.sort_unstable();
        ports.dedup();
    }
    (tcp, udp)
}

/// ECS `Resources`: CPU, MEMORY, PORTS and PORTS_UDP.
pub fn resources(capacity: Capacity, tcp: &[u16], udp: &[u16]) -> Value {
    let integer = |name: &str, value: u64| {
        json!({"name": name, "type": "INTEGER", "integerValue": value.min(i32::MAX as u64),
               "doubleValue": 0.0, "longValue": 0})
    };
    let ports = |name: &str, ports: &[u16]| {
        let set: Vec<String> = ports.iter().map(u16::to_string).collect();
        json!({"name": name, "type": "STRINGSET", "stringSetValue": set,
               "integerValue": 0, "doubleValue": 0.0, "longValue": 0})
    };
    json!([
        integer("CPU", capacity.cpu),
        integer("MEMORY", capacity.memory),
        ports("PORTS", tcp),
        ports("PORTS_UDP", udp),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NetworkBinding;
    use crate::model::{ContainerDefinition, CpuUnits, Mebibytes};
    use crate::store::ContainerStatus;

    fn container(cpu: Option<u32>, memory: Option<u32>, reservation: Option<u32>) -> ContainerDefinition {
        ContainerDefinition {
            name: "c".into(),
            image: "busybox".into(),
            cpu,
            memory,
            memory_reservation: reservation,
            ..Default::default()
        }
    }

    #[test]
    fn tasks_fit_until_cpu_memory_or_a_fixed_port_runs_out_and_each_refusal_says_which() {
        let offered = Capacity {
            cpu: 2048,
            memory: 1000,
        };
        let taken = Taken {
            reserved: Capacity { cpu: 1024, memory: 0 },
            tcp: vec![80],
            udp: vec![],
        };
        let each = Capacity {
            cpu: 512,
            memory: 100,
        };
        let none = (vec![], vec![]);
        assert_eq!(fit(offered, &taken, each, &none, 3), (2, vec!["RESOURCE:CPU"]));
        let big = Capacity { cpu: 0, memory: 600 };
        assert_eq!(fit(offered, &taken, big, &none, 2), (1, vec!["RESOURCE:MEMORY"]));
        let small = Capacity::default();
        assert_eq!(
            fit(offered, &taken, small, &(vec![80], vec![]), 1),
            (0, vec!["RESOURCE:PORTS"])
        );
        assert_eq!(
            fit(offered, &taken, small, &(vec![8080], vec![]), 2),
            (1, vec!["RESOURCE:PORTS"]),
            "the second task would need the port the first one took"
        );
    }

    #[test]
    fn fixed_ports_are_the_host_ports_or_every_port_in_host_mode() {
        use crate::model::PortMapping;
        let mapping = |container_port, host_port| PortMapping {
            container_port,
            host_port,
            ..Default::default()
        };
        let mut td = TaskDefinitionSpec {
            container_definitions: vec![ContainerDefinition {
                port_mappings: vec![mapping(80, Some(8080)), mapping(81, None), mapping(82, Some(0))],
                ..container(None, None, None)
            }],
            ..Default::default()
        };
        assert_eq!(fixed_ports(&td), (vec![8080], vec![]));
        td.network_mode = Some(NetworkMode::Host);
        assert_eq!(fixed_ports(&td), (vec![8080, 81, 82], vec![]));
    }

    #[test]
    fn mem_total_is_read_in_mib_from_proc_meminfo() {
        let text = "MemTotal:       16314432 kB\nMemFree:         1234 kB\n";
        assert_eq!(mem_total_mib(text), Some(15932));
        assert_eq!(mem_total_mib("MemFree: 1 kB"), None);
    }

    #[test]
    fn a_task_reserves_its_task_size_or_the_sum_of_its_containers() {
        let mut td = TaskDefinitionSpec {
            container_definitions: vec![
                container(Some(256), Some(512), None),
                container(Some(128), Some(512), Some(64)),
                container(None, None, None),
            ],
            ..Default::default()
        };
        assert_eq!(
            reservation(&td),
            Capacity {
                cpu: 384,
                memory: 576
            }
        );
        td.cpu = Some(CpuUnits(1024));
        td.memory = Some(Mebibytes(2048));
        assert_eq!(
            reservation(&td),
            Capacity {
                cpu: 1024,
                memory: 2048
            }
        );
    }

    #[test]
    fn ports_in_use_are_split_by_protocol_sorted_and_unique() {
        let binding = |port, protocol| NetworkBinding {
            bind_ip: "0.0.0.0".into(),
            container_port: 80,
            host_port: port,
            protocol,
        };
        let status = TaskStatus {
            containers: vec![ContainerStatus {
                network_bindings: vec![
                    binding(8080, Protocol::Tcp),
                    binding(53, Protocol::Udp),
                    binding(80, Protocol::Tcp),
                    binding(8080, Protocol::Tcp),
                ],
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(ports_in_use([&status].into_iter()), (vec![80, 8080], vec![53]));
    }
}
