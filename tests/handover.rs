//! Objects change hands without a drain, and come out as manifests `apply -f` accepts
//! unchanged, whichever door made them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{Daemon, Engine, ecs_call, manifest, web_service};
use serde_json::json;

#[test]
fn a_service_applied_from_one_file_is_taken_over_by_another_without_replacing_its_task() {
    let d = Daemon::start(Engine::Docker);
    let text = web_service("web", "busybox:latest", 1);
    d.apply(&manifest(&d, "first.yaml", &text));
    d.wait_until("web runs", 60, |d| d.containers(None).len() == 1);
    let before = d.containers(None);
    let copy = manifest(&d, "renamed.yaml", &text);
    let refused = d.ecsd(&["apply", "-f", copy.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && err.contains("first.yaml") && err.contains("--take-ownership"),
        "{err}"
    );
    let out = d.ok(&["apply", "-f", copy.to_str().unwrap(), "--take-ownership"]);
    assert!(out.contains("service/default/web unchanged"), "{out}");
    let again = d.ecsd(&[
        "apply",
        "-f",
        manifest(&d, "first-again.yaml", &text).to_str().unwrap(),
    ]);
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("renamed.yaml"),
        "the new file owns it now"
    );
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(d.containers(None), before, "no container was replaced");
}

#[test]
fn every_kind_prints_as_a_manifest_that_applies_unchanged_including_ecs_api_objects() {
    let d = Daemon::with_args(Engine::Docker, &["--listen", "127.0.0.1:0"]);
    let port = d.ecs_port();
    let call = |op: &str, input: serde_json::Value| {
        let (status, body) = ecs_call(port, op, &input);
        assert_eq!(status, 200, "{op}: {body}");
    };
    call(
        "CreateCluster",
        json!({"clusterName": "prod", "settings": [{"name": "containerInsights", "value": "enabled"}],
        "tags": [{"key": "env", "value": "prod"}]}),
    );
    call(
        "RegisterTaskDefinition",
        json!({"family": "api", "containerDefinitions": [{"name": "api",
        "image": "busybox:latest", "memory": 32, "command": ["sleep", "3600"],
        "environment": [{"name": "A", "value": "1"}]}], "runtimePlatform": {"operatingSystemFamily": "LINUX"}}),
    );
    call(
        "CreateService",
        json!({"cluster": "prod", "serviceName": "api", "taskDefinition": "api", "desiredCount": 1,
        "enableECSManagedTags": true, "deploymentConfiguration": {"maximumPercent": 150, "minimumHealthyPercent": 50}}),
    );
    d.apply(&manifest(
        &d,
        "web.yaml",
        &web_service("web", "busybox:latest", 0),
    ));
    let mut printed = Vec::new();
    for args in [
        vec!["get", "cluster", "prod", "-o", "manifest"],
        vec!["get", "td", "api", "-o", "manifest"],
        vec!["get", "svc", "api", "--cluster", "prod", "-o", "manifest"],
        vec!["get", "td", "web", "-o", "manifest"],
        vec!["get", "svc", "web", "-o", "manifest"],
    ] {
        let text = d.ok(&args);
        assert!(text.starts_with("apiVersion: ecsd/v1"), "{args:?}: {text}");
        printed.push(text);
    }
    assert!(
        printed[0].contains("containerInsights") && printed[0].contains("env: prod"),
        "{}",
        printed[0]
    );
    assert!(
        printed[2].contains("enableECSManagedTags: true") && printed[2].contains("maximumPercent: 150"),
        "{}",
        printed[2]
    );
    let all = manifest(&d, "exported.yaml", &printed.join("---\n"));
    let out = d.ok(&["apply", "-f", all.to_str().unwrap(), "--take-ownership"]);
    assert_eq!(out.lines().count(), 5, "{out}");
    assert!(
        out.lines().all(|l| l.contains(" unchanged")),
        "round trip changes nothing:\n{out}"
    );
    let listed = d.ok(&["get", "svc", "-o", "manifest"]);
    assert_eq!(listed.matches("kind: Service").count(), 2, "{listed}");
    let tasks = d.ecsd(&["get", "tasks", "-o", "manifest"]);
    assert!(String::from_utf8_lossy(&tasks.stderr).contains("tasks are not declared by manifests"));
}
