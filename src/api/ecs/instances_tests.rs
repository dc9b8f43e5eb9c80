//! Container instances through the ECS door: the daemon's own engine and two declared ones
//! (made connected by writing what their engines would report), listed, described, drained,
//! given attributes, placed on by RunTask and named by StartTask.

use super::{default_scope, dispatch};
use crate::api::ApiState;
use crate::model::ContainerInstanceSpec;
use crate::store::{Catalog, EngineFacts, MemoryStore};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A cluster with `local`, `pi` (docker, 2 cores, 1 GiB) and `nas` (podman, 4 cores, 8 GiB).
fn state() -> ApiState {
    let s = ApiState::new(Catalog::new(Arc::new(MemoryStore::new())), default_scope());
    for (name, engine, cpu, memory) in [("pi", "docker", 2048, 1024), ("nas", "podman", 4096, 8192)] {
        let spec = ContainerInstanceSpec {
            engine: format!("unix:///run/{name}.sock"),
            attributes: [("ecs.availability-zone".to_string(), format!("rack-{name}"))].into(),
            ..Default::default()
        };
        s.catalog
            .apply_declared_instance("default", name, &spec, &BTreeMap::new())
            .unwrap();
        let facts = EngineFacts {
            connected: true,
            since: 1,
            engine: engine.into(),
            version: "4.3.1".into(),
            cpu,
            memory,
            architecture: "x86_64".into(),
            error: None,
        };
        s.catalog.put_engine_facts(&id(&s, name), &facts).unwrap();
    }
    let td = json!({"family": "web", "containerDefinitions": [
        {"name": "web", "image": "busybox", "cpu": 256, "memory": 128}]});
    call(&s, "RegisterTaskDefinition", td);
    s
}

fn id(s: &ApiState, name: &str) -> String {
    crate::fleet::find_instance(&s.catalog, "default", name)
        .unwrap()
        .unwrap()
        .id
}

fn arn(s: &ApiState, name: &str) -> String {
    s.scope.container_instance_arn("default", &id(s, name))
}

fn call(s: &ApiState, op: &str, input: Value) -> Value {
    dispatch(s, op, input).unwrap_or_else(|e| panic!("{op}: {e:?}"))
}

fn listed(s: &ApiState, input: Value) -> Vec<String> {
    let out = call(s, "ListContainerInstances", input);
    serde_json::from_value(out["containerInstanceArns"].clone()).unwrap()
}

fn described(s: &ApiState, name: &str) -> Value {
    let out = call(
        s,
        "DescribeContainerInstances",
        json!({"containerInstances": [arn(s, name)]}),
    );
    out["containerInstances"][0].clone()
}

/// The integer value of resource `name` in `list` (`registeredResources`, …) of an ECS
/// `ContainerInstance`.
pub(super) fn resource(ci: &Value, list: &str, name: &str) -> i64 {
    ci[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap()["integerValue"]
        .as_i64()
        .unwrap()
}

fn task_instances(run: &Value) -> Vec<String> {
    run["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["containerInstanceArn"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_instance_of_the_cluster_is_listed_and_filtered_by_its_engine_attribute() {
    let s = state();
    assert_eq!(listed(&s, json!({})).len(), 3);
    assert_eq!(
        listed(&s, json!({"filter": "attribute:ecsd.engine == podman"})),
        [arn(&s, "nas")]
    );
    assert_eq!(
        listed(
            &s,
            json!({"filter": "attribute:ecs.availability-zone == rack-pi"})
        ),
        [arn(&s, "pi")]
    );
    assert_eq!(listed(&s, json!({"filter": "agentConnected == true"})).len(), 3);
    let facts = EngineFacts {
        connected: false,
        error: Some("connection refused".into()),
        ..s.catalog.engine_facts(&id(&s, "pi")).unwrap().unwrap()
    };
    s.catalog.put_engine_facts(&id(&s, "pi"), &facts).unwrap();
    assert_eq!(
        listed(&s, json!({"filter": "agentConnected == false"})),
        [arn(&s, "pi")]
    );
    assert_eq!(described(&s, "pi")["agentConnected"], false);
}

#[test]
fn a_declared_instance_describes_with_its_engine_resources_and_attributes() {
    let s = state();
    let nas = described(&s, "nas");
    assert_eq!(resource(&nas, "registeredResources", "CPU"), 4096);
    assert_eq!(resource(&nas, "registeredResources", "MEMORY"), 8192);
    assert_eq!(nas["agentConnected"], true);
    assert!(nas.get("ec2InstanceId").is_none(), "{nas}");
    assert_eq!(nas["versionInfo"]["dockerVersion"], "DockerVersion: 4.3.1");
    let attributes = nas["attributes"].as_array().unwrap();
    assert!(attributes.contains(&json!({"name": "ecsd.engine", "value": "podman"})));
    assert!(attributes.contains(&json!({"name": "ecs.availability-zone", "value": "rack-nas"})));
    let placed = json!({"taskDefinition": "web", "count": 2,
        "placementConstraints": [{"type": "memberOf", "expression": "attribute:ecsd.engine == podman"}]});
    call(&s, "RunTask", placed);
    let nas = described(&s, "nas");
    assert_eq!(resource(&nas, "remainingResources", "CPU"), 4096 - 512);
    assert_eq!(resource(&nas, "remainingResources", "MEMORY"), 8192 - 256);
    assert_eq!(nas["pendingTasksCount"], 2);
    assert_eq!(described(&s, "pi")["pendingTasksCount"], 0);
}

#[test]
fn a_drained_declared_instance_is_listed_as_draining_and_takes_no_new_task() {
    let s = state();
    let drained = call(
        &s,
        "UpdateContainerInstancesState",
        json!({"containerInstances": ["pi", "nope"], "status": "DRAINING"}),
    );
    assert_eq!(drained["containerInstances"][0]["status"], "DRAINING");
    assert_eq!(drained["failures"][0]["reason"], "MISSING");
    assert_eq!(listed(&s, json!({"status": "DRAINING"})), [arn(&s, "pi")]);
    assert_eq!(listed(&s, json!({"status": "ACTIVE"})).len(), 2);
    let run = call(&s, "RunTask", json!({"taskDefinition": "web", "count": 6}));
    let on = task_instances(&run);
    assert_eq!(on.len(), 6);
    assert!(!on.contains(&arn(&s, "pi")), "{on:?}");
    let on_pi = json!({"taskDefinition": "web",
        "placementConstraints": [{"type": "memberOf", "expression": "attribute:ecs.availability-zone == rack-pi"}]});
    let run = call(&s, "RunTask", on_pi);
    assert_eq!(run["tasks"], json!([]));
    assert_eq!(
        run["failures"][0]["reason"], "MemberOf placement constraint unsatisfied.",
        "the closest instance is one that fits but is not a member"
    );
}

#[test]
fn attributes_are_put_listed_matched_and_deleted_on_a_declared_instance() {
    let s = state();
    let put = json!({"attributes": [{"name": "stack", "value": "blue", "targetId": arn(&s, "nas")}]});
    call(&s, "PutAttributes", put);
    assert_eq!(
        listed(&s, json!({"filter": "attribute:stack == blue"})),
        [arn(&s, "nas")]
    );
    let out = call(
        &s,
        "ListAttributes",
        json!({"targetType": "container-instance", "attributeName": "stack"}),
    );
    assert_eq!(out["attributes"][0]["targetId"], arn(&s, "nas"));
    let engines = call(
        &s,
        "ListAttributes",
        json!({"targetType": "container-instance", "attributeName": "ecsd.engine"}),
    );
    assert_eq!(engines["attributes"].as_array().unwrap().len(), 2, "{engines}");
    let from_manifest = json!({"attributes": [{"name": "ecs.availability-zone", "targetId": id(&s, "nas")}]});
    let err = dispatch(&s, "DeleteAttributes", from_manifest).unwrap_err();
    assert_eq!(err.status_and_code().1, "InvalidParameterException", "{err}");
    let delete = json!({"attributes": [{"name": "stack", "targetId": id(&s, "nas")}]});
    call(&s, "DeleteAttributes", delete);
    assert!(listed(&s, json!({"filter": "attribute:stack exists"})).is_empty());
}

#[test]
fn run_task_places_by_member_of_and_distinct_instance_and_describes_each_task_on_its_instance() {
    let s = state();
    let podman = json!({"taskDefinition": "web", "count": 3,
        "placementConstraints": [{"type": "memberOf", "expression": "attribute:ecsd.engine == podman"}]});
    let run = call(&s, "RunTask", podman);
    assert_eq!(task_instances(&run), vec![arn(&s, "nas"); 3]);
    let task = run["tasks"][0]["taskArn"].clone();
    let described = call(&s, "DescribeTasks", json!({"tasks": [task]}));
    assert_eq!(described["tasks"][0]["containerInstanceArn"], arn(&s, "nas"));
    let on_nas = call(&s, "ListTasks", json!({"containerInstance": arn(&s, "nas")}));
    assert_eq!(on_nas["taskArns"].as_array().unwrap().len(), 3);
    let on_pi = call(&s, "ListTasks", json!({"containerInstance": "pi"}));
    assert_eq!(on_pi["taskArns"], json!([]));
    let distinct = json!({"taskDefinition": "web", "count": 4, "group": "once",
        "placementConstraints": [{"type": "distinctInstance"}]});
    let run = call(&s, "RunTask", distinct);
    let mut on = task_instances(&run);
    on.sort();
    let mut all = vec![arn(&s, "local"), arn(&s, "pi"), arn(&s, "nas")];
    all.sort();
    assert_eq!(on, all, "one task of the group per instance");
    assert_eq!(
        run["failures"][0]["reason"],
        "DistinctInstance placement constraint unsatisfied."
    );
    let spread = json!({"taskDefinition": "web", "count": 2, "group": "spread",
        "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
        "placementConstraints": [{"type": "memberOf", "expression": "attribute:ecs.availability-zone exists"}]});
    let mut on = task_instances(&call(&s, "RunTask", spread));
    on.sort();
    let mut declared = vec![arn(&s, "pi"), arn(&s, "nas")];
    declared.sort();
    assert_eq!(on, declared, "spread over the two zones");
}

#[test]
fn start_task_runs_one_task_on_each_named_instance_that_can_take_it() {
    let s = state();
    call(
        &s,
        "UpdateContainerInstancesState",
        json!({"containerInstances": ["nas"], "status": "DRAINING"}),
    );
    let started = call(
        &s,
        "StartTask",
        json!({"taskDefinition": "web", "containerInstances": ["pi", arn(&s, "nas"), "nope"]}),
    );
    assert_eq!(task_instances(&started), [arn(&s, "pi")]);
    let reasons: Vec<&str> = started["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["DRAINING", "MISSING"]);
    let eleven: Vec<String> = (0..11).map(|_| "pi".to_string()).collect();
    let err = dispatch(
        &s,
        "StartTask",
        json!({"taskDefinition": "web", "containerInstances": eleven}),
    )
    .unwrap_err();
    assert_eq!(err.status_and_code().1, "InvalidParameterException");
}

#[test]
fn deregister_removes_a_declared_instance_once_idle_or_forced_and_never_the_own_engine() {
    let s = state();
    let on_pi = json!({"taskDefinition": "web", "containerInstances": ["pi"]});
    call(&s, "StartTask", on_pi);
    let err = dispatch(
        &s,
        "DeregisterContainerInstance",
        json!({"containerInstance": "pi"}),
    )
    .unwrap_err();
    assert!(err.to_string().contains("drain it first"), "{err}");
    let out = call(
        &s,
        "DeregisterContainerInstance",
        json!({"containerInstance": arn(&s, "pi"), "force": true}),
    );
    assert_eq!(out["containerInstance"]["status"], "INACTIVE");
    assert_eq!(listed(&s, json!({})).len(), 2);
    let local = dispatch(
        &s,
        "DeregisterContainerInstance",
        json!({"containerInstance": "local"}),
    )
    .unwrap_err();
    assert_eq!(local.status_and_code().1, "ClientException");
    let register = dispatch(&s, "RegisterContainerInstance", json!({})).unwrap_err();
    assert!(
        register.to_string().contains("ContainerInstance manifest"),
        "{register}"
    );
}

#[test]
fn a_cluster_counts_its_instances_and_is_not_deleted_while_it_has_declared_ones() {
    let s = state();
    let described = call(&s, "DescribeClusters", json!({"clusters": ["default"]}));
    assert_eq!(described["clusters"][0]["registeredContainerInstancesCount"], 3);
    let err = dispatch(&s, "DeleteCluster", json!({"cluster": "default"})).unwrap_err();
    assert_eq!(
        err.status_and_code().1,
        "ClusterContainsContainerInstancesException"
    );
    for name in ["pi", "nas"] {
        call(
            &s,
            "DeregisterContainerInstance",
            json!({"containerInstance": name}),
        );
    }
    call(&s, "DeleteCluster", json!({"cluster": "default"}));
}
