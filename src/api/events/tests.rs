//! The EventBridge door against an in-memory store: rules and their one ECS target as
//! schedules, and every refusal in EventBridge's words.

use super::dispatch;
use crate::api::ApiState;
use crate::model::ScheduleState;
use crate::store::{Catalog, FolderSync, MemoryStore, Origin, ScheduledTaskRecord};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

const CLUSTER: &str = "arn:aws:ecs:us-east-1:000000000000:cluster/default";

/// An EventBridge door over an empty store with the task definition `job`.
pub(super) fn state() -> ApiState {
    let s = ApiState::new(
        Catalog::new(Arc::new(MemoryStore::new())),
        crate::api::ecs::default_scope(),
    );
    let td = crate::model::fixtures::task_definition(&[("main", "busybox")]);
    s.catalog
        .register_task_definition("job", &td, &BTreeMap::new())
        .unwrap();
    s
}

fn call(s: &ApiState, op: &str, input: Value) -> Value {
    dispatch(s, op, input).unwrap_or_else(|e| panic!("{op}: {e:?}"))
}

/// The `(__type, message)` of a refused call.
fn refused(s: &ApiState, op: &str, input: Value) -> (&'static str, String) {
    let e = dispatch(s, op, input).unwrap_err();
    (e.status_and_code().1, e.to_string())
}

fn schedule(s: &ApiState, cluster: &str) -> ScheduledTaskRecord {
    s.catalog.scheduled_task(cluster, "nightly").unwrap().unwrap()
}

fn put_rule(s: &ApiState) -> Value {
    call(
        s,
        "PutRule",
        json!({"Name": "nightly", "ScheduleExpression": "rate(10 seconds)", "Description": "backups"}),
    )
}

fn target(id: &str) -> Value {
    json!({"Id": id, "Arn": CLUSTER, "RoleArn": "arn:aws:iam::000000000000:role/ecsEventsRole",
           "EcsParameters": {"TaskDefinitionArn": "arn:aws:ecs:us-east-1:000000000000:task-definition/job:1"}})
}

fn put_targets(s: &ApiState, targets: Value) -> Value {
    call(s, "PutTargets", json!({"Rule": "nightly", "Targets": targets}))
}

#[test]
fn put_rule_keeps_a_rule_without_targets_as_a_schedule_that_never_runs() {
    let s = state();
    assert_eq!(
        put_rule(&s),
        json!({"RuleArn": "arn:aws:events:us-east-1:000000000000:rule/nightly"})
    );
    let record = schedule(&s, "default");
    assert_eq!(record.spec.task_definition, None);
    assert_eq!(record.spec.description.as_deref(), Some("backups"));
    let described = call(&s, "DescribeRule", json!({"Name": "nightly"}));
    assert_eq!(
        described,
        json!({"Name": "nightly", "Arn": "arn:aws:events:us-east-1:000000000000:rule/nightly",
               "State": "ENABLED", "Description": "backups", "ScheduleExpression": "rate(10 seconds)",
               "EventBusName": "default", "CreatedBy": "000000000000"})
    );
    let listed = call(&s, "ListRules", json!({"NamePrefix": "night"}));
    assert_eq!(listed["Rules"][0]["Name"], "nightly");
    assert_eq!(
        call(&s, "ListRules", json!({"NamePrefix": "day"}))["Rules"],
        json!([])
    );
    assert_eq!(
        call(&s, "ListTargetsByRule", json!({"Rule": "nightly"})),
        json!({"Targets": []})
    );
}

#[test]
fn put_rule_again_replaces_the_rules_settings_and_keeps_its_target() {
    let s = state();
    put_rule(&s);
    put_targets(&s, json!([target("t1")]));
    call(
        &s,
        "PutRule",
        json!({"Name": "nightly", "ScheduleExpression": "cron(0 3 * * ? *)", "State": "DISABLED",
               "RoleArn": "arn:aws:iam::000000000000:role/r", "Tags": [{"Key": "team", "Value": "ops"}]}),
    );
    let record = schedule(&s, "default");
    assert_eq!(record.spec.schedule_expression, "cron(0 3 * * ? *)");
    assert_eq!(record.spec.state, ScheduleState::Disabled);
    assert_eq!(record.spec.description, None, "PutRule replaces what it omits");
    assert_eq!(record.spec.task_definition.as_deref(), Some("job:1"));
    assert_eq!(record.labels.get("team").map(String::as_str), Some("ops"));
    assert_eq!(
        record.rule.role_arn.as_deref(),
        Some("arn:aws:iam::000000000000:role/r")
    );
}

#[test]
fn an_ecs_target_becomes_the_schedules_target_and_lists_back_as_given() {
    let s = state();
    put_rule(&s);
    let given = json!({
        "Id": "t1", "Arn": CLUSTER, "RoleArn": "arn:aws:iam::000000000000:role/ecsEventsRole",
        "Input": "{\"containerOverrides\":[{\"name\":\"main\",\"command\":[\"sh\",\"-c\",\"date\"]}]}",
        "EcsParameters": {
            "TaskDefinitionArn": "arn:aws:ecs:us-east-1:000000000000:task-definition/job",
            "TaskCount": 2, "LaunchType": "EC2", "Group": "backups", "PropagateTags": "TASK_DEFINITION",
            "EnableECSManagedTags": true, "EnableExecuteCommand": true,
            "PlacementStrategy": [{"type": "spread", "field": "instanceId"}],
            "Tags": [{"Key": "team", "Value": "ops"}]
        }
    });
    assert_eq!(
        put_targets(&s, json!([given.clone()])),
        json!({"FailedEntryCount": 0, "FailedEntries": []})
    );
    let spec = schedule(&s, "default").spec;
    assert_eq!(spec.task_definition.as_deref(), Some("job"));
    assert_eq!(
        (spec.task_count, spec.group.as_deref()),
        (Some(2), Some("backups"))
    );
    assert_eq!(spec.overrides.unwrap().container_overrides[0].name, "main");
    let listed = call(&s, "ListTargetsByRule", json!({"Rule": "nightly"}));
    assert_eq!(listed["Targets"][0]["Input"], given["Input"]);
    assert_eq!(listed["Targets"][0]["EcsParameters"], given["EcsParameters"]);
    assert_eq!(listed["Targets"][0]["RoleArn"], given["RoleArn"]);
}

#[test]
fn an_awsvpc_targets_network_configuration_is_kept_in_eventbridges_capitalised_members() {
    let s = state();
    let td: crate::model::TaskDefinitionSpec = serde_json::from_value(json!({
        "networkMode": "awsvpc", "containerDefinitions": [{"name": "main", "image": "busybox"}]
    }))
    .unwrap();
    s.catalog
        .register_task_definition("vpcjob", &td, &BTreeMap::new())
        .unwrap();
    put_rule(&s);
    let network = json!({"awsvpcConfiguration": {"Subnets": ["subnet-1"], "AssignPublicIp": "DISABLED"}});
    let mut given = target("t1");
    given["EcsParameters"] = json!({"TaskDefinitionArn": "vpcjob", "NetworkConfiguration": network});
    put_targets(&s, json!([given]));
    let stored = schedule(&s, "default").spec.network_configuration.unwrap();
    assert_eq!(stored.awsvpc_configuration.subnets, ["subnet-1"]);
    let listed = call(&s, "ListTargetsByRule", json!({"Rule": "nightly"}));
    assert_eq!(
        listed["Targets"][0]["EcsParameters"]["NetworkConfiguration"],
        network
    );
}

#[test]
fn a_rule_takes_one_target_a_second_id_is_a_failed_entry_and_the_same_id_replaces() {
    let s = state();
    put_rule(&s);
    let both = put_targets(&s, json!([target("t1"), target("t2")]));
    assert_eq!(both["FailedEntryCount"], 1);
    assert_eq!(both["FailedEntries"][0]["TargetId"], "t2");
    assert_eq!(both["FailedEntries"][0]["ErrorCode"], "LimitExceededException");
    let why = both["FailedEntries"][0]["ErrorMessage"].as_str().unwrap();
    assert!(
        why.contains("has the target t1") && why.contains("one target"),
        "{why}"
    );
    let mut again = target("t1");
    again["EcsParameters"]["TaskCount"] = json!(3);
    assert_eq!(put_targets(&s, json!([again]))["FailedEntryCount"], 0);
    assert_eq!(schedule(&s, "default").spec.task_count, Some(3));
    let (code, message) = refused(
        &s,
        "PutTargets",
        json!({"Rule": "nightly", "Targets": [target("t3"), target("t3")]}),
    );
    assert_eq!(code, "ValidationException");
    assert!(message.contains("Targets[1].Id"), "{message}");
}

#[test]
fn a_target_in_another_cluster_moves_the_rules_schedule_there() {
    let s = state();
    s.catalog.apply_cluster("prod", BTreeMap::new(), None).unwrap();
    put_rule(&s);
    let mut prod = target("t1");
    prod["Arn"] = json!("arn:aws:ecs:us-east-1:000000000000:cluster/prod");
    put_targets(&s, json!([prod]));
    assert!(s.catalog.scheduled_task("default", "nightly").unwrap().is_none());
    assert_eq!(schedule(&s, "prod").rule.target_id.as_deref(), Some("t1"));
    let listed = call(&s, "ListTargetsByRule", json!({"Rule": "nightly"}));
    assert_eq!(
        listed["Targets"][0]["Arn"],
        "arn:aws:ecs:us-east-1:000000000000:cluster/prod"
    );
}

#[test]
fn delete_rule_refuses_while_a_target_remains_and_deletes_after_remove_targets() {
    let s = state();
    put_rule(&s);
    put_targets(&s, json!([target("t1")]));
    let refusal = refused(&s, "DeleteRule", json!({"Name": "nightly", "Force": true}));
    assert_eq!(
        refusal,
        (
            "ValidationException",
            "Rule can't be deleted since it has targets.".into()
        )
    );
    let removed = call(
        &s,
        "RemoveTargets",
        json!({"Rule": "nightly", "Ids": ["t1", "unknown"]}),
    );
    assert_eq!(removed, json!({"FailedEntryCount": 0, "FailedEntries": []}));
    assert_eq!(schedule(&s, "default").spec.task_definition, None);
    assert_eq!(call(&s, "DeleteRule", json!({"Name": "nightly"})), json!({}));
    assert!(s.catalog.scheduled_tasks(None).unwrap().is_empty());
    assert_eq!(
        call(&s, "DeleteRule", json!({"Name": "nightly"})),
        json!({}),
        "idempotent"
    );
}

#[test]
fn enable_and_disable_switch_the_schedules_state() {
    let s = state();
    put_rule(&s);
    call(&s, "DisableRule", json!({"Name": "nightly"}));
    assert_eq!(schedule(&s, "default").spec.state, ScheduleState::Disabled);
    assert_eq!(call(&s, "ListRules", json!({}))["Rules"][0]["State"], "DISABLED");
    call(&s, "EnableRule", json!({"Name": "nightly"}));
    assert_eq!(schedule(&s, "default").spec.state, ScheduleState::Enabled);
}

#[test]
fn an_unknown_rule_is_resource_not_found_in_eventbridges_words() {
    let s = state();
    let missing = (
        "ResourceNotFoundException",
        "Rule nope does not exist on EventBus default.".to_string(),
    );
    assert_eq!(refused(&s, "DescribeRule", json!({"Name": "nope"})), missing);
    assert_eq!(refused(&s, "EnableRule", json!({"Name": "nope"})), missing);
    assert_eq!(refused(&s, "ListTargetsByRule", json!({"Rule": "nope"})), missing);
    assert_eq!(
        refused(&s, "RemoveTargets", json!({"Rule": "nope", "Ids": ["t"]})),
        missing
    );
    let put = json!({"Rule": "nope", "Targets": [target("t1")]});
    assert_eq!(refused(&s, "PutTargets", put), missing);
    let bus = refused(&s, "ListRules", json!({"EventBusName": "orders"}));
    assert_eq!(bus.0, "ResourceNotFoundException");
    assert!(bus.1.contains("Event bus orders does not exist"), "{}", bus.1);
    let by_arn = json!({"EventBusName": "arn:aws:events:us-east-1:000000000000:event-bus/default"});
    call(&s, "ListRules", by_arn);
    assert_eq!(refused(&s, "PutEvents", json!({})).0, "UnknownOperationException");
}

/// PutRule refusals: `(input, words the message must contain)`.
#[test]
fn put_rule_refuses_what_ecsd_cannot_run_and_names_it() {
    let s = state();
    let cases = [
        (
            json!({"Name": "r", "EventPattern": "{\"source\": [\"aws.ec2\"]}"}),
            "EventPattern: ecsd runs scheduled rules only",
        ),
        (json!({"Name": "r"}), "ScheduleExpression must be specified"),
        (
            json!({"Name": "r", "ScheduleExpression": "rate(5 minute)"}),
            "Parameter ScheduleExpression is not valid: rate(5 minute)",
        ),
        (
            json!({"Name": "r", "ScheduleExpression": "rate(1 hour)", "State": "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"}),
            "State: ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
        ),
        (
            json!({"Name": "r.s", "ScheduleExpression": "rate(1 hour)"}),
            "Name: expected only letters, digits, '-' and '_', got \"r.s\" (EventBridge allows '.'",
        ),
        (
            json!({"Name": "r".repeat(65), "ScheduleExpression": "rate(1 hour)"}),
            "Name: expected at most 64 characters",
        ),
        (
            json!({"Name": "r", "ScheduleExpression": "rate(1 hour)", "Tags": [{"Key": "aws:x", "Value": "v"}]}),
            "Tags: tag \"aws:x\"",
        ),
        (
            json!({"Name": "r", "ScheduleExpression": "rate(1 hour)", "Description": "x".repeat(513)}),
            "Description: expected at most 512",
        ),
        (
            json!({"Name": "r", "ScheduleExpression": "rate(1 hour)", "Bogus": 1}),
            "unknown field `Bogus`",
        ),
    ];
    for (input, words) in cases {
        let (code, message) = refused(&s, "PutRule", input.clone());
        assert_eq!(code, "ValidationException", "{input}");
        assert!(message.contains(words), "{input}: {message}");
    }
    assert!(s.catalog.scheduled_tasks(None).unwrap().is_empty());
}

/// PutTargets refusals of one target: `(change to the target, words the message must contain)`.
#[test]
fn put_targets_refuses_what_ecsd_cannot_honour_names_it_and_changes_nothing() {
    let s = state();
    put_rule(&s);
    let cases = [
        (
            json!({"Arn": "arn:aws:lambda:us-east-1:000000000000:function:f"}),
            "Targets[0].Arn: ecsd runs ECS targets only",
        ),
        (
            json!({"Arn": "arn:aws:ecs:eu-west-1:000000000000:cluster/default"}),
            "Targets[0].Arn",
        ),
        (
            json!({"Arn": "arn:aws:ecs:us-east-1:000000000000:cluster/nope"}),
            "cluster nope not found",
        ),
        (
            json!({"EcsParameters": null}),
            "Targets[0].EcsParameters: required",
        ),
        (json!({"Input": "not json"}), "Targets[0].Input: not JSON"),
        (
            json!({"Input": "[1]"}),
            "Targets[0].Input: an ECS target's Input is RunTask's overrides",
        ),
        (
            json!({"Input": "{\"containerOverrides\":[{\"name\":\"other\"}]}"}),
            "Input.containerOverrides[0].name",
        ),
        (json!({"Input": "{\"bogus\":1}"}), "Targets[0].Input: bogus"),
        (json!({"Id": "a b"}), "Targets[0].Id"),
        (
            json!({"InputPath": "$.detail"}),
            "Targets[0].InputPath: not supported yet",
        ),
        (
            json!({"BatchParameters": {"JobDefinition": "j", "JobName": "n"}}),
            "Targets[0].BatchParameters: not supported yet",
        ),
        (
            json!({"RetryPolicy": {"MaximumRetryAttempts": 3}}),
            "Targets[0].RetryPolicy: not supported yet",
        ),
    ];
    for (change, words) in cases {
        assert_target_refused(&s, None, &change, words);
    }
    assert_eq!(schedule(&s, "default").spec.task_definition, None);
}

/// PutTargets of `target("t1")` with `change` merged into it (or into its `EcsParameters`,
/// with `within`) is a ValidationException whose message contains `words`.
fn assert_target_refused(s: &ApiState, within: Option<&str>, change: &Value, words: &str) {
    let mut given = target("t1");
    let merged = match within {
        Some(member) => &mut given[member],
        None => &mut given,
    };
    for (key, value) in change.as_object().unwrap() {
        merged[key] = value.clone();
    }
    let (code, message) = refused(s, "PutTargets", json!({"Rule": "nightly", "Targets": [given]}));
    assert_eq!(code, "ValidationException", "{change}: {message}");
    assert!(message.contains(words), "{change}: {message}");
}

/// EcsParameters refusals: `(member and value, words the message must contain)`.
#[test]
fn ecs_parameters_ecsd_cannot_honour_are_refused_by_name() {
    let s = state();
    put_rule(&s);
    let cases = [
        (
            json!({"TaskDefinitionArn": "nope"}),
            "EcsParameters.TaskDefinitionArn: task definition nope not found",
        ),
        (json!({"TaskCount": 11}), "EcsParameters.TaskCount"),
        (
            json!({"PlacementConstraints": [{"type": "memberOf"}]}),
            "EcsParameters.PlacementConstraints[0].expression: memberOf needs an expression",
        ),
        (
            json!({"CapacityProviderStrategy": [{"capacityProvider": "FARGATE"}]}),
            "EcsParameters.CapacityProviderStrategy: not supported yet",
        ),
        (
            json!({"ReferenceId": "r"}),
            "EcsParameters.ReferenceId: not supported yet",
        ),
        (
            json!({"PlatformVersion": "LATEST"}),
            "EcsParameters.PlatformVersion",
        ),
        (
            json!({"LaunchType": "FARGATE"}),
            "EcsParameters.LaunchType: Task definition does not support launch_type FARGATE",
        ),
        (
            json!({"NetworkConfiguration": {"awsvpcConfiguration": {"Subnets": ["s"]}}}),
            "EcsParameters.NetworkConfiguration: Network Configuration is not valid",
        ),
        (
            json!({"NetworkConfiguration": {"awsvpcConfiguration": {"subnets": ["s"]}}}),
            "awsvpcConfiguration.subnets: unknown field `subnets`",
        ),
        (
            json!({"Tags": [{"Key": "aws:x", "Value": "v"}]}),
            "EcsParameters.Tags",
        ),
    ];
    for (change, words) in cases {
        assert_target_refused(&s, Some("EcsParameters"), &change, words);
    }
    assert_eq!(schedule(&s, "default").spec.task_definition, None);
}

#[test]
fn a_watched_folders_schedule_is_a_managed_rule_changed_only_with_force() {
    let s = state();
    put_rule(&s);
    put_targets(&s, json!([target("t1")]));
    let origin = Origin {
        root: "/srv/deploy".into(),
        file: "nightly.yaml".into(),
    };
    s.catalog
        .set_owner(
            &crate::ops::ownership::schedule_key("default", "nightly"),
            &origin,
        )
        .unwrap();
    s.catalog
        .put_folder_sync(&FolderSync {
            root: "/srv/deploy".into(),
            ..Default::default()
        })
        .unwrap();
    let described = call(&s, "DescribeRule", json!({"Name": "nightly"}));
    assert_eq!(described["ManagedBy"], "/srv/deploy/nightly.yaml");
    for (op, input) in [
        (
            "PutRule",
            json!({"Name": "nightly", "ScheduleExpression": "rate(1 hour)"}),
        ),
        (
            "PutTargets",
            json!({"Rule": "nightly", "Targets": [target("t1")]}),
        ),
        ("DisableRule", json!({"Name": "nightly"})),
        ("RemoveTargets", json!({"Rule": "nightly", "Ids": ["t1"]})),
    ] {
        assert_eq!(refused(&s, op, input).0, "ManagedRuleException", "{op}");
    }
    call(
        &s,
        "RemoveTargets",
        json!({"Rule": "nightly", "Ids": ["t1"], "Force": true}),
    );
    call(&s, "DeleteRule", json!({"Name": "nightly", "Force": true}));
    assert!(s.catalog.scheduled_tasks(None).unwrap().is_empty());
}

#[test]
fn list_rules_pages_with_limit_and_next_token() {
    let s = state();
    for name in ["a", "b", "c"] {
        call(
            &s,
            "PutRule",
            json!({"Name": name, "ScheduleExpression": "rate(1 hour)"}),
        );
    }
    let first = call(&s, "ListRules", json!({"Limit": 2}));
    assert_eq!(first["Rules"].as_array().unwrap().len(), 2);
    let rest = call(
        &s,
        "ListRules",
        json!({"Limit": 2, "NextToken": first["NextToken"]}),
    );
    assert_eq!(rest["Rules"][0]["Name"], "c");
    assert!(rest.get("NextToken").is_none());
    assert_eq!(
        refused(&s, "ListRules", json!({"NextToken": "x"})).0,
        "ValidationException"
    );
}
