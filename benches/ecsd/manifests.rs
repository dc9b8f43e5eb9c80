//! The manifests the scenarios apply: a long-running busybox service, and a task definition
//! whose container exits at once, built with the crate's typed manifest builder.

use ecsd::model::fixtures::{Manifests, container, replica_service, with_containers};
use ecsd::model::{ContainerDefinition, KeyValuePair};

/// The image every scenario runs (`scripts/setup-engine` provides it without a registry).
pub const IMAGE: &str = "busybox:latest";

/// A container that runs until SIGTERM and then exits at once (ecsd, the baselines and Swarm
/// all run this same command, so stops cost the same everywhere).
pub const LOOP_COMMAND: [&str; 3] = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"];

/// A task definition and a service, both named `name`, running `desired` copies of the loop
/// container; `marker` goes into the environment, so a new marker is a new revision.
pub fn service(name: &str, desired: usize, marker: &str) -> String {
    let app = ContainerDefinition {
        command: Some(LOOP_COMMAND.map(String::from).to_vec()),
        environment: vec![KeyValuePair {
            name: "BENCH_MARKER".into(),
            value: marker.into(),
        }],
        ..container("app", IMAGE)
    };
    // More tasks than a u32 holds is beyond any machine; the daemon's own limit refuses it.
    let desired = u32::try_from(desired).unwrap_or(u32::MAX);
    Manifests::new()
        .task_definition(name, with_containers(vec![app]))
        .service(name, replica_service(name, desired))
        .yaml()
}

/// A task definition `name` whose only container exits 0 at once (tasks of it stop by themselves).
pub fn exiting_task_definition(name: &str) -> String {
    let once = ContainerDefinition {
        command: Some(vec!["true".into()]),
        ..container("once", IMAGE)
    };
    Manifests::new()
        .task_definition(name, with_containers(vec![once]))
        .yaml()
}
