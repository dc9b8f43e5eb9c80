//! EventBridge's scheduled rules through the real `aws events` CLI, signed for `events` on the
//! daemon's `--listen` endpoint: a `rate(10 seconds)` rule with an ECS target runs its task
//! (with the target's `Input` as RunTask overrides) on the real engine, shows as a scheduled
//! task, and list-targets-by-rule, disable-rule, remove-targets and delete-rule behave as
//! EventBridge's do.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::Daemon;
use common::aws::{AwsCli, signed_daemon};
use serde_json::{Value, json};
use std::time::Duration;

const CLUSTER_ARN: &str = "arn:aws:ecs:us-east-1:000000000000:cluster/default";
const RULE: &str = "every-ten";

/// A daemon whose endpoint takes only requests signed with its key, and the `aws ecs` and
/// `aws events` CLIs that sign with it.
fn signed() -> (Daemon, AwsCli, AwsCli) {
    let (d, ecs) = signed_daemon("127.0.0.1:0", &[], "AKIDEVENTSTEST", "events-test-secret");
    let events = ecs.for_service("events");
    (d, ecs, events)
}

fn runs(d: &Daemon) -> Vec<Value> {
    d.json(&["get", "scheduledtask", RULE])["runs"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn the_target() -> Value {
    let overrides = json!({"containerOverrides": [{"name": "main", "command": ["sh", "-c", "exit 7"]}]});
    json!([{
        "Id": "job",
        "Arn": CLUSTER_ARN,
        "RoleArn": "arn:aws:iam::000000000000:role/ecsEventsRole",
        "Input": overrides.to_string(),
        "EcsParameters": {
            "TaskDefinitionArn": "arn:aws:ecs:us-east-1:000000000000:task-definition/eb-job:1",
            "TaskCount": 1,
            "LaunchType": "EC2"
        }
    }])
}

fn a_rule_with_an_ecs_target_runs_its_task_with_the_inputs_overrides(
    d: &Daemon,
    ecs: &AwsCli,
    events: &AwsCli,
) {
    let containers = json!([{"name": "main", "image": "busybox:latest", "memory": 32,
                             "command": ["sh", "-c", "exit 0"]}]);
    ecs.ok(
        d,
        &[
            "register-task-definition",
            "--family",
            "eb-job",
            "--container-definitions",
            &containers.to_string(),
        ],
    );
    let put = events.ok(
        d,
        &[
            "put-rule",
            "--name",
            RULE,
            "--schedule-expression",
            "rate(10 seconds)",
            "--description",
            "ecsd test",
        ],
    );
    assert_eq!(
        put["RuleArn"],
        format!("arn:aws:events:us-east-1:000000000000:rule/{RULE}")
    );
    let targets = events.ok(
        d,
        &[
            "put-targets",
            "--rule",
            RULE,
            "--targets",
            &the_target().to_string(),
        ],
    );
    assert_eq!(targets, json!({"FailedEntryCount": 0, "FailedEntries": []}));
    d.wait_until("a run of the rule's task finished", 60, |d| {
        runs(d).iter().any(|r| r["outcome"] == "FAILED")
    });
    let finished = runs(d).into_iter().find(|r| r["outcome"] == "FAILED").unwrap();
    assert_eq!(
        finished["exitCodes"],
        json!([7]),
        "the Input's command ran: {finished}"
    );
    let table = d.ok(&["get", "scheduledtasks", "-o", "wide"]);
    assert!(table.contains(RULE) && table.contains("eb-job:1"), "{table}");
    let stopped = ecs.ok(
        d,
        &[
            "list-tasks",
            "--started-by",
            &format!("ecsd-schedule/{RULE}"),
            "--desired-status",
            "STOPPED",
        ],
    );
    assert!(!stopped["taskArns"].as_array().unwrap().is_empty(), "{stopped}");
}

fn list_targets_and_describe_rule_give_back_what_was_put(d: &Daemon, events: &AwsCli) {
    let listed = events.ok(d, &["list-targets-by-rule", "--rule", RULE]);
    let target = &listed["Targets"][0];
    let given = &the_target()[0];
    assert_eq!(
        (&target["Id"], &target["Arn"], &target["RoleArn"]),
        (&given["Id"], &given["Arn"], &given["RoleArn"])
    );
    assert_eq!(target["EcsParameters"], given["EcsParameters"]);
    let input: Value = serde_json::from_str(target["Input"].as_str().unwrap()).unwrap();
    assert_eq!(input.to_string(), given["Input"].as_str().unwrap());
    let rule = events.ok(d, &["describe-rule", "--name", RULE]);
    assert_eq!(
        (&rule["State"], &rule["ScheduleExpression"], &rule["Description"]),
        (&json!("ENABLED"), &json!("rate(10 seconds)"), &json!("ecsd test"))
    );
    let all = events.ok(d, &["list-rules", "--name-prefix", "every"]);
    assert_eq!(all["Rules"][0]["Name"], RULE);
}

fn a_disabled_rule_starts_no_run(d: &Daemon, events: &AwsCli) {
    events.ok(d, &["disable-rule", "--name", RULE]);
    assert_eq!(
        events.ok(d, &["describe-rule", "--name", RULE])["State"],
        "DISABLED"
    );
    d.wait_until("the last run finished", 60, |d| {
        runs(d).iter().all(|r| r["outcome"] != "RUNNING")
    });
    let before = runs(d).len();
    // A negative: nothing may start within more than one period.
    std::thread::sleep(Duration::from_secs(11));
    assert_eq!(runs(d).len(), before, "a DISABLED rule started a run");
}

fn delete_rule_waits_for_remove_targets(d: &Daemon, events: &AwsCli) {
    let stderr = events.fails(&["delete-rule", "--name", RULE], "ValidationException");
    assert!(
        stderr.contains("Rule can't be deleted since it has targets."),
        "{stderr}"
    );
    let removed = events.ok(d, &["remove-targets", "--rule", RULE, "--ids", "job"]);
    assert_eq!(removed, json!({"FailedEntryCount": 0, "FailedEntries": []}));
    assert_eq!(
        events.ok(d, &["list-targets-by-rule", "--rule", RULE]),
        json!({"Targets": []})
    );
    events.ok(d, &["delete-rule", "--name", RULE]);
    let stderr = events.fails(&["describe-rule", "--name", RULE], "ResourceNotFoundException");
    assert!(
        stderr.contains(&format!("Rule {RULE} does not exist")),
        "{stderr}"
    );
    let (code, _) = d.exit_and_stdout(&["get", "scheduledtask", RULE]);
    assert_ne!(code, 0, "the schedule is still there after delete-rule");
}

fn rules_ecsd_cannot_run_are_refused_by_name(events: &AwsCli) {
    let pattern = r#"{"source": ["aws.ec2"]}"#;
    let stderr = events.fails(
        &["put-rule", "--name", "on-event", "--event-pattern", pattern],
        "ValidationException",
    );
    assert!(
        stderr.contains("EventPattern: ecsd runs scheduled rules only"),
        "{stderr}"
    );
    let stderr = events.fails(
        &[
            "put-rule",
            "--name",
            "bad",
            "--schedule-expression",
            "rate(5 minute)",
        ],
        "ValidationException",
    );
    assert!(
        stderr.contains("Parameter ScheduleExpression is not valid"),
        "{stderr}"
    );
}

#[test]
fn aws_events_rules_with_an_ecs_target_run_tasks_and_are_listed_disabled_and_deleted() {
    let (d, ecs, events) = signed();
    a_rule_with_an_ecs_target_runs_its_task_with_the_inputs_overrides(&d, &ecs, &events);
    list_targets_and_describe_rule_give_back_what_was_put(&d, &events);
    a_disabled_rule_starts_no_run(&d, &events);
    delete_rule_waits_for_remove_targets(&d, &events);
    rules_ecsd_cannot_run_are_refused_by_name(&events);
}
