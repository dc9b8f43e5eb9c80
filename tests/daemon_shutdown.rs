//! Stopping the daemon against both engines: SIGTERM during a container's stop grace exits
//! at once, and the next daemon finishes the stop that was under way.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{Daemon, manifest};
use ecsd::model::fixtures::{Manifests, shell_container, with_containers};
use ecsd::model::{ContainerDefinition, Seconds};
use std::time::{Duration, Instant};

/// The stop grace of the container that ignores SIGTERM.
const GRACE: Duration = Duration::from_secs(20);

/// A task definition whose container ignores SIGTERM, so stopping it takes its whole grace.
fn stubborn() -> String {
    let main = ContainerDefinition {
        stop_timeout: Some(Seconds(GRACE.as_secs())),
        ..shell_container(
            "main",
            "busybox:latest",
            "trap '' TERM; while true; do sleep 1; done",
        )
    };
    Manifests::new()
        .task_definition("stubborn", with_containers(vec![main]))
        .yaml()
}

/// The engine's state of a container (`running`, `exited`; Podman says `stopping` during a
/// stop grace).
fn state(d: &Daemon, container: &str) -> String {
    let out = d
        .docker()
        .args(["inspect", "--format", "{{.State.Status}}", container])
        .output()
        .expect("docker inspect");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

on_both_engines! {
    fn sigterm_during_a_stop_grace_exits_at_once_and_the_next_daemon_finishes_the_stop(d) {
        d.apply(&manifest(d, "stubborn.yaml", &stubborn()));
        let id = d.ok(&["run-task", "stubborn"]).trim().to_string();
        d.wait_until("the task runs", 60, |d| d.task(&id)["lastStatus"] == "RUNNING");
        let rid = d.task(&id)["containers"][0]["runtimeId"].as_str().expect("runtime id").to_string();
        let asked = Instant::now();
        d.ok(&["stop-task", &id, "--reason", "maintenance window"]);
        d.wait_until("the stop is under way", 30, |d| d.task(&id)["lastStatus"] == "STOPPING");

        let took = d.terminate_within(GRACE).expect("the daemon exits before the grace ends");
        assert!(took < GRACE / 4, "SIGTERM took {took:?} with a {GRACE:?} stop grace in flight\n{}", d.log());
        let during = state(d, &rid);
        assert!(during == "running" || during == "stopping", "the container still has the rest of its grace: {during}");

        d.spawn();
        d.wait_until("the restarted daemon finishes the stop", 60, |d| d.task(&id)["lastStatus"] == "STOPPED");
        let task = d.task(&id);
        assert_eq!(task["stopCode"], "UserInitiated");
        assert_eq!(task["stoppedReason"], "maintenance window");
        assert_eq!(state(d, &rid), "exited", "{}", d.log());
        assert!(asked.elapsed() >= GRACE - Duration::from_secs(1), "the container kept its stop grace: {:?}", asked.elapsed());
    }
}
