//! Request members ecsd honours, each through `dispatch` over an in-memory catalog: what a
//! member changes is visible in the response or a later describe.

use super::{default_scope, dispatch};
use crate::api::ApiState;
use crate::store::{Catalog, MemoryStore};
use serde_json::{Value, json};
use std::sync::Arc;

fn state() -> ApiState {
    let s = ApiState::new(Catalog::new(Arc::new(MemoryStore::new())), default_scope());
    let td = json!({"family": "web", "containerDefinitions": [
        {"name": "web", "image": "busybox", "memory": 64, "command": ["sleep", "1"]}]});
    call(&s, "RegisterTaskDefinition", td);
    let fargate = json!({"family": "fg", "networkMode": "awsvpc", "cpu": "256", "memory": "512",
        "requiresCompatibilities": ["FARGATE"],
        "containerDefinitions": [{"name": "app", "image": "busybox"}]});
    call(&s, "RegisterTaskDefinition", fargate);
    s
}

fn call(s: &ApiState, op: &str, input: Value) -> Value {
    dispatch(s, op, input).unwrap_or_else(|e| panic!("{op}: {e:?}"))
}

fn refused(s: &ApiState, op: &str, input: Value) -> String {
    dispatch(s, op, input).unwrap_err().to_string()
}

#[test]
fn run_task_overrides_are_kept_on_the_task_and_returned_per_container() {
    let s = state();
    let run = call(
        &s,
        "RunTask",
        json!({"taskDefinition": "web", "overrides": {"containerOverrides": [
            {"name": "web", "command": ["echo", "hi"], "environment": [{"name": "A", "value": "1"}]}]}}),
    );
    let task = &run["tasks"][0];
    assert_eq!(
        task["overrides"]["containerOverrides"][0]["command"],
        json!(["echo", "hi"])
    );
    assert_eq!(task["overrides"]["inferenceAcceleratorOverrides"], json!([]));
    let id = task["taskArn"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let record = s.catalog.task(&id).unwrap().unwrap();
    let overrides = record.launch.overrides.unwrap();
    assert_eq!(overrides.container_overrides[0].environment[0].name, "A");
    let err = refused(
        &s,
        "RunTask",
        json!({"taskDefinition": "web", "overrides": {"containerOverrides": [{"name": "nope"}]}}),
    );
    assert!(err.contains("containerOverrides[0].name"), "{err}");
}

#[test]
fn a_task_without_overrides_lists_each_container_by_name() {
    let s = state();
    let run = call(&s, "RunTask", json!({"taskDefinition": "web"}));
    assert_eq!(
        run["tasks"][0]["overrides"]["containerOverrides"],
        json!([{"name": "web"}])
    );
    assert_eq!(run["tasks"][0]["launchType"], "EC2");
}

#[test]
fn fargate_needs_a_fargate_definition_and_awsvpc_needs_a_network_configuration() {
    let s = state();
    let err = refused(
        &s,
        "RunTask",
        json!({"taskDefinition": "web", "launchType": "FARGATE"}),
    );
    assert!(err.contains("does not support launch_type FARGATE"), "{err}");
    let err = refused(
        &s,
        "RunTask",
        json!({"taskDefinition": "fg", "launchType": "FARGATE"}),
    );
    assert!(err.contains("Network Configuration must be provided"), "{err}");
    let network = json!({"awsvpcConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": "DISABLED"}});
    let run = call(
        &s,
        "RunTask",
        json!({"taskDefinition": "fg", "launchType": "FARGATE", "platformVersion": "LATEST",
               "networkConfiguration": network}),
    );
    assert_eq!(run["tasks"][0]["launchType"], "FARGATE");
    assert_eq!(run["tasks"][0]["platformVersion"], "LATEST");
    let err = refused(
        &s,
        "RunTask",
        json!({"taskDefinition": "web", "networkConfiguration": network}),
    );
    assert!(err.contains("not valid for the given networkMode"), "{err}");
    let err = refused(
        &s,
        "RunTask",
        json!({"taskDefinition": "web", "platformVersion": "LATEST"}),
    );
    assert!(err.contains("platform version must be null"), "{err}");
    let td = call(&s, "DescribeTaskDefinition", json!({"taskDefinition": "fg"}));
    assert_eq!(
        td["taskDefinition"]["compatibilities"],
        json!(["EC2", "EXTERNAL", "FARGATE"])
    );
}

#[test]
fn a_client_token_repeats_the_first_run_and_refuses_a_different_one() {
    let s = state();
    let first = call(
        &s,
        "RunTask",
        json!({"taskDefinition": "web", "clientToken": "t-1"}),
    );
    let again = call(
        &s,
        "RunTask",
        json!({"taskDefinition": "web", "clientToken": "t-1"}),
    );
    assert_eq!(first["tasks"][0]["taskArn"], again["tasks"][0]["taskArn"]);
    assert_eq!(s.catalog.tasks().unwrap().len(), 1, "the retry made no task");
    let err = refused(
        &s,
        "RunTask",
        json!({"taskDefinition": "web", "count": 2, "clientToken": "t-1"}),
    );
    assert!(err.contains("clientToken"), "{err}");
}

#[test]
fn managed_and_propagated_tags_reach_run_task_tasks() {
    let s = state();
    call(
        &s,
        "TagResource",
        json!({"resourceArn": "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1",
               "tags": [{"key": "owner", "value": "td"}]}),
    );
    let run = call(
        &s,
        "RunTask",
        json!({"taskDefinition": "web", "enableECSManagedTags": true, "propagateTags": "TASK_DEFINITION",
               "tags": [{"key": "mine", "value": "1"}]}),
    );
    let tags: Vec<(String, String)> = run["tasks"][0]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["key"].as_str().unwrap().into(),
                t["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    for want in [("owner", "td"), ("mine", "1"), ("aws:ecs:clusterName", "default")] {
        assert!(
            tags.contains(&(want.0.into(), want.1.into())),
            "{want:?} in {tags:?}"
        );
    }
}

#[test]
fn update_service_changes_what_create_service_sets_and_refuses_what_it_cannot() {
    let s = state();
    call(
        &s,
        "CreateService",
        json!({"serviceName": "svc", "taskDefinition": "web", "desiredCount": 1}),
    );
    let out = call(
        &s,
        "UpdateService",
        json!({"service": "svc", "deploymentConfiguration": {"maximumPercent": 150},
               "placementStrategy": [{"type": "spread", "field": "instanceId"}],
               "enableExecuteCommand": true, "propagateTags": "SERVICE", "enableECSManagedTags": true,
               "deploymentController": {"type": "ECS"}}),
    );
    let svc = &out["service"];
    assert_eq!(svc["deploymentConfiguration"]["maximumPercent"], 150);
    assert_eq!(
        svc["deploymentConfiguration"]["minimumHealthyPercent"], 100,
        "untouched members stay"
    );
    assert_eq!(
        svc["placementStrategy"],
        json!([{"type": "spread", "field": "instanceId"}])
    );
    assert_eq!(svc["enableExecuteCommand"], true);
    assert_eq!(svc["propagateTags"], "SERVICE");
    assert_eq!(svc["enableECSManagedTags"], true);
    let err = refused(
        &s,
        "UpdateService",
        json!({"service": "svc", "deploymentController": {"type": "CODE_DEPLOY"}}),
    );
    assert!(err.contains("not supported yet"), "{err}");
    let err = refused(
        &s,
        "UpdateService",
        json!({"service": "svc", "placementStrategy": [{"type": "binpack"}]}),
    );
    assert!(err.contains("binpack needs field"), "{err}");
    let err = refused(
        &s,
        "UpdateService",
        json!({"service": "svc", "serviceRegistries": [{"registryArn": "arn:x"}]}),
    );
    assert!(
        err.contains("serviceRegistries") && err.contains("not supported yet"),
        "{err}"
    );
    let stored = s.catalog.service("default", "svc").unwrap().unwrap();
    assert_eq!(
        stored.spec.deployment_percents(),
        (100, 150),
        "a refused update changed nothing"
    );
}

#[test]
fn create_service_with_fargate_or_daemon_count_is_refused_and_list_filters_apply() {
    let s = state();
    let err = refused(
        &s,
        "CreateService",
        json!({"serviceName": "x", "taskDefinition": "web", "desiredCount": 1, "launchType": "FARGATE"}),
    );
    assert!(err.contains("FARGATE"), "{err}");
    let err = refused(
        &s,
        "CreateService",
        json!({"serviceName": "d", "taskDefinition": "web", "desiredCount": 1, "schedulingStrategy": "DAEMON"}),
    );
    assert!(err.contains("desiredCount"), "{err}");
    let code = dispatch(
        &s,
        "CreateService",
        json!({"serviceName": "d", "taskDefinition": "web", "desiredCount": 1, "schedulingStrategy": "DAEMON"}),
    )
    .unwrap_err()
    .status_and_code()
    .1;
    assert_eq!(code, "InvalidParameterException");
    call(
        &s,
        "CreateService",
        json!({"serviceName": "ec2", "taskDefinition": "web", "desiredCount": 0, "launchType": "EC2"}),
    );
    call(
        &s,
        "CreateService",
        json!({"serviceName": "ext", "taskDefinition": "web", "desiredCount": 0, "launchType": "EXTERNAL"}),
    );
    let listed = call(&s, "ListServices", json!({"launchType": "EXTERNAL"}));
    assert_eq!(listed["serviceArns"].as_array().unwrap().len(), 1, "{listed}");
    let listed = call(&s, "ListServices", json!({"schedulingStrategy": "DAEMON"}));
    assert_eq!(listed["serviceArns"], json!([]));
}

#[test]
fn list_tasks_filters_by_container_instance_and_launch_type() {
    let s = state();
    call(&s, "RunTask", json!({"taskDefinition": "web"}));
    let none = call(&s, "ListTasks", json!({"containerInstance": "bad-id"}));
    assert_eq!(none["taskArns"], json!([]));
    let id = s.catalog.container_instance_id().unwrap();
    let mine = call(&s, "ListTasks", json!({"containerInstance": id}));
    assert_eq!(mine["taskArns"].as_array().unwrap().len(), 1);
    let fargate = call(&s, "ListTasks", json!({"launchType": "FARGATE"}));
    assert_eq!(fargate["taskArns"], json!([]));
}

#[test]
fn cluster_settings_are_kept_updated_and_default_to_the_account_setting() {
    let s = state();
    let made = call(
        &s,
        "CreateCluster",
        json!({"clusterName": "a", "settings": [{"name": "containerInsights", "value": "enabled"}]}),
    );
    assert_eq!(
        made["cluster"]["settings"],
        json!([{"name": "containerInsights", "value": "enabled"}])
    );
    let changed = call(
        &s,
        "UpdateClusterSettings",
        json!({"cluster": "a", "settings": [{"name": "containerInsights", "value": "disabled"}]}),
    );
    assert_eq!(changed["cluster"]["settings"][0]["value"], "disabled");
    call(
        &s,
        "PutAccountSettingDefault",
        json!({"name": "containerInsights", "value": "enabled"}),
    );
    let plain = call(&s, "CreateCluster", json!({"clusterName": "b"}));
    assert_eq!(plain["cluster"]["settings"][0]["value"], "enabled");
    let listed = call(&s, "ListAccountSettings", json!({"name": "containerInsights"}));
    assert_eq!(listed["settings"][0]["value"], "enabled");
    let err = refused(
        &s,
        "CreateCluster",
        json!({"clusterName": "c", "capacityProviders": ["FARGATE"]}),
    );
    assert!(
        err.contains("capacityProviders") && err.contains("not supported yet"),
        "{err}"
    );
    let err = refused(
        &s,
        "PutClusterCapacityProviders",
        json!({"cluster": "a", "capacityProviders": ["FARGATE"], "defaultCapacityProviderStrategy": []}),
    );
    assert!(err.contains("not supported yet"), "{err}");
}

#[test]
fn task_definitions_keep_roles_storage_and_platform_and_refuse_windows() {
    let s = state();
    let td = call(
        &s,
        "RegisterTaskDefinition",
        json!({"family": "r", "taskRoleArn": "arn:aws:iam::1:role/t", "ephemeralStorage": {"sizeInGiB": 30},
               "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"},
               "containerDefinitions": [{"name": "a", "image": "busybox", "memory": 8}]}),
    );
    let td = &td["taskDefinition"];
    assert_eq!(td["taskRoleArn"], "arn:aws:iam::1:role/t");
    assert_eq!(td["ephemeralStorage"]["sizeInGiB"], 30);
    assert_eq!(td["runtimePlatform"]["cpuArchitecture"], "ARM64");
    let err = refused(
        &s,
        "RegisterTaskDefinition",
        json!({"family": "w", "runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"},
               "containerDefinitions": [{"name": "a", "image": "busybox", "memory": 8}]}),
    );
    assert!(err.contains("Windows is not supported yet"), "{err}");
}

#[test]
fn run_task_places_what_fits_and_names_the_resource_for_the_rest() {
    let s = state();
    let ports = json!({"family": "port", "containerDefinitions": [{"name": "p", "image": "busybox", "memory": 8,
        "portMappings": [{"containerPort": 80, "hostPort": 18080}]}]});
    call(&s, "RegisterTaskDefinition", ports);
    let run = call(&s, "RunTask", json!({"taskDefinition": "port", "count": 2}));
    assert_eq!(run["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(run["failures"][0]["reason"], "RESOURCE:PORTS");
    assert!(
        run["failures"][0]["arn"]
            .as_str()
            .unwrap()
            .contains(":container-instance/")
    );
    let again = call(&s, "RunTask", json!({"taskDefinition": "port"}));
    assert_eq!(again["tasks"], json!([]), "the port is claimed by the first task");
    let huge = json!({"family": "huge", "containerDefinitions": [{"name": "h", "image": "busybox", "memory": 2_000_000_000u32}]});
    call(&s, "RegisterTaskDefinition", huge);
    let run = call(&s, "RunTask", json!({"taskDefinition": "huge"}));
    assert_eq!(run["failures"][0]["reason"], "RESOURCE:MEMORY");
    let cpu = json!({"family": "cpu", "cpu": "196608", "memory": "8", "containerDefinitions": [{"name": "c", "image": "busybox"}]});
    call(&s, "RegisterTaskDefinition", cpu);
    let run = call(&s, "RunTask", json!({"taskDefinition": "cpu"}));
    assert_eq!(run["failures"][0]["reason"], "RESOURCE:CPU");
}

#[test]
fn delete_task_definitions_reports_a_bad_id_per_item_and_family_prefix_is_the_family() {
    let s = state();
    call(
        &s,
        "RegisterTaskDefinition",
        json!({"family": "webby", "containerDefinitions": [{"name": "a", "image": "busybox", "memory": 8}]}),
    );
    let listed = call(&s, "ListTaskDefinitions", json!({"familyPrefix": "web"}));
    let arns = listed["taskDefinitionArns"].as_array().unwrap();
    assert_eq!(arns.len(), 1, "only family web, not webby: {listed}");
    call(&s, "DeregisterTaskDefinition", json!({"taskDefinition": "web:1"}));
    let out = call(
        &s,
        "DeleteTaskDefinitions",
        json!({"taskDefinitions": ["web:1", "not a revision", "web:9"]}),
    );
    assert_eq!(out["taskDefinitions"].as_array().unwrap().len(), 1);
    let reasons: Vec<&str> = out["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["INVALID", "MISSING"]);
}

#[test]
fn run_task_honours_member_of_and_distinct_instance_on_the_one_container_instance() {
    let s = state();
    let linux = json!({"family": "lx", "placementConstraints": [{"type": "memberOf", "expression": "attribute:ecs.os-type == linux"}],
        "containerDefinitions": [{"name": "a", "image": "busybox", "memory": 8}]});
    call(&s, "RegisterTaskDefinition", linux);
    let td = call(&s, "DescribeTaskDefinition", json!({"taskDefinition": "lx"}));
    assert_eq!(
        td["taskDefinition"]["placementConstraints"][0]["type"],
        "memberOf"
    );
    assert_eq!(
        call(&s, "RunTask", json!({"taskDefinition": "lx"}))["tasks"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let blue = json!({"taskDefinition": "web", "placementConstraints": [{"type": "memberOf", "expression": "attribute:stack == blue"}]});
    let run = call(&s, "RunTask", blue.clone());
    assert_eq!(run["tasks"], json!([]));
    assert!(
        run["failures"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("MemberOf"),
        "{run}"
    );
    let id = s.catalog.container_instance_id().unwrap();
    call(
        &s,
        "PutAttributes",
        json!({"attributes": [{"name": "stack", "value": "blue", "targetId": id}]}),
    );
    assert_eq!(call(&s, "RunTask", blue)["tasks"].as_array().unwrap().len(), 1);
    let distinct = json!({"taskDefinition": "web", "count": 2, "group": "once",
        "placementConstraints": [{"type": "distinctInstance"}]});
    let run = call(&s, "RunTask", distinct);
    assert_eq!(
        run["tasks"].as_array().unwrap().len(),
        1,
        "one instance, one task of the group"
    );
    assert!(
        run["failures"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("DistinctInstance"),
        "{run}"
    );
    let err = refused(
        &s,
        "RegisterTaskDefinition",
        json!({"family": "d", "placementConstraints": [{"type": "distinctInstance"}],
               "containerDefinitions": [{"name": "a", "image": "busybox", "memory": 8}]}),
    );
    assert!(err.contains("distinctInstance"), "{err}");
}
