//! Step 2 against both engines: multi-container tasks with dependsOn, health, volumes,
//! essential and non-essential exits, logs and exec.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{Daemon, UNTIL_SIGTERM, manifest, shell_task_definition};
use ecsd::model::fixtures::{
    Manifests, replica_service, shell_container, shell_health_check, with_containers,
};
use ecsd::model::{
    ContainerDefinition, ContainerDependency, DependencyCondition, MountPoint, PortMapping,
    TaskDefinitionSpec, Volume,
};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A task of three containers sharing the volume `shared`: `web` serves it and is healthy once
/// it answers, `sidecar` starts only then and reads it, `helper` (not essential) writes to it
/// and exits.
fn multi() -> String {
    let mount = |read_only: Option<bool>| MountPoint {
        source_volume: "shared".into(),
        container_path: "/data".into(),
        read_only,
    };
    let web = ContainerDefinition {
        mount_points: vec![mount(None)],
        port_mappings: vec![PortMapping {
            container_port: 8080,
            ..Default::default()
        }],
        health_check: Some(shell_health_check(
            "wget -q -O- http://127.0.0.1:8080/ || exit 1",
            5,
            2,
            2,
        )),
        ..shell_container(
            "web",
            "busybox:latest",
            "echo ok > /data/index.html; httpd -f -p 8080 -h /data & trap 'kill $!; exit 0' TERM; wait",
        )
    };
    let sidecar = ContainerDefinition {
        mount_points: vec![mount(Some(true))],
        depends_on: vec![ContainerDependency {
            container_name: "web".into(),
            condition: DependencyCondition::Healthy,
        }],
        ..shell_container(
            "sidecar",
            "busybox:latest",
            "trap 'exit 0' TERM; while true; do cat /data/index.html; sleep 1; done",
        )
    };
    let helper = ContainerDefinition {
        essential: Some(false),
        mount_points: vec![mount(None)],
        ..shell_container("helper", "busybox:latest", "echo helped > /data/helper.txt")
    };
    let spec = TaskDefinitionSpec {
        volumes: vec![Volume {
            name: "shared".into(),
            ..Default::default()
        }],
        ..with_containers(vec![web, sidecar, helper])
    };
    Manifests::new().task_definition("multi", spec).yaml()
}

fn run_task(d: &Daemon, text: &str, family: &str) -> String {
    d.apply(&manifest(d, &format!("{family}.yaml"), text));
    d.ok(&["run-task", family]).trim().to_string()
}

fn container<'a>(task: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    task["containers"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no container {name} in {task}"))
}

on_both_engines! {
    fn a_multi_container_task_starts_in_dependency_order_shares_volumes_and_reports_health(d) {
        let id = run_task(d, &multi(), "multi");
        d.wait_until("the task is RUNNING and HEALTHY", 90, |d| {
            let t = d.task(&id);
            t["lastStatus"] == "RUNNING" && t["healthStatus"] == "HEALTHY" && container(&t, "sidecar")["lastStatus"] == "RUNNING"
        });
        d.wait_until("the helper's exit is recorded", 30, |d| container(&d.task(&id), "helper")["exitCode"] == 0);
        let task = d.task(&id);
        assert_eq!(container(&task, "helper")["lastStatus"], "STOPPED");
        assert_eq!(task["desiredStatus"], "RUNNING", "a non-essential exit does not stop the task");
        assert!(task.get("stopCode").is_none());
        let described = d.ok(&["describe", "task", &id]);
        assert!(described.contains("HEALTHY"), "{described}");
        assert!(described.contains("helper"), "{described}");
        // The sidecar only started once web was healthy.
        let started = |name: &str| {
            let rid = container(&task, name)["runtimeId"].as_str().unwrap().to_string();
            let out = d.docker().args(["inspect", "--format", "{{.State.StartedAt}}", &rid]).output().unwrap();
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        };
        assert!(started("sidecar") > started("web"), "sidecar {} vs web {}", started("sidecar"), started("web"));
        // The volume is shared: the sidecar sees what the helper wrote.
        let out = d.ecsd(&["exec", &id, "-c", "sidecar", "--", "cat", "/data/helper.txt"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "helped");
    }

    fn killing_the_essential_container_stops_the_task_with_its_exit_code(d) {
        let text = shell_task_definition("killme", UNTIL_SIGTERM);
        let id = run_task(d, &text, "killme");
        d.wait_until("it runs", 60, |d| d.task(&id)["lastStatus"] == "RUNNING");
        let rid = container(&d.task(&id), "main")["runtimeId"].as_str().unwrap().to_string();
        assert!(d.docker().args(["kill", &rid]).output().unwrap().status.success());
        d.wait_until("the task stops", 60, |d| d.task(&id)["lastStatus"] == "STOPPED");
        let task = d.task(&id);
        assert_eq!(task["stopCode"], "EssentialContainerExited");
        assert!(task["stoppedReason"].as_str().unwrap().contains("Essential container in task exited"));
        assert_eq!(container(&task, "main")["exitCode"], 137);
    }

    fn a_killed_container_is_noticed_from_the_engine_event_without_waiting_for_a_resync(d) {
        // No resync within the test: only the engine's `die` event can reveal the kill.
        d.restart_with(&["--resync-interval", "1h"]);
        let text = shell_task_definition("eventkill", UNTIL_SIGTERM);
        let id = run_task(d, &text, "eventkill");
        d.wait_until("it runs", 60, |d| d.task(&id)["lastStatus"] == "RUNNING");
        let rid = container(&d.task(&id), "main")["runtimeId"].as_str().unwrap().to_string();
        assert!(d.docker().args(["kill", &rid]).output().unwrap().status.success());
        d.wait_until("the task stops", 60, |d| d.task(&id)["lastStatus"] == "STOPPED");
        assert_eq!(container(&d.task(&id), "main")["exitCode"], 137);
    }

    fn a_failing_health_check_turns_the_task_unhealthy(d) {
        let main = ContainerDefinition {
            health_check: Some(shell_health_check("exit 1", 5, 2, 1)),
            ..shell_container("main", "busybox:latest", UNTIL_SIGTERM)
        };
        let text = Manifests::new().task_definition("sick", with_containers(vec![main])).yaml();
        let id = run_task(d, &text, "sick");
        d.wait_until("the task is UNHEALTHY", 90, |d| d.task(&id)["healthStatus"] == "UNHEALTHY");
        assert_eq!(container(&d.task(&id), "main")["healthStatus"], "UNHEALTHY");
    }

    fn logs_print_and_follow_container_output(d) {
        let text = shell_task_definition("talker", "trap 'exit 0' TERM; i=0; while true; do echo line $i; i=$((i+1)); sleep 0.3; done");
        let id = run_task(d, &text, "talker");
        d.wait_until("it has said something", 60, |d| {
            String::from_utf8_lossy(&d.ecsd(&["logs", &id]).stdout).contains("line 1")
        });
        let tail = d.ok(&["logs", &id, "--tail", "1"]);
        assert_eq!(tail.lines().count(), 1, "{tail}");
        let mut follow = Command::new(common::BIN)
            .arg("--socket")
            .arg(d.socket())
            .args(["logs", "-f", &id, "--tail", "0"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(follow.stdout.take().unwrap()).lines();
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        while seen.len() < 3 && Instant::now() < deadline {
            if let Some(Ok(line)) = lines.next() {
                seen.push(line);
            }
        }
        let _ = follow.kill();
        let _ = follow.wait();
        assert_eq!(seen.len(), 3, "new lines stream in: {seen:?}");
        assert!(seen.iter().all(|l| l.starts_with("line ")), "{seen:?}");
    }

    fn exec_runs_a_command_and_passes_its_exit_code_through(d) {
        let text = shell_task_definition("execme", UNTIL_SIGTERM);
        let id = run_task(d, &text, "execme");
        d.wait_until("it runs", 60, |d| d.task(&id)["lastStatus"] == "RUNNING");
        let out = d.ecsd(&["exec", &id, "--", "sh", "-c", "echo hi; exit 7"]);
        assert_eq!(out.status.code(), Some(7));
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "hi");
        let ok = d.ecsd(&["exec", &id[..10], "--", "true"]);
        assert_eq!(ok.status.code(), Some(0));
    }

    fn a_missing_image_stops_the_task_with_a_pull_error(d) {
        let missing = shell_container("main", "ecsd-test/does-not-exist:1", "true");
        let text = Manifests::new().task_definition("noimage", with_containers(vec![missing])).yaml();
        let id = run_task(d, &text, "noimage");
        d.wait_until("the task stops", 120, |d| d.task(&id)["lastStatus"] == "STOPPED");
        let task = d.task(&id);
        assert_eq!(task["stopCode"], "TaskFailedToStart");
        let reason = task["stoppedReason"].as_str().unwrap();
        assert!(reason.starts_with("CannotPullContainerError"), "{reason}");
    }

    fn exec_forwards_stdin_when_interactive(d) {
        let text = shell_task_definition("stdin", UNTIL_SIGTERM);
        let id = run_task(d, &text, "stdin");
        d.wait_until("it runs", 60, |d| d.task(&id)["lastStatus"] == "RUNNING");
        let mut child = Command::new(common::BIN)
            .arg("--socket")
            .arg(d.socket())
            .args(["exec", "-i", &id, "--", "sh", "-c", "read line; echo got $line"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"hello\n").unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "got hello");
    }

    fn service_logs_interleave_every_task_with_a_prefix(d) {
        let main = shell_container("main", "busybox:latest", "trap 'exit 0' TERM; while true; do echo tick; sleep 0.5; done");
        let text = Manifests::new()
            .task_definition("chatty", with_containers(vec![main]))
            .service("chatty", replica_service("chatty", 2))
            .yaml();
        d.apply(&manifest(d, "chatty.yaml", &text));
        d.wait_until("both tasks have logged", 60, |d| {
            let out = String::from_utf8_lossy(&d.ecsd(&["logs", "service/chatty"]).stdout).to_string();
            let prefixes: std::collections::BTreeSet<&str> =
                out.lines().filter(|l| l.ends_with("tick")).filter_map(|l| l.split(']').next()).collect();
            prefixes.len() == 2
        });
        let out = d.ok(&["logs", "service/chatty", "--tail", "1"]);
        for line in out.lines() {
            assert!(line.starts_with('[') && line.contains("/main] tick"), "{line}");
        }
    }
}
