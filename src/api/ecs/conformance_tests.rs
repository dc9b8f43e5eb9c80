//! Every request member botocore's ECS model defines, for every operation ecsd serves, is
//! either understood or refused by name: none is silently ignored.
//!
//! The model is botocore's own `service-2.json`, from the aws CLI that `scripts/setup-aws`
//! installs into `target/aws-venv`. Each member is sent alone (on top of the operation's
//! minimal request) with a value built from its shape; the answer may be a success or any
//! error except "unknown field", and a refusal must name the member. Together with
//! `deny_unknown_fields` on every input, this proves each member is declared; the compiler's
//! dead-code check proves each declared one is read.

use super::{default_scope, dispatch, supported_operations};
use crate::api::ApiState;
use crate::store::{Catalog, MemoryStore};
use serde_json::{Map, Value, json};
use std::path::PathBuf;
use std::sync::Arc;

/// botocore's ECS model, or a loud failure naming the script that installs it.
fn botocore_model() -> Value {
    botocore_model_of("ecs/2014-11-13")
}

/// botocore's model of a service (`ecs/2014-11-13`, `events/2015-10-07`), or a loud failure
/// naming the script that installs it.
pub(crate) fn botocore_model_of(service: &str) -> Value {
    let lib = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/aws-venv/lib");
    let found = std::fs::read_dir(&lib).ok().and_then(|dirs| {
        dirs.flatten()
            .map(|d| {
                d.path().join(format!(
                    "site-packages/awscli/botocore/data/{service}/service-2.json"
                ))
            })
            .find(|p| p.exists())
    });
    let path = found.unwrap_or_else(|| {
        panic!(
            "botocore's {service} model is not under {}: run `scripts/setup-aws` (or `scripts/test`, which does it)",
            lib.display()
        )
    });
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A value of the shape: every required member, or the first one when none is required;
/// the first enum value for strings.
pub(crate) fn sample(model: &Value, shape: &str, depth: usize) -> Value {
    let s = &model["shapes"][shape];
    match s["type"].as_str().unwrap_or("string") {
        "structure" => {
            let members = s["members"].as_object().cloned().unwrap_or_default();
            let required: Vec<&str> = s["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut out = Map::new();
            for (name, member) in &members {
                let first = out.is_empty() && required.is_empty();
                if (required.contains(&name.as_str()) || first) && depth < 6 {
                    let target = member["shape"].as_str().unwrap_or_default();
                    out.insert(name.clone(), sample(model, target, depth + 1));
                }
            }
            Value::Object(out)
        }
        "list" => json!([sample(
            model,
            s["member"]["shape"].as_str().unwrap_or_default(),
            depth + 1
        )]),
        "map" => json!({"k": sample(model, s["value"]["shape"].as_str().unwrap_or_default(), depth + 1)}),
        "boolean" => json!(true),
        "integer" | "long" => json!(1),
        "double" | "float" => json!(1.0),
        "timestamp" => json!(0),
        _ => match s["enum"].as_array().and_then(|e| e.first()) {
            Some(first) => first.clone(),
            None => json!("x"),
        },
    }
}

/// The smallest request each operation accepts, against `fixture()`'s objects.
fn base(op: &str) -> Value {
    match op {
        "RegisterTaskDefinition" => {
            json!({"family": "probe", "containerDefinitions": [{"name": "a", "image": "busybox", "memory": 64}]})
        }
        "DescribeTaskDefinition" | "DeregisterTaskDefinition" => json!({"taskDefinition": "web"}),
        "DeleteTaskDefinitions" => json!({"taskDefinitions": ["web:1"]}),
        "DeleteCluster" => json!({"cluster": "default"}),
        "UpdateCluster" | "UpdateClusterSettings" => json!({"cluster": "default", "settings": []}),
        "RunTask" => json!({"taskDefinition": "web"}),
        "StartTask" => json!({"taskDefinition": "web", "containerInstances": ["x"]}),
        "DescribeTasks" => json!({"tasks": ["nope"]}),
        "StopTask" => json!({"task": "nope"}),
        "CreateService" => json!({"serviceName": "svc", "taskDefinition": "web", "desiredCount": 0}),
        "UpdateService" | "DeleteService" => json!({"service": "existing"}),
        "DescribeServices" => json!({"services": ["existing"]}),
        "DescribeContainerInstances" => json!({"containerInstances": ["x"]}),
        "UpdateContainerInstancesState" => json!({"containerInstances": ["x"], "status": "ACTIVE"}),
        "PutAttributes" | "DeleteAttributes" => json!({"attributes": [{"name": "a"}]}),
        "ListAttributes" => json!({"targetType": "container-instance"}),
        "TagResource" => json!({"resourceArn": CLUSTER_ARN, "tags": []}),
        "UntagResource" => json!({"resourceArn": CLUSTER_ARN, "tagKeys": []}),
        "ListTagsForResource" => json!({"resourceArn": CLUSTER_ARN}),
        _ => json!({}),
    }
}

const CLUSTER_ARN: &str = "arn:aws:ecs:us-east-1:000000000000:cluster/default";

fn fixture() -> ApiState {
    let s = ApiState::new(Catalog::new(Arc::new(MemoryStore::new())), default_scope());
    let td =
        json!({"family": "web", "containerDefinitions": [{"name": "web", "image": "busybox", "memory": 64}]});
    dispatch(&s, "RegisterTaskDefinition", td).unwrap();
    let svc = json!({"serviceName": "existing", "taskDefinition": "web", "desiredCount": 1});
    dispatch(&s, "CreateService", svc).unwrap();
    s
}

#[test]
fn every_request_member_of_every_served_operation_is_understood_or_refused_by_name() {
    let model = botocore_model();
    let mut problems = Vec::new();
    let mut checked = 0;
    for op in supported_operations() {
        let Some(input_shape) = model["operations"][op]["input"]["shape"].as_str() else {
            problems.push(format!("{op}: not an operation of botocore's ECS model"));
            continue;
        };
        let members = model["shapes"][input_shape]["members"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (member, spec) in &members {
            let mut request = base(op);
            let value = sample(&model, spec["shape"].as_str().unwrap_or_default(), 0);
            request[member] = value.clone();
            let Err(e) = dispatch(&fixture(), op, request) else {
                checked += 1;
                continue;
            };
            let message = e.to_string();
            if message.contains("unknown field") {
                problems.push(format!("{op}.{member} is unknown to ecsd: {message}"));
            } else if message.contains("not supported yet") && !message.contains(member.as_str()) {
                problems.push(format!("{op}.{member} is refused without its name: {message}"));
            }
            checked += 1;
        }
    }
    assert!(checked > 150, "only {checked} members were tried");
    assert!(
        problems.is_empty(),
        "{} members:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
