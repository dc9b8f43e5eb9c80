//! Step 4 against both engines: `serve --watch DIR` keeps the engine matching a folder.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{Daemon, web_service};
use std::collections::BTreeMap;

/// A service `name` of one task running `busybox:{tag}`, and its task definition.
fn service(name: &str, tag: &str) -> String {
    web_service(name, &format!("busybox:{tag}"), 1)
}

/// `service(name, "latest")` scaled to two tasks.
fn two_of(name: &str) -> String {
    web_service(name, "busybox:latest", 2)
}

fn write(d: &Daemon, file: &str, text: &str) {
    std::fs::write(d.deploy_dir().join(file), text).expect("write manifest");
}

/// Running task ids by service name.
fn running(d: &Daemon) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in d.json(&["get", "tasks"])["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        if t["lastStatus"] == "RUNNING" {
            let group = t["group"]
                .as_str()
                .unwrap_or_default()
                .trim_start_matches("service:")
                .to_string();
            out.entry(group)
                .or_default()
                .push(t["taskArn"].as_str().unwrap_or_default().to_string());
        }
    }
    out
}

fn services(d: &Daemon) -> Vec<String> {
    let mut names: Vec<String> = d.json(&["get", "services"])["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["status"] == "ACTIVE")
        .filter_map(|s| s["serviceName"].as_str().map(str::to_string))
        .collect();
    names.sort();
    names
}

fn tag(d: &Daemon, tag: &str) {
    let ok = d
        .docker()
        .args(["tag", "busybox:latest", &format!("busybox:{tag}")])
        .output()
        .unwrap();
    assert!(ok.status.success());
}

on_both_engines! {
    fn a_manifest_written_edited_and_removed_in_the_folder_is_run_rolled_and_drained(d) {
        *d = Daemon::watching(d.engine, true);
        write(d, "keep.yaml", &service("keeper", "latest"));
        write(d, "web.yaml", &service("web", "latest"));
        d.wait_until("web runs", 60, |d| running(d).get("web").is_some_and(|t| t.len() == 1));
        let before = running(d)["web"].clone();
        tag(d, "gitops-v2");
        write(d, "web.yaml", &service("web", "gitops-v2"));
        d.wait_until("web runs revision 2", 90, |d| {
            let svc = d.service("web");
            svc["taskDefinition"].as_str().is_some_and(|t| t.ends_with("web:2"))
                && svc["deployments"].as_array().is_some_and(|a| a.len() == 1 && a[0]["rolloutState"] == "COMPLETED")
        });
        assert_ne!(running(d)["web"], before, "the task was replaced");
        let events: Vec<String> = d.service("web")["events"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap().to_string()).collect();
        let started = events.iter().rposition(|e| e.contains("has started 1 tasks")).unwrap();
        let stopped = events.iter().rposition(|e| e.contains("has stopped 1 running tasks")).unwrap();
        assert!(started > stopped, "newest first: the start came before the stop: {events:?}");
        std::fs::remove_file(d.deploy_dir().join("web.yaml")).unwrap();
        d.wait_until("web is gone", 60, |d| !services(d).contains(&"web".to_string()));
        assert_eq!(services(d), vec!["keeper"]);
    }

    fn a_broken_file_keeps_its_service_running_and_fixing_it_resumes_sync(d) {
        *d = Daemon::watching(d.engine, true);
        write(d, "web.yaml", &service("web", "latest"));
        d.wait_until("web runs", 60, |d| running(d).get("web").is_some_and(|t| t.len() == 1));
        let before = running(d);
        write(d, "web.yaml", &service("web", "latest").replace("desiredCount: 1", "desiredCount: [2"));
        d.wait_until("status shows the error", 30, |d| d.exit_and_stdout(&["sync", "status"]).1.contains("Error"));
        let (code, status) = d.exit_and_stdout(&["sync", "status"]);
        assert!(status.contains("web.yaml:"), "{status}");
        assert_eq!(code, 1, "sync status fails while a file is in error");
        assert_eq!(running(d), before, "nothing changed");
        write(d, "web.yaml", &two_of("web"));
        d.wait_until("sync resumed", 60, |d| running(d).get("web").is_some_and(|t| t.len() == 2));
        assert!(d.ok(&["sync", "status"]).contains("Synced"));
    }

    fn a_watched_file_truncated_to_zero_bytes_prunes_nothing_and_removing_it_prunes(d) {
        *d = Daemon::watching(d.engine, true);
        write(d, "web.yaml", &service("web", "latest"));
        write(d, "api.yaml", &service("api", "latest"));
        d.wait_until("both run", 60, |d| running(d).len() == 2);
        let before = running(d);
        std::fs::File::create(d.deploy_dir().join("api.yaml")).expect("truncate");
        d.wait_until("status says the file is empty and kept", 30, |d| {
            let status = d.ok(&["sync", "status"]);
            status.contains("Empty") && status.contains("kept: api.yaml: the file is empty")
        });
        // A later full pass (made by an edit of the other file) must not prune it either.
        write(d, "web.yaml", &two_of("web"));
        d.wait_until("the edit applied", 60, |d| running(d).get("web").is_some_and(|t| t.len() == 2));
        assert_eq!(services(d), vec!["api", "web"], "nothing pruned");
        assert_eq!(running(d).get("api"), before.get("api"), "the api task was not replaced");
        std::fs::remove_file(d.deploy_dir().join("api.yaml")).unwrap();
        d.wait_until("removing the file prunes api", 60, |d| services(d) == vec!["web"]);
    }

    fn switching_between_two_sets_of_five_converges_without_pruning_shared_services(d) {
        *d = Daemon::watching(d.engine, true);
        let first = ["s1", "s2", "a3", "a4", "a5"];
        let second = ["s1", "s2", "b3", "b4", "b5"];
        for name in first {
            write(d, &format!("{name}.yaml"), &service(name, "latest"));
        }
        d.wait_until("the first set runs", 90, |d| running(d).len() == 5);
        let shared_before: Vec<Vec<String>> = ["s1", "s2"].iter().map(|s| running(d)[*s].clone()).collect();
        // One move, as a `git checkout` does: remove three files and add three others at once.
        for name in ["a3", "a4", "a5"] {
            std::fs::remove_file(d.deploy_dir().join(format!("{name}.yaml"))).unwrap();
        }
        for name in ["b3", "b4", "b5"] {
            write(d, &format!("{name}.yaml"), &service(name, "latest"));
        }
        d.wait_until("the second set runs", 90, |d| {
            let r = running(d);
            let mut want: Vec<String> = second.iter().map(|s| s.to_string()).collect();
            want.sort();
            second.iter().all(|s| r.get(*s).is_some_and(|t| t.len() == 1)) && services(d) == want
        });
        let shared_after: Vec<Vec<String>> = ["s1", "s2"].iter().map(|s| running(d)[*s].clone()).collect();
        assert_eq!(shared_before, shared_after, "shared services were never touched");
    }

    fn drift_is_undone_a_removed_container_is_replaced_and_a_cli_deleted_service_comes_back(d) {
        *d = Daemon::watching(d.engine, true);
        write(d, "web.yaml", &service("web", "latest"));
        d.wait_until("web runs", 60, |d| running(d).get("web").is_some_and(|t| t.len() == 1));
        let victim = d.containers(None)[0].clone();
        assert!(d.docker().args(["rm", "-f", &victim]).output().unwrap().status.success());
        d.wait_until("a replacement runs", 60, |d| {
            let now = d.containers(None);
            now.len() == 1 && now[0] != victim
        });
        let refused = d.ecsd(&["scale", "service/web", "3"]);
        let err = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success(), "a CLI change to a folder's service is refused");
        assert!(err.contains("is managed by") && err.contains("web.yaml") && err.contains("--force"), "{err}");
        assert_eq!(d.service("web")["desiredCount"], 1, "nothing changed");
        let forced = d.ecsd(&["scale", "service/web", "3", "--force"]);
        assert!(forced.status.success());
        assert!(String::from_utf8_lossy(&forced.stderr).contains("next sync undoes"));
        d.wait_until("the folder's count is restored", 60, |d| d.service("web")["desiredCount"] == 1);
        assert!(!d.ecsd(&["delete", "service", "web"]).status.success(), "delete is refused too");
        d.ok(&["delete", "service", "web", "--force"]);
        d.wait_until("it comes back", 90, |d| running(d).get("web").is_some_and(|t| t.len() == 1));
    }

    fn changes_made_while_down_are_applied_at_start_and_emptying_the_folder_prunes_nothing(d) {
        *d = Daemon::watching(d.engine, false);
        write(d, "web.yaml", &service("web", "latest"));
        d.spawn();
        d.wait_until("web runs", 60, |d| running(d).get("web").is_some_and(|t| t.len() == 1));
        std::fs::remove_file(d.deploy_dir().join("web.yaml")).unwrap();
        d.wait_until("status says nothing was pruned", 30, |d| {
            let (code, status) = d.exit_and_stdout(&["sync", "status"]);
            status.contains("nothing pruned") && code == 1
        });
        assert_eq!(services(d), vec!["web"]);
        assert!(running(d).get("web").is_some_and(|t| t.len() == 1));
    }

    fn diff_and_dry_run_prune_preview_changes_without_making_them(d) {
        let folder = d.dir.path().join("preview");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("a.yaml"), service("a", "latest")).unwrap();
        std::fs::write(folder.join("b.yaml"), service("b", "latest")).unwrap();
        d.ok(&["apply", "-f", folder.to_str().unwrap()]);
        std::fs::write(folder.join("a.yaml"), two_of("a")).unwrap();
        std::fs::remove_file(folder.join("b.yaml")).unwrap();
        let (code, diff) = d.exit_and_stdout(&["diff", "-f", folder.to_str().unwrap()]);
        assert_eq!(code, 1, "diff exits 1 when there are differences");
        assert!(diff.contains("service/default/a configured"), "{diff}");
        assert!(diff.contains("spec.desiredCount: 1 -> 2"), "{diff}");
        assert!(diff.contains("service/default/b pruned"), "{diff}");
        let dry = d.ok(&["apply", "-f", folder.to_str().unwrap(), "--dry-run", "--prune"]);
        assert!(dry.contains("service/default/b pruned (dry run)"), "{dry}");
        assert_eq!(d.service("a")["desiredCount"], 1, "nothing changed");
        assert_eq!(d.service("b")["status"], "ACTIVE");
        d.ok(&["apply", "-f", folder.to_str().unwrap(), "--prune"]);
        assert_eq!(d.service("a")["desiredCount"], 2);
        let (code, diff) = d.exit_and_stdout(&["diff", "-f", folder.to_str().unwrap()]);
        assert_eq!((code, diff.trim()), (0, "no changes"), "diff exits 0 once applied");
        d.wait_until("b is drained", 60, |d| !services(d).contains(&"b".to_string()));
    }
}
