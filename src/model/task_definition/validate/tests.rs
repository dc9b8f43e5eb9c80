//! Every validation rule, by the exact path and message a user sees.

use super::*;
use crate::model::duration::Seconds;
use crate::model::task_definition::{
    ContainerDependency, CpuUnits, DependencyCondition, DockerVolumeConfiguration, EnvironmentFile,
    HealthCheck, HostEntry, HostVolume, IpcMode, KernelCapabilities, LinuxParameters, LogConfiguration,
    Mebibytes, MountPoint, NetworkMode, PidMode, PortMapping, SUPPORTED_LOG_DRIVERS, Tmpfs, Ulimit, Volume,
    VolumeFrom, VolumeScope,
};
use std::collections::BTreeMap;

fn container(name: &str) -> ContainerDefinition {
    ContainerDefinition {
        name: name.into(),
        image: "busybox".into(),
        ..Default::default()
    }
}

fn spec(defs: Vec<ContainerDefinition>) -> TaskDefinitionSpec {
    TaskDefinitionSpec {
        container_definitions: defs,
        ..Default::default()
    }
}

fn messages(spec: &TaskDefinitionSpec) -> Vec<String> {
    validate_task_definition(spec)
        .into_iter()
        .map(|e| format!("{}: {}", e.path, e.message))
        .collect()
}

fn one_message(spec: &TaskDefinitionSpec) -> String {
    let got = messages(spec);
    assert_eq!(got.len(), 1, "{got:?}");
    got[0].clone()
}

fn depends(name: &str, condition: DependencyCondition) -> ContainerDependency {
    ContainerDependency {
        container_name: name.into(),
        condition,
    }
}

fn health(command: &[&str]) -> HealthCheck {
    HealthCheck {
        command: command.iter().map(|s| s.to_string()).collect(),
        interval: None,
        timeout: None,
        retries: None,
        start_period: None,
    }
}

fn volume(name: &str) -> Volume {
    Volume {
        name: name.into(),
        ..Default::default()
    }
}

fn port(container_port: u16, host_port: Option<u16>) -> PortMapping {
    PortMapping {
        container_port,
        host_port,
        ..Default::default()
    }
}

#[test]
fn a_single_essential_container_is_valid() {
    assert!(messages(&spec(vec![container("web")])).is_empty());
}

#[test]
fn duplicate_container_names_are_rejected_with_their_path() {
    let got = messages(&spec(vec![container("web"), container("web")]));
    assert_eq!(
        got,
        vec!["spec.containerDefinitions[1].name: duplicate container name \"web\""]
    );
}

#[test]
fn a_task_without_an_essential_container_is_rejected() {
    let mut c = container("web");
    c.essential = Some(false);
    let got = messages(&spec(vec![c]));
    assert!(
        got[0].contains("at least one container must be essential"),
        "{got:?}"
    );
}

#[test]
fn memory_reservation_must_be_below_memory() {
    let mut c = container("web");
    c.memory = Some(64);
    c.memory_reservation = Some(64);
    let got = messages(&spec(vec![c]));
    assert!(
        got[0].starts_with("spec.containerDefinitions[0].memoryReservation"),
        "{got:?}"
    );
}

#[test]
fn the_same_fixed_host_port_twice_is_rejected_but_ephemeral_ports_may_repeat() {
    let mut a = container("a");
    let mut b = container("b");
    a.port_mappings = vec![port(80, None), port(80, Some(8080))];
    b.port_mappings = vec![port(80, None), port(80, Some(8080))];
    let got = one_message(&spec(vec![a, b]));
    assert!(got.contains("host port 8080/tcp is mapped twice"), "{got}");
}

#[test]
fn empty_image_and_bad_names_are_rejected() {
    let mut c = container("bad name!");
    c.image = " ".into();
    let got = messages(&spec(vec![c]));
    assert_eq!(got.len(), 2, "{got:?}");
}

#[test]
fn depending_on_an_unknown_container_names_the_dependency_path() {
    let mut a = container("a");
    a.depends_on = vec![depends("db", DependencyCondition::Start)];
    assert_eq!(
        one_message(&spec(vec![container("web"), a])),
        "spec.containerDefinitions[1].dependsOn[0].containerName: unknown container \"db\""
    );
}

#[test]
fn a_container_cannot_depend_on_itself() {
    let mut a = container("a");
    a.depends_on = vec![depends("a", DependencyCondition::Start)];
    assert_eq!(
        one_message(&spec(vec![a])),
        "spec.containerDefinitions[0].dependsOn[0].containerName: a container cannot depend on itself"
    );
}

#[test]
fn a_dependency_cycle_is_reported_with_the_whole_cycle() {
    let mut a = container("a");
    let mut b = container("b");
    let mut c = container("c");
    a.depends_on = vec![depends("b", DependencyCondition::Start)];
    b.depends_on = vec![depends("c", DependencyCondition::Start)];
    c.depends_on = vec![depends("a", DependencyCondition::Start)];
    assert_eq!(
        one_message(&spec(vec![a, b, c])),
        "spec.containerDefinitions[2].dependsOn[0].containerName: dependency cycle: a -> b -> c -> a"
    );
}

#[test]
fn a_diamond_of_dependencies_is_not_a_cycle() {
    let mut a = container("a");
    let mut b = container("b");
    let mut c = container("c");
    let mut d = container("d");
    a.depends_on = vec![
        depends("b", DependencyCondition::Start),
        depends("c", DependencyCondition::Start),
    ];
    b.depends_on = vec![depends("d", DependencyCondition::Start)];
    c.depends_on = vec![depends("d", DependencyCondition::Start)];
    d.essential = Some(false);
    assert!(messages(&spec(vec![a, b, c, d])).is_empty());
}

#[test]
fn complete_or_success_cannot_target_an_essential_container() {
    for condition in [DependencyCondition::Complete, DependencyCondition::Success] {
        let mut web = container("web");
        web.depends_on = vec![depends("migrate", condition)];
        let got = one_message(&spec(vec![web, container("migrate")]));
        assert_eq!(
            got,
            "spec.containerDefinitions[0].dependsOn[0].condition: \
             cannot be COMPLETE or SUCCESS: container migrate is essential"
        );
    }
    let mut web = container("web");
    web.depends_on = vec![depends("migrate", DependencyCondition::Success)];
    let mut migrate = container("migrate");
    migrate.essential = Some(false);
    assert!(messages(&spec(vec![web, migrate])).is_empty());
}

#[test]
fn healthy_needs_a_health_check_on_the_target() {
    let mut web = container("web");
    web.depends_on = vec![depends("db", DependencyCondition::Healthy)];
    assert_eq!(
        one_message(&spec(vec![web.clone(), container("db")])),
        "spec.containerDefinitions[0].dependsOn[0].condition: cannot be HEALTHY: container db has no healthCheck"
    );
    let mut db = container("db");
    db.health_check = Some(health(&["CMD", "true"]));
    assert!(messages(&spec(vec![web, db])).is_empty());
}

#[test]
fn a_health_check_command_needs_cmd_or_cmd_shell_and_something_to_run() {
    for bad in [&["true"][..], &["CMD"], &["CMD-SHELL", " "], &[]] {
        let mut c = container("web");
        c.health_check = Some(health(bad));
        let got = one_message(&spec(vec![c]));
        assert!(
            got.starts_with("spec.containerDefinitions[0].healthCheck.command: expected"),
            "{got}"
        );
    }
    for good in [&["CMD", "true"][..], &["CMD-SHELL", "curl -f localhost"]] {
        let mut c = container("web");
        c.health_check = Some(health(good));
        assert!(messages(&spec(vec![c])).is_empty());
    }
}

#[test]
fn health_check_timings_must_be_within_ecs_bounds() {
    let mut c = container("web");
    c.health_check = Some(HealthCheck {
        interval: Some(Seconds(4)),
        timeout: Some(Seconds(61)),
        retries: Some(0),
        start_period: Some(Seconds(301)),
        ..health(&["CMD", "true"])
    });
    assert_eq!(
        messages(&spec(vec![c])),
        vec![
            "spec.containerDefinitions[0].healthCheck.interval: expected 5 to 300 seconds, got 4",
            "spec.containerDefinitions[0].healthCheck.timeout: expected 2 to 60 seconds, got 61",
            "spec.containerDefinitions[0].healthCheck.retries: expected 1 to 10 retries, got 0",
            "spec.containerDefinitions[0].healthCheck.startPeriod: expected 0 to 300 seconds, got 301",
        ]
    );
}

#[test]
fn mount_points_must_name_a_task_volume_and_an_absolute_path() {
    let mut c = container("web");
    c.mount_points = vec![MountPoint {
        source_volume: "dat".into(),
        container_path: "data".into(),
        read_only: None,
    }];
    let mut s = spec(vec![c]);
    s.volumes = vec![volume("data")];
    assert_eq!(
        messages(&s),
        vec![
            "spec.containerDefinitions[0].mountPoints[0].sourceVolume: \
             unknown volume \"dat\"; spec.volumes declares data",
            "spec.containerDefinitions[0].mountPoints[0].containerPath: expected an absolute path, got \"data\"",
        ]
    );
}

#[test]
fn the_same_container_path_cannot_be_mounted_twice() {
    let mut c = container("web");
    c.mount_points = vec![MountPoint {
        source_volume: "data".into(),
        container_path: "/tmp".into(),
        read_only: None,
    }];
    c.linux_parameters = Some(LinuxParameters {
        tmpfs: vec![Tmpfs {
            container_path: "/tmp".into(),
            size: 64,
            mount_options: vec![],
        }],
        ..Default::default()
    });
    let mut s = spec(vec![c]);
    s.volumes = vec![volume("data")];
    assert_eq!(
        one_message(&s),
        "spec.containerDefinitions[0].linuxParameters.tmpfs[0].containerPath: /tmp is mounted twice"
    );
}

#[test]
fn volumes_from_must_name_another_container() {
    let mut c = container("web");
    c.volumes_from = vec![
        VolumeFrom {
            source_container: "nope".into(),
            read_only: None,
        },
        VolumeFrom {
            source_container: "web".into(),
            read_only: None,
        },
    ];
    assert_eq!(
        messages(&spec(vec![c])),
        vec![
            "spec.containerDefinitions[0].volumesFrom[0].sourceContainer: unknown container \"nope\"",
            "spec.containerDefinitions[0].volumesFrom[1].sourceContainer: a container cannot take volumes from itself",
        ]
    );
}

#[test]
fn duplicate_volume_names_and_bad_volume_shapes_are_rejected() {
    let mut s = spec(vec![container("web")]);
    let both = Volume {
        name: "both".into(),
        host: Some(HostVolume {
            source_path: Some("relative".into()),
        }),
        docker_volume_configuration: Some(DockerVolumeConfiguration {
            labels: BTreeMap::from([("ecsd.task".into(), "x".into())]),
            ..Default::default()
        }),
        ..Default::default()
    };
    s.volumes = vec![volume("data"), volume("data"), both];
    assert_eq!(
        messages(&s),
        vec![
            "spec.volumes[1].name: duplicate volume name \"data\"",
            "spec.volumes[2].host.sourcePath: expected an absolute path, got \"relative\"",
            "spec.volumes[2]: set host or dockerVolumeConfiguration, not both",
            "spec.volumes[2].dockerVolumeConfiguration.labels: label key \"ecsd.task\" is reserved: \
             keys starting with \"ecsd.\" belong to ecsd",
        ]
    );
}

#[test]
fn a_shared_volume_needs_a_name_the_engine_accepts() {
    let mut s = spec(vec![container("web")]);
    s.volumes = vec![Volume {
        name: "_x".into(),
        docker_volume_configuration: Some(DockerVolumeConfiguration {
            scope: Some(VolumeScope::Shared),
            ..Default::default()
        }),
        ..Default::default()
    }];
    assert!(one_message(&s).starts_with("spec.volumes[0].name: a shared volume name"));
}

#[test]
fn links_must_name_another_container_and_need_bridge_mode() {
    let mut web = container("web");
    web.links = vec!["db:database".into(), "cache".into(), "web".into(), "db:".into()];
    let mut s = spec(vec![web, container("db")]);
    assert_eq!(
        messages(&s),
        vec![
            "spec.containerDefinitions[0].links[1]: unknown container \"cache\"",
            "spec.containerDefinitions[0].links[2]: a container cannot link to itself",
            "spec.containerDefinitions[0].links[3]: expected \"name\" or \"name:alias\", got \"db:\"",
        ]
    );
    s.container_definitions[0].links = vec!["db".into()];
    assert!(messages(&s).is_empty());
    s.network_mode = Some(NetworkMode::Host);
    assert_eq!(
        one_message(&s),
        "spec.containerDefinitions[0].links: links need networkMode bridge, not host"
    );
}

#[test]
fn host_and_awsvpc_modes_need_host_port_absent_or_equal_to_container_port() {
    for mode in [NetworkMode::Host, NetworkMode::Awsvpc] {
        let mut web = container("web");
        web.port_mappings = vec![port(80, None), port(443, Some(443)), port(8080, Some(9090))];
        let mut s = spec(vec![web]);
        s.network_mode = Some(mode);
        assert_eq!(
            one_message(&s),
            format!(
                "spec.containerDefinitions[0].portMappings[2].hostPort: \
                 must be absent or equal to containerPort (8080) with networkMode {}",
                mode.as_str()
            )
        );
    }
}

#[test]
fn host_mode_treats_container_ports_as_host_ports_when_checking_duplicates() {
    let mut a = container("a");
    let mut b = container("b");
    a.port_mappings = vec![port(80, None)];
    b.port_mappings = vec![port(80, None)];
    let mut s = spec(vec![a, b]);
    assert!(messages(&s).is_empty(), "ephemeral in bridge mode");
    s.network_mode = Some(NetworkMode::Host);
    assert!(one_message(&s).contains("host port 80/tcp is mapped twice"));
}

#[test]
fn host_mode_refuses_hostname_and_awsvpc_refuses_hostname_hosts_and_dns() {
    let mut web = container("web");
    web.hostname = Some("web".into());
    let mut s = spec(vec![web]);
    s.network_mode = Some(NetworkMode::Host);
    assert_eq!(
        one_message(&s),
        "spec.containerDefinitions[0].hostname: not allowed with networkMode host"
    );
    s.network_mode = Some(NetworkMode::Awsvpc);
    s.container_definitions[0].dns_servers = vec!["1.1.1.1".into()];
    s.container_definitions[0].extra_hosts = vec![HostEntry {
        hostname: "db".into(),
        ip_address: "10.0.0.2".into(),
    }];
    assert_eq!(messages(&s).len(), 3, "{:?}", messages(&s));
    s.network_mode = None;
    assert!(messages(&s).is_empty());
}

#[test]
fn none_mode_refuses_port_mappings() {
    let mut web = container("web");
    web.port_mappings = vec![port(80, None)];
    let mut s = spec(vec![web]);
    s.network_mode = Some(NetworkMode::None);
    assert_eq!(
        one_message(&s),
        "spec.containerDefinitions[0].portMappings: not allowed with networkMode none (the container has no network)"
    );
}

#[test]
fn the_first_container_cannot_wait_for_others_when_it_holds_shared_namespaces() {
    let mut first = container("app");
    first.depends_on = vec![depends("sidecar", DependencyCondition::Start)];
    let mut s = spec(vec![first, container("sidecar")]);
    assert!(messages(&s).is_empty(), "nothing is shared in bridge mode");
    s.pid_mode = Some(PidMode::Task);
    s.ipc_mode = Some(IpcMode::Task);
    assert_eq!(
        one_message(&s),
        "spec.containerDefinitions[0].dependsOn: must be empty on the first container: \
         it holds the namespaces the task shares (pidMode task, ipcMode task) and starts first"
    );
}

#[test]
fn task_cpu_must_cover_the_containers_cpu() {
    let mut a = container("web");
    let mut b = container("sidecar");
    a.cpu = Some(256);
    b.cpu = Some(128);
    let mut s = spec(vec![a, b]);
    s.cpu = Some(CpuUnits(256));
    assert_eq!(
        one_message(&s),
        "spec.cpu: task cpu 256 is less than the 384 CPU units its containers ask for (web 256, sidecar 128)"
    );
    s.cpu = Some(CpuUnits(384));
    assert!(messages(&s).is_empty());
    s.cpu = Some(CpuUnits(64));
    assert!(one_message(&s).starts_with("spec.cpu: expected 128 to 196608 CPU units"));
}

#[test]
fn task_memory_must_cover_each_containers_memory_else_its_reservation() {
    let mut a = container("web");
    let mut b = container("sidecar");
    a.memory = Some(256);
    a.memory_reservation = Some(128);
    b.memory_reservation = Some(64);
    let mut s = spec(vec![a, b]);
    s.memory = Some(Mebibytes(300));
    assert_eq!(
        one_message(&s),
        "spec.memory: task memory 300 MiB is less than the 320 MiB its containers ask for \
         (web 256, sidecar 64; memory, else memoryReservation)"
    );
    s.memory = Some(Mebibytes(320));
    assert!(messages(&s).is_empty());
}

#[test]
fn docker_labels_starting_with_ecsd_are_reserved() {
    let mut c = container("web");
    c.docker_labels = BTreeMap::from([("app".into(), "web".into()), ("ecsd.owner".into(), "me".into())]);
    assert_eq!(
        one_message(&spec(vec![c])),
        "spec.containerDefinitions[0].dockerLabels: label key \"ecsd.owner\" is reserved: \
         keys starting with \"ecsd.\" belong to ecsd"
    );
}

#[test]
fn only_local_log_drivers_are_supported() {
    let mut c = container("web");
    c.log_configuration = Some(LogConfiguration {
        log_driver: "awslogs".into(),
        ..Default::default()
    });
    let got = one_message(&spec(vec![c.clone()]));
    assert!(got.starts_with("spec.containerDefinitions[0].logConfiguration.logDriver: log driver \"awslogs\" is not supported yet"), "{got}");
    for driver in SUPPORTED_LOG_DRIVERS {
        c.log_configuration = Some(LogConfiguration {
            log_driver: driver.into(),
            ..Default::default()
        });
        assert!(messages(&spec(vec![c.clone()])).is_empty(), "{driver}");
    }
}

#[test]
fn environment_files_must_be_absolute_local_paths() {
    let mut c = container("web");
    c.environment_files = vec![
        EnvironmentFile {
            value: "arn:aws:s3:::bucket/app.env".into(),
            file_type: None,
        },
        EnvironmentFile {
            value: "app.env".into(),
            file_type: None,
        },
        EnvironmentFile {
            value: "/etc/app.env".into(),
            file_type: None,
        },
    ];
    let got = messages(&spec(vec![c]));
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].starts_with("spec.containerDefinitions[0].environmentFiles[0].value: environment files in S3 are not supported yet"));
    assert!(
        got[1]
            .starts_with("spec.containerDefinitions[0].environmentFiles[1].value: expected an absolute path")
    );
}

#[test]
fn ulimits_need_a_known_name_once_and_soft_not_above_hard() {
    let mut c = container("web");
    let limit = |name: &str, soft, hard| Ulimit {
        name: name.into(),
        soft_limit: soft,
        hard_limit: hard,
    };
    c.ulimits = vec![
        limit("nofile", 1024, 4096),
        limit("nofile", 1, 1),
        limit("files", 1, 1),
        limit("core", 2, 1),
    ];
    let got = messages(&spec(vec![c]));
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(
        got[0],
        "spec.containerDefinitions[0].ulimits[1].name: ulimit nofile is set twice"
    );
    assert!(got[1].starts_with("spec.containerDefinitions[0].ulimits[2].name: unknown ulimit \"files\""));
    assert_eq!(
        got[2],
        "spec.containerDefinitions[0].ulimits[3].softLimit: must not exceed hardLimit (1)"
    );
}

#[test]
fn linux_parameters_need_sizes_absolute_paths_and_a_memory_limit_for_swap() {
    let mut c = container("web");
    c.linux_parameters = Some(LinuxParameters {
        capabilities: Some(KernelCapabilities {
            add: vec!["NET_ADMIN".into()],
            drop: vec!["".into()],
        }),
        tmpfs: vec![Tmpfs {
            container_path: "/run".into(),
            size: 0,
            mount_options: vec![],
        }],
        shared_memory_size: Some(0),
        max_swap: Some(128),
        swappiness: Some(101),
        ..Default::default()
    });
    let got = messages(&spec(vec![c.clone()]));
    assert_eq!(
        got,
        vec![
            "spec.containerDefinitions[0].linuxParameters.tmpfs[0].size: expected at least 1 (MiB)",
            "spec.containerDefinitions[0].linuxParameters.sharedMemorySize: expected at least 1 (MiB)",
            "spec.containerDefinitions[0].linuxParameters.capabilities: expected capability names, got an empty one",
            "spec.containerDefinitions[0].linuxParameters.maxSwap: needs a memory limit: set the container's memory or the task's memory",
            "spec.containerDefinitions[0].linuxParameters.swappiness: expected 0 to 100, got 101",
        ]
    );
    let mut s = spec(vec![c]);
    s.memory = Some(Mebibytes(512));
    let linux = s.container_definitions[0].linux_parameters.as_mut().unwrap();
    linux.capabilities = None;
    linux.tmpfs[0].size = 64;
    linux.shared_memory_size = Some(64);
    linux.swappiness = Some(10);
    assert!(messages(&s).is_empty(), "{:?}", messages(&s));
}

#[test]
fn extra_hosts_and_dns_servers_need_ip_addresses() {
    let mut c = container("web");
    c.extra_hosts = vec![
        HostEntry {
            hostname: "db".into(),
            ip_address: "10.0.0.300".into(),
        },
        HostEntry {
            hostname: "host".into(),
            ip_address: "host-gateway".into(),
        },
    ];
    c.dns_servers = vec!["8.8.8.8".into(), "dns.example".into()];
    c.working_directory = Some("app".into());
    assert_eq!(
        messages(&spec(vec![c])),
        vec![
            "spec.containerDefinitions[0].extraHosts[0].ipAddress: expected an IP address or host-gateway, got \"10.0.0.300\"",
            "spec.containerDefinitions[0].dnsServers[1]: expected an IP address, got \"dns.example\"",
            "spec.containerDefinitions[0].workingDirectory: expected an absolute path, got \"app\"",
        ]
    );
}
