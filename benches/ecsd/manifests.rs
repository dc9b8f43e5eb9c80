//! The manifests the scenarios apply: a long-running busybox service, and a task definition
//! whose container exits at once.

use serde_json::json;

/// The image every scenario runs (`scripts/setup-engine` provides it without a registry).
pub const IMAGE: &str = "busybox:latest";

/// A container that runs until SIGTERM and then exits at once (ecsd, the baselines and Swarm
/// all run this same command, so stops cost the same everywhere).
pub const LOOP_COMMAND: [&str; 3] = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"];

/// A task definition and a service, both named `name`, running `desired` copies of the loop
/// container; `marker` goes into the environment, so a new marker is a new revision.
pub fn service(name: &str, desired: usize, marker: &str) -> String {
    format!(
        r#"apiVersion: ecsd/v1
kind: TaskDefinition
metadata:
  name: {name}
spec:
  containerDefinitions:
    - name: app
      image: {IMAGE}
      command: {command}
      environment:
        - name: BENCH_MARKER
          value: "{marker}"
---
apiVersion: ecsd/v1
kind: Service
metadata:
  name: {name}
spec:
  taskDefinition: {name}
  desiredCount: {desired}
"#,
        command = json!(LOOP_COMMAND)
    )
}

/// A task definition `name` whose only container exits 0 at once (tasks of it stop by themselves).
pub fn exiting_task_definition(name: &str) -> String {
    format!(
        r#"apiVersion: ecsd/v1
kind: TaskDefinition
metadata:
  name: {name}
spec:
  containerDefinitions:
    - name: once
      image: {IMAGE}
      command: ["true"]
"#
    )
}
