//! `scale`, `rollout undo` and `events` against a real daemon: the refusals and the spec
//! changes that need no rollout to finish (rollouts themselves are tested with the controller).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{Daemon, UNTIL_SIGTERM, manifest, web_service};
use ecsd::model::fixtures::{Manifests, daemon_service, shell_container, with_containers};
use std::process::Output;

/// A DAEMON service `agent` (it cannot be scaled).
fn agent() -> String {
    let agent = shell_container("agent", "busybox:latest", UNTIL_SIGTERM);
    Manifests::new()
        .task_definition("agent", with_containers(vec![agent]))
        .service("agent", daemon_service("agent"))
        .yaml()
}

/// Asserts the verb failed with one line on stderr; returns that line.
fn one_line_error(d: &Daemon, out: Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "expected a failure, got {}\n--- daemon log ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        d.log()
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    err
}

on_both_engines! {
    fn scale_refuses_a_daemon_service_and_leaves_it_alone(d) {
        d.apply(&manifest(d, "agent.yaml", &agent()));
        let err = one_line_error(d, d.ecsd(&["scale", "service/agent", "3"]));
        assert!(err.contains("DAEMON") && err.contains("cannot be scaled"), "{err}");
        let svc = d.service("agent");
        assert_eq!(svc["desiredCount"], 1);
        assert_eq!(svc["schedulingStrategy"], "DAEMON");
    }

    fn scale_sets_the_desired_count_of_a_replica_service(d) {
        d.apply(&manifest(d, "web.yaml", &web_service("web", "busybox:latest", 1)));
        let out = d.ok(&["scale", "svc/web", "2"]);
        assert_eq!(out.trim(), "service/web scaled to 2");
        assert_eq!(d.service("web")["desiredCount"], 2);
        let err = one_line_error(d, d.ecsd(&["scale", "service/nope", "2"]));
        assert!(err.contains("service default/nope not found"), "{err}");
    }

    fn rollout_undo_without_an_earlier_completed_deployment_is_an_error(d) {
        d.apply(&manifest(d, "web.yaml", &web_service("web", "busybox:latest", 1)));
        let err = one_line_error(d, d.ecsd(&["rollout", "undo", "service/web"]));
        assert!(err.contains("no earlier completed deployment to roll back to"), "{err}");
        let err = one_line_error(d, d.ecsd(&["rollout", "undo", "service/web", "--to-revision", "7"]));
        assert!(err.contains("task definition web:7 not found"), "{err}");
        let err = one_line_error(d, d.ecsd(&["rollout", "undo", "service/web", "--to-revision", "web:7"]));
        assert!(err.contains("task definition web:7 not found"), "family:N is accepted: {err}");
        let err = one_line_error(d, d.ecsd(&["rollout", "undo", "service/web", "--to-revision", "api:1"]));
        assert!(err.contains("not api"), "{err}");
    }

    fn rollout_undo_to_family_colon_revision_pins_that_revision(d) {
        d.apply(&manifest(d, "web.yaml", &web_service("web", "busybox:latest", 0)));
        d.apply(&manifest(d, "web.yaml", &web_service("web", "busybox:1.36", 0)));
        let out = d.ok(&["rollout", "undo", "service/web", "--to-revision", "web:1"]);
        assert!(out.contains("rolled back to web:1"), "{out}");
    }

    fn delete_td_family_colon_revision_deregisters_only_that_revision(d) {
        d.apply(&manifest(d, "web.yaml", &web_service("web", "busybox:latest", 0)));
        d.apply(&manifest(d, "web.yaml", &web_service("web", "busybox:1.36", 0)));
        let out = d.ok(&["delete", "td", "web:1"]);
        assert!(out.contains("taskdefinition/web:1 deregistered"), "{out}");
        let listed = d.json(&["get", "td"]);
        let revisions: Vec<String> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| format!("{}:{}:{}", t["family"].as_str().unwrap(), t["revision"], t["status"].as_str().unwrap()))
            .collect();
        assert!(revisions.contains(&"web:2:ACTIVE".to_string()), "{revisions:?}");
        assert!(!revisions.contains(&"web:1:ACTIVE".to_string()), "{revisions:?}");
        let err = one_line_error(d, d.ecsd(&["delete", "td", "web:9"]));
        assert!(err.contains("not found"), "{err}");
    }

    fn events_of_an_unknown_service_are_an_error(d) {
        let err = one_line_error(d, d.ecsd(&["events", "service/nope"]));
        assert!(err.contains("service default/nope not found"), "{err}");
        let table = d.ok(&["events"]);
        assert!(table.starts_with("AGE"), "{table}");
    }
}
