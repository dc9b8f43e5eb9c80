//! Every request member botocore's EventBridge model defines, for every operation ecsd serves
//! (and inside a target, every member of `Target` and `EcsParameters`), is either understood
//! or refused by name: none is silently ignored, none is an "unknown field".
//!
//! The walk is the ECS door's (`crate::api::ecs::conformance_tests`): each member is sent alone
//! on top of the operation's smallest request, with a value built from its shape; the answer
//! may be a success or any error but "unknown field", and a ValidationException (ecsd's
//! refusal) must name the member.

use super::{EventsError, dispatch, supported_operations};
use crate::api::ApiState;
use crate::api::ecs::conformance_tests::{botocore_model_of, sample};
use serde_json::{Value, json};

fn ecs_target() -> Value {
    json!({"Id": "t1", "Arn": "arn:aws:ecs:us-east-1:000000000000:cluster/default",
           "EcsParameters": {"TaskDefinitionArn": "job"}})
}

/// The smallest request each operation accepts, against `fixture()`'s rules.
fn base(op: &str) -> Value {
    match op {
        "PutRule" => json!({"Name": "probe", "ScheduleExpression": "rate(1 hour)"}),
        "DescribeRule" | "EnableRule" | "DisableRule" => json!({"Name": "nightly"}),
        "DeleteRule" => json!({"Name": "bare"}),
        "PutTargets" => json!({"Rule": "nightly", "Targets": [ecs_target()]}),
        "RemoveTargets" => json!({"Rule": "nightly", "Ids": ["t1"]}),
        "ListTargetsByRule" => json!({"Rule": "nightly"}),
        _ => json!({}),
    }
}

/// A task definition `job`, the rule `nightly` with the target `t1`, the rule `bare`.
fn fixture() -> ApiState {
    let s = super::tests::state();
    for name in ["nightly", "bare"] {
        let rule = json!({"Name": name, "ScheduleExpression": "rate(1 hour)"});
        dispatch(&s, "PutRule", rule).unwrap();
    }
    dispatch(&s, "PutTargets", base("PutTargets")).unwrap();
    s
}

/// What is wrong with the answer to `request`, which adds `member`; `None` when it is fine.
fn problem(op: &str, member: &str, request: Value) -> Option<String> {
    let answer = dispatch(&fixture(), op, request);
    let message = match answer {
        Ok(_) => return None,
        Err(EventsError::Validation(message)) if !message.contains(member) => message,
        Err(e) if e.to_string().contains("unknown field") => e.to_string(),
        Err(_) => return None,
    };
    Some(format!("{op} with {member}: {message}"))
}

/// The members of a structure shape, with each one's shape name.
fn members(model: &Value, shape: &str) -> Vec<(String, String)> {
    model["shapes"][shape]["members"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(name, spec)| {
                    (
                        name.clone(),
                        spec["shape"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_request_member_of_every_served_operation_is_understood_or_refused_by_name() {
    let model = botocore_model_of("events/2015-10-07");
    let mut problems = Vec::new();
    let mut checked = 0;
    for op in supported_operations() {
        let Some(input_shape) = model["operations"][op]["input"]["shape"].as_str() else {
            problems.push(format!("{op}: not an operation of botocore's EventBridge model"));
            continue;
        };
        for (member, shape) in members(&model, input_shape) {
            let mut request = base(op);
            request[&member] = sample(&model, &shape, 0);
            problems.extend(problem(op, &member, request));
            checked += 1;
        }
    }
    for (member, shape) in members(&model, "Target") {
        let mut target = ecs_target();
        target[&member] = sample(&model, &shape, 0);
        let request = json!({"Rule": "nightly", "Targets": [target]});
        problems.extend(problem("PutTargets", &member, request));
        checked += 1;
    }
    for (member, shape) in members(&model, "EcsParameters") {
        let mut target = ecs_target();
        target["EcsParameters"][&member] = sample(&model, &shape, 0);
        let request = json!({"Rule": "nightly", "Targets": [target]});
        problems.extend(problem("PutTargets", &member, request));
        checked += 1;
    }
    assert!(checked > 50, "only {checked} members were tried");
    assert!(
        problems.is_empty(),
        "{} members:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Where `value` breaks the model's `shape`: a member the shape lacks, or a wrong JSON type.
fn shape_problems(model: &Value, shape: &str, value: &Value, at: &str) -> Vec<String> {
    let s = &model["shapes"][shape];
    let wrong = |expected: &str| vec![format!("{at}: expected {expected}, got {value}")];
    match s["type"].as_str().unwrap_or_default() {
        "structure" => {
            let Some(object) = value.as_object() else {
                return wrong("an object");
            };
            let mut problems = Vec::new();
            for (member, inner) in object {
                match s["members"][member]["shape"].as_str() {
                    Some(inner_shape) => problems.extend(shape_problems(
                        model,
                        inner_shape,
                        inner,
                        &format!("{at}.{member}"),
                    )),
                    None => problems.push(format!("{at}.{member}: not a member of {shape}")),
                }
            }
            problems
        }
        "list" => match value.as_array() {
            Some(items) => items
                .iter()
                .enumerate()
                .flat_map(|(i, item)| {
                    let member = s["member"]["shape"].as_str().unwrap_or_default();
                    shape_problems(model, member, item, &format!("{at}[{i}]"))
                })
                .collect(),
            None => wrong("a list"),
        },
        "string" if !value.is_string() => wrong("a string"),
        "integer" | "long" if !value.is_i64() => wrong("an integer"),
        "boolean" if !value.is_boolean() => wrong("a boolean"),
        _ => Vec::new(),
    }
}

#[test]
fn every_response_has_only_members_of_botocores_output_shapes() {
    let model = botocore_model_of("events/2015-10-07");
    let s = fixture();
    let full = json!({"Id": "t1", "Arn": "arn:aws:ecs:us-east-1:000000000000:cluster/default",
        "RoleArn": "arn:aws:iam::000000000000:role/r", "Input": "{\"containerOverrides\":[{\"name\":\"main\"}]}",
        "EcsParameters": {"TaskDefinitionArn": "job:1", "TaskCount": 2, "LaunchType": "EC2", "Group": "g",
            "PlacementStrategy": [{"type": "binpack", "field": "memory"}], "PropagateTags": "TASK_DEFINITION",
            "EnableECSManagedTags": true, "EnableExecuteCommand": true, "Tags": [{"Key": "k", "Value": "v"}]}});
    let mut second = ecs_target();
    second["Id"] = json!("t2");
    let calls = [
        ("PutRule", base("PutRule")),
        (
            "PutTargets",
            json!({"Rule": "nightly", "Targets": [full, second]}),
        ),
        ("DescribeRule", base("DescribeRule")),
        ("ListRules", json!({"Limit": 1})),
        ("ListTargetsByRule", base("ListTargetsByRule")),
        ("RemoveTargets", base("RemoveTargets")),
    ];
    let mut problems = Vec::new();
    for (op, request) in calls {
        let output = dispatch(&s, op, request).unwrap_or_else(|e| panic!("{op}: {e}"));
        let shape = model["operations"][op]["output"]["shape"].as_str().unwrap();
        problems.extend(shape_problems(&model, shape, &output, op));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
