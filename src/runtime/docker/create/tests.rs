//! The Docker create body built from container specs.

use super::*;
use crate::model::HostEntry;
use crate::model::{
    ContainerDefinition, Device, HealthCheck, HostVolume, KernelCapabilities, LinuxParameters,
    LogConfiguration, MountPoint, PortMapping, Protocol, Seconds, TaskDefinitionSpec, Tmpfs, Ulimit, Volume,
};
use crate::runtime::{PortSpec, container_spec};
use std::collections::BTreeMap;

#[test]
fn ephemeral_ports_ask_the_engine_for_any_host_port_and_restart_policy_is_no() {
    let spec = ContainerSpec {
        name: "n".into(),
        image: "busybox".into(),
        ports: vec![PortSpec {
            host_ip: None,
            container_port: 80,
            host_port: None,
            protocol: Protocol::Tcp,
        }],
        ..Default::default()
    };
    let body = create_body(&spec);
    let host = body.host_config.unwrap();
    let binding = &host.port_bindings.unwrap()["80/tcp"].clone().unwrap()[0];
    assert_eq!(binding.host_port.as_deref(), Some(""));
    assert_eq!(host.restart_policy.unwrap().name, Some(RestartPolicyNameEnum::NO));
}

#[test]
fn a_container_without_a_health_check_switches_off_the_image_one() {
    let body = create_body(&ContainerSpec::default());
    let health = body.healthcheck.unwrap();
    assert_eq!(health.test, Some(vec!["NONE".to_string()]));
    assert_eq!(health.interval, None);
}

/// A container using most of what ECS lets a container definition say.
fn full_container() -> ContainerSpec {
    let mut app = ContainerDefinition {
        name: "app".into(),
        image: "ghcr.io/example/app:1".into(),
        memory: Some(256),
        stop_timeout: Some(Seconds(20)),
        privileged: Some(true),
        readonly_root_filesystem: Some(true),
        port_mappings: vec![PortMapping {
            container_port: 8080,
            host_port: Some(18080),
            ..Default::default()
        }],
        mount_points: vec![
            MountPoint {
                source_volume: "site".into(),
                container_path: "/site".into(),
                read_only: Some(true),
            },
            MountPoint {
                source_volume: "cache".into(),
                container_path: "/cache".into(),
                read_only: None,
            },
        ],
        ulimits: vec![Ulimit {
            name: "nofile".into(),
            soft_limit: 1024,
            hard_limit: 4096,
        }],
        extra_hosts: vec![HostEntry {
            hostname: "db".into(),
            ip_address: "10.0.0.2".into(),
        }],
        log_configuration: Some(LogConfiguration {
            log_driver: "local".into(),
            ..Default::default()
        }),
        health_check: Some(HealthCheck {
            command: vec!["CMD".into(), "true".into()],
            interval: Some(Seconds(10)),
            timeout: None,
            retries: Some(2),
            start_period: Some(Seconds(5)),
        }),
        ..Default::default()
    };
    app.linux_parameters = Some(LinuxParameters {
        capabilities: Some(KernelCapabilities {
            add: vec!["NET_ADMIN".into()],
            drop: vec!["MKNOD".into()],
        }),
        init_process_enabled: Some(true),
        shared_memory_size: Some(64),
        tmpfs: vec![Tmpfs {
            container_path: "/run".into(),
            size: 16,
            mount_options: vec!["noexec".into(), "nosuid".into()],
        }],
        devices: vec![Device {
            host_path: "/dev/fuse".into(),
            ..Default::default()
        }],
        ..Default::default()
    });
    let td = TaskDefinitionSpec {
        container_definitions: vec![app.clone()],
        volumes: vec![
            Volume {
                name: "site".into(),
                host: Some(HostVolume {
                    source_path: Some("/srv/site".into()),
                }),
                ..Default::default()
            },
            Volume {
                name: "cache".into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let task = crate::runtime::TaskIdentity {
        id: "0123456789abcdef0123456789abcdef".into(),
        cluster: "default".into(),
        task_definition: "web:3".into(),
        ..Default::default()
    };
    container_spec(&app, &td, &task, "owner1", &BTreeMap::new())
}

#[test]
fn a_full_container_maps_every_field_into_the_create_body() {
    let body = create_body(&full_container());
    assert_eq!(body.stop_timeout, Some(20));
    let health = body.healthcheck.unwrap();
    assert_eq!(health.test, Some(vec!["CMD".to_string(), "true".to_string()]));
    assert_eq!(health.interval, Some(10_000_000_000));
    assert_eq!(health.timeout, Some(5_000_000_000));
    assert_eq!(health.start_period, Some(5_000_000_000));
    assert_eq!(health.retries, Some(2));

    let host = body.host_config.unwrap();
    assert_eq!(host.binds, Some(vec!["/srv/site:/site:ro".to_string()]));
    let mounts = host.mounts.unwrap();
    assert_eq!(mounts.len(), 1);
    assert_eq!(mounts[0].typ, Some(MountType::VOLUME));
    assert_eq!(mounts[0].source.as_deref(), Some("ecsd-0123456789ab-cache"));
    assert_eq!(mounts[0].target.as_deref(), Some("/cache"));
    assert_eq!(
        host.tmpfs,
        Some(HashMap::from([(
            "/run".to_string(),
            "size=16777216,noexec,nosuid".to_string()
        )]))
    );
    assert_eq!(host.cap_add, Some(vec!["NET_ADMIN".to_string()]));
    assert_eq!(host.cap_drop, Some(vec!["MKNOD".to_string()]));
    assert_eq!(host.init, Some(true));
    assert_eq!(host.shm_size, Some(64 << 20));
    assert_eq!(host.memory, Some(256 << 20));
    let ulimit = &host.ulimits.unwrap()[0];
    assert_eq!(
        (ulimit.name.as_deref(), ulimit.soft, ulimit.hard),
        (Some("nofile"), Some(1024), Some(4096))
    );
    let log = host.log_config.unwrap();
    assert_eq!(log.typ.as_deref(), Some("local"));
    assert_eq!(log.config.unwrap()["max-size"], "10m");
    assert_eq!(
        host.network_mode.as_deref(),
        Some("ecsd-default-owner1"),
        "bridge containers are on their cluster's network"
    );
    assert_eq!(body.networking_config, None, "a standalone task answers no name");
    assert_eq!(host.extra_hosts, Some(vec!["db:10.0.0.2".to_string()]));
    let device = &host.devices.unwrap()[0];
    assert_eq!(device.path_on_host.as_deref(), Some("/dev/fuse"));
    assert_eq!(device.path_in_container.as_deref(), Some("/dev/fuse"));
    assert_eq!(device.cgroup_permissions.as_deref(), Some("rwm"));
    assert_eq!(host.readonly_rootfs, Some(true));
    assert_eq!(host.privileged, Some(true));
    let binding = &host.port_bindings.unwrap()["8080/tcp"].clone().unwrap()[0];
    assert_eq!(binding.host_port.as_deref(), Some("18080"));
}

#[test]
fn namespace_modes_reach_the_host_config() {
    let mut spec = ContainerSpec::default();
    spec.namespaces.network_mode = Some("container:ecsd-web-web-0123456789ab".into());
    spec.namespaces.pid_mode = Some("host".into());
    spec.namespaces.ipc_mode = Some("shareable".into());
    spec.volumes_from = vec!["ecsd-web-data-0123456789ab:ro".into()];
    spec.namespaces.links = vec!["ecsd-web-db-0123456789ab:db".into()];
    let host = create_body(&spec).host_config.unwrap();
    assert_eq!(
        host.network_mode.as_deref(),
        Some("container:ecsd-web-web-0123456789ab")
    );
    assert_eq!(host.pid_mode.as_deref(), Some("host"));
    assert_eq!(host.ipc_mode.as_deref(), Some("shareable"));
    assert_eq!(
        host.volumes_from,
        Some(vec!["ecsd-web-data-0123456789ab:ro".to_string()])
    );
    assert_eq!(host.links, Some(vec!["ecsd-web-db-0123456789ab:db".to_string()]));
}

#[test]
fn service_aliases_go_on_the_create_endpoint_and_only_there() {
    let mut spec = ContainerSpec::default();
    spec.namespaces.network_mode = Some("ecsd-default-owner1".into());
    spec.namespaces.network_aliases = vec!["api".into()];
    let endpoints = create_body(&spec)
        .networking_config
        .and_then(|n| n.endpoints_config)
        .unwrap();
    assert_eq!(endpoints.len(), 1, "API 1.41 takes one endpoint at create time");
    assert_eq!(
        endpoints["ecsd-default-owner1"].aliases,
        Some(vec!["api".to_string()])
    );
    spec.namespaces.network_aliases.clear();
    assert_eq!(create_body(&spec).networking_config, None);
}
