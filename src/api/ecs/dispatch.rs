//! Operation name → the function that serves it.

use super::{
    EcsError, account_settings, attributes, capacity_providers, clusters, container_instances, services,
    tags, task_definitions, tasks,
};
use crate::api::ApiState;
use serde_json::Value;

/// An operation's function: decoded input in, output document out.
type Handler = fn(&ApiState, Value) -> Result<Value, EcsError>;

/// Every ECS operation ecsd serves, by name.
const OPERATIONS: &[(&str, Handler)] = &[
    ("CreateCluster", clusters::create),
    ("DeleteCluster", clusters::delete),
    ("DescribeClusters", clusters::describe),
    ("ListClusters", clusters::list),
    ("UpdateCluster", clusters::update),
    ("UpdateClusterSettings", clusters::update),
    ("RegisterTaskDefinition", task_definitions::register),
    ("DescribeTaskDefinition", task_definitions::describe),
    ("ListTaskDefinitions", task_definitions::list),
    ("ListTaskDefinitionFamilies", task_definitions::list_families),
    ("DeregisterTaskDefinition", task_definitions::deregister),
    ("DeleteTaskDefinitions", task_definitions::delete),
    ("ListContainerInstances", container_instances::list),
    ("DescribeContainerInstances", container_instances::describe),
    ("UpdateContainerInstancesState", container_instances::update_state),
    ("RegisterContainerInstance", container_instances::register),
    ("DeregisterContainerInstance", container_instances::deregister),
    ("PutAttributes", attributes::put),
    ("DeleteAttributes", attributes::delete),
    ("ListAttributes", attributes::list),
    ("TagResource", tags::tag),
    ("UntagResource", tags::untag),
    ("ListTagsForResource", tags::list),
    ("RunTask", tasks::run),
    ("StartTask", tasks::start),
    ("DescribeTasks", tasks::describe),
    ("ListTasks", tasks::list),
    ("StopTask", tasks::stop),
    ("CreateService", services::create),
    ("UpdateService", services::update),
    ("DescribeServices", services::describe),
    ("ListServices", services::list),
    ("DeleteService", services::delete),
    ("ListServicesByNamespace", services::list_by_namespace),
    ("PutAccountSetting", account_settings::put),
    ("PutAccountSettingDefault", account_settings::put),
    ("DeleteAccountSetting", account_settings::delete),
    ("ListAccountSettings", account_settings::list),
    ("DescribeCapacityProviders", capacity_providers::describe),
    ("PutClusterCapacityProviders", capacity_providers::put),
    (
        "DiscoverPollEndpoint",
        container_instances::discover_poll_endpoint,
    ),
];

/// Names of the operations ecsd serves.
pub fn supported_operations() -> impl Iterator<Item = &'static str> {
    OPERATIONS.iter().map(|(name, _)| *name)
}

/// Runs the ECS operation `op` (the part of `X-Amz-Target` after the prefix) on `input`.
pub fn dispatch(s: &ApiState, op: &str, input: Value) -> Result<Value, EcsError> {
    match OPERATIONS.iter().find(|(name, _)| *name == op) {
        Some((_, handler)) => handler(s, input),
        None => Err(EcsError::UnsupportedFeature(format!(
            "operation {op} is not supported by ecsd"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Catalog, MemoryStore};
    use serde_json::json;
    use std::sync::Arc;

    fn state() -> ApiState {
        ApiState::new(
            Catalog::new(Arc::new(MemoryStore::new())),
            super::super::default_scope(),
        )
    }

    fn call(s: &ApiState, op: &str, input: Value) -> Value {
        dispatch(s, op, input).unwrap_or_else(|e| panic!("{op}: {e:?}"))
    }

    fn code(s: &ApiState, op: &str, input: Value) -> &'static str {
        dispatch(s, op, input).unwrap_err().status_and_code().1
    }

    fn register_web(s: &ApiState) -> Value {
        call(
            s,
            "RegisterTaskDefinition",
            json!({"family": "web", "containerDefinitions": [{"name": "web", "image": "busybox", "memory": 32}]}),
        )
    }

    #[test]
    fn an_unknown_operation_is_unsupported_and_named() {
        let err = dispatch(&state(), "CreateCapacityProvider", json!({})).unwrap_err();
        assert_eq!(err.status_and_code().1, "UnsupportedFeatureException");
        assert!(err.to_string().contains("CreateCapacityProvider"), "{err}");
    }

    #[test]
    fn registering_twice_with_a_change_makes_revision_two_and_family_means_latest() {
        let s = state();
        assert_eq!(register_web(&s)["taskDefinition"]["revision"], 1);
        call(
            &s,
            "RegisterTaskDefinition",
            json!({"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 32}]}),
        );
        let td = call(&s, "DescribeTaskDefinition", json!({"taskDefinition": "web"}));
        assert_eq!(td["taskDefinition"]["revision"], 2);
        assert_eq!(
            td["taskDefinition"]["taskDefinitionArn"],
            "arn:aws:ecs:us-east-1:000000000000:task-definition/web:2"
        );
        let listed = call(&s, "ListTaskDefinitions", json!({"maxResults": 1}));
        assert_eq!(listed["taskDefinitionArns"].as_array().unwrap().len(), 1);
        assert_eq!(listed["nextToken"], "1");
    }

    #[test]
    fn an_invalid_task_definition_is_a_client_exception() {
        let s = state();
        let input = json!({"family": "web", "containerDefinitions": [{"name": "web"}]});
        assert_eq!(code(&s, "RegisterTaskDefinition", input), "ClientException");
        assert_eq!(
            code(&s, "DescribeTaskDefinition", json!({"taskDefinition": "nope"})),
            "ClientException"
        );
    }

    #[test]
    fn run_task_creates_count_tasks_and_list_tasks_finds_them_by_started_by() {
        let s = state();
        register_web(&s);
        let run = call(
            &s,
            "RunTask",
            json!({"taskDefinition": "web", "count": 2, "startedBy": "me"}),
        );
        assert_eq!(run["tasks"].as_array().unwrap().len(), 2);
        assert_eq!(run["tasks"][0]["group"], "family:web");
        let listed = call(&s, "ListTasks", json!({"startedBy": "me"}));
        assert_eq!(listed["taskArns"].as_array().unwrap().len(), 2);
        assert_eq!(
            code(&s, "RunTask", json!({"taskDefinition": "web", "count": 11})),
            "InvalidParameterException"
        );
        assert_eq!(
            code(&s, "RunTask", json!({"taskDefinition": "web", "cluster": "nope"})),
            "ClusterNotFoundException"
        );
    }

    #[test]
    fn a_stopped_task_leaves_the_default_listing_and_describe_reports_missing_ones() {
        let s = state();
        register_web(&s);
        let arn = call(&s, "RunTask", json!({"taskDefinition": "web"}))["tasks"][0]["taskArn"].clone();
        let stopped = call(&s, "StopTask", json!({"task": arn, "reason": "done"}));
        assert_eq!(stopped["task"]["desiredStatus"], "STOPPED");
        assert_eq!(stopped["task"]["stoppedReason"], "done");
        assert!(
            call(&s, "ListTasks", json!({}))["taskArns"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        let all = call(&s, "ListTasks", json!({"desiredStatus": "STOPPED"}));
        assert_eq!(all["taskArns"].as_array().unwrap().len(), 1);
        let described = call(&s, "DescribeTasks", json!({"tasks": [arn, "0123"]}));
        assert_eq!(described["tasks"].as_array().unwrap().len(), 1);
        assert_eq!(described["failures"][0]["reason"], "MISSING");
    }

    #[test]
    fn a_service_scaled_above_zero_is_deleted_only_with_force() {
        let s = state();
        register_web(&s);
        let created = call(
            &s,
            "CreateService",
            json!({"serviceName": "web", "taskDefinition": "web", "desiredCount": 1}),
        );
        assert_eq!(created["service"]["desiredCount"], 1);
        assert_eq!(
            code(
                &s,
                "CreateService",
                json!({"serviceName": "web", "taskDefinition": "web"})
            ),
            "InvalidParameterException"
        );
        let err = dispatch(&s, "DeleteService", json!({"service": "web"})).unwrap_err();
        assert_eq!(
            err,
            EcsError::InvalidParameter("The service cannot be stopped while it is scaled above 0.".into())
        );
        let deleted = call(&s, "DeleteService", json!({"service": "web", "force": true}));
        assert_eq!(deleted["service"]["status"], "DRAINING");
        assert_eq!(
            code(&s, "UpdateService", json!({"service": "web", "desiredCount": 2})),
            "ServiceNotActiveException"
        );
    }

    #[test]
    fn update_service_changes_count_and_revision_and_describe_reports_missing_services() {
        let s = state();
        register_web(&s);
        call(
            &s,
            "CreateService",
            json!({"serviceName": "web", "taskDefinition": "web:1", "desiredCount": 1}),
        );
        let updated = call(
            &s,
            "UpdateService",
            json!({"service": "web", "desiredCount": 3, "forceNewDeployment": true}),
        );
        assert_eq!(updated["service"]["desiredCount"], 3);
        assert_eq!(
            code(&s, "UpdateService", json!({"service": "nope"})),
            "ServiceNotFoundException"
        );
        let described = call(&s, "DescribeServices", json!({"services": ["web", "nope"]}));
        assert_eq!(described["services"][0]["serviceName"], "web");
        assert_eq!(
            described["failures"][0],
            json!({"arn": "arn:aws:ecs:us-east-1:000000000000:service/default/nope", "reason": "MISSING"})
        );
        let listed = call(&s, "ListServices", json!({}));
        assert_eq!(
            listed["serviceArns"],
            json!(["arn:aws:ecs:us-east-1:000000000000:service/default/web"])
        );
    }

    #[test]
    fn a_desired_count_above_the_quota_is_refused_and_changes_nothing() {
        let s = state();
        register_web(&s);
        let create = json!({"serviceName": "web", "taskDefinition": "web", "desiredCount": 5001});
        assert_eq!(code(&s, "CreateService", create), "InvalidParameterException");
        call(
            &s,
            "CreateService",
            json!({"serviceName": "web", "taskDefinition": "web", "desiredCount": 1}),
        );
        let err = dispatch(
            &s,
            "UpdateService",
            json!({"service": "web", "desiredCount": 4294967295u32}),
        )
        .unwrap_err();
        assert_eq!(err.status_and_code().1, "InvalidParameterException");
        assert!(
            err.to_string().contains("desiredCount: expected at most 5000"),
            "{err}"
        );
        let described = call(&s, "DescribeServices", json!({"services": ["web"]}));
        assert_eq!(described["services"][0]["desiredCount"], 1);
    }

    #[test]
    fn a_container_without_memory_on_ec2_is_a_client_exception_naming_it() {
        let s = state();
        let input = json!({"family": "m", "containerDefinitions": [{"name": "app", "image": "busybox"}]});
        let err = dispatch(&s, "RegisterTaskDefinition", input).unwrap_err();
        assert_eq!(err.status_and_code().1, "ClientException");
        assert!(err.to_string().contains("container 'app'"), "{err}");
        let task_memory = json!({"family": "m", "memory": "512", "containerDefinitions": [{"name": "app", "image": "busybox"}]});
        call(&s, "RegisterTaskDefinition", task_memory);
        let fargate = json!({"family": "f", "requiresCompatibilities": ["FARGATE"],
            "containerDefinitions": [{"name": "app", "image": "busybox"}]});
        let err = dispatch(&s, "RegisterTaskDefinition", fargate).unwrap_err();
        assert!(
            err.to_string().contains("awsvpc"),
            "a FARGATE definition follows Fargate's rules: {err}"
        );
    }

    #[test]
    fn a_task_definition_over_64_kib_is_a_client_exception_and_registers_nothing() {
        let s = state();
        let command = "x".repeat(1_900_000);
        let input = json!({"family": "big", "containerDefinitions": [
            {"name": "big", "image": "busybox", "memory": 32, "command": ["sh", "-c", command]}
        ]});
        let err = dispatch(&s, "RegisterTaskDefinition", input).unwrap_err();
        assert_eq!(err.status_and_code().1, "ClientException");
        assert!(err.to_string().contains("at most 65536"), "{err}");
        let families = call(&s, "ListTaskDefinitionFamilies", json!({}));
        assert_eq!(families["families"], json!([]));
    }

    #[test]
    fn clusters_are_created_listed_and_described_with_default_always_present() {
        let s = state();
        let created = call(&s, "CreateCluster", json!({"clusterName": "prod"}));
        assert_eq!(created["cluster"]["clusterName"], "prod");
        let listed = call(&s, "ListClusters", json!({}));
        assert_eq!(listed["clusterArns"].as_array().unwrap().len(), 2);
        let described = call(&s, "DescribeClusters", json!({"clusters": ["prod", "nope"]}));
        assert_eq!(described["clusters"][0]["status"], "ACTIVE");
        assert_eq!(described["failures"][0]["reason"], "MISSING");
        let default = call(&s, "DescribeClusters", json!({}));
        assert_eq!(default["clusters"][0]["clusterName"], "default");
    }
}
