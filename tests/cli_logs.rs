//! `ecsd logs -f service/NAME` follows the service's tasks as they come and go, as
//! `docker service logs -f` does.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{BIN, Daemon, Engine, manifest};
use ecsd::model::fixtures::{Manifests, replica_service, shell_container, with_containers};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn following_a_service_goes_on_with_the_task_that_replaces_a_restarted_one() {
    let d = Daemon::with_args(Engine::Docker, &["--min-healthy-time", "1s"]);
    let chatty = shell_container(
        "main",
        "busybox:latest",
        "trap 'exit 0' TERM; while true; do echo tick; sleep 0.3; done",
    );
    let text = Manifests::new()
        .task_definition("chatty", with_containers(vec![chatty]))
        .service("chatty", replica_service("chatty", 1))
        .yaml();
    d.apply(&manifest(&d, "chatty.yaml", &text));
    d.wait_until("it runs", 60, |d| d.containers(None).len() == 1);
    let mut child = Command::new(BIN)
        .arg("--socket")
        .arg(d.socket())
        .args(["logs", "-f", "service/chatty"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(60));
        let _ = Command::new("kill").arg(&pid).status();
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let first_task = first
        .split('/')
        .next()
        .unwrap()
        .trim_start_matches('[')
        .to_string();
    assert!(first.ends_with("tick"), "{first}");
    d.ok(&["rollout", "restart", "service/chatty"]);
    let deadline = Instant::now() + Duration::from_secs(45);
    let mut next_task = None;
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        let task = line
            .split('/')
            .next()
            .unwrap()
            .trim_start_matches('[')
            .to_string();
        if task != first_task {
            next_task = Some(task);
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let next_task = next_task.expect("lines from the replacement task");
    assert_eq!(next_task.len(), 8, "{next_task}");
}
