//! Service discovery by name against both engines: a task of the cluster (a standalone task,
//! or a container of another service) reaches service `web` at `http://web:8080/`, while a
//! task of another cluster cannot even resolve the name.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{Daemon, UNTIL_SIGTERM, manifest};
use ecsd::model::fixtures::{Manifests, replica_service, shell_container, with_containers};
use ecsd::model::{ContainerDefinition, NetworkMode, PortMapping};
use serde_json::Value;

/// Service `web` (2 tasks answering `hello-web` on 8080, published on dynamic host ports),
/// service `vpcweb` (1 awsvpc task answering `hello-vpc`), service `api` (1 idle task), task
/// definition `client` (fetches both by name, exits 3 when `web` does not resolve), and
/// cluster `other`. No `wget -T`: the static busybox the
/// set-up scripts build segfaults with it, on either engine, before any DNS is involved.
fn cluster_with_services() -> String {
    let web = http_container("hello-web", Some(0));
    let mut vpc = with_containers(vec![http_container("hello-vpc", None)]);
    vpc.network_mode = Some(NetworkMode::Awsvpc);
    let api = shell_container("api", "busybox:latest", UNTIL_SIGTERM);
    let client = shell_container(
        "client",
        "busybox:latest",
        "nslookup web || exit 3; wget -qO- http://web:8080/ && wget -qO- http://vpcweb:8080/",
    );
    let other = "apiVersion: ecsd/v1\nkind: Cluster\nmetadata:\n  name: other\n";
    let services = Manifests::new()
        .task_definition("web", with_containers(vec![web]))
        .service("web", replica_service("web", 2))
        .task_definition("vpcweb", vpc)
        .service("vpcweb", replica_service("vpcweb", 1))
        .task_definition("api", with_containers(vec![api]))
        .service("api", replica_service("api", 1))
        .task_definition("client", with_containers(vec![client]))
        .yaml();
    format!("{other}---\n{services}")
}

/// A container `web` answering `body` on port 8080, published on `host_port`.
fn http_container(body: &str, host_port: Option<u16>) -> ContainerDefinition {
    let mut web = shell_container(
        "web",
        "busybox:latest",
        &format!("mkdir -p /www && echo {body} > /www/index.html && exec httpd -f -p 8080 -h /www"),
    );
    web.port_mappings = vec![PortMapping {
        container_port: 8080,
        host_port,
        ..Default::default()
    }];
    web
}

/// Runs the client in `cluster` and waits for it to stop; its task.
fn run_client(d: &Daemon, cluster: &str) -> Value {
    let id = d
        .ok(&["run-task", "client", "--cluster", cluster])
        .trim()
        .to_string();
    d.wait_until("the client task stops", 60, |d| {
        d.task(&id)["lastStatus"] == "STOPPED"
    });
    d.task(&id)
}

fn client_exit(task: &Value) -> &Value {
    &task["containers"][0]["exitCode"]
}

fn running(d: &Daemon, service: &str, n: u64) -> bool {
    d.service(service)["runningCount"] == n
}

on_both_engines! {
    fn a_task_of_the_cluster_reaches_a_service_by_name_and_another_cluster_cannot(d) {
        d.apply(&manifest(d, "discovery.yaml", &cluster_with_services()));
        d.wait_until("web, vpcweb and api run", 90, |d| {
            running(d, "web", 2) && running(d, "vpcweb", 1) && running(d, "api", 1)
        });

        let same = run_client(d, "default");
        let logs = d.ok(&["logs", same["taskArn"].as_str().unwrap().rsplit('/').next().unwrap()]);
        assert_eq!(client_exit(&same), 0, "client in default: {same}\n{logs}\n{}", d.log());
        assert!(logs.contains("hello-web") && logs.contains("hello-vpc"), "{logs}");

        let api_task = d.json(&["get", "tasks"])["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["group"] == "service:api" && t["lastStatus"] == "RUNNING")
            .map(|t| t["taskArn"].as_str().unwrap().rsplit('/').next().unwrap().to_string())
            .expect("a running api task");
        let fetched = d.ok(&["exec", &api_task, "--", "wget", "-qO-", "http://web:8080/"]);
        assert!(fetched.contains("hello-web"), "from service api: {fetched}");

        let elsewhere = run_client(d, "other");
        assert_eq!(
            client_exit(&elsewhere),
            3,
            "cluster other must not resolve web: {elsewhere}"
        );
    }
}
