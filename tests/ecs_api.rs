//! The ECS-compatible endpoint driven by the real boto3 (from PyPI, in `target/aws-venv`,
//! installed by `scripts/setup-aws`), including its waiters; every daemon here listens on
//! port 0 and the tests read the address it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{Daemon, Engine, ecs_call};
use std::path::PathBuf;
use std::process::Command;

/// The venv's python, or a loud failure naming the script that installs it.
fn aws_python() -> PathBuf {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/aws-venv/bin/python");
    let ok = Command::new(&python)
        .args(["-c", "import boto3"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "boto3 is not installed in {}: run `scripts/setup-aws` (or `scripts/test`, which does it)",
        python.display()
    );
    python
}

/// Runs `script` with boto3 against the daemon's ECS endpoint; returns its stdout.
fn boto3(d: &Daemon, script: &str) -> String {
    let port = d.ecs_port();
    let path = d.dir.path().join("script.py");
    std::fs::write(&path, format!("{PRELUDE}\n{script}")).expect("write script");
    let out = Command::new(aws_python())
        .arg(&path)
        .env("AWS_ACCESS_KEY_ID", "x")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("ECSD_ENDPOINT", format!("http://127.0.0.1:{port}"))
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "boto3 script failed:\n{}\n{}\n--- daemon log ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        d.log()
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const PRELUDE: &str = r#"
import json, os, boto3, botocore, botocore.validate
ecs = boto3.client("ecs", endpoint_url=os.environ["ECSD_ENDPOINT"])
FAST = {"Delay": 1, "MaxAttempts": 90}
CHECKED = []
def validate_output(parsed, model, **kwargs):
    # Every response must satisfy botocore's own ECS output shape: required members, types.
    if model.output_shape is None or "Error" in parsed:
        return
    body = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
    report = botocore.validate.ParamValidator().validate(body, model.output_shape)
    if report.has_errors():
        raise SystemExit(model.name + " response does not match the ECS model: " + report.generate_report())
    always_returned(body, model.output_shape, model.name)
    CHECKED.append(model.name)
# Members ECS always returns (API reference and real responses), which clients read without
# a default: a missing one is a failure even where botocore's model calls it optional.
ALWAYS = {
    "Cluster": ["clusterArn", "clusterName", "status", "registeredContainerInstancesCount",
                "runningTasksCount", "pendingTasksCount", "activeServicesCount", "statistics",
                "settings", "capacityProviders", "defaultCapacityProviderStrategy"],
    "TaskDefinition": ["taskDefinitionArn", "containerDefinitions", "family", "revision", "volumes",
                       "status", "placementConstraints", "compatibilities", "requiresCompatibilities",
                       "registeredAt", "networkMode"],
    "ContainerDefinition": ["name", "image", "cpu", "essential", "portMappings", "environment",
                            "mountPoints", "volumesFrom"],
    "Service": ["serviceArn", "serviceName", "clusterArn", "loadBalancers", "serviceRegistries", "status",
                "desiredCount", "runningCount", "pendingCount", "launchType", "taskDefinition",
                "deploymentConfiguration", "deployments", "events", "createdAt", "placementConstraints",
                "placementStrategy", "schedulingStrategy", "deploymentController", "enableECSManagedTags",
                "propagateTags", "enableExecuteCommand"],
    "Deployment": ["id", "status", "taskDefinition", "desiredCount", "pendingCount", "runningCount",
                   "failedTasks", "createdAt", "updatedAt", "launchType", "rolloutState"],
    "Task": ["taskArn", "clusterArn", "taskDefinitionArn", "lastStatus", "desiredStatus", "containers",
             "overrides", "launchType", "version", "createdAt", "group", "enableExecuteCommand",
             "healthStatus"],
    "Container": ["containerArn", "taskArn", "name", "lastStatus", "networkBindings", "cpu", "healthStatus"],
    "TaskOverride": ["containerOverrides", "inferenceAcceleratorOverrides"],
}
def always_returned(value, shape, where):
    if shape.type_name == "structure" and isinstance(value, dict):
        missing = [m for m in ALWAYS.get(shape.name, []) if m not in value]
        if missing:
            raise SystemExit(where + ": " + shape.name + " lacks " + ", ".join(missing) + ": " + json.dumps(value, default=str)[:400])
        for name, member in shape.members.items():
            if name in value:
                always_returned(value[name], member, where + "." + name)
    elif shape.type_name == "list" and isinstance(value, list):
        for item in value:
            always_returned(item, shape.member, where)
ecs.meta.events.register("after-call.ecs", validate_output)
def check(cond, what):
    if not cond:
        raise SystemExit("check failed: " + what)
"#;

const LIFECYCLE: &str = r#"
td_json = {
    "family": "sleeper",
    "containerDefinitions": [
        {"name": "main", "image": "busybox:latest", "command": ["sleep", "3600"], "memory": 64}
    ],
}
td = ecs.register_task_definition(**td_json)["taskDefinition"]
check(td["revision"] == 1, "first revision")
check(td["taskDefinitionArn"].endswith("task-definition/sleeper:1"), td["taskDefinitionArn"])
described = ecs.describe_task_definition(taskDefinition="sleeper")["taskDefinition"]
check(described["containerDefinitions"][0]["image"] == "busybox:latest", "described image")
arns = ecs.list_task_definitions(familyPrefix="sleeper")["taskDefinitionArns"]
check(arns == [td["taskDefinitionArn"]], str(arns))

run = ecs.run_task(taskDefinition="sleeper", count=2, startedBy="boto3")
check(run["failures"] == [], str(run["failures"]))
tasks = [t["taskArn"] for t in run["tasks"]]
check(len(tasks) == 2, "two tasks")
ecs.get_waiter("tasks_running").wait(tasks=tasks, WaiterConfig=FAST)
listed = ecs.list_tasks(startedBy="boto3")["taskArns"]
check(sorted(listed) == sorted(tasks), str(listed))
for arn in tasks:
    stopped = ecs.stop_task(task=arn, reason="test over")["task"]
    check(stopped["desiredStatus"] == "STOPPED", stopped["desiredStatus"])
ecs.get_waiter("tasks_stopped").wait(tasks=tasks, WaiterConfig=FAST)
final = ecs.describe_tasks(tasks=tasks)["tasks"]
check(all(t["stoppedReason"] == "test over" for t in final), str(final))

svc = ecs.create_service(serviceName="web", taskDefinition="sleeper", desiredCount=1)["service"]
check(svc["serviceName"] == "web", "service name")
ecs.get_waiter("services_stable").wait(services=["web"], WaiterConfig=FAST)
stable = ecs.describe_services(services=["web"])["services"][0]
check(stable["runningCount"] == 1, str(stable["runningCount"]))

try:
    ecs.delete_service(service="web")
    raise SystemExit("deleting a service scaled above 0 without force succeeded")
except ecs.exceptions.InvalidParameterException as e:
    check("scaled above 0" in str(e), str(e))

td_json["containerDefinitions"][0]["command"] = ["sleep", "3601"]
ecs.register_task_definition(**td_json)
updated = ecs.update_service(service="web", taskDefinition="sleeper:2")["service"]
ecs.get_waiter("services_stable").wait(services=["web"], WaiterConfig=FAST)
stable = ecs.describe_services(services=["web"])["services"][0]
check(stable["taskDefinition"].endswith("sleeper:2"), stable["taskDefinition"])
ecs.update_service(service="web", desiredCount=0)
ecs.delete_service(service="web")
check(ecs.list_services()["serviceArns"] in ([], [stable["serviceArn"]]), "service deleted")

cluster = ecs.create_cluster(clusterName="prod")["cluster"]
check(cluster["clusterName"] == "prod", str(cluster))
clusters = ecs.describe_clusters(clusters=["prod", "gone"])
check(clusters["clusters"][0]["status"] == "ACTIVE", str(clusters))
check(clusters["failures"][0]["reason"] == "MISSING", str(clusters))
pages = ecs.get_paginator("list_clusters").paginate(PaginationConfig={"PageSize": 1})
check(sum(len(p["clusterArns"]) for p in pages) == 2, "two clusters over two pages")

missing = ecs.describe_services(services=["nope"])
check(missing["services"] == [], "no services")
check(missing["failures"][0]["reason"] == "MISSING", str(missing["failures"]))
check(missing["failures"][0]["arn"].endswith("service/default/nope"), str(missing["failures"]))

try:
    ecs.create_capacity_provider(name="x", autoScalingGroupProvider={"autoScalingGroupArn": "a"})
    raise SystemExit("an unsupported operation succeeded")
except ecs.exceptions.UnsupportedFeatureException as e:
    check("CreateCapacityProvider" in str(e), str(e))
check(len(set(CHECKED)) >= 15, "responses validated: " + str(sorted(set(CHECKED))))
print("ok")
"#;

#[test]
fn boto3_registers_runs_waits_for_and_stops_tasks_and_waits_for_a_stable_service() {
    let d = Daemon::with_args(Engine::Docker, &["--listen", "127.0.0.1:0"]);
    let out = boto3(&d, LIFECYCLE);
    assert!(out.contains("ok"), "{out}");
    // The native API sees what the ECS endpoint made.
    let clusters = d.json(&["get", "clusters"]);
    let names: Vec<&str> = clusters["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["clusterName"].as_str())
        .collect();
    assert!(names.contains(&"prod"), "{clusters}");
}

const OPERATIONS: &str = r#"
import botocore.exceptions
td_json = {
    "family": "sleeper",
    "containerDefinitions": [
        {"name": "main", "image": "busybox:latest", "command": ["sleep", "3600"], "memory": 32}
    ],
}
one = ecs.register_task_definition(**td_json)["taskDefinition"]
two = ecs.register_task_definition(**td_json, tags=[{"key": "team", "value": "ops"}])
check((one["revision"], two["taskDefinition"]["revision"]) == (1, 2), "identical JSON registers twice")
check(two["tags"] == [{"key": "team", "value": "ops"}], str(two["tags"]))
ecs.register_task_definition(family="other", containerDefinitions=td_json["containerDefinitions"])
families = ecs.list_task_definition_families()["families"]
check(families == ["other", "sleeper"], str(families))
old = ecs.deregister_task_definition(taskDefinition="sleeper:1")["taskDefinition"]
check(old["status"] == "INACTIVE", old["status"])
latest = ecs.describe_task_definition(taskDefinition="sleeper", include=["TAGS"])
check(latest["taskDefinition"]["revision"] == 2, "the family still means revision 2")
check(latest["tags"] == [{"key": "team", "value": "ops"}], str(latest["tags"]))
deleted = ecs.delete_task_definitions(taskDefinitions=["sleeper:1", "sleeper:2"])
check(deleted["taskDefinitions"][0]["status"] == "DELETE_IN_PROGRESS", str(deleted))
check([f["reason"] for f in deleted["failures"]] == ["ACTIVE"], str(deleted["failures"]))
listed = ecs.list_task_definitions(status="DELETE_IN_PROGRESS")["taskDefinitionArns"]
check([a.split("/")[-1] for a in listed] == ["sleeper:1"], str(listed))

cluster = ecs.create_cluster(clusterName="ops", tags=[{"key": "env", "value": "test"}])["cluster"]
arn = cluster["clusterArn"]
ecs.tag_resource(resourceArn=arn, tags=[{"key": "owner", "value": "me"}])
ecs.untag_resource(resourceArn=arn, tagKeys=["env"])
check(ecs.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "owner", "value": "me"}], "cluster tags")
plain = ecs.describe_clusters(clusters=["ops"])["clusters"][0]
check("tags" not in plain, str(plain))
tagged = ecs.describe_clusters(clusters=["ops"], include=["TAGS"])["clusters"][0]
check(tagged["tags"] == [{"key": "owner", "value": "me"}], str(tagged))

instances = ecs.list_container_instances(cluster="ops")["containerInstanceArns"]
check(len(instances) == 1, str(instances))
instance = instances[0]
ecs.put_attributes(cluster="ops", attributes=[{"name": "stack", "value": "blue", "targetId": instance}])
found = ecs.list_container_instances(cluster="ops", filter="attribute:stack == blue and attribute:ecs.os-type exists")
check(found["containerInstanceArns"] == [instance], str(found))
none = ecs.list_container_instances(cluster="ops", filter="attribute:stack in [green, red]")
check(none["containerInstanceArns"] == [], str(none))
busy = ecs.list_container_instances(cluster="ops", filter="runningTasksCount > 1000")
check(busy["containerInstanceArns"] == [], str(busy))
try:
    ecs.list_container_instances(cluster="ops", filter="attribute:stack =~ bl.*")
    raise SystemExit("an unsupported filter was accepted")
except ecs.exceptions.InvalidParameterException as e:
    check("=~" in str(e), str(e))
attrs = ecs.list_attributes(cluster="ops", targetType="container-instance", attributeName="stack")["attributes"]
check(attrs[0]["value"] == "blue" and attrs[0]["targetId"] == instance, str(attrs))
ci = ecs.describe_container_instances(cluster="ops", containerInstances=[instance])["containerInstances"][0]
cpu = [r for r in ci["registeredResources"] if r["name"] == "CPU"][0]["integerValue"]
check(cpu >= 1024 and cpu % 1024 == 0, str(ci["registeredResources"]))
check(ci["status"] == "ACTIVE" and ci["agentConnected"], str(ci))

drained = ecs.update_container_instances_state(cluster="ops", containerInstances=[instance], status="DRAINING")
check(drained["containerInstances"][0]["status"] == "DRAINING", str(drained))
refused = ecs.run_task(cluster="ops", taskDefinition="other")
check(refused["tasks"] == [] and refused["failures"][0]["reason"] == "DRAINING", str(refused))
ecs.update_container_instances_state(cluster="ops", containerInstances=[instance], status="ACTIVE")

started = ecs.start_task(cluster="ops", taskDefinition="other", containerInstances=[instance],
                         tags=[{"key": "kind", "value": "batch"}])
task = started["tasks"][0]["taskArn"]
ecs.get_waiter("tasks_running").wait(cluster="ops", tasks=[task], WaiterConfig=FAST)
described = ecs.describe_tasks(cluster="ops", tasks=[task], include=["TAGS"])["tasks"][0]
check(described["tags"] == [{"key": "kind", "value": "batch"}], str(described))
try:
    ecs.delete_cluster(cluster="ops")
    raise SystemExit("a cluster with a running task was deleted")
except ecs.exceptions.ClusterContainsTasksException:
    pass
ecs.stop_task(cluster="ops", task=task)
ecs.get_waiter("tasks_stopped").wait(cluster="ops", tasks=[task], WaiterConfig=FAST)

ecs.create_service(cluster="ops", serviceName="web", taskDefinition="other", desiredCount=1)
ecs.get_waiter("services_stable").wait(cluster="ops", services=["web"], WaiterConfig=FAST)
try:
    ecs.delete_cluster(cluster="ops")
    raise SystemExit("a cluster with a service was deleted")
except ecs.exceptions.ClusterContainsServicesException:
    pass
ecs.delete_service(cluster="ops", service="web", force=True)
ecs.get_waiter("services_inactive").wait(cluster="ops", services=["web"], WaiterConfig=FAST)
try:
    ecs.get_waiter("services_stable").wait(cluster="ops", services=["web"], WaiterConfig=FAST)
    raise SystemExit("services-stable succeeded for an INACTIVE service")
except botocore.exceptions.WaiterError as e:
    check("INACTIVE" in str(e), str(e))
gone = ecs.delete_cluster(cluster="ops")["cluster"]
check(gone["status"] == "INACTIVE", str(gone))
check(ecs.describe_clusters(clusters=["ops"])["clusters"][0]["status"] == "INACTIVE", "INACTIVE cluster")
check(arn not in ecs.list_clusters()["clusterArns"], "a deleted cluster is not listed")
wanted = {"DeleteCluster", "ListTaskDefinitionFamilies", "DeleteTaskDefinitions", "TagResource",
          "UntagResource", "ListTagsForResource", "PutAttributes", "ListAttributes",
          "ListContainerInstances", "DescribeContainerInstances", "UpdateContainerInstancesState",
          "StartTask", "DeregisterTaskDefinition"}
check(wanted <= set(CHECKED), "not validated: " + str(sorted(wanted - set(CHECKED))))
print("ok")
"#;

#[test]
fn boto3_retires_revisions_tags_resources_filters_container_instances_and_deletes_a_cluster() {
    let d = Daemon::with_args(Engine::Docker, &["--listen", "127.0.0.1:0"]);
    let out = boto3(&d, OPERATIONS);
    assert!(out.contains("ok"), "{out}");
}

#[test]
fn a_non_loopback_listen_address_without_credentials_is_refused_naming_the_flags() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(common::BIN)
        .arg("--socket")
        .arg(dir.path().join("ecsd.sock"))
        .args([
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--engine",
            Engine::Docker.endpoint(),
        ])
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .output()
        .expect("run ecsd serve");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--ecs-access-key-id"), "{stderr}");
    assert!(
        !dir.path().join("state").exists(),
        "refused before touching state"
    );
}

#[test]
fn with_port_0_the_endpoint_reports_its_bound_address_which_answers_until_a_clean_shutdown() {
    let mut d = Daemon::with_args(Engine::Docker, &["--listen", "127.0.0.1:0"]);
    let file = d.state_dir().join(ecsd::app::ECS_ENDPOINT_FILE);
    let reported = std::fs::read_to_string(&file).expect("the address file");
    let addr: std::net::SocketAddr = reported.trim().parse().expect("HOST:PORT");
    assert_eq!(addr.ip().to_string(), "127.0.0.1");
    assert_ne!(addr.port(), 0, "the bound port, not the requested one");
    let logged = d
        .log()
        .lines()
        .any(|l| l.contains("ecs endpoint listening") && l.contains(&addr.to_string()));
    assert!(logged, "the stderr log names it too:\n{}", d.log());
    let (status, body) = ecs_call(addr.port(), "ListClusters", &serde_json::json!({}));
    assert_eq!(status, 200, "{body}");
    assert!(body["clusterArns"].is_array(), "{body}");
    assert!(
        d.terminate_within(std::time::Duration::from_secs(10)).is_some(),
        "a clean exit"
    );
    assert!(!file.exists(), "a clean shutdown removes the file");
}

/// What an ECS deploy tool does (ecs-deploy, ecspresso, the GitHub action): copy the running
/// revision as described, register the changed copy, update, follow the deployment id the
/// update answered with until COMPLETED, roll back, scale, run a one-off task with
/// overrides (checked inside its container), then delete everything.
const DEPLOY_TOOL: &str = r#"
import subprocess, time
def primary(svc):
    return [d for d in svc["deployments"] if d["status"] == "PRIMARY"][0]
def follow(deployment_id, limit=90):
    deadline = time.time() + limit
    while time.time() < deadline:
        svc = ecs.describe_services(cluster="deploy", services=["app"])["services"][0]
        found = [d for d in svc["deployments"] if d["id"] == deployment_id]
        check(found, "deployment " + deployment_id + " vanished: " + str(svc["deployments"]))
        if found[0].get("rolloutState") == "COMPLETED":
            return svc
        check(found[0].get("rolloutState") != "FAILED", "deployment failed: " + str(found[0]))
        time.sleep(0.5)
    raise SystemExit("deployment " + deployment_id + " did not complete")

ecs.create_cluster(clusterName="deploy", settings=[{"name": "containerInsights", "value": "enabled"}])
base = {
    "family": "app",
    "containerDefinitions": [{
        "name": "app", "image": "busybox:latest", "memory": 64, "essential": True,
        "command": ["sleep", "3600"], "environment": [{"name": "MODE", "value": "serve"}],
    }],
    "requiresCompatibilities": ["EC2"],
    "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": ARCH},
    "executionRoleArn": "arn:aws:iam::000000000000:role/exec",
}
v1 = ecs.register_task_definition(**base)["taskDefinition"]
created = ecs.create_service(cluster="deploy", serviceName="app", taskDefinition="app", desiredCount=1,
                             launchType="EC2", enableECSManagedTags=True, propagateTags="SERVICE",
                             tags=[{"key": "team", "value": "web"}],
                             deploymentConfiguration={"maximumPercent": 200, "minimumHealthyPercent": 100})["service"]
check(created["taskDefinition"] == v1["taskDefinitionArn"], "create answers with the ARN: " + created["taskDefinition"])
check(created["launchType"] == "EC2" and created["enableECSManagedTags"] and created["propagateTags"] == "SERVICE", str(created))
follow(primary(created)["id"])

svc = ecs.describe_services(cluster="deploy", services=["app"])["services"][0]
td = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
check(td["runtimePlatform"]["cpuArchitecture"] == ARCH and td["executionRoleArn"].endswith("role/exec"), str(td))
for key in ["taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
            "registeredAt", "registeredBy", "deregisteredAt"]:
    td.pop(key, None)
td["containerDefinitions"][0]["environment"].append({"name": "VERSION", "value": "2"})
v2 = ecs.register_task_definition(**td)["taskDefinition"]
updated = ecs.update_service(cluster="deploy", service="app", taskDefinition=v2["taskDefinitionArn"])["service"]
new = primary(updated)
check(new["taskDefinition"] == v2["taskDefinitionArn"], "update answers with the new PRIMARY: " + str(new))
follow(new["id"])
tasks = ecs.list_tasks(cluster="deploy", serviceName="app")["taskArns"]
running = ecs.describe_tasks(cluster="deploy", tasks=tasks, include=["TAGS"])["tasks"]
check([t["taskDefinitionArn"] for t in running] == [v2["taskDefinitionArn"]], str(running))
tags = {t["key"]: t["value"] for t in running[0]["tags"]}
check(tags.get("team") == "web" and tags.get("aws:ecs:serviceName") == "app", str(tags))

back = ecs.update_service(cluster="deploy", service="app", taskDefinition=v1["taskDefinitionArn"])["service"]
rollback = primary(back)
check(rollback["id"] != new["id"] and rollback["taskDefinition"] == v1["taskDefinitionArn"], str(rollback))
follow(rollback["id"])
ecs.update_service(cluster="deploy", service="app", desiredCount=2)
ecs.get_waiter("services_stable").wait(cluster="deploy", services=["app"], WaiterConfig=FAST)

run = ecs.run_task(cluster="deploy", taskDefinition=v2["taskDefinitionArn"], overrides={"containerOverrides": [{
    "name": "app", "command": ["sh", "-c", "echo migrated-$MODE-$VERSION; sleep 3600"],
    "environment": [{"name": "MODE", "value": "migrate"}]}]})
one_off = run["tasks"][0]
check(one_off["overrides"]["containerOverrides"][0]["command"][0] == "sh", str(one_off["overrides"]))
ecs.get_waiter("tasks_running").wait(cluster="deploy", tasks=[one_off["taskArn"]], WaiterConfig=FAST)
task_id = one_off["taskArn"].rsplit("/", 1)[1]
container = subprocess.run(["docker", "ps", "-q", "--filter", "label=ecsd.task=" + task_id],
                           capture_output=True, text=True).stdout.strip()
env = subprocess.run(["docker", "inspect", "--format", "{{json .Config.Env}}", container],
                     capture_output=True, text=True).stdout
check("MODE=migrate" in env and "VERSION=2" in env, "environment inside the container: " + env)
deadline = time.time() + 20
logs = ""
while "migrated-migrate-2" not in logs and time.time() < deadline:
    logs = subprocess.run(["docker", "logs", container], capture_output=True, text=True).stdout
    time.sleep(0.2)
check("migrated-migrate-2" in logs, "the overridden command ran: " + logs)

ecs.stop_task(cluster="deploy", task=one_off["taskArn"])
ecs.delete_service(cluster="deploy", service="app", force=True)
ecs.get_waiter("services_inactive").wait(cluster="deploy", services=["app"], WaiterConfig=FAST)
ecs.get_waiter("tasks_stopped").wait(cluster="deploy", tasks=[one_off["taskArn"]], WaiterConfig=FAST)
gone = ecs.delete_cluster(cluster="deploy")["cluster"]
check(gone["status"] == "INACTIVE", str(gone))
print("ok")
"#;

#[test]
fn a_deploy_tool_copies_registers_updates_follows_rolls_back_scales_and_runs_a_one_off_task() {
    let d = Daemon::with_args(Engine::Docker, &["--listen", "127.0.0.1:0"]);
    let arch = match std::env::consts::ARCH {
        "aarch64" => "ARM64",
        _ => "X86_64",
    };
    let out = boto3(&d, &format!("ARCH = {arch:?}\n{DEPLOY_TOOL}"));
    assert!(out.contains("ok"), "{out}");
}

/// The operations clients call early (infrastructure modules, the agent's discovery), each
/// answered in ECS's shape.
const EARLY_CALLS: &str = r#"
import botocore.exceptions
ecs.create_cluster(clusterName="early")
updated = ecs.update_cluster_settings(cluster="early", settings=[{"name": "containerInsights", "value": "enabled"}])
check(updated["cluster"]["settings"] == [{"name": "containerInsights", "value": "enabled"}], str(updated))
ecs.update_cluster(cluster="early", settings=[{"name": "containerInsights", "value": "disabled"}])
check(ecs.describe_clusters(clusters=["early"])["clusters"][0]["settings"][0]["value"] == "disabled", "update_cluster")
put = ecs.put_account_setting(name="containerInsights", value="enabled")["setting"]
check(put["value"] == "enabled" and put["principalArn"].startswith("arn:aws:iam::"), str(put))
ecs.put_account_setting_default(name="awsvpcTrunking", value="enabled")
listed = ecs.list_account_settings(effectiveSettings=True)["settings"]
values = {s["name"]: s["value"] for s in listed}
check(values["containerInsights"] == "enabled" and values["awsvpcTrunking"] == "enabled", str(values))
check(ecs.create_cluster(clusterName="later")["cluster"]["settings"][0]["value"] == "enabled", "account default")
ecs.delete_account_setting(name="containerInsights")
check(ecs.list_account_settings(name="containerInsights")["settings"] == [], "deleted")
providers = ecs.describe_capacity_providers(capacityProviders=["FARGATE"])
check(providers["capacityProviders"] == [] and providers["failures"][0]["reason"] == "MISSING", str(providers))
ecs.put_cluster_capacity_providers(cluster="early", capacityProviders=[], defaultCapacityProviderStrategy=[])
try:
    ecs.put_cluster_capacity_providers(cluster="early", capacityProviders=["FARGATE"], defaultCapacityProviderStrategy=[])
    raise SystemExit("capacity providers were accepted")
except botocore.exceptions.ClientError as e:
    check("not supported yet" in str(e), str(e))
check(ecs.list_services_by_namespace(namespace="ns")["serviceArns"] == [], "no namespaces")
endpoint = ecs.discover_poll_endpoint(cluster="early")["endpoint"]
check(endpoint == os.environ["ECSD_ENDPOINT"], endpoint)
print("ok")
"#;

#[test]
fn the_operations_clients_call_early_answer_in_ecs_shape() {
    let d = Daemon::with_args(Engine::Docker, &["--listen", "127.0.0.1:0"]);
    let out = boto3(&d, EARLY_CALLS);
    assert!(out.contains("ok"), "{out}");
}
