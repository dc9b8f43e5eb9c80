use super::*;

fn task(id: &str, service: Option<&str>, state: TaskState) -> TaskInventory {
    TaskInventory {
        id: id.into(),
        family: "web".into(),
        service: service.map(str::to_string),
        state,
        cpu_reserved: 256,
        memory_reserved_mib: 128,
    }
}

fn cluster(task_level: bool) -> ClusterInventory {
    ClusterInventory {
        name: "prod".into(),
        task_level,
        container_level: false,
        container_instances: 1,
        services: vec![ServiceInventory {
            name: "web".into(),
            desired: 3,
            running: 2,
            pending: 1,
            deployments: 1,
            ..Default::default()
        }],
        tasks: vec![
            task("t1", Some("web"), TaskState::Running),
            task("t2", Some("web"), TaskState::Running),
            task("t3", Some("web"), TaskState::Pending),
            task("solo", None, TaskState::Running),
        ],
    }
}

fn busy(cores: f64, memory_mib: u64) -> TaskUtilization {
    let usage = Utilization {
        cpu_cores: cores,
        memory_bytes: memory_mib * 1024 * 1024,
        net_rx_bytes_per_sec: 100.0,
        ..Default::default()
    };
    TaskUtilization {
        cluster: "prod".into(),
        service: Some("web".into()),
        containers: vec![("app".into(), usage)],
        usage,
    }
}

fn usage() -> BTreeMap<String, TaskUtilization> {
    BTreeMap::from([("t1".into(), busy(1.0, 64)), ("t2".into(), busy(0.5, 32))])
}

fn value(points: &[Metric], level: Level, name: MetricName, task: Option<&str>) -> Option<f64> {
    points
        .iter()
        .find(|m| m.level == level && m.name == name && m.dimensions.task_id.as_deref() == task)
        .map(|m| m.value)
}

#[test]
fn service_level_sums_its_running_tasks_in_ecs_units() {
    let points = insights(&[cluster(false)], &usage());
    let service = |name| value(&points, Level::Service, name, None).unwrap();
    assert_eq!(service(MetricName::CpuUtilized), 1.5 * 1024.0);
    assert_eq!(
        service(MetricName::CpuReserved),
        512.0,
        "the pending task reserves nothing yet"
    );
    assert_eq!(service(MetricName::MemoryUtilized), 96.0);
    assert_eq!(service(MetricName::MemoryReserved), 256.0);
    assert_eq!(service(MetricName::NetworkRxBytes), 200.0);
    assert_eq!(service(MetricName::DesiredTaskCount), 3.0);
    assert_eq!(service(MetricName::RunningTaskCount), 2.0);
    assert_eq!(service(MetricName::PendingTaskCount), 1.0);
    assert_eq!(service(MetricName::DeploymentCount), 1.0);
}

#[test]
fn cluster_level_counts_services_tasks_and_instances_and_sums_every_task() {
    let points = insights(&[cluster(false)], &usage());
    let at = |name| value(&points, Level::Cluster, name, None).unwrap();
    assert_eq!(at(MetricName::ServiceCount), 1.0);
    assert_eq!(at(MetricName::TaskCount), 3.0);
    assert_eq!(at(MetricName::ContainerInstanceCount), 1.0);
    assert_eq!(
        at(MetricName::CpuReserved),
        768.0,
        "the standalone task counts too"
    );
    let cluster_dims = &points
        .iter()
        .find(|m| m.level == Level::Cluster)
        .unwrap()
        .dimensions;
    assert_eq!(cluster_dims.service_name, None);
}

#[test]
fn task_level_appears_only_when_container_insights_is_enabled() {
    assert!(
        !insights(&[cluster(false)], &usage())
            .iter()
            .any(|m| m.level == Level::Task)
    );
    let points = insights(&[cluster(true)], &usage());
    assert_eq!(
        value(&points, Level::Task, MetricName::CpuUtilized, Some("t1")),
        Some(1024.0)
    );
    assert_eq!(
        value(&points, Level::Task, MetricName::CpuUtilized, Some("solo")),
        Some(0.0)
    );
    assert_eq!(
        value(&points, Level::Task, MetricName::CpuUtilized, Some("t3")),
        None,
        "pending"
    );
    let t1 = points
        .iter()
        .find(|m| m.dimensions.task_id.as_deref() == Some("t1"))
        .unwrap();
    assert_eq!(t1.dimensions.task_definition_family.as_deref(), Some("web"));
}

#[test]
fn container_level_appears_only_when_container_insights_is_enhanced() {
    let levels = |c: &ClusterInventory| -> Vec<Level> {
        let mut levels: Vec<Level> = insights(std::slice::from_ref(c), &usage())
            .iter()
            .map(|m| m.level)
            .collect();
        levels.dedup();
        levels
    };
    assert!(!levels(&cluster(true)).contains(&Level::Container), "enabled");
    let enhanced = ClusterInventory {
        container_level: true,
        ..cluster(true)
    };
    assert!(levels(&enhanced).contains(&Level::Container));
    let points = insights(&[enhanced], &usage());
    let app = points
        .iter()
        .find(|m| {
            m.level == Level::Container
                && m.name == MetricName::CpuUtilized
                && m.dimensions.task_id.as_deref() == Some("t1")
        })
        .unwrap();
    assert_eq!(app.value, 1024.0);
    assert_eq!(app.dimensions.container_name.as_deref(), Some("app"));
    assert_eq!(app.dimensions.task_definition_family.as_deref(), Some("web"));
    let reserved = points
        .iter()
        .any(|m| m.level == Level::Container && m.name == MetricName::CpuReserved);
    assert!(!reserved, "a container's reservation is not reported");
}

#[test]
fn units_are_ecs_units() {
    assert_eq!(MetricName::CpuUtilized.unit(), "None");
    assert_eq!(MetricName::MemoryReserved.unit(), "Megabytes");
    assert_eq!(MetricName::NetworkTxBytes.unit(), "Bytes/Second");
    assert_eq!(MetricName::TaskCount.unit(), "Count");
}
