//! Property tests over every parser that reads untrusted input: the manifest loader, the
//! cluster query language, SigV4 `Authorization` headers and the ECS and EventBridge request
//! decoders. Each
//! property is "any input gives a value or an error": no panic, no stack overflow, and (by the
//! time bound of the run) no runaway work.
//!
//! They run with the unit tests, `FUZZ_CASES` cases each; set `PROPTEST_CASES` for longer runs
//! (`PROPTEST_CASES=100000 cargo nextest run --lib fuzz`).

use crate::api::ApiState;
use crate::api::ecs::{self, sigv4};
use crate::model::query;
use crate::store::{Catalog, MemoryStore};
use axum::http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::SystemTime;

/// Cases per property in the normal test run: enough to walk every grammar, a few seconds in all.
const FUZZ_CASES: u32 = 64;

/// `FUZZ_CASES`, or `$PROPTEST_CASES` when set.
fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(FUZZ_CASES);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Text made of `pieces` (chosen with repetition) and arbitrary short strings between them.
fn made_of(pieces: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::sample::select(pieces).prop_map(str::to_string),
        1 => ".{0,4}",
    ];
    proptest::collection::vec(piece, 0..max).prop_map(|parts| parts.concat())
}

/// One of `shapes` (open, inner, close) with `open` repeated up to `max` times around `inner`,
/// closed by as many `close` (or left open).
fn nested(
    shapes: &'static [(&'static str, &'static str, &'static str)],
    max: usize,
) -> impl Strategy<Value = String> {
    (proptest::sample::select(shapes), 0..max, any::<bool>()).prop_map(
        |((open, inner, close), depth, closed)| {
            let tail = if closed {
                close.repeat(depth)
            } else {
                String::new()
            };
            format!("{}{inner}{tail}", open.repeat(depth))
        },
    )
}

/// Deep YAML: flow sequences and mappings, block sequences and mappings.
const YAML_NESTINGS: &[(&str, &str, &str)] = &[
    ("[", "1", "]"),
    ("{a: ", "1", "}"),
    ("- ", "1", ""),
    ("a:\n  ", "1", ""),
];

/// Deep queries: parentheses, negations, long `and` chains, and both mixed.
const FILTER_NESTINGS: &[(&str, &str, &str)] = &[
    ("(", "attribute:a exists", ")"),
    ("not ", "attribute:a exists", ""),
    ("!", "attribute:a exists", ""),
    ("attribute:a exists and ", "attribute:b exists", ""),
    ("(not ", "attribute:a exists", ")"),
];

const YAML_PIECES: &[&str] = &[
    "apiVersion: ecsd/v1\n",
    "kind: TaskDefinition\n",
    "kind: Service\n",
    "kind: Cluster\n",
    "metadata:\n",
    "  name: web\n",
    "  labels: {a: b}\n",
    "spec:\n",
    "  containerDefinitions:\n",
    "    - name: a\n",
    "      image: busybox\n",
    "      command: [sh, -c, x]\n",
    "  taskDefinition: web\n",
    "  desiredCount: 4294967295\n",
    "  desiredCount: -1\n",
    "family: web\n",
    "serviceName: web\n",
    "containerDefinitions: []\n",
    "---\n",
    "...\n",
    "- ",
    "  ",
    ": ",
    "[",
    "]",
    "{",
    "}",
    ", ",
    "&a ",
    "*a",
    "<<: *a\n",
    "!!binary ",
    "!tag ",
    "\"",
    "'",
    "# c\n",
    "\t",
    "|\n",
    ">-\n",
    "\n",
    "? ",
    "%YAML 1.2\n",
    "\u{feff}",
    "\r\n",
];

const FILTER_PIECES: &[&str] = &[
    "attribute:a",
    "attribute:ecs.os-type",
    "attribute:",
    "task:group",
    " == ",
    " != ",
    " equals ",
    " not_equals ",
    " exists",
    " !exists",
    " in ",
    " !in ",
    "[",
    "]",
    ",",
    "(",
    ")",
    " and ",
    " or ",
    "not ",
    "!",
    "&&",
    "||",
    "linux",
    "x",
    " ",
    "=~",
    ">",
];

const AUTH_PIECES: &[&str] = &[
    "AWS4-HMAC-SHA256",
    " ",
    "Credential=",
    "AKID",
    "/",
    "20260101",
    "us-east-1",
    "eu-west-1",
    "ecs",
    "aws4_request",
    ", ",
    ",",
    "SignedHeaders=",
    "host",
    ";",
    "x-amz-date",
    "x-amz-target",
    "content-type",
    "Signature=",
    "00ff",
    "=",
    "==",
];

const OPERATIONS: &[&str] = &[
    "CreateCluster",
    "DeleteCluster",
    "DescribeClusters",
    "ListClusters",
    "RegisterTaskDefinition",
    "DescribeTaskDefinition",
    "ListTaskDefinitions",
    "ListTaskDefinitionFamilies",
    "DeregisterTaskDefinition",
    "DeleteTaskDefinitions",
    "ListContainerInstances",
    "DescribeContainerInstances",
    "UpdateContainerInstancesState",
    "PutAttributes",
    "DeleteAttributes",
    "ListAttributes",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
    "RunTask",
    "StartTask",
    "DescribeTasks",
    "ListTasks",
    "StopTask",
    "CreateService",
    "UpdateService",
    "DescribeServices",
    "ListServices",
    "DeleteService",
    "Nope",
];

const MEMBERS: &[&str] = &[
    "cluster",
    "clusterName",
    "clusters",
    "serviceName",
    "service",
    "services",
    "taskDefinition",
    "taskDefinitions",
    "desiredCount",
    "family",
    "containerDefinitions",
    "name",
    "image",
    "command",
    "memory",
    "cpu",
    "portMappings",
    "containerPort",
    "hostPort",
    "filter",
    "tags",
    "key",
    "value",
    "tagKeys",
    "resourceArn",
    "count",
    "tasks",
    "task",
    "include",
    "maxResults",
    "nextToken",
    "status",
    "force",
    "attributes",
    "targetType",
    "targetId",
    "containerInstances",
    "deploymentConfiguration",
    "maximumPercent",
    "minimumHealthyPercent",
    "forceNewDeployment",
    "startedBy",
    "reason",
    "schedulingStrategy",
    "essential",
    "healthCheck",
    "environment",
];

/// EventBridge operations ecsd serves, and one it does not.
const EVENTS_OPERATIONS: &[&str] = &[
    "PutRule",
    "DescribeRule",
    "ListRules",
    "EnableRule",
    "DisableRule",
    "DeleteRule",
    "PutTargets",
    "RemoveTargets",
    "ListTargetsByRule",
    "PutEvents",
];

const EVENTS_MEMBERS: &[&str] = &[
    "Name",
    "ScheduleExpression",
    "EventPattern",
    "State",
    "Description",
    "RoleArn",
    "Tags",
    "Key",
    "Value",
    "EventBusName",
    "Rule",
    "Targets",
    "Id",
    "Arn",
    "Input",
    "EcsParameters",
    "TaskDefinitionArn",
    "TaskCount",
    "LaunchType",
    "NetworkConfiguration",
    "awsvpcConfiguration",
    "Subnets",
    "Group",
    "PlacementStrategy",
    "Ids",
    "Force",
    "NamePrefix",
    "Limit",
    "NextToken",
];

/// Strings ECS requests carry.
const ECS_STRINGS: &[&str] = &[
    "arn:aws:ecs:us-east-1:000000000000:service/default/web",
    "web",
    "busybox",
];

/// Strings EventBridge requests carry, an `Input` among them (JSON inside JSON).
const EVENTS_STRINGS: &[&str] = &[
    "arn:aws:ecs:us-east-1:000000000000:cluster/default",
    "rule",
    "rate(1 second)",
    "cron(0 3 * * ? *)",
    "{\"containerOverrides\": [{\"name\": \"main\", \"command\": [\"true\"]}]}",
    "{\"containerOverrides\": {}}",
];

/// JSON shaped like requests with `members` and `strings`: awkward numbers, some nesting.
fn request_json(
    operations: &'static [&'static str],
    members: &'static [&'static str],
    strings: &'static [&'static str],
) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![Just(u64::from(u32::MAX)), Just(u64::MAX), 0..20u64].prop_map(Value::from),
        prop_oneof![Just(i64::MIN), Just(-1i64)].prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        proptest::sample::select(operations).prop_map(Value::from),
        "[a-z:/*()= ]{0,12}".prop_map(Value::from),
        proptest::sample::select(strings).prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 8, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((proptest::sample::select(members), inner), 0..8).prop_map(|pairs| {
                Value::Object(
                    pairs
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

fn api_state() -> ApiState {
    ApiState::new(Catalog::new(Arc::new(MemoryStore::new())), ecs::default_scope())
}

/// Loads `text` as a manifest file; every outcome is fine except a panic.
fn load(text: &str) {
    let (mut loaded, mut errors) = (Vec::new(), Vec::new());
    crate::model::parse_text("fuzz.yaml", text, &mut loaded, &mut errors);
}

/// Parses `text` as a cluster query and, when it parses, evaluates it.
fn query(text: &str) {
    if let Ok(parsed) = query::parse(text) {
        parsed.matches(&crate::placement::Instance::default());
    }
}

/// Verifies a request carrying `authorization` and `amz_date`; any verdict is fine.
fn verify(authorization: &str, amz_date: &str) {
    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static("127.0.0.1"));
    for (name, value) in [("authorization", authorization), ("x-amz-date", amz_date)] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    let request = sigv4::SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body: b"{}",
    };
    let credentials = sigv4::Credentials::new("AKID", "secret");
    let _ = sigv4::verify(
        &request,
        &credentials,
        "us-east-1",
        sigv4::SERVICE,
        SystemTime::now(),
    );
}

/// Now as `X-Amz-Date` (`20260101T000000Z`).
fn amz_now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now())
        .to_string()
        .replace(['-', ':'], "")
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_manifest_loader_takes_any_text(text in any::<String>()) {
        load(&text);
    }

    #[test]
    fn the_manifest_loader_takes_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        load(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn the_manifest_loader_takes_yaml_shaped_text(text in made_of(YAML_PIECES, 64)) {
        load(&text);
    }

    #[test]
    fn the_manifest_loader_takes_any_nesting(text in nested(YAML_NESTINGS, 5_000)) {
        load(&text);
    }

    #[test]
    fn the_filter_parser_takes_any_text(text in any::<String>()) {
        query(&text);
    }

    #[test]
    fn the_filter_parser_takes_expression_shaped_text(text in made_of(FILTER_PIECES, 48)) {
        query(&text);
    }

    #[test]
    fn the_filter_parser_takes_any_nesting(text in nested(FILTER_NESTINGS, 12_000)) {
        query(&text);
    }

    #[test]
    fn sigv4_verification_takes_any_authorization_header(
        authorization in prop_oneof![any::<String>(), made_of(AUTH_PIECES, 32)],
        date in prop_oneof![Just(amz_now()), any::<String>(), "[0-9TZ]{0,20}"],
    ) {
        verify(&authorization, &date);
    }

    #[test]
    fn the_ecs_decoder_takes_any_request(
        op in proptest::sample::select(OPERATIONS),
        input in prop_oneof![
            request_json(OPERATIONS, MEMBERS, ECS_STRINGS),
            any::<String>().prop_map(Value::from)
        ],
    ) {
        let _ = ecs::dispatch(&api_state(), op, input);
    }

    #[test]
    fn the_events_decoder_takes_any_request(
        op in proptest::sample::select(EVENTS_OPERATIONS),
        input in prop_oneof![
            request_json(EVENTS_OPERATIONS, EVENTS_MEMBERS, EVENTS_STRINGS),
            any::<String>().prop_map(Value::from)
        ],
    ) {
        let _ = crate::api::events::dispatch(&api_state(), op, input);
    }
}
