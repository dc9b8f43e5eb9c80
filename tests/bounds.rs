//! No input can crash the daemon or slip past a limit, through any door: a real daemon gets a
//! 10,000-deep filter and an over-quota desired count on its ECS endpoint, an over-sized task
//! definition from `apply --dry-run`, and a zero resync interval at start-up.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{BIN, Daemon, Engine, ecs_call as ecs, manifest};
use ecsd::model::fixtures::{Manifests, shell_container, with_containers};
use serde_json::json;
use std::process::Command;

/// A daemon serving the ECS endpoint on a port of the system's choosing, and that port.
fn listening() -> (Daemon, u16) {
    let d = Daemon::with_args(Engine::Docker, &["--listen", "127.0.0.1:0"]);
    let port = d.ecs_port();
    (d, port)
}

#[test]
fn a_ten_thousand_deep_filter_is_a_400_and_the_daemon_serves_the_next_request() {
    let (d, port) = listening();
    let deep = format!("{}attribute:a exists{}", "(".repeat(10_000), ")".repeat(10_000));
    let nots = format!("{}attribute:a exists", "not ".repeat(450));
    for filter in [deep, nots] {
        let (status, body) = ecs(port, "ListContainerInstances", &json!({ "filter": filter }));
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["__type"], "InvalidParameterException", "{body}");
        assert!(body["message"].as_str().unwrap().len() < 300, "{body}");
    }
    let (status, body) = ecs(port, "ListClusters", &json!({}));
    assert_eq!(status, 200, "{body}\n{}", d.log());
    assert!(d.ecsd(&["get", "clusters"]).status.success());
}

#[test]
fn update_service_with_desired_count_4294967295_is_refused_and_changes_nothing() {
    let (d, port) = listening();
    let td = json!({"family": "idle", "containerDefinitions": [{"name": "idle", "image": "busybox", "memory": 16}]});
    assert_eq!(ecs(port, "RegisterTaskDefinition", &td).0, 200);
    let service = json!({"serviceName": "idle", "taskDefinition": "idle", "desiredCount": 0});
    assert_eq!(ecs(port, "CreateService", &service).0, 200);
    let (status, body) = ecs(
        port,
        "UpdateService",
        &json!({"service": "idle", "desiredCount": 4_294_967_295u32}),
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["__type"], "InvalidParameterException");
    assert!(
        body["message"].as_str().unwrap().contains("at most 5000"),
        "{body}"
    );
    let scaled = d.ecsd(&["scale", "service/idle", "4294967295"]);
    assert!(!scaled.status.success());
    assert!(String::from_utf8_lossy(&scaled.stderr).contains("at most 5000"));
    let (_, described) = ecs(port, "DescribeServices", &json!({"services": ["idle"]}));
    assert_eq!(described["services"][0]["desiredCount"], 0, "{described}");
    assert_eq!(d.json(&["get", "tasks", "--all"])["items"], json!([]));
}

#[test]
fn apply_dry_run_of_a_task_definition_over_64_kib_fails_naming_the_limit() {
    let d = Daemon::start(Engine::Docker);
    let big = shell_container("big", "busybox", &"x".repeat(1_900_000));
    let text = Manifests::new()
        .task_definition("big", with_containers(vec![big]))
        .yaml();
    let path = manifest(&d, "big.yaml", &text);
    let out = d.ecsd(&["apply", "-f", path.to_str().unwrap(), "--dry-run"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ECS allows at most 65536"), "{stderr}");
    assert_eq!(d.json(&["get", "taskdefinitions"])["items"], json!([]));
}

#[test]
fn serve_with_a_zero_resync_interval_exits_at_once_with_one_line_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .arg("--socket")
        .arg(dir.path().join("sock"))
        .args(["serve", "--resync-interval", "0s", "--state-dir"])
        .arg(dir.path().join("state"))
        .output()
        .expect("run ecsd serve");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: --resync-interval 0s: expected 1s to 1day"),
        "{stderr}"
    );
}
