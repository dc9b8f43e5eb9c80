//! The Docker daemon restarts under a running ecsd: ecsd reconnects, resyncs and converges.
//!
//! This restarts the shared dockerd, so `scripts/test` runs it on its own after the rest of
//! the suite (`cargo nextest run --test engine_restart`), never beside other tests.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{Daemon, Engine, manifest, web_service};
use std::process::Command;
use std::time::{Duration, Instant};

fn running_count(d: &Daemon, name: &str) -> u64 {
    d.service(name)["runningCount"].as_u64().unwrap_or(0)
}

fn dockerd_pid() -> Option<String> {
    let pid = std::fs::read_to_string("/var/run/docker.pid").ok()?;
    let pid = pid.trim().to_string();
    (!pid.is_empty()).then_some(pid)
}

#[test]
#[ignore = "restarts the host dockerd; scripts/test runs it"]
fn after_the_docker_daemon_restarts_ecsd_reconnects_and_converges() {
    let d = Daemon::start(Engine::Docker);
    d.apply(&manifest(
        &d,
        "svc.yaml",
        &web_service("survivor", "busybox:latest", 2),
    ));
    d.wait_until("2 tasks run", 60, |d| {
        running_count(d, "survivor") == 2 && d.containers(None).len() == 2
    });
    let before = d.containers(None);

    let pid = dockerd_pid().expect("dockerd pid file (is dockerd started by scripts/setup-engine?)");
    assert!(Command::new("kill").arg(&pid).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline && std::path::Path::new(&format!("/proc/{pid}")).exists() {
        std::thread::sleep(Duration::from_millis(200));
    }
    let restarted = Command::new("scripts/setup-engine").status().unwrap();
    assert!(
        restarted.success(),
        "scripts/setup-engine could not restart dockerd"
    );

    d.wait_until("the service runs 2 tasks again", 120, |d| {
        let now = d.containers(None);
        running_count(d, "survivor") == 2 && now.len() == 2 && now.iter().all(|c| !before.contains(c))
    });
    assert!(
        d.log().contains("engine event stream broke"),
        "the outage was noticed"
    );
}
