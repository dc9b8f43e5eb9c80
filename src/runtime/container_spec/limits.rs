//! Resource limits and privileges of a container, in engine units.

use super::{DeviceSpec, ResourceLimits, SecuritySpec, UlimitSpec, mib};
use crate::model::{ContainerDefinition, DevicePermission, TaskDefinitionSpec};

/// NanoCpus of one core; 1024 ECS CPU units are one core.
const NANO_CPUS_PER_CORE: i64 = 1_000_000_000;

/// CPU, memory, swap, shared memory and ulimits for `def`, with the task's limits enforced.
pub(super) fn limits(def: &ContainerDefinition, td: &TaskDefinitionSpec) -> ResourceLimits {
    let linux = def.linux_parameters.as_ref();
    // Without a hard limit of its own, a container is held to the task's memory.
    let memory = def.effective_memory(td.memory.map(|m| m.0));
    let max_swap = linux.and_then(|l| l.max_swap);
    ResourceLimits {
        // ECS agent behaviour: 0 or absent CPU becomes the minimum of 2 shares.
        cpu_shares: Some(i64::from(def.cpu.unwrap_or(0).max(2))),
        // Task cpu caps every container at the whole task's share of cores.
        nano_cpus: td.cpu.map(|c| i64::from(c.0) * NANO_CPUS_PER_CORE / 1024),
        memory_bytes: memory.map(mib),
        memory_reservation_bytes: def.memory_reservation.map(mib),
        // Docker's MemorySwap is memory plus swap; maxSwap 0 therefore means no swap.
        memory_swap_bytes: max_swap.zip(memory).map(|(swap, memory)| mib(swap) + mib(memory)),
        memory_swappiness: max_swap.and(linux.and_then(|l| l.swappiness)).map(i64::from),
        shm_size_bytes: linux.and_then(|l| l.shared_memory_size).map(mib),
        ulimits: def
            .ulimits
            .iter()
            .map(|u| UlimitSpec {
                name: u.name.clone(),
                soft: u.soft_limit,
                hard: u.hard_limit,
            })
            .collect(),
    }
}

/// Privileges, capabilities and devices of `def`.
pub(super) fn security(def: &ContainerDefinition) -> SecuritySpec {
    let linux = def.linux_parameters.as_ref();
    let capabilities = linux.and_then(|l| l.capabilities.as_ref());
    SecuritySpec {
        privileged: def.privileged.unwrap_or(false),
        readonly_rootfs: def.readonly_root_filesystem.unwrap_or(false),
        cap_add: capabilities.map(|c| c.add.clone()).unwrap_or_default(),
        cap_drop: capabilities.map(|c| c.drop.clone()).unwrap_or_default(),
        devices: linux
            .iter()
            .flat_map(|l| &l.devices)
            .map(|d| DeviceSpec {
                host_path: d.host_path.clone(),
                container_path: d.container_path.clone().unwrap_or_else(|| d.host_path.clone()),
                permissions: if d.permissions.is_empty() {
                    "rwm".to_string()
                } else {
                    d.permissions
                        .iter()
                        .map(|p| DevicePermission::letter(*p))
                        .collect()
                },
            })
            .collect(),
    }
}
