//! `ecsd get` as a kubectl user expects it: `-o name`, `--no-headers`, `-l` selectors over
//! labels, newest last, and `-w` printing what changes; container instances listed, drained
//! and deleted.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{BIN, Daemon, Engine, UNTIL_SIGTERM, manifest};
use ecsd::model::ContainerInstanceSpec;
use ecsd::model::fixtures::{Manifests, replica_service, shell_container, with_containers};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn labelled(name: &str, team: &str, desired: u32) -> String {
    let main = shell_container("main", "busybox:latest", UNTIL_SIGTERM);
    Manifests::new()
        .task_definition(name, with_containers(vec![main]))
        .service(name, replica_service(name, desired))
        .labels(&[("team", team)])
        .yaml()
}

#[test]
fn get_selects_by_label_prints_names_without_headers_and_lists_newest_last() {
    let d = Daemon::start(Engine::Docker);
    d.apply(&manifest(&d, "a.yaml", &labelled("zeta", "web", 0)));
    std::thread::sleep(Duration::from_millis(1100));
    d.apply(&manifest(&d, "b.yaml", &labelled("alpha", "api", 0)));
    let names = d.ok(&["get", "services", "-o", "name"]);
    assert_eq!(
        names, "service/zeta\nservice/alpha\n",
        "oldest first, newest last"
    );
    let web = d.ok(&["get", "svc", "-l", "team=web", "-o", "name"]);
    assert_eq!(web, "service/zeta\n");
    let not_web = d.ok(&["get", "svc", "-l", "team!=web", "--no-headers"]);
    assert!(not_web.starts_with("alpha "), "{not_web}");
    assert_eq!(not_web.lines().count(), 1, "{not_web}");
    let json = d.json(&["get", "svc", "-l", "team=api"]);
    assert_eq!(json["items"].as_array().unwrap().len(), 1, "{json}");
    let out = d.ecsd(&["get", "td", "-l", "team=web"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("task definitions have no labels"));
    let out = d.ecsd(&["get", "servces"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean services?"));
}

#[test]
fn get_watch_prints_a_line_when_an_object_changes() {
    let d = Daemon::start(Engine::Docker);
    d.apply(&manifest(&d, "a.yaml", &labelled("web", "web", 0)));
    let mut child = Command::new(BIN)
        .arg("--socket")
        .arg(d.socket())
        .args(["get", "services", "-w"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // A watch that never prints the change must not hang the suite: end it after 30 s.
    let pid = child.id().to_string();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(30));
        let _ = Command::new("kill").arg(&pid).status();
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.next().unwrap().unwrap().starts_with("NAME"));
    assert!(lines.next().unwrap().unwrap().starts_with("web "));
    d.ok(&["scale", "svc/web", "3"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut changed = None;
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if line.split_whitespace().nth(1) == Some("3") {
            changed = Some(line);
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let line = changed.expect("a line with desired count 3");
    assert!(line.starts_with("web "), "{line}");
}

#[test]
fn describe_shows_times_as_rfc3339_not_epoch_seconds() {
    let d = Daemon::start(Engine::Docker);
    d.apply(&manifest(&d, "a.yaml", &labelled("web", "web", 0)));
    let td = d.ok(&["describe", "td", "web"]);
    let line = td
        .lines()
        .find(|l| l.starts_with("registeredAt:"))
        .expect("registeredAt");
    let value = line.trim_start_matches("registeredAt:").trim().trim_matches('\'');
    assert!(
        value.len() == 20 && value.ends_with('Z') && value.contains('T'),
        "{line}"
    );
    let run = d.ok(&["run-task", "web"]);
    let id = run
        .split_whitespace()
        .find(|w| w.len() == 32)
        .expect("task id")
        .to_string();
    let task = d.ok(&["describe", "task", &id]);
    let created = task.lines().find(|l| l.starts_with("Created:")).expect("Created");
    assert!(
        created.contains(" ago (") && created.trim_end().ends_with("Z)"),
        "{created}"
    );
}

#[test]
fn get_drain_describe_and_delete_container_instances() {
    let d = Daemon::start(Engine::Docker);
    let missing_socket = d.dir.path().join("absent.sock");
    let spec = ContainerInstanceSpec {
        engine: format!("unix://{}", missing_socket.display()),
        attributes: [("disk".to_string(), "ssd".to_string())].into(),
        ..Default::default()
    };
    let pi = Manifests::new().container_instance("pi", spec).yaml();
    d.apply(&manifest(&d, "pi.yaml", &pi));
    let table = d.ok(&["get", "containerinstances"]);
    let lines: Vec<&str> = table.lines().collect();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "NAME",
            "STATUS",
            "CONNECTED",
            "ENGINE",
            "ADDRESS",
            "CPU",
            "MEMORY",
            "RUNNING",
            "PENDING"
        ],
        "{table}"
    );
    let row = |name: &str, table: &str| -> Vec<String> {
        table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} row in\n{table}"))
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    let local = row("local", &table);
    assert_eq!(
        (local[1].as_str(), local[2].as_str()),
        ("ACTIVE", "true"),
        "{table}"
    );
    let pi_row = row("pi", &table);
    assert_eq!(
        (pi_row[1].as_str(), pi_row[2].as_str()),
        ("ACTIVE", "false"),
        "{table}"
    );
    assert_eq!(
        d.ok(&["get", "ci", "-o", "name"]),
        "containerinstance/local\ncontainerinstance/pi\n"
    );
    let json = d.json(&["get", "ci", "pi"]);
    assert_eq!(json["agentConnected"], false, "{json}");
    assert_eq!(json["attributes"]["disk"], "ssd", "{json}");

    let drained = d.ok(&["drain", "instance", "pi"]);
    assert!(drained.starts_with("containerinstance/pi draining"), "{drained}");
    assert_eq!(row("pi", &d.ok(&["get", "ci"]))[1], "DRAINING");
    d.ok(&["drain", "instance/pi", "--undo"]);
    assert_eq!(row("pi", &d.ok(&["get", "ci"]))[1], "ACTIVE");
    let out = d.ecsd(&["drain", "service", "web"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("only container instances are drained"));

    let described = d.ok(&["describe", "ci", "pi"]);
    for wanted in ["Name:", "Engine:", "Connected:       false", "disk=ssd", "Tasks:"] {
        assert!(described.contains(wanted), "{wanted} in\n{described}");
    }
    let out = d.ecsd(&["delete", "ci", "local"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("daemon's own engine"));
    d.ok(&["delete", "containerinstance", "pi"]);
    assert_eq!(d.ok(&["get", "ci", "-o", "name"]), "containerinstance/local\n");
}
