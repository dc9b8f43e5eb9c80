//! The mapping from container definitions to engine-neutral specs, volumes and networks.

use super::*;
use crate::model::EnvironmentFile;
use crate::model::{
    CpuUnits, Device, DevicePermission, DockerVolumeConfiguration, HealthCheck, HostEntry, HostVolume,
    IpcMode, KernelCapabilities, KeyValuePair, LinuxParameters, LogConfiguration, Mebibytes, MountPoint,
    NetworkMode, PidMode, PortMapping, Seconds, Tmpfs, Volume, VolumeFrom, VolumeScope,
};
use std::time::Duration;

const TASK_ID: &str = "0123456789abcdef0123456789abcdef";
/// The network of cluster `default` of daemon `owner1`.
const CLUSTER_NETWORK: &str = "ecsd-default-owner1";

fn task(service: Option<&str>) -> TaskIdentity {
    TaskIdentity {
        id: TASK_ID.into(),
        cluster: "default".into(),
        task_definition: "web:3".into(),
        service: service.map(str::to_string),
        deployment: None,
    }
}

fn container(name: &str) -> ContainerDefinition {
    ContainerDefinition {
        name: name.into(),
        image: "busybox".into(),
        ..Default::default()
    }
}

fn td(defs: Vec<ContainerDefinition>) -> TaskDefinitionSpec {
    TaskDefinitionSpec {
        container_definitions: defs,
        ..Default::default()
    }
}

/// The spec of container `i` of `td` in a standalone task, without environment files.
fn spec_of(td: &TaskDefinitionSpec, i: usize) -> ContainerSpec {
    spec_in(td, i, None)
}

/// The spec of container `i` of `td` in a task of `service` (if any).
fn spec_in(td: &TaskDefinitionSpec, i: usize, service: Option<&str>) -> ContainerSpec {
    container_spec(
        &td.container_definitions[i],
        td,
        &task(service),
        "owner1",
        &BTreeMap::new(),
    )
}

fn single(def: ContainerDefinition) -> ContainerSpec {
    spec_of(&td(vec![def]), 0)
}

fn port(container_port: u16, host_port: Option<u16>) -> PortMapping {
    PortMapping {
        container_port,
        host_port,
        ..Default::default()
    }
}

fn env(name: &str, value: &str) -> KeyValuePair {
    KeyValuePair {
        name: name.into(),
        value: value.into(),
    }
}

fn env_file(path: &str) -> EnvironmentFile {
    EnvironmentFile {
        value: path.into(),
        file_type: None,
    }
}

#[test]
fn names_are_deterministic_from_family_container_and_task_id() {
    assert_eq!(single(container("app")).name, "ecsd-web-app-0123456789ab");
}

#[test]
fn every_container_carries_the_ownership_labels() {
    let def = container("app");
    let spec = container_spec(
        &def,
        &td(vec![def.clone()]),
        &task(Some("web")),
        "owner1",
        &BTreeMap::new(),
    );
    let get = |k: &str| spec.labels.get(k).map(String::as_str);
    assert_eq!(get(labels::OWNER), Some("owner1"));
    assert_eq!(get(labels::CLUSTER), Some("default"));
    assert_eq!(get(labels::TASK), Some(TASK_ID));
    assert_eq!(get(labels::CONTAINER), Some("app"));
    assert_eq!(get(labels::TASK_DEFINITION), Some("web:3"));
    assert_eq!(get(labels::SERVICE), Some("web"));
    let digest = td(vec![def.clone()]).digest();
    assert_eq!(get(labels::TASK_DEFINITION_DIGEST), Some(digest.as_str()));
    assert!(!single(def).labels.contains_key(labels::SERVICE));
}

#[test]
fn docker_labels_are_kept_but_ecsd_labels_win() {
    let mut def = container("app");
    def.docker_labels = BTreeMap::from([
        ("com.example.tier".into(), "web".into()),
        (labels::OWNER.into(), "someone-else".into()),
    ]);
    let spec = single(def);
    assert_eq!(spec.labels["com.example.tier"], "web");
    assert_eq!(spec.labels[labels::OWNER], "owner1");
}

#[test]
fn ecs_fields_map_to_engine_units() {
    let mut def = container("app");
    def.environment = vec![env("A", "1")];
    def.port_mappings = vec![
        port(80, Some(0)),
        PortMapping {
            protocol: Protocol::Udp,
            ..port(53, Some(5353))
        },
    ];
    def.memory = Some(64);
    def.memory_reservation = Some(32);
    def.stop_timeout = Some(Seconds(20));
    let spec = single(def);
    assert_eq!(spec.env, vec!["A=1"]);
    assert_eq!(spec.ports[0].host_port, None, "hostPort 0 is ephemeral");
    assert_eq!(spec.ports[1].host_port, Some(5353));
    assert_eq!(spec.limits.memory_bytes, Some(64 << 20));
    assert_eq!(spec.limits.memory_reservation_bytes, Some(32 << 20));
    assert_eq!(
        spec.limits.cpu_shares,
        Some(2),
        "absent cpu is the minimum of 2 shares"
    );
    assert_eq!(spec.limits.nano_cpus, None, "no task cpu, no cap");
    assert_eq!(spec.stop_timeout_secs, Some(20));
}

#[test]
fn env_files_follow_docker_env_file_rules() {
    let text = "\u{feff}# comment\n\nA=1\n  B = spaced\nC=x=y\nNO_EQUALS\nBAD KEY=1\nD=\r\nE=\"quoted\"  \n";
    assert_eq!(
        parse_env_file(text),
        vec![
            ("A".to_string(), "1".to_string()),
            ("C".to_string(), "x=y".to_string()),
            ("D".to_string(), String::new()),
            ("E".to_string(), "\"quoted\"  ".to_string()),
        ]
    );
}

#[test]
fn environment_overrides_env_files_and_a_later_file_overrides_an_earlier_one() {
    let mut def = container("app");
    def.environment_files = vec![
        env_file("/etc/a.env"),
        env_file("/etc/b.env"),
        env_file("/etc/missing.env"),
    ];
    def.environment = vec![env("MODE", "inline"), env("ONLY_INLINE", "1")];
    assert_eq!(
        env_file_paths(&def),
        ["/etc/a.env", "/etc/b.env", "/etc/missing.env"]
    );
    let files = BTreeMap::from([
        (
            "/etc/a.env".to_string(),
            "MODE=a\nFROM_A=1\nSHARED=a\n".to_string(),
        ),
        ("/etc/b.env".to_string(), "SHARED=b\n".to_string()),
    ]);
    let spec = container_spec(&def, &td(vec![def.clone()]), &task(None), "o", &files);
    assert_eq!(spec.env, ["MODE=inline", "FROM_A=1", "SHARED=b", "ONLY_INLINE=1"]);
}

#[test]
fn without_a_health_check_the_image_health_check_is_disabled() {
    assert_eq!(single(container("app")).health, HealthSpec::Disabled);
}

#[test]
fn a_health_check_is_written_with_ecs_defaults_applied() {
    let mut def = container("app");
    def.health_check = Some(HealthCheck {
        command: vec!["CMD-SHELL".into(), "curl -f localhost".into()],
        interval: Some(Seconds(10)),
        timeout: None,
        retries: None,
        start_period: None,
    });
    assert_eq!(
        single(def).health,
        HealthSpec::Command {
            test: vec!["CMD-SHELL".into(), "curl -f localhost".into()],
            interval: Duration::from_secs(10),
            timeout: Duration::from_secs(5),
            start_period: Duration::ZERO,
            retries: 3,
        }
    );
}

#[test]
fn logs_default_to_json_file_with_rotation() {
    let log = single(container("app")).log;
    assert_eq!(log.driver, "json-file");
    assert_eq!(log.options["max-size"], "10m");
    assert_eq!(log.options["max-file"], "3");
}

#[test]
fn file_log_drivers_without_max_size_get_rotation_and_others_are_left_alone() {
    let with = |driver: &str, options: &[(&str, &str)]| {
        let mut def = container("app");
        def.log_configuration = Some(LogConfiguration {
            log_driver: driver.into(),
            options: options
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        });
        single(def).log
    };
    let local = with("local", &[("compress", "true")]);
    assert_eq!(local.options.len(), 3, "{local:?}");
    let sized = with("json-file", &[("max-size", "50m")]);
    assert_eq!(sized.options, BTreeMap::from([("max-size".into(), "50m".into())]));
    let journald = with("journald", &[("tag", "web")]);
    assert_eq!(journald.driver, "journald");
    assert_eq!(journald.options, BTreeMap::from([("tag".into(), "web".into())]));
}

fn volumes_td() -> TaskDefinitionSpec {
    let mut def = container("app");
    def.mount_points = ["site", "scratch", "cache", "pg"]
        .iter()
        .map(|name| MountPoint {
            source_volume: name.to_string(),
            container_path: format!("/{name}"),
            read_only: Some(*name == "site"),
        })
        .collect();
    def.linux_parameters = Some(LinuxParameters {
        tmpfs: vec![Tmpfs {
            container_path: "/run".into(),
            size: 16,
            mount_options: vec!["noexec".into()],
        }],
        ..Default::default()
    });
    let docker = |scope, autoprovision| DockerVolumeConfiguration {
        scope: Some(scope),
        autoprovision,
        driver: Some("local".into()),
        labels: BTreeMap::from([("team".into(), "shop".into())]),
        ..Default::default()
    };
    let mut spec = td(vec![def]);
    spec.volumes = vec![
        Volume {
            name: "site".into(),
            host: Some(HostVolume {
                source_path: Some("/srv/site".into()),
            }),
            ..Default::default()
        },
        Volume {
            name: "scratch".into(),
            host: Some(HostVolume::default()),
            ..Default::default()
        },
        Volume {
            name: "cache".into(),
            docker_volume_configuration: Some(docker(VolumeScope::Task, None)),
            ..Default::default()
        },
        Volume {
            name: "pg".into(),
            docker_volume_configuration: Some(docker(VolumeScope::Shared, Some(true))),
            ..Default::default()
        },
    ];
    spec
}

#[test]
fn task_volumes_are_named_by_scope_and_bind_mounts_need_none() {
    let volumes = task_volumes(&volumes_td(), &task(None), "owner1");
    let names: Vec<&str> = volumes.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        ["ecsd-0123456789ab-scratch", "ecsd-0123456789ab-cache", "pg"]
    );
    let cache = &volumes[1];
    assert!(cache.task_scoped && cache.autoprovision);
    assert_eq!(cache.driver.as_deref(), Some("local"));
    assert_eq!(cache.labels[labels::OWNER], "owner1");
    assert_eq!(cache.labels[labels::TASK], TASK_ID);
    assert_eq!(cache.labels["team"], "shop");
    let shared = &volumes[2];
    assert!(!shared.task_scoped && shared.autoprovision);
    assert!(
        !shared.labels.contains_key(labels::TASK),
        "a shared volume outlives the task"
    );
}

#[test]
fn mount_points_resolve_to_binds_and_volumes_and_tmpfs_follows() {
    let spec = spec_of(&volumes_td(), 0);
    let volume = |name: &str, target: &str| MountSpec::Volume {
        name: name.into(),
        target: target.into(),
        read_only: false,
    };
    assert_eq!(
        spec.mounts,
        vec![
            MountSpec::Bind {
                source: "/srv/site".into(),
                target: "/site".into(),
                read_only: true,
            },
            volume("ecsd-0123456789ab-scratch", "/scratch"),
            volume("ecsd-0123456789ab-cache", "/cache"),
            volume("pg", "/pg"),
            MountSpec::Tmpfs {
                target: "/run".into(),
                size_bytes: 16 << 20,
                options: vec!["noexec".into()],
            },
        ]
    );
}

#[test]
fn volumes_from_and_links_use_the_deterministic_names() {
    let mut app = container("app");
    app.volumes_from = vec![VolumeFrom {
        source_container: "data".into(),
        read_only: Some(true),
    }];
    app.links = vec!["db:database".into(), "cache".into()];
    let spec = spec_of(
        &td(vec![app, container("data"), container("db"), container("cache")]),
        0,
    );
    assert_eq!(spec.volumes_from, ["ecsd-web-data-0123456789ab:ro"]);
    assert_eq!(
        spec.namespaces.links,
        [
            "ecsd-web-db-0123456789ab:database",
            "ecsd-web-cache-0123456789ab:cache"
        ]
    );
    assert_eq!(
        spec.namespaces.network_mode.as_deref(),
        Some(CLUSTER_NETWORK),
        "links need their targets on the same network"
    );
}

#[test]
fn awsvpc_puts_the_first_container_on_a_task_network_and_the_others_in_its_namespace() {
    let mut web = container("web");
    web.port_mappings = vec![port(80, Some(80))];
    let mut api = container("api");
    api.port_mappings = vec![port(3000, None)];
    let mut spec = td(vec![web, api]);
    spec.network_mode = Some(NetworkMode::Awsvpc);
    let network = task_network(&spec, &task(None), "owner1").unwrap();
    assert_eq!(network.name, "ecsd-task-0123456789ab");
    assert_eq!(network.labels[labels::OWNER], "owner1");
    assert_eq!(network.labels[labels::TASK], TASK_ID);
    let (first, second) = (spec_of(&spec, 0), spec_of(&spec, 1));
    assert_eq!(
        first.namespaces.network_mode.as_deref(),
        Some("ecsd-task-0123456789ab")
    );
    assert_eq!(
        second.namespaces.network_mode.as_deref(),
        Some("container:ecsd-web-web-0123456789ab")
    );
    let published: Vec<(u16, Option<u16>)> = first
        .ports
        .iter()
        .map(|p| (p.container_port, p.host_port))
        .collect();
    assert_eq!(
        published,
        [(80, None), (3000, None)],
        "the whole task, on ephemeral host ports"
    );
    assert!(second.ports.is_empty());
    assert_eq!(task_network(&td(vec![container("web")]), &task(None), "o"), None);
}

/// The spec of container `i` of `td` in a task of service `api`.
fn service_spec_of(td: &TaskDefinitionSpec, i: usize) -> ContainerSpec {
    spec_in(td, i, Some("api"))
}

#[test]
fn the_cluster_network_is_named_after_cluster_and_daemon_and_labelled_for_both() {
    let network = cluster_network(&td(vec![container("web")]), &task(None), "owner1").unwrap();
    assert_eq!(network.name, CLUSTER_NETWORK);
    assert_eq!(network.labels[labels::OWNER], "owner1");
    assert_eq!(network.labels[labels::CLUSTER], "default");
    assert!(
        !network.labels.contains_key(labels::TASK),
        "shared by the cluster's tasks"
    );
    let mut other = task(None);
    other.cluster = "prod".into();
    assert_eq!(
        cluster_network(&td(vec![container("web")]), &other, "owner2")
            .unwrap()
            .name,
        "ecsd-prod-owner2"
    );
}

#[test]
fn host_and_none_tasks_join_no_cluster_network_and_answer_no_name() {
    for mode in [NetworkMode::Host, NetworkMode::None] {
        let mut spec = td(vec![container("web")]);
        spec.network_mode = Some(mode);
        assert_eq!(cluster_network(&spec, &task(Some("api")), "owner1"), None);
        let web = service_spec_of(&spec, 0);
        assert!(web.namespaces.network_aliases.is_empty());
        assert!(web.namespaces.attachments.is_empty());
    }
}

#[test]
fn bridge_service_containers_with_ports_answer_the_service_name_on_the_cluster_network() {
    let mut web = container("web");
    web.port_mappings = vec![port(8080, None)];
    let spec = td(vec![container("log-router"), web]);
    let (sidecar, web) = (service_spec_of(&spec, 0), service_spec_of(&spec, 1));
    assert_eq!(web.namespaces.network_mode.as_deref(), Some(CLUSTER_NETWORK));
    assert_eq!(web.namespaces.network_aliases, ["api"]);
    assert_eq!(sidecar.namespaces.network_mode.as_deref(), Some(CLUSTER_NETWORK));
    assert!(
        sidecar.namespaces.network_aliases.is_empty(),
        "a container without ports is not handed requests"
    );
    assert!(web.namespaces.attachments.is_empty());
    assert_eq!(
        web.ports[0].host_port, None,
        "ports are published exactly as on the default bridge"
    );
}

#[test]
fn without_any_ports_the_first_container_answers_and_standalone_tasks_answer_nothing() {
    let spec = td(vec![container("worker"), container("sidecar")]);
    assert_eq!(service_spec_of(&spec, 0).namespaces.network_aliases, ["api"]);
    assert!(service_spec_of(&spec, 1).namespaces.network_aliases.is_empty());
    let standalone = spec_of(&spec, 0);
    assert_eq!(
        standalone.namespaces.network_mode.as_deref(),
        Some(CLUSTER_NETWORK)
    );
    assert!(standalone.namespaces.network_aliases.is_empty());
}

#[test]
fn a_container_without_networking_stays_off_the_cluster_network() {
    let mut quiet = container("quiet");
    quiet.disable_networking = Some(true);
    let spec = service_spec_of(&td(vec![quiet]), 0);
    assert_eq!(spec.namespaces.network_mode, None);
    assert!(spec.namespaces.network_aliases.is_empty());
    assert!(spec.namespaces.network_disabled);
}

#[test]
fn the_awsvpc_holder_also_joins_the_cluster_network_with_the_service_name() {
    let mut web = container("web");
    web.port_mappings = vec![port(80, None)];
    let mut spec = td(vec![web, container("side")]);
    spec.network_mode = Some(NetworkMode::Awsvpc);
    assert_eq!(
        cluster_network(&spec, &task(Some("api")), "owner1").unwrap().name,
        CLUSTER_NETWORK
    );
    let (holder, side) = (service_spec_of(&spec, 0), service_spec_of(&spec, 1));
    assert_eq!(
        holder.namespaces.network_mode.as_deref(),
        Some("ecsd-task-0123456789ab")
    );
    assert!(
        holder.namespaces.network_aliases.is_empty(),
        "not on the task's own network"
    );
    assert_eq!(
        holder.namespaces.attachments,
        [NetworkAttachment {
            network: CLUSTER_NETWORK.into(),
            aliases: vec!["api".into()],
        }]
    );
    assert!(
        side.namespaces.attachments.is_empty(),
        "it shares the holder's namespace"
    );
    assert!(side.namespaces.network_aliases.is_empty());
    let standalone = spec_of(&spec, 0);
    assert_eq!(standalone.namespaces.attachments[0].aliases, Vec::<String>::new());
}

#[test]
fn pid_and_ipc_task_modes_share_the_first_containers_namespaces() {
    let mut spec = td(vec![container("web"), container("sidecar")]);
    spec.pid_mode = Some(PidMode::Task);
    spec.ipc_mode = Some(IpcMode::Task);
    let (first, second) = (spec_of(&spec, 0), spec_of(&spec, 1));
    assert_eq!(first.namespaces.pid_mode, None);
    assert_eq!(first.namespaces.ipc_mode.as_deref(), Some("shareable"));
    let holder = Some("container:ecsd-web-web-0123456789ab");
    assert_eq!(second.namespaces.pid_mode.as_deref(), holder);
    assert_eq!(second.namespaces.ipc_mode.as_deref(), holder);
    assert_eq!(
        second.namespaces.network_mode.as_deref(),
        Some(CLUSTER_NETWORK),
        "bridge networking stays per container"
    );
    spec.pid_mode = Some(PidMode::Host);
    spec.ipc_mode = Some(IpcMode::None);
    let first = spec_of(&spec, 0);
    assert_eq!(first.namespaces.pid_mode.as_deref(), Some("host"));
    assert_eq!(first.namespaces.ipc_mode.as_deref(), Some("none"));
}

#[test]
fn host_and_none_network_modes_publish_nothing() {
    let mut web = container("web");
    web.port_mappings = vec![port(8080, None)];
    let mut spec = td(vec![web]);
    spec.network_mode = Some(NetworkMode::Host);
    let host = spec_of(&spec, 0);
    assert_eq!(host.namespaces.network_mode.as_deref(), Some("host"));
    assert!(host.ports.is_empty());
    spec.network_mode = Some(NetworkMode::None);
    assert_eq!(spec_of(&spec, 0).namespaces.network_mode.as_deref(), Some("none"));
}

#[test]
fn task_memory_limits_containers_without_their_own_and_task_cpu_caps_every_container() {
    let mut own = container("own");
    own.memory = Some(128);
    own.cpu = Some(512);
    let mut spec = td(vec![own, container("bare")]);
    spec.memory = Some(Mebibytes(512));
    spec.cpu = Some(CpuUnits(256));
    let (own, bare) = (spec_of(&spec, 0), spec_of(&spec, 1));
    assert_eq!(own.limits.memory_bytes, Some(128 << 20));
    assert_eq!(bare.limits.memory_bytes, Some(512 << 20));
    assert_eq!(own.limits.nano_cpus, Some(250_000_000));
    assert_eq!(bare.limits.nano_cpus, Some(250_000_000));
    assert_eq!(own.limits.cpu_shares, Some(512));
}

#[test]
fn linux_parameters_map_to_swap_shared_memory_capabilities_and_devices() {
    let mut def = container("app");
    def.memory = Some(256);
    def.linux_parameters = Some(LinuxParameters {
        capabilities: Some(KernelCapabilities {
            add: vec!["NET_ADMIN".into()],
            drop: vec!["ALL".into()],
        }),
        init_process_enabled: Some(true),
        shared_memory_size: Some(64),
        max_swap: Some(128),
        swappiness: Some(10),
        devices: vec![
            Device {
                host_path: "/dev/fuse".into(),
                container_path: None,
                permissions: vec![],
            },
            Device {
                host_path: "/dev/snd".into(),
                container_path: Some("/dev/audio".into()),
                permissions: vec![DevicePermission::Read, DevicePermission::Write],
            },
        ],
        ..Default::default()
    });
    let spec = single(def);
    assert_eq!(
        spec.limits.memory_swap_bytes,
        Some(384 << 20),
        "memory plus maxSwap"
    );
    assert_eq!(spec.limits.memory_swappiness, Some(10));
    assert_eq!(spec.limits.shm_size_bytes, Some(64 << 20));
    assert_eq!(spec.init, Some(true));
    assert_eq!(spec.security.cap_add, ["NET_ADMIN"]);
    assert_eq!(spec.security.cap_drop, ["ALL"]);
    let devices: Vec<(&str, &str)> = spec
        .security
        .devices
        .iter()
        .map(|d| (d.container_path.as_str(), d.permissions.as_str()))
        .collect();
    assert_eq!(devices, [("/dev/fuse", "rwm"), ("/dev/audio", "rw")]);
}

#[test]
fn process_and_name_resolution_fields_pass_through() {
    let mut def = container("app");
    def.user = Some("1000:1000".into());
    def.working_directory = Some("/app".into());
    def.hostname = Some("app".into());
    def.extra_hosts = vec![HostEntry {
        hostname: "db".into(),
        ip_address: "10.0.0.2".into(),
    }];
    def.dns_servers = vec!["1.1.1.1".into()];
    def.dns_search_domains = vec!["internal".into()];
    def.interactive = Some(true);
    def.pseudo_terminal = Some(true);
    def.privileged = Some(true);
    def.readonly_root_filesystem = Some(true);
    def.disable_networking = Some(true);
    let spec = single(def);
    assert_eq!(spec.user.as_deref(), Some("1000:1000"));
    assert_eq!(spec.working_dir.as_deref(), Some("/app"));
    assert_eq!(spec.namespaces.hostname.as_deref(), Some("app"));
    assert_eq!(spec.namespaces.extra_hosts, ["db:10.0.0.2"]);
    assert_eq!(spec.namespaces.dns, ["1.1.1.1"]);
    assert_eq!(spec.namespaces.dns_search, ["internal"]);
    assert!(spec.open_stdin && spec.tty && spec.namespaces.network_disabled);
    assert!(spec.security.privileged && spec.security.readonly_rootfs);
}
