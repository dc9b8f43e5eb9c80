//! The ECS endpoint driven by the real `aws` CLI (awscli from PyPI, in `target/aws-venv`,
//! installed by `scripts/setup-aws`): a task definition from a JSON file, run-task and the
//! CLI's own waiters, a service's whole life and ECS's errors; then SigV4 on a non-loopback
//! listener with a configured region and account.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::aws::{AwsCli, signed_daemon};
use common::{Daemon, Engine};
use serde_json::{Value, json};
use std::path::PathBuf;

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v.as_str().expect("string").to_string())
        .collect()
}

const FAMILY: &str = "awscli-sleeper";

/// Registers `FAMILY` from a `--cli-input-json` file; returns the file.
fn register_from_file(d: &Daemon, aws: &AwsCli, command: &str) -> PathBuf {
    let task = json!({
        "family": FAMILY,
        "containerDefinitions": [{
            "name": "main",
            "image": "busybox:latest",
            "command": ["sh", "-c", command],
            "memory": 64,
            "essential": true
        }]
    });
    let path = common::manifest(d, "task.json", &task.to_string());
    let file = format!("file://{}", path.display());
    aws.ok(d, &["register-task-definition", "--cli-input-json", &file]);
    path
}

fn task_definitions_are_registered_from_a_file_listed_and_described(d: &Daemon, aws: &AwsCli) {
    register_from_file(d, aws, "trap 'exit 0' TERM; sleep 3600 & wait");
    let listed = aws.ok(d, &["list-task-definitions", "--family-prefix", FAMILY]);
    let arn = format!("arn:aws:ecs:us-east-1:000000000000:task-definition/{FAMILY}:1");
    assert_eq!(strings(&listed["taskDefinitionArns"]), vec![arn.clone()]);
    let described = aws.ok(d, &["describe-task-definition", "--task-definition", FAMILY]);
    let td = &described["taskDefinition"];
    assert_eq!(
        (&td["taskDefinitionArn"], &td["revision"]),
        (&json!(arn), &json!(1))
    );
    assert_eq!(td["containerDefinitions"][0]["image"], "busybox:latest");
}

fn two_tasks_run_wait_until_running_and_stop(d: &Daemon, aws: &AwsCli) {
    let run = aws.ok(
        d,
        &[
            "run-task",
            "--task-definition",
            FAMILY,
            "--count",
            "2",
            "--started-by",
            "awscli",
        ],
    );
    assert_eq!(run["failures"], json!([]), "{run}");
    let tasks: Vec<String> = run["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["taskArn"].as_str().expect("taskArn").to_string())
        .collect();
    assert_eq!(tasks.len(), 2, "{run}");
    let mut wait = vec!["wait", "tasks-running", "--tasks"];
    wait.extend(tasks.iter().map(String::as_str));
    aws.ok(d, &wait);
    let label = format!("label=ecsd.task-definition={FAMILY}:1");
    assert_eq!(d.containers(Some(&label)).len(), 2);
    for task in &tasks {
        let stopped = aws.ok(d, &["stop-task", "--task", task, "--reason", "done with it"]);
        assert_eq!(stopped["task"]["desiredStatus"], "STOPPED");
    }
    wait[1] = "tasks-stopped";
    aws.ok(d, &wait);
    let mut describe = vec!["describe-tasks", "--tasks"];
    describe.extend(tasks.iter().map(String::as_str));
    let described = aws.ok(d, &describe);
    for task in described["tasks"].as_array().expect("tasks") {
        assert_eq!(
            (&task["lastStatus"], &task["stoppedReason"]),
            (&json!("STOPPED"), &json!("done with it"))
        );
    }
    assert!(d.containers(Some(&label)).is_empty());
}

fn a_service_becomes_stable_rolls_to_a_new_revision_and_is_deleted(d: &Daemon, aws: &AwsCli) {
    let service = "awscli-web";
    aws.ok(
        d,
        &[
            "create-service",
            "--service-name",
            service,
            "--task-definition",
            FAMILY,
            "--desired-count",
            "1",
        ],
    );
    aws.ok(d, &["wait", "services-stable", "--services", service]);
    let stderr = aws.fails(
        &["delete-service", "--service", service],
        "InvalidParameterException",
    );
    assert!(stderr.contains("scaled above 0"), "{stderr}");
    register_from_file(d, aws, "trap 'exit 0' TERM; sleep 3601 & wait");
    let revision = format!("{FAMILY}:2");
    aws.ok(
        d,
        &[
            "update-service",
            "--service",
            service,
            "--task-definition",
            &revision,
        ],
    );
    aws.ok(d, &["wait", "services-stable", "--services", service]);
    let described = aws.ok(d, &["describe-services", "--services", service]);
    let svc = &described["services"][0];
    assert!(
        svc["taskDefinition"].as_str().expect("td").ends_with(&revision),
        "{svc}"
    );
    assert_eq!(
        (&svc["runningCount"], &svc["deployments"].as_array().map(Vec::len)),
        (&json!(1), &Some(1))
    );
    let label = format!("label=ecsd.task-definition={revision}");
    assert_eq!(d.containers(Some(&label)).len(), 1);
    aws.ok(
        d,
        &["update-service", "--service", service, "--desired-count", "0"],
    );
    let deleted = aws.ok(d, &["delete-service", "--service", service]);
    assert_eq!(deleted["service"]["status"], "DRAINING");
    d.wait_until("the deleted service's task is gone", 30, |d| {
        d.containers(Some(&label)).is_empty()
    });
}

#[test]
fn the_aws_cli_runs_tasks_and_a_service_with_its_own_waiters() {
    // A task counts as healthy after 2 s (not 10 s), so the rolling update settles sooner.
    let d = Daemon::with_args(
        Engine::Docker,
        &["--listen", "127.0.0.1:0", "--min-healthy-time", "2s"],
    );
    let port = d.ecs_port();
    let aws = AwsCli::new(&d, port);
    task_definitions_are_registered_from_a_file_listed_and_described(&d, &aws);
    two_tasks_run_wait_until_running_and_stop(&d, &aws);
    a_service_becomes_stable_rolls_to_a_new_revision_and_is_deleted(&d, &aws);
    let missing = aws.ok(&d, &["describe-services", "--services", "nope"]);
    assert_eq!(missing["services"], json!([]));
    assert_eq!(
        missing["failures"],
        json!([{"arn": "arn:aws:ecs:us-east-1:000000000000:service/default/nope", "reason": "MISSING"}])
    );
}

#[test]
fn a_non_loopback_listener_takes_only_requests_signed_with_its_key_and_names_its_region_and_account() {
    let (d, signed) = signed_daemon(
        "0.0.0.0:0",
        &["--region", "eu-west-1", "--account-id", "123456789012"],
        "AKIDECSDTEST",
        "ecsd-test-secret",
    );
    let aws = AwsCli {
        region: "eu-west-1".into(),
        endpoint_from_env: true,
        ..signed
    };
    let clusters = aws.ok(&d, &["list-clusters"]);
    assert_eq!(
        clusters["clusterArns"],
        json!(["arn:aws:ecs:eu-west-1:123456789012:cluster/default"])
    );
    let containers = r#"[{"name": "main", "image": "busybox:latest", "memory": 64}]"#;
    let td = aws.ok(
        &d,
        &[
            "register-task-definition",
            "--family",
            "signed",
            "--container-definitions",
            containers,
        ],
    );
    assert_eq!(
        td["taskDefinition"]["taskDefinitionArn"],
        "arn:aws:ecs:eu-west-1:123456789012:task-definition/signed:1"
    );
    let list = ["list-clusters"];
    let wrong_secret = AwsCli {
        secret_access_key: "guessed".into(),
        ..aws.clone()
    };
    let stderr = wrong_secret.fails(&list, "InvalidSignatureException");
    assert!(
        stderr.contains("signature we calculated does not match"),
        "{stderr}"
    );
    let wrong_key = AwsCli {
        access_key_id: "AKIDSOMEONEELSE".into(),
        ..aws.clone()
    };
    wrong_key.fails(&list, "UnrecognizedClientException");
    aws.fails(
        &["list-clusters", "--no-sign-request"],
        "MissingAuthenticationTokenException",
    );
    let wrong_region = AwsCli {
        region: "us-east-1".into(),
        ..aws.clone()
    };
    let stderr = wrong_region.fails(&list, "InvalidSignatureException");
    assert!(stderr.contains("eu-west-1"), "{stderr}");
}

/// The ECS developer guide's CLI tutorial ("Creating an Amazon ECS Linux task for the EC2
/// launch type with the AWS CLI", and its service steps), command for command.
#[test]
fn the_ecs_tutorial_runs_verbatim() {
    let d = Daemon::with_args(
        Engine::Docker,
        &["--listen", "127.0.0.1:0", "--min-healthy-time", "1s"],
    );
    let aws = AwsCli::new(&d, d.ecs_port());
    let cluster = aws.ok(&d, &["create-cluster", "--cluster-name", "MyCluster"]);
    assert_eq!(cluster["cluster"]["status"], "ACTIVE");
    assert_eq!(cluster["cluster"]["capacityProviders"], json!([]));
    let sleep360 = json!({
        "containerDefinitions": [{
            "name": "sleep", "image": "busybox", "cpu": 10,
            "command": ["sleep", "360"], "memory": 10, "essential": true
        }],
        "family": "sleep360"
    });
    let path = common::manifest(&d, "sleep360.json", &sleep360.to_string());
    let file = format!("file://{}", path.display());
    let td = aws.ok(&d, &["register-task-definition", "--cli-input-json", &file]);
    assert_eq!(td["taskDefinition"]["volumes"], json!([]));
    let listed = aws.ok(&d, &["list-task-definitions"]);
    assert!(
        strings(&listed["taskDefinitionArns"])
            .iter()
            .any(|a| a.ends_with("sleep360:1"))
    );
    let run = aws.ok(
        &d,
        &[
            "run-task",
            "--cluster",
            "MyCluster",
            "--task-definition",
            "sleep360:1",
            "--count",
            "1",
        ],
    );
    assert_eq!(run["failures"], json!([]));
    let tasks = aws.ok(&d, &["list-tasks", "--cluster", "MyCluster"]);
    let task = strings(&tasks["taskArns"]).pop().expect("one task");
    let task_id = task.rsplit('/').next().expect("id").to_string();
    let described = aws.ok(
        &d,
        &["describe-tasks", "--cluster", "MyCluster", "--task", &task_id],
    );
    assert_eq!(described["tasks"][0]["containers"][0]["name"], "sleep");
    let created = aws.ok(
        &d,
        &[
            "create-service",
            "--cluster",
            "MyCluster",
            "--service-name",
            "sleep-service",
            "--task-definition",
            "sleep360:1",
            "--desired-count",
            "1",
            "--launch-type",
            "EC2",
        ],
    );
    assert_eq!(created["service"]["launchType"], "EC2");
    aws.ok(
        &d,
        &[
            "wait",
            "services-stable",
            "--cluster",
            "MyCluster",
            "--services",
            "sleep-service",
        ],
    );
    let forced = aws.ok(
        &d,
        &[
            "update-service",
            "--cluster",
            "MyCluster",
            "--service",
            "sleep-service",
            "--force-new-deployment",
        ],
    );
    let deployments = forced["service"]["deployments"]
        .as_array()
        .expect("deployments")
        .len();
    assert!(deployments >= 2, "a new PRIMARY beside the old one: {forced}");
    aws.ok(
        &d,
        &[
            "update-service",
            "--cluster",
            "MyCluster",
            "--service",
            "sleep-service",
            "--desired-count",
            "0",
        ],
    );
    aws.ok(
        &d,
        &[
            "delete-service",
            "--cluster",
            "MyCluster",
            "--service",
            "sleep-service",
        ],
    );
    aws.ok(&d, &["stop-task", "--cluster", "MyCluster", "--task", &task_id]);
    aws.ok(
        &d,
        &[
            "wait",
            "services-inactive",
            "--cluster",
            "MyCluster",
            "--services",
            "sleep-service",
        ],
    );
    aws.ok(
        &d,
        &[
            "wait",
            "tasks-stopped",
            "--cluster",
            "MyCluster",
            "--tasks",
            &task_id,
        ],
    );
    let gone = aws.ok(
        &d,
        &["deregister-task-definition", "--task-definition", "sleep360:1"],
    );
    assert_eq!(gone["taskDefinition"]["status"], "INACTIVE");
    let deleted = aws.ok(&d, &["delete-cluster", "--cluster", "MyCluster"]);
    assert_eq!(deleted["cluster"]["status"], "INACTIVE");
}
