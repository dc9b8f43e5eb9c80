use super::*;
use crate::api::shapes::members::{Json, assert_members};
use crate::model::{CpuUnits, Mebibytes, NetworkBinding, fixtures};

/// Members of `Task` that DescribeTasks always returns for a task of the EC2 launch type.
const ALWAYS: &[(&str, Json)] = &[
    ("taskArn", Json::Str),
    ("clusterArn", Json::Str),
    ("taskDefinitionArn", Json::Str),
    ("lastStatus", Json::Str),
    ("desiredStatus", Json::Str),
    ("healthStatus", Json::Str),
    ("group", Json::Str),
    ("launchType", Json::Str),
    ("version", Json::Int),
    ("enableExecuteCommand", Json::Bool),
    ("createdAt", Json::Num),
    ("containers", Json::List),
];

/// Members of `Container` that ECS always returns.
const CONTAINER_ALWAYS: &[(&str, Json)] = &[
    ("containerArn", Json::Str),
    ("taskArn", Json::Str),
    ("name", Json::Str),
    ("image", Json::Str),
    ("lastStatus", Json::Str),
    ("networkBindings", Json::List),
    ("healthStatus", Json::Str),
    ("cpu", Json::Str),
];

fn spec() -> TaskDefinitionSpec {
    let mut spec = fixtures::task_definition(&[("web", "busybox"), ("side", "busybox:1")]);
    spec.container_definitions[0].cpu = Some(128);
    spec.container_definitions[0].memory = Some(64);
    spec.container_definitions[1].memory_reservation = Some(32);
    spec.cpu = Some(CpuUnits(256));
    spec.memory = Some(Mebibytes(512));
    spec
}

fn running(name: &str) -> ContainerStatus {
    ContainerStatus {
        name: name.into(),
        runtime_id: Some(format!("{name}-id")),
        last_status: TaskState::Running,
        exit_code: None,
        reason: None,
        network_bindings: vec![NetworkBinding {
            bind_ip: "0.0.0.0".into(),
            container_port: 80,
            host_port: 8080,
            protocol: Protocol::Tcp,
        }],
        health_status: HealthStatus::Healthy,
        probe_failures: 0,
        last_probe_at: None,
        health_probes: vec![HealthProbe::new(0, "ok", None)],
    }
}

fn record() -> TaskRecord {
    TaskRecord::standalone("0123456789abcdef0123456789abcdef", "web:1")
}

#[test]
fn a_new_task_lists_its_containers_pending_at_once() {
    let shape = task(
        &ArnScope::default(),
        &record(),
        &TaskStatus::default(),
        Some(&spec()),
    );
    assert_members("Task", &shape, ALWAYS);
    assert_eq!(shape.containers.len(), 2);
    for c in &shape.containers {
        assert_members("Container", c, CONTAINER_ALWAYS);
        assert_eq!(c.last_status, TaskState::Pending);
    }
    let value = serde_json::to_value(&shape).unwrap();
    assert_eq!(value["cpu"], "256");
    assert_eq!(value["memory"], "512");
    assert_eq!(value["containers"][0]["cpu"], "128");
    assert_eq!(value["containers"][0]["memory"], "64");
    assert!(value["containers"][0].get("memoryReservation").is_none());
    assert_eq!(value["containers"][1]["cpu"], "0");
    assert_eq!(value["containers"][1]["memoryReservation"], "32");
}

#[test]
fn a_running_task_shows_what_the_engine_reports_in_ecs_names() {
    let status = TaskStatus {
        last_status: TaskState::Running,
        containers: vec![running("web")],
        ..Default::default()
    };
    let value = serde_json::to_value(task(&ArnScope::default(), &record(), &status, Some(&spec()))).unwrap();
    let web = &value["containers"][0];
    assert_eq!(web["runtimeId"], "web-id");
    assert_eq!(web["lastStatus"], "RUNNING");
    assert_eq!(
        web["networkBindings"],
        serde_json::json!([{"bindIP": "0.0.0.0", "containerPort": 80, "hostPort": 8080, "protocol": "tcp"}])
    );
    assert!(web.get("healthProbes").is_none(), "ECS has no healthProbes");
    assert_eq!(value["containers"][1]["lastStatus"], "PENDING");
}

#[test]
fn the_native_task_adds_health_probes() {
    let status = TaskStatus {
        containers: vec![running("web")],
        ..Default::default()
    };
    let shape = task_with_probes(&ArnScope::default(), &record(), &status, Some(&spec()));
    assert_eq!(shape.containers[0].health_probes.len(), 1);
    assert!(shape.containers[1].health_probes.is_empty());
}

#[test]
fn a_task_without_a_known_definition_lists_the_containers_the_engine_has() {
    let status = TaskStatus {
        containers: vec![running("web")],
        ..Default::default()
    };
    let shape = task(&ArnScope::default(), &record(), &status, None);
    assert_eq!(shape.containers.len(), 1);
    assert_eq!(shape.containers[0].image, None);
}

#[test]
fn a_task_that_stopped_before_its_containers_existed_lists_them_stopped() {
    let status = TaskStatus {
        last_status: TaskState::Stopped,
        ..Default::default()
    };
    let shape = task(&ArnScope::default(), &record(), &status, Some(&spec()));
    assert!(
        shape
            .containers
            .iter()
            .all(|c| c.last_status == TaskState::Stopped)
    );
    assert_eq!(shape.desired_status, DesiredStatus::Stopped);
}

#[test]
fn the_version_grows_with_every_step_of_the_task_and_its_containers() {
    use TaskState::*;
    let steps: [(TaskState, DesiredStatus, &[TaskState]); 7] = [
        (Provisioning, DesiredStatus::Running, &[Pending, Pending]),
        (Pending, DesiredStatus::Running, &[Provisioning, Pending]),
        (Pending, DesiredStatus::Running, &[Running, Pending]),
        (Running, DesiredStatus::Running, &[Running, Running]),
        (Running, DesiredStatus::Stopped, &[Running, Running]),
        (Stopping, DesiredStatus::Stopped, &[Stopped, Running]),
        (Stopped, DesiredStatus::Stopped, &[Stopped, Stopped]),
    ];
    let versions: Vec<u64> = steps.iter().map(|(t, d, c)| task_version(*t, *d, c)).collect();
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
}

#[test]
fn a_task_reads_back_as_it_was_sent() {
    let status = TaskStatus {
        last_status: TaskState::Stopped,
        stop_code: Some(StopCode::EssentialContainerExited),
        stopped_reason: Some("Essential container in task exited".into()),
        started_at: Some(2_000),
        stopped_at: Some(3_000),
        containers: vec![running("web")],
        orphaned: Some("adopted".into()),
        ..Default::default()
    };
    let shape = task_with_probes(&ArnScope::default(), &record(), &status, Some(&spec()));
    let text = serde_json::to_string(&shape).unwrap();
    assert_eq!(serde_json::from_str::<Task>(&text).unwrap(), shape);
}
