//! Step 1 end to end against the real engine: apply → sled → reconcile → running containers.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{Daemon, http_get, manifest, shell_task_definition, web_service};

fn running_count(d: &Daemon, name: &str) -> u64 {
    d.service(name)["runningCount"].as_u64().unwrap_or(0)
}

on_both_engines! {
    fn the_hello_example_runs_two_labelled_containers_that_serve_http(d) {
        let out = d.apply(std::path::Path::new("examples/hello"));
        assert!(out.contains("service/default/hello created"), "{out}");
        d.wait_until("2 hello tasks run", 60, |d| {
            running_count(d, "hello") == 2 && d.containers(None).len() == 2
        });
        let tasks = d.json(&["get", "tasks"]);
        let items = tasks["items"].as_array().expect("items");
        assert_eq!(items.len(), 2);
        for task in items {
            let id = task["taskArn"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string();
            let container = &task["containers"][0];
            let runtime_id = container["runtimeId"].as_str().expect("runtime id");
            let inspect = d.docker()
                .args([
                    "inspect",
                    "--format",
                    "{{json .Config.Labels}} {{.HostConfig.RestartPolicy.Name}}",
                    runtime_id,
                ])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&inspect.stdout);
            for label in [
                format!("\"ecsd.task\":\"{id}\""),
                format!("\"ecsd.owner\":\"{}\"", d.owner()),
                "\"ecsd.cluster\":\"default\"".into(),
                "\"ecsd.container\":\"web\"".into(),
                "\"ecsd.task-definition\":\"hello:1\"".into(),
                "\"ecsd.service\":\"hello\"".into(),
            ] {
                assert!(text.contains(&label), "missing {label} in {text}");
            }
            assert!(
                text.trim_end().ends_with(" no"),
                "engine restart policy must be `no`: {text}"
            );
            let port = container["networkBindings"][0]["hostPort"]
                .as_u64()
                .expect("ephemeral host port") as u16;
            d.wait_until("httpd answers", 20, |_| {
                http_get(port).is_some_and(|b| b.contains("hello from"))
            });
        }
    }

    fn a_container_removed_with_docker_rm_is_replaced(d) {
        d.apply(&manifest(
            d,
            "svc.yaml",
            &web_service("rmtest", "busybox:latest", 2),
        ));
        d.wait_until("2 tasks run", 60, |d| {
            running_count(d, "rmtest") == 2 && d.containers(None).len() == 2
        });
        let before = d.containers(None);
        let status = d.docker()
            .args(["rm", "-f", &before[0]])
            .output()
            .unwrap()
            .status;
        assert!(status.success());
        d.wait_until("a replacement runs", 60, |d| {
            let now = d.containers(None);
            now.len() == 2 && !now.contains(&before[0])
        });
        let stopped = d.json(&["get", "tasks", "--all"]);
        let reasons: Vec<&str> = stopped["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t["stoppedReason"].as_str())
            .collect();
        assert!(
            reasons.iter().any(|r| r.contains("removed outside ecsd") || r.contains("exited with code 137")),
            "the stopped task says why: {reasons:?}"
        );
    }

    fn re_applying_a_new_desired_count_scales_and_delete_removes_every_container(d) {
        let path = manifest(d, "svc.yaml", &web_service("scaletest", "busybox:latest", 2));
        d.apply(&path);
        d.wait_until("2 tasks run", 60, |d| {
            d.containers(None).len() == 2 && running_count(d, "scaletest") == 2
        });
        std::fs::write(&path, web_service("scaletest", "busybox:latest", 3)).unwrap();
        let out = d.apply(&path);
        assert!(out.contains("service/default/scaletest configured"), "{out}");
        assert!(out.contains("taskdefinition/scaletest unchanged"), "{out}");
        d.wait_until("3 tasks run", 60, |d| {
            d.containers(None).len() == 3 && running_count(d, "scaletest") == 3
        });
        d.ok(&["delete", "service", "scaletest"]);
        d.wait_until("no container is left", 60, |d| d.all_containers().is_empty());
        d.wait_until("the service is gone", 30, |d| {
            !d.ecsd(&["get", "service", "scaletest"]).status.success()
        });
    }

    fn an_unchanged_task_definition_keeps_revision_1_and_a_new_image_registers_revision_2(d) {
        let path = manifest(d, "svc.yaml", &web_service("revtest", "busybox:latest", 1));
        assert!(
            d.apply(&path)
                .contains("taskdefinition/revtest created (revision 1)")
        );
        assert!(
            d.apply(&path)
                .contains("taskdefinition/revtest unchanged (revision 1)")
        );
        d.wait_until("1 task runs", 60, |d| running_count(d, "revtest") == 1);
        let old = d.containers(None);
        // Same image content under another name: a real change of the definition.
        let tag = d.docker()
            .args(["tag", "busybox:latest", "busybox:ecsd-revtest"])
            .output()
            .unwrap();
        assert!(tag.status.success());
        std::fs::write(&path, web_service("revtest", "busybox:ecsd-revtest", 1)).unwrap();
        assert!(
            d.apply(&path)
                .contains("taskdefinition/revtest configured (revision 2)")
        );
        d.wait_until("the service runs revision 2 only", 60, |d| {
            let svc = d.service("revtest");
            let now = d.containers(None);
            svc["taskDefinition"]
                .as_str()
                .is_some_and(|td| td.ends_with("revtest:2"))
                && now.len() == 1
                && !now.contains(&old[0])
        });
        let revisions = d.json(&["get", "td"]);
        let names: Vec<String> = revisions["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| format!("{}:{}", t["family"].as_str().unwrap(), t["revision"]))
            .collect();
        assert_eq!(names, vec!["revtest:1", "revtest:2"]);
    }

    fn invalid_manifests_exit_non_zero_with_location_and_field_and_change_nothing(d) {
        let good = web_service("badtest", "busybox:latest", 1);
        // Literal edits of a good file: each case is broken in a way no typed value can be.
        let image_line = good.lines().find(|l| l.trim() == "image: busybox:latest").unwrap();
        let indent = &image_line[..image_line.len() - image_line.trim_start().len()];
        let cases = [
            (
                "bad yaml",
                good.replace("desiredCount: 1", "desiredCount: [1"),
                "bad.yaml:",
            ),
            (
                "unknown field",
                good.replace(image_line, &format!("{image_line}\n{indent}imagee: x")),
                "spec.containerDefinitions[0].imagee: unknown field `imagee`: did you mean `image`?",
            ),
            (
                "missing image",
                good.replace(&format!("{image_line}\n"), ""),
                "missing field `image`",
            ),
            (
                "wrong type",
                good.replace("desiredCount: 1", "desiredCount: many"),
                "spec.desiredCount",
            ),
        ];
        for (what, text, expected) in cases {
            let path = manifest(d, "bad.yaml", &text);
            let out = d.ecsd(&["apply", "-f", path.to_str().unwrap()]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{what}: apply must fail");
            assert!(stderr.contains(expected), "{what}: {stderr}");
            assert!(
                stderr.contains("bad.yaml:"),
                "{what}: names file and line: {stderr}"
            );
            assert_eq!(stderr.trim().lines().count(), 1, "{what}: one line: {stderr}");
        }
        let services = d.json(&["get", "services"]);
        let tds = d.json(&["get", "td"]);
        assert_eq!(
            services["items"].as_array().unwrap().len(),
            0,
            "nothing was written"
        );
        assert_eq!(tds["items"].as_array().unwrap().len(), 0, "nothing was written");
    }

    fn after_kill_9_and_restart_running_containers_are_adopted_unchanged(d) {
        d.apply(&manifest(
            d,
            "svc.yaml",
            &web_service("adopttest", "busybox:latest", 3),
        ));
        d.wait_until("3 tasks run", 60, |d| {
            running_count(d, "adopttest") == 3 && d.containers(None).len() == 3
        });
        let tasks_before = d.json(&["get", "tasks"]);
        let before = d.all_containers();
        d.kill_hard();
        d.spawn();
        // Give the restarted daemon time to list, resync and reconcile everything once.
        d.wait_until("the daemon has resynced", 30, |d| {
            d.log().matches("engine ready").count() >= 2
        });
        std::thread::sleep(std::time::Duration::from_secs(3));
        assert_eq!(
            d.all_containers(),
            before,
            "no container created or removed; daemon log:\n{}",
            d.log()
        );
        let tasks_after = d.json(&["get", "tasks"]);
        let ids = |v: &serde_json::Value| {
            let mut ids: Vec<String> = v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["taskArn"].as_str().unwrap().to_string())
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(ids(&tasks_after), ids(&tasks_before), "same task ids");
        assert_eq!(running_count(d, "adopttest"), 3);
    }

    fn a_task_whose_essential_container_exits_stops_with_its_exit_code(d) {
        let td = &shell_task_definition("exittest", "sleep 1; exit 3");
        d.apply(&manifest(d, "td.yaml", td));
        let id = d.ok(&["run-task", "exittest"]).trim().to_string();
        assert_eq!(id.len(), 32, "a 32-hex task id: {id}");
        d.wait_until("the task stops", 60, |d| {
            d.json(&["get", "task", &id])["lastStatus"] == "STOPPED"
        });
        let task = d.json(&["get", "task", &id]);
        assert_eq!(task["stopCode"], "EssentialContainerExited");
        assert_eq!(task["containers"][0]["exitCode"], 3);
        assert_eq!(task["desiredStatus"], "STOPPED");
        assert_eq!(d.all_containers().len(), 1, "the exited container is kept for logs");
    }

    fn stop_task_stops_a_running_standalone_task_as_user_initiated(d) {
        d.apply(&manifest(
            d,
            "svc.yaml",
            &web_service("stoptest", "busybox:latest", 0),
        ));
        let id = d.ok(&["run-task", "stoptest"]).trim().to_string();
        d.wait_until("it runs", 60, |d| {
            d.json(&["get", "task", &id])["lastStatus"] == "RUNNING"
        });
        d.ok(&["stop-task", &id[..8]]);
        d.wait_until("it stops", 60, |d| {
            d.json(&["get", "task", &id])["lastStatus"] == "STOPPED"
        });
        let task = d.json(&["get", "task", &id]);
        assert_eq!(task["stopCode"], "UserInitiated");
        assert_eq!(
            task["containers"][0]["exitCode"], 0,
            "the TERM trap exited cleanly"
        );
    }
}
