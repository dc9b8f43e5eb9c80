//! The operations added for issue 6, through `dispatch` over an in-memory catalog.

use super::{EcsError, default_scope, dispatch};
use crate::api::ApiState;
use crate::model::StopCode;
use crate::store::{Catalog, MemoryStore, TaskStatus};
use serde_json::{Value, json};
use std::sync::Arc;

fn state() -> ApiState {
    ApiState::new(Catalog::new(Arc::new(MemoryStore::new())), default_scope())
}

fn call(s: &ApiState, op: &str, input: Value) -> Value {
    dispatch(s, op, input).unwrap_or_else(|e| panic!("{op}: {e:?}"))
}

fn code(s: &ApiState, op: &str, input: Value) -> &'static str {
    dispatch(s, op, input).unwrap_err().status_and_code().1
}

fn register(s: &ApiState, family: &str) -> Value {
    let input = json!({"family": family, "containerDefinitions": [
        {"name": "web", "image": "busybox", "cpu": 256, "memory": 128}]});
    call(s, "RegisterTaskDefinition", input)["taskDefinition"].clone()
}

fn instance_id(s: &ApiState) -> String {
    s.catalog.container_instance_id().unwrap()
}

#[test]
fn identical_registrations_make_new_revisions_and_any_revision_can_be_retired() {
    let s = state();
    assert_eq!(register(&s, "web")["revision"], 1);
    assert_eq!(register(&s, "web")["revision"], 2);
    register(&s, "worker");
    let old = call(&s, "DeregisterTaskDefinition", json!({"taskDefinition": "web:1"}));
    assert_eq!(old["taskDefinition"]["status"], "INACTIVE");
    let latest = call(&s, "DescribeTaskDefinition", json!({"taskDefinition": "web"}));
    assert_eq!(latest["taskDefinition"]["revision"], 2);
    let inactive = call(&s, "ListTaskDefinitions", json!({"status": "INACTIVE"}));
    assert_eq!(inactive["taskDefinitionArns"].as_array().unwrap().len(), 1);
    let deleted = call(
        &s,
        "DeleteTaskDefinitions",
        json!({"taskDefinitions": ["web:1", "web:2", "web:7"]}),
    );
    assert_eq!(deleted["taskDefinitions"][0]["status"], "DELETE_IN_PROGRESS");
    let reasons: Vec<&str> = deleted["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["ACTIVE", "MISSING"]);
    assert_eq!(
        code(&s, "DeregisterTaskDefinition", json!({"taskDefinition": "web:9"})),
        "ClientException"
    );
}

#[test]
fn families_are_listed_by_whether_they_have_an_active_revision() {
    let s = state();
    register(&s, "web");
    register(&s, "worker");
    call(
        &s,
        "DeregisterTaskDefinition",
        json!({"taskDefinition": "worker:1"}),
    );
    let families = |input: Value| call(&s, "ListTaskDefinitionFamilies", input)["families"].clone();
    assert_eq!(families(json!({})), json!(["web"]));
    assert_eq!(families(json!({"status": "INACTIVE"})), json!(["worker"]));
    assert_eq!(
        families(json!({"status": "ALL", "familyPrefix": "wo"})),
        json!(["worker"])
    );
    let page = call(
        &s,
        "ListTaskDefinitionFamilies",
        json!({"status": "ALL", "maxResults": 1}),
    );
    assert_eq!(
        (page["families"].clone(), page["nextToken"].clone()),
        (json!(["web"]), json!("1"))
    );
    assert_eq!(
        code(&s, "ListTaskDefinitionFamilies", json!({"status": "GONE"})),
        "InvalidParameterException"
    );
}

#[test]
fn tags_given_at_creation_or_later_come_back_only_when_included() {
    let s = state();
    let tags = json!([{"key": "team", "value": "shop"}]);
    call(&s, "CreateCluster", json!({"clusterName": "prod", "tags": tags}));
    let described = call(&s, "DescribeClusters", json!({"clusters": ["prod"]}));
    assert!(described["clusters"][0].get("tags").is_none());
    let described = call(
        &s,
        "DescribeClusters",
        json!({"clusters": ["prod"], "include": ["TAGS"]}),
    );
    assert_eq!(described["clusters"][0]["tags"], tags);
    let td = register(&s, "web")["taskDefinitionArn"].clone();
    call(
        &s,
        "TagResource",
        json!({"resourceArn": td, "tags": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]}),
    );
    call(&s, "UntagResource", json!({"resourceArn": td, "tagKeys": ["a"]}));
    let listed = call(&s, "ListTagsForResource", json!({"resourceArn": td}));
    assert_eq!(listed["tags"], json!([{"key": "b", "value": "2"}]));
    let described = call(
        &s,
        "DescribeTaskDefinition",
        json!({"taskDefinition": "web", "include": ["TAGS"]}),
    );
    assert_eq!(described["tags"], listed["tags"]);
    let run = call(
        &s,
        "RunTask",
        json!({"cluster": "prod", "taskDefinition": "web", "tags": tags}),
    );
    let task = run["tasks"][0]["taskArn"].clone();
    let listed = call(&s, "ListTagsForResource", json!({"resourceArn": task}));
    assert_eq!(listed["tags"], tags);
    let missing = json!({"resourceArn": "arn:aws:ecs:us-east-1:000000000000:service/prod/nope",
                         "tags": tags});
    assert_eq!(code(&s, "TagResource", missing), "ResourceNotFoundException");
}

#[test]
fn the_machine_is_one_container_instance_found_by_cluster_query_filters() {
    let s = state();
    let id = instance_id(&s);
    let list = |filter: &str| {
        call(&s, "ListContainerInstances", json!({"filter": filter}))["containerInstanceArns"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(list("attribute:ecs.os-type == linux"), 1);
    assert_eq!(list("attribute:stack exists"), 0);
    let put = json!({"attributes": [{"name": "stack", "value": "prod", "targetId": id}]});
    call(&s, "PutAttributes", put);
    assert_eq!(
        list("attribute:stack == prod and attribute:ecs.os-type exists"),
        1
    );
    assert_eq!(list("attribute:stack in [dev, test]"), 0);
    assert_eq!(list("runningTasksCount > 1"), 0);
    assert_eq!(list("runningTasksCount == 0 and agentConnected == true"), 1);
    assert_eq!(list(&format!("ec2InstanceId == {id}")), 1);
    assert_eq!(list("registeredAt > 2999-01-01"), 0);
    let refused = dispatch(
        &s,
        "ListContainerInstances",
        json!({"filter": "attribute:a =~ x"}),
    )
    .unwrap_err()
    .to_string();
    assert!(
        refused.contains("filter \"attribute:a =~ x\": operator"),
        "{refused}"
    );
    let listed = call(
        &s,
        "ListAttributes",
        json!({"targetType": "container-instance", "attributeName": "stack"}),
    );
    assert_eq!(listed["attributes"][0]["value"], "prod");
    let elsewhere = json!({"attributes": [{"name": "x", "targetId": "0000"}]});
    assert_eq!(code(&s, "PutAttributes", elsewhere), "TargetNotFoundException");
    call(
        &s,
        "DeleteAttributes",
        json!({"attributes": [{"name": "stack", "targetId": id}]}),
    );
    assert_eq!(list("attribute:stack exists"), 0);
}

#[test]
fn container_instance_resources_subtract_what_live_tasks_reserve() {
    let s = state();
    register(&s, "web");
    call(&s, "RunTask", json!({"taskDefinition": "web", "count": 2}));
    let described = call(
        &s,
        "DescribeContainerInstances",
        json!({"containerInstances": [instance_id(&s), "nope"]}),
    );
    let ci = &described["containerInstances"][0];
    let value = |list: &str, name: &str| super::instances_tests::resource(ci, list, name);
    assert_eq!(
        value("registeredResources", "CPU") - value("remainingResources", "CPU"),
        512
    );
    assert!(value("registeredResources", "MEMORY") > 0);
    assert_eq!(ci["pendingTasksCount"], 2);
    assert_eq!(ci["agentConnected"], true);
    assert_eq!(described["failures"][0]["reason"], "MISSING");
}

#[test]
fn a_draining_instance_takes_no_new_tasks_and_start_task_names_the_instance() {
    let s = state();
    register(&s, "web");
    let id = instance_id(&s);
    let started = call(
        &s,
        "StartTask",
        json!({"taskDefinition": "web", "containerInstances": [id, "nope"]}),
    );
    assert_eq!(started["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(started["failures"][0]["reason"], "MISSING");
    let drained = call(
        &s,
        "UpdateContainerInstancesState",
        json!({"containerInstances": [id], "status": "DRAINING"}),
    );
    assert_eq!(drained["containerInstances"][0]["status"], "DRAINING");
    let listed = call(&s, "ListContainerInstances", json!({"status": "ACTIVE"}));
    assert!(listed["containerInstanceArns"].as_array().unwrap().is_empty());
    let run = call(&s, "RunTask", json!({"taskDefinition": "web"}));
    assert_eq!(run["tasks"], json!([]));
    assert_eq!(run["failures"][0]["reason"], "DRAINING");
    assert_eq!(
        code(
            &s,
            "UpdateContainerInstancesState",
            json!({"containerInstances": [id], "status": "DEREGISTERING"})
        ),
        "InvalidParameterException"
    );
}

#[test]
fn a_cluster_is_deleted_only_once_empty_and_then_describes_as_inactive() {
    let s = state();
    call(&s, "CreateCluster", json!({"clusterName": "prod"}));
    register(&s, "web");
    let svc = json!({"cluster": "prod", "serviceName": "web", "taskDefinition": "web", "desiredCount": 0});
    call(&s, "CreateService", svc);
    assert_eq!(
        code(&s, "DeleteCluster", json!({"cluster": "prod"})),
        "ClusterContainsServicesException"
    );
    s.catalog.remove_service("prod", "web").unwrap();
    let task = call(&s, "RunTask", json!({"cluster": "prod", "taskDefinition": "web"}));
    assert_eq!(
        code(&s, "DeleteCluster", json!({"cluster": "prod"})),
        "ClusterContainsTasksException"
    );
    let id = super::short_name(task["tasks"][0]["taskArn"].as_str().unwrap()).to_string();
    s.catalog
        .request_task_stop(&id, StopCode::UserInitiated, "done")
        .unwrap();
    let stopped = TaskStatus {
        last_status: crate::model::TaskState::Stopped,
        ..Default::default()
    };
    s.catalog.put_task_status(&id, &stopped).unwrap();
    let deleted = call(&s, "DeleteCluster", json!({"cluster": "prod"}));
    assert_eq!(deleted["cluster"]["status"], "INACTIVE");
    let described = call(&s, "DescribeClusters", json!({"clusters": ["prod"]}));
    assert_eq!(described["clusters"][0]["status"], "INACTIVE");
    let listed = call(&s, "ListClusters", json!({}));
    assert_eq!(listed["clusterArns"].as_array().unwrap().len(), 1);
    assert_eq!(
        code(&s, "RunTask", json!({"cluster": "prod", "taskDefinition": "web"})),
        "ClusterNotFoundException"
    );
    assert_eq!(
        code(&s, "DeleteCluster", json!({"cluster": "prod"})),
        "ClusterNotFoundException"
    );
}

#[test]
fn deleting_default_hides_it_from_lists_until_it_is_created_again() {
    let s = state();
    call(&s, "DeleteCluster", json!({"cluster": "default"}));
    assert!(
        call(&s, "ListClusters", json!({}))["clusterArns"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let described = call(&s, "DescribeClusters", json!({}));
    assert_eq!(described["clusters"][0]["status"], "INACTIVE");
    // ECS keeps a deleted cluster addressable for reads; writes into it are refused.
    assert_eq!(call(&s, "ListServices", json!({}))["serviceArns"], json!([]));
    assert_eq!(call(&s, "ListTasks", json!({}))["taskArns"], json!([]));
    assert_eq!(
        code(
            &s,
            "CreateService",
            json!({"serviceName": "x", "taskDefinition": "web", "desiredCount": 0})
        ),
        "ClusterNotFoundException"
    );
    assert_eq!(
        code(&s, "ListServices", json!({"cluster": "never"})),
        "ClusterNotFoundException"
    );
    call(&s, "CreateCluster", json!({}));
    let described = call(&s, "DescribeClusters", json!({}));
    assert_eq!(described["clusters"][0]["status"], "ACTIVE");
}

#[test]
fn a_removed_service_describes_as_inactive_and_is_no_longer_listed() {
    let s = state();
    register(&s, "web");
    call(
        &s,
        "CreateService",
        json!({"serviceName": "web", "taskDefinition": "web", "desiredCount": 0}),
    );
    call(&s, "DeleteService", json!({"service": "web"}));
    s.catalog.remove_service("default", "web").unwrap();
    let described = call(&s, "DescribeServices", json!({"services": ["web"]}));
    assert_eq!(described["services"][0]["status"], "INACTIVE");
    assert_eq!(described["failures"], json!([]));
    assert_eq!(call(&s, "ListServices", json!({}))["serviceArns"], json!([]));
    assert_eq!(
        dispatch(&s, "DeleteService", json!({"service": "web"})).unwrap_err(),
        EcsError::ServiceNotActive("Service was not ACTIVE.".into())
    );
}
