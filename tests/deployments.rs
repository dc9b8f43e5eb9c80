//! Step 3 against both engines: rolling deployments within their bounds, the circuit breaker
//! with rollback, in-place swaps on a fixed host port, crash-loop backoff and DAEMON services.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{Daemon, manifest, manifest_port};
use ecsd::model::fixtures::{
    Manifests, daemon_service, replica_service, shell_container, shell_health_check, with_containers,
};
use ecsd::model::{CircuitBreaker, ContainerDefinition, DeploymentConfiguration, PortMapping, ServiceSpec};
use serde_json::Value;
use std::time::{Duration, Instant};

/// A task definition `name` whose one container is `app`, plus its service `spec`.
fn service(name: &str, app: ContainerDefinition, spec: ServiceSpec) -> String {
    Manifests::new()
        .task_definition(name, with_containers(vec![app]))
        .service(name, spec)
        .yaml()
}

/// The container `app` running `script` (one of the commands below).
fn app(script: &str) -> ContainerDefinition {
    shell_container("app", "busybox:latest", script)
}

/// The container `app` running `script`, healthy once `/tmp/v` exists.
fn checked_app(script: &str) -> ContainerDefinition {
    ContainerDefinition {
        health_check: Some(shell_health_check("test -f /tmp/v", 5, 2, 2)),
        ..app(script)
    }
}

/// `desired` tasks of `name` under these deployment bounds.
fn bounded(name: &str, desired: u32, config: DeploymentConfiguration) -> ServiceSpec {
    ServiceSpec {
        deployment_configuration: Some(config),
        ..replica_service(name, desired)
    }
}

/// `desired` tasks of `name` whose failing deployments roll back.
fn with_breaker(name: &str, desired: u32) -> ServiceSpec {
    let breaker = CircuitBreaker {
        enable: true,
        rollback: true,
    };
    let config = DeploymentConfiguration {
        deployment_circuit_breaker: Some(breaker),
        ..Default::default()
    };
    bounded(name, desired, config)
}

const SERVE: &str = "echo v1 > /tmp/v; trap 'exit 0' TERM; while true; do sleep 1; done";
const SERVE_V2: &str = "echo v2 > /tmp/v; trap 'exit 0' TERM; while true; do sleep 1; done";
const CRASH: &str = "echo broken; exit 3";

fn tasks(d: &Daemon) -> Vec<Value> {
    d.json(&["get", "tasks"])["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn revision(t: &Value) -> String {
    t["taskDefinitionArn"]
        .as_str()
        .unwrap_or_default()
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_string()
}

fn healthy_running(ts: &[Value]) -> usize {
    ts.iter()
        .filter(|t| t["lastStatus"] == "RUNNING" && t["healthStatus"] == "HEALTHY")
        .count()
}

fn primary(d: &Daemon, name: &str) -> Value {
    d.service(name)["deployments"][0].clone()
}

fn steady_on(d: &Daemon, name: &str, rev: &str) -> bool {
    let s = d.service(name);
    let deps = s["deployments"].as_array().cloned().unwrap_or_default();
    deps.len() == 1
        && deps[0]["rolloutState"] == "COMPLETED"
        && deps[0]["taskDefinition"]
            .as_str()
            .is_some_and(|td| td.ends_with(&format!(":{rev}")))
}

/// Samples every 200 ms until `done`, checking `invariant` each time.
fn watch(
    d: &Daemon,
    what: &str,
    secs: u64,
    done: impl Fn(&Daemon) -> bool,
    invariant: impl Fn(&[Value]) -> Result<(), String>,
) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        let ts = tasks(d);
        if let Err(why) = invariant(&ts) {
            panic!(
                "while waiting until {what}: {why}\n{ts:#?}\n--- daemon log ---\n{}",
                d.log()
            );
        }
        if done(d) {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("timed out waiting until {what}\n--- daemon log ---\n{}", d.log());
}

fn events(d: &Daemon, name: &str) -> Vec<String> {
    d.service(name)["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["message"].as_str().map(str::to_string))
        .collect()
}

on_both_engines! {
    fn a_100_200_rollout_keeps_three_healthy_tasks_at_every_instant(d) {
        let path = manifest(d, "svc.yaml", &service("roll", checked_app(SERVE), replica_service("roll", 3)));
        d.apply(&path);
        d.wait_until("revision 1 is steady", 120, |d| steady_on(d, "roll", "1") && healthy_running(&tasks(d)) == 3);
        std::fs::write(&path, service("roll", checked_app(SERVE_V2), replica_service("roll", 3))).unwrap();
        d.apply(&path);
        let status = std::process::Command::new(common::BIN)
            .arg("--socket")
            .arg(d.socket())
            .args(["rollout", "status", "service/roll", "--timeout", "3m"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        watch(d, "revision 2 is steady", 180, |d| steady_on(d, "roll", "2"), |ts| {
            let healthy = healthy_running(ts);
            (healthy >= 3).then_some(()).ok_or(format!("only {healthy} healthy tasks"))
        });
        let now = tasks(d);
        assert_eq!(now.len(), 3);
        assert!(now.iter().all(|t| revision(t) == "2"), "{now:#?}");
        assert!(events(d, "roll")[0].contains("has reached a steady state"), "{:?}", events(d, "roll"));
        assert!(status.wait_with_output().unwrap().status.success(), "rollout status exits 0 once COMPLETED");
        let history = d.ok(&["rollout", "history", "service/roll"]);
        assert_eq!(history.lines().count(), 3, "header + two deployments: {history}");
    }

    fn a_50_100_rollout_runs_at_most_three_and_keeps_two_healthy(d) {
        let half = DeploymentConfiguration {
            minimum_healthy_percent: Some(50),
            maximum_percent: Some(100),
            ..Default::default()
        };
        let spec = bounded("half", 3, half);
        let path = manifest(d, "svc.yaml", &service("half", checked_app(SERVE), spec.clone()));
        d.apply(&path);
        d.wait_until("revision 1 is steady", 120, |d| steady_on(d, "half", "1") && healthy_running(&tasks(d)) == 3);
        std::fs::write(&path, service("half", checked_app(SERVE_V2), spec)).unwrap();
        d.apply(&path);
        let engine_containers = |d: &Daemon| d.containers(None).len();
        watch(d, "revision 2 is steady", 180, |d| steady_on(d, "half", "2"), |ts| {
            // maximumPercent bounds tasks in RUNNING or PENDING (ECS); STOPPING ones are leaving.
            let live = ts.iter().filter(|t| t["desiredStatus"] == "RUNNING").count();
            let healthy = healthy_running(ts);
            if live > 3 {
                return Err(format!("{live} tasks"));
            }
            (healthy >= 2).then_some(()).ok_or(format!("only {healthy} healthy"))
        });
        assert!(engine_containers(d) <= 3);
    }

    fn a_revision_that_exits_at_once_trips_the_breaker_and_rolls_back(d) {
        let path = manifest(d, "svc.yaml", &service("brk", app(SERVE), with_breaker("brk", 3)));
        d.apply(&path);
        d.wait_until("revision 1 is steady", 120, |d| steady_on(d, "brk", "1"));
        let old: Vec<String> = d.containers(None);
        std::fs::write(&path, service("brk", app(CRASH), with_breaker("brk", 3))).unwrap();
        let wait = std::process::Command::new(common::BIN)
            .arg("--socket")
            .arg(d.socket())
            .args(["apply", "-f", path.to_str().unwrap(), "--wait", "--timeout", "3m"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        watch(d, "the rollback completed", 180, |d| {
            let p = primary(d, "brk");
            p["rolloutState"] == "COMPLETED" && p["taskDefinition"].as_str().is_some_and(|t| t.ends_with(":1"))
                && d.service("brk")["deployments"].as_array().map_or(0, |a| a.len()) == 1
        }, |ts| {
            let old_running = ts.iter().filter(|t| revision(t) == "1" && t["lastStatus"] == "RUNNING").count();
            (old_running >= 3).then_some(()).ok_or(format!("old tasks dropped to {old_running}"))
        });
        let out = wait.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "apply --wait must fail on a rollback");
        assert!(err.contains("rolled back"), "{err}");
        let history = d.json(&["get", "service", "brk"]);
        let evs = events(d, "brk");
        assert!(evs.iter().any(|e| e.contains("deployment failed: tasks failed to start")), "{evs:?}\n{history:#}");
        assert!(evs.iter().any(|e| e.contains("rolling back to deployment")), "{evs:?}");
        assert_eq!(d.containers(None), old, "the old tasks were kept, never replaced");
    }

    fn a_fixed_host_port_service_is_swapped_in_place_and_says_so(d) {
        let port = manifest_port();
        let fixed = |script| ContainerDefinition {
            port_mappings: vec![PortMapping { container_port: 8080, host_port: Some(port), ..Default::default() }],
            ..app(script)
        };
        let path = manifest(d, "svc.yaml", &service("fixed", fixed(SERVE), replica_service("fixed", 1)));
        d.apply(&path);
        d.wait_until("revision 1 is steady", 120, |d| steady_on(d, "fixed", "1"));
        std::fs::write(&path, service("fixed", fixed(SERVE_V2), replica_service("fixed", 1))).unwrap();
        d.apply(&path);
        watch(d, "revision 2 is steady", 120, |d| steady_on(d, "fixed", "2"), |ts| {
            let running = ts.iter().filter(|t| t["lastStatus"] == "RUNNING").count();
            (running <= 1).then_some(()).ok_or(format!("{running} tasks hold port {port}"))
        });
        let evs = events(d, "fixed");
        assert!(evs.iter().any(|e| e.contains("in place")), "{evs:?}");
        let all = d.json(&["get", "tasks", "--all"]);
        let items = all["items"].as_array().unwrap();
        let old = items.iter().find(|t| revision(t) == "1").unwrap();
        let new = items.iter().find(|t| revision(t) == "2").unwrap();
        assert!(new["createdAt"].as_f64() < old["stoppedAt"].as_f64(), "created before the old one stopped");
        assert!(new["startedAt"].as_f64() >= old["stoppedAt"].as_f64(), "started after it stopped");
    }

    fn a_crash_looping_service_is_restarted_with_growing_delays(d) {
        let path = manifest(d, "svc.yaml", &service("loop", app(CRASH), replica_service("loop", 1)));
        d.apply(&path);
        d.wait_until("three attempts were made", 120, |d| {
            d.json(&["get", "tasks", "--all"])["items"].as_array().map_or(0, |a| a.len()) >= 3
        });
        let all = d.json(&["get", "tasks", "--all"]);
        let mut created: Vec<f64> = all["items"].as_array().unwrap().iter().filter_map(|t| t["createdAt"].as_f64()).collect();
        created.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let gaps: Vec<f64> = created.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(gaps[0] >= 9.0, "first retry waited about 10 s: {gaps:?}");
        assert!(gaps[1] >= gaps[0] * 1.5, "the delay grows: {gaps:?}");
        assert!(events(d, "loop").iter().any(|e| e.contains("keep failing") || e.contains("unable to consistently start tasks")), "{:?}", events(d, "loop"));
    }

    fn a_daemon_service_runs_one_task_and_redeploys_stop_first(d) {
        let path = manifest(d, "svc.yaml", &service("daemon", app(SERVE), daemon_service("daemon")));
        d.apply(&path);
        d.wait_until("revision 1 is steady", 120, |d| steady_on(d, "daemon", "1"));
        assert_eq!(d.containers(None).len(), 1);
        std::fs::write(&path, service("daemon", app(SERVE_V2), daemon_service("daemon"))).unwrap();
        d.apply(&path);
        watch(d, "revision 2 is steady", 120, |d| steady_on(d, "daemon", "2"), |ts| {
            let running = ts.iter().filter(|t| t["lastStatus"] == "RUNNING").count();
            (running <= 1).then_some(()).ok_or(format!("{running} daemon tasks"))
        });
        let all = d.json(&["get", "tasks", "--all"]);
        let items = all["items"].as_array().unwrap();
        let old = items.iter().find(|t| revision(t) == "1").unwrap();
        let new = items.iter().find(|t| revision(t) == "2").unwrap();
        assert!(new["startedAt"].as_f64() >= old["stoppedAt"].as_f64(), "stop-first");
    }

    fn after_a_breaker_rollback_a_removed_task_comes_back_on_the_rolled_back_revision(d) {
        let path = manifest(d, "svc.yaml", &service("hold", app(SERVE), with_breaker("hold", 3)));
        d.apply(&path);
        d.wait_until("revision 1 is steady", 120, |d| steady_on(d, "hold", "1"));
        std::fs::write(&path, service("hold", app(CRASH), with_breaker("hold", 3))).unwrap();
        d.apply(&path);
        // The rollback itself (not revision 1's first deployment, shown until revision 2's begins).
        d.wait_until("the rollback completed", 180, |d| {
            let p = primary(d, "hold");
            p["rolloutState"] == "COMPLETED" && p["taskDefinition"].as_str().is_some_and(|t| t.ends_with(":1"))
                && p["rollbackFrom"].is_string()
        });
        let failed_revision = "label=ecsd.task-definition=hold:2";
        let failed_ids = |d: &Daemon| String::from_utf8_lossy(&d.docker().args(["ps", "-aq", "--filter", failed_revision]).output().unwrap().stdout).lines().map(str::to_string).collect::<Vec<_>>();
        let failed_before = failed_ids(d);
        let victim = d.containers(None)[0].clone();
        assert!(d.docker().args(["rm", "-f", &victim]).status().unwrap().success());
        d.wait_until("a replacement runs", 60, |d| {
            let running = d.containers(None);
            running.len() == 3 && !running.contains(&victim)
        });
        // Give a wrong start every chance to happen: the crash-loop's next attempt included.
        std::thread::sleep(Duration::from_secs(12));
        let failed_after = failed_ids(d);
        assert!(failed_after.iter().all(|id| failed_before.contains(id)), "the failed revision never starts again: {failed_before:?} then {failed_after:?}");
        let running = tasks(d);
        assert!(running.iter().all(|t| revision(t) == "1"), "{running:#?}");
        let evs = events(d, "hold");
        assert!(evs.iter().any(|e| e.contains("is held on hold:1")), "{evs:?}");
    }

    fn a_good_revision_after_a_crash_loop_starts_before_the_old_backoff_ends(d) {
        let path = manifest(d, "svc.yaml", &service("fix", app(CRASH), replica_service("fix", 1)));
        d.apply(&path);
        d.wait_until("the crash loop waits 20 s or more", 120, |d| {
            d.service("fix")["events"][0]["message"].as_str().is_some_and(|m| {
                m.rsplit(" in ").next().and_then(|r| r.trim_end_matches("s.").parse::<u64>().ok()).is_some_and(|s| s >= 15)
            })
        });
        let all = d.json(&["get", "tasks", "--all"]);
        let last_failure = all["items"].as_array().unwrap().iter().filter_map(|t| t["stoppedAt"].as_f64()).fold(0.0, f64::max);
        std::fs::write(&path, service("fix", app(SERVE), replica_service("fix", 1))).unwrap();
        d.apply(&path);
        d.wait_until("the good revision runs", 60, |d| tasks(d).iter().any(|t| revision(t) == "2" && t["lastStatus"] == "RUNNING"));
        let good = tasks(d).into_iter().find(|t| revision(t) == "2").unwrap();
        let waited = good["createdAt"].as_f64().unwrap() - last_failure;
        assert!(waited < 15.0, "created {waited:.1} s after the last failure, not after the old backoff (20 s)");
    }

    fn an_unhealthy_task_stops_with_the_ecs_reason_an_event_and_its_probe_output(d) {
        let sick = ContainerDefinition {
            health_check: Some(shell_health_check("echo probe-says-no; exit 1", 5, 2, 1)),
            ..app(SERVE)
        };
        let path = manifest(d, "svc.yaml", &service("sick", sick, replica_service("sick", 1)));
        d.apply(&path);
        d.wait_until("a task stopped for its health", 120, |d| {
            d.json(&["get", "tasks", "--all"])["items"].as_array().into_iter().flatten().any(|t| t["lastStatus"] == "STOPPED")
        });
        let all = d.json(&["get", "tasks", "--all"]);
        let stopped = all["items"].as_array().unwrap().iter().find(|t| t["lastStatus"] == "STOPPED").unwrap().clone();
        assert_eq!(stopped["stopCode"], "ServiceSchedulerInitiated");
        assert_eq!(stopped["stoppedReason"], "Task failed container health checks");
        let id = stopped["taskArn"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
        let described = d.ok(&["describe", "task", &id]);
        assert!(described.contains("probe-says-no"), "{described}");
        let evs = events(d, "sick");
        let expected = format!("(task {id}) failed container health checks: container app: exit 1: probe-says-no");
        assert!(evs.iter().any(|e| e.contains(&expected)), "{evs:?}");
    }
}
