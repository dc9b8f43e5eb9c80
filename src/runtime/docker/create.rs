//! The engine create request for a `ContainerSpec` (pure).

use super::super::{ContainerSpec, HealthSpec, MountSpec};
use bollard::models::{
    ContainerCreateBody, DeviceMapping, EndpointSettings, HealthConfig, HostConfig, HostConfigLogConfig,
    Mount, MountType, NetworkingConfig, PortBinding, PortMap, ResourcesUlimits, RestartPolicy,
    RestartPolicyNameEnum,
};
use std::collections::HashMap;
use std::time::Duration;

/// Builds the Docker Engine API create body.
pub(super) fn create_body(spec: &ContainerSpec) -> ContainerCreateBody {
    let (port_bindings, exposed) = port_bindings(spec);
    ContainerCreateBody {
        image: Some(spec.image.clone()),
        cmd: spec.command.clone(),
        entrypoint: spec.entry_point.clone(),
        env: Some(spec.env.clone()),
        labels: Some(spec.labels.clone().into_iter().collect()),
        exposed_ports: Some(exposed),
        hostname: spec.namespaces.hostname.clone(),
        user: spec.user.clone(),
        working_dir: spec.working_dir.clone(),
        network_disabled: Some(spec.namespaces.network_disabled),
        open_stdin: Some(spec.open_stdin),
        tty: Some(spec.tty),
        stop_timeout: spec.stop_timeout_secs.and_then(|s| i64::try_from(s).ok()),
        healthcheck: Some(healthcheck(&spec.health)),
        host_config: Some(host_config(spec, port_bindings)),
        networking_config: networking_config(spec),
        ..Default::default()
    }
}

/// The aliases on the network the container is created on. API 1.41 takes one endpoint at
/// create time: further networks are joined afterwards (`endpoint`).
fn networking_config(spec: &ContainerSpec) -> Option<NetworkingConfig> {
    let network = spec.namespaces.network_mode.as_ref()?;
    let aliases = &spec.namespaces.network_aliases;
    (!aliases.is_empty()).then(|| NetworkingConfig {
        endpoints_config: Some(HashMap::from([(network.clone(), endpoint(aliases))])),
    })
}

/// An endpoint on a network with these DNS aliases.
pub(super) fn endpoint(aliases: &[String]) -> EndpointSettings {
    EndpointSettings {
        aliases: non_empty(aliases.to_vec()),
        ..Default::default()
    }
}

fn host_config(spec: &ContainerSpec, port_bindings: PortMap) -> HostConfig {
    let limits = &spec.limits;
    let namespaces = &spec.namespaces;
    let security = &spec.security;
    let storage = storage(&spec.mounts);
    HostConfig {
        port_bindings: Some(port_bindings),
        cpu_shares: limits.cpu_shares,
        nano_cpus: limits.nano_cpus,
        memory: limits.memory_bytes,
        memory_reservation: limits.memory_reservation_bytes,
        memory_swap: limits.memory_swap_bytes,
        memory_swappiness: limits.memory_swappiness,
        shm_size: limits.shm_size_bytes,
        ulimits: non_empty(ulimits(spec)),
        binds: non_empty(storage.binds),
        mounts: non_empty(storage.mounts),
        tmpfs: (!storage.tmpfs.is_empty()).then_some(storage.tmpfs),
        volumes_from: non_empty(spec.volumes_from.clone()),
        network_mode: namespaces.network_mode.clone(),
        pid_mode: namespaces.pid_mode.clone(),
        ipc_mode: namespaces.ipc_mode.clone(),
        links: non_empty(namespaces.links.clone()),
        extra_hosts: non_empty(namespaces.extra_hosts.clone()),
        dns: non_empty(namespaces.dns.clone()),
        dns_search: non_empty(namespaces.dns_search.clone()),
        privileged: Some(security.privileged),
        readonly_rootfs: Some(security.readonly_rootfs),
        cap_add: non_empty(security.cap_add.clone()),
        cap_drop: non_empty(security.cap_drop.clone()),
        devices: non_empty(devices(spec)),
        init: spec.init,
        log_config: Some(HostConfigLogConfig {
            typ: Some(spec.log.driver.clone()),
            config: Some(spec.log.options.clone().into_iter().collect()),
        }),
        // ecsd owns restarts; the engine must never restart behind its back.
        restart_policy: Some(RestartPolicy {
            name: Some(RestartPolicyNameEnum::NO),
            maximum_retry_count: None,
        }),
        ..Default::default()
    }
}

/// Lists the request leaves out when empty, so it asks the engine for nothing it did not need.
fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

fn port_bindings(spec: &ContainerSpec) -> (PortMap, Vec<String>) {
    let mut port_bindings = PortMap::new();
    let mut exposed = Vec::new();
    for p in &spec.ports {
        let key = format!("{}/{}", p.container_port, p.protocol.as_str());
        exposed.push(key.clone());
        let binding = PortBinding {
            host_ip: p.host_ip.map(|ip| ip.to_string()),
            // An empty host port asks the engine for an ephemeral one.
            host_port: Some(p.host_port.map(|h| h.to_string()).unwrap_or_default()),
        };
        port_bindings
            .entry(key)
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(binding);
    }
    (port_bindings, exposed)
}

/// The three ways Docker takes a mount.
struct Storage {
    binds: Vec<String>,
    mounts: Vec<Mount>,
    tmpfs: HashMap<String, String>,
}

/// Bind mounts go through `Binds`, which (unlike `Mounts`) creates a missing host directory,
/// as ECS does for `host.sourcePath`; volumes through `Mounts`; tmpfs through `Tmpfs`, whose
/// option string carries any mount option on every engine version.
fn storage(mounts: &[MountSpec]) -> Storage {
    let mut storage = Storage {
        binds: Vec::new(),
        mounts: Vec::new(),
        tmpfs: HashMap::new(),
    };
    for mount in mounts {
        match mount {
            MountSpec::Bind {
                source,
                target,
                read_only,
            } => {
                let mode = if *read_only { ":ro" } else { "" };
                storage.binds.push(format!("{source}:{target}{mode}"));
            }
            MountSpec::Volume {
                name,
                target,
                read_only,
            } => storage.mounts.push(Mount {
                target: Some(target.clone()),
                source: Some(name.clone()),
                typ: Some(MountType::VOLUME),
                read_only: Some(*read_only),
                ..Default::default()
            }),
            MountSpec::Tmpfs {
                target,
                size_bytes,
                options,
            } => {
                let size = format!("size={size_bytes}");
                let all: Vec<&str> = std::iter::once(size.as_str())
                    .chain(options.iter().map(String::as_str))
                    .collect();
                storage.tmpfs.insert(target.clone(), all.join(","));
            }
        }
    }
    storage
}

fn ulimits(spec: &ContainerSpec) -> Vec<ResourcesUlimits> {
    spec.limits
        .ulimits
        .iter()
        .map(|u| ResourcesUlimits {
            name: Some(u.name.clone()),
            soft: Some(u.soft),
            hard: Some(u.hard),
        })
        .collect()
}

fn devices(spec: &ContainerSpec) -> Vec<DeviceMapping> {
    spec.security
        .devices
        .iter()
        .map(|d| DeviceMapping {
            path_on_host: Some(d.host_path.clone()),
            path_in_container: Some(d.container_path.clone()),
            cgroup_permissions: Some(d.permissions.clone()),
        })
        .collect()
}

/// Always explicit: `["NONE"]` switches off an image HEALTHCHECK that the task did not declare.
fn healthcheck(health: &HealthSpec) -> HealthConfig {
    let nanos = |d: &Duration| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX);
    match health {
        HealthSpec::Disabled => HealthConfig {
            test: Some(vec!["NONE".to_string()]),
            ..Default::default()
        },
        HealthSpec::Command {
            test,
            interval,
            timeout,
            start_period,
            retries,
        } => HealthConfig {
            test: Some(test.clone()),
            interval: Some(nanos(interval)),
            timeout: Some(nanos(timeout)),
            start_period: Some(nanos(start_period)),
            retries: Some(i64::from(*retries)),
            start_interval: None,
        },
    }
}

#[cfg(test)]
mod tests;
