//! The machine as ECS sizes a container instance: CPU units, memory in MiB and the host
//! ports in use (what each task reserves of them is `crate::placement`'s rule).

use crate::model::Protocol;
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
    use crate::store::ContainerStatus;

    #[test]
    fn mem_total_is_read_in_mib_from_proc_meminfo() {
        let text = "MemTotal:       16314432 kB\nMemFree:         1234 kB\n";
        assert_eq!(mem_total_mib(text), Some(15932));
        assert_eq!(mem_total_mib("MemFree: 1 kB"), None);
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
