use super::*;
use crate::model::limits::{MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LEN};
use std::collections::BTreeMap;

/// An instance as the query language sees it.
struct Target {
    attributes: BTreeMap<String, Option<String>>,
    id: &'static str,
    connected: bool,
    version: &'static str,
    registered_at: u64,
    running: u64,
    groups: Vec<&'static str>,
}

impl QueryTarget for Target {
    fn attribute(&self, name: &str) -> Option<Option<&str>> {
        self.attributes.get(name).map(Option::as_deref)
    }
    fn instance_id(&self) -> &str {
        self.id
    }
    fn agent_connected(&self) -> bool {
        self.connected
    }
    fn agent_version(&self) -> &str {
        self.version
    }
    fn registered_at(&self) -> u64 {
        self.registered_at
    }
    fn running_tasks_count(&self) -> u64 {
        self.running
    }
    fn runs_task_group(&self, group: &str) -> bool {
        self.groups.contains(&group)
    }
}

/// 2018-06-18T22:28:28Z in milliseconds.
const JUNE_18: u64 = 1_529_360_908_000;

fn target() -> Target {
    Target {
        attributes: [
            ("ecs.os-type", Some("linux")),
            ("ecs.instance-type", Some("t2.micro")),
            ("stack", Some("prod")),
            ("gpu", None),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
        .collect(),
        id: "a1b2",
        connected: true,
        version: "1.4.0",
        registered_at: JUNE_18,
        running: 3,
        groups: vec!["service:web", "family:batch"],
    }
}

fn holds(expression: &str) -> bool {
    parse(expression).unwrap().matches(&target())
}

fn reason(expression: &str) -> String {
    parse(expression).unwrap_err().reason
}

#[test]
fn equality_and_existence_compare_attributes() {
    assert!(holds("attribute:ecs.os-type == linux"));
    assert!(holds("attribute:stack equals prod"));
    assert!(!holds("attribute:stack == dev"));
    assert!(holds("attribute:stack != dev"));
    assert!(holds("attribute:stack not_equals dev"));
    assert!(holds("attribute:gpu exists"));
    assert!(!holds("attribute:ssd exists"));
    assert!(holds("attribute:ssd !exists"));
    assert!(holds("attribute:ecs.instance-type == t2.micro"));
    assert!(
        !holds("attribute:gpu == x"),
        "a name without a value equals nothing"
    );
}

#[test]
fn in_lists_and_compounds_combine_with_and_binding_tighter_than_or() {
    assert!(holds("attribute:stack in [dev, prod]"));
    assert!(!holds("attribute:stack !in [dev,prod]"));
    assert!(!holds("attribute:stack not_in [dev,prod]"));
    assert!(holds(
        "attribute:stack == dev or attribute:gpu exists and attribute:ecs.os-type == linux"
    ));
    assert!(!holds(
        "(attribute:stack == dev or attribute:gpu exists) && attribute:ssd exists"
    ));
    assert!(holds("not(attribute:stack == dev)"));
    assert!(holds("!(attribute:ssd exists) || attribute:stack == x"));
    assert!(holds(
        "attribute:stack == prod and attribute:ecs.os-type == linux"
    ));
}

#[test]
fn the_instance_id_and_agent_connection_are_matched_by_value() {
    assert!(holds("ec2InstanceId == a1b2"));
    assert!(holds("ec2InstanceId in [x, a1b2]"));
    assert!(holds("ec2InstanceId != x"));
    assert!(holds("agentConnected == true"));
    assert!(holds("agentConnected != false"));
    assert!(!holds("agentConnected == false"));
    let disconnected = Target {
        connected: false,
        ..target()
    };
    assert!(parse("agentConnected == false").unwrap().matches(&disconnected));
}

#[test]
fn running_tasks_count_compares_as_a_number() {
    assert!(holds("runningTasksCount == 3"));
    assert!(holds("runningTasksCount != 1"));
    assert!(holds("runningTasksCount > 2"));
    assert!(!holds("runningTasksCount > 3"));
    assert!(holds("runningTasksCount >= 3"));
    assert!(holds("runningTasksCount < 10"), "10 is not compared as text");
    assert!(!holds("runningTasksCount < 3"));
    assert!(holds("runningTasksCount <= 3"));
    assert!(holds(
        "runningTasksCount greater_than 2 and runningTasksCount less_than_equal 3"
    ));
}

#[test]
fn registered_at_compares_with_dates_in_every_documented_form() {
    assert!(holds("registeredAt == 2018-06-18T22:28:28Z"));
    assert!(holds("registeredAt == 2018-06-18T22:28:28+00:00"));
    assert!(holds("registeredAt == 2018-06-18T22:28:28"));
    assert!(holds("registeredAt == 2018-06-19T00:28:28+02:00"));
    assert!(holds("registeredAt == 2018-06-18T20:28:28-02:00"));
    assert!(holds("registeredAt > 2018-06-18"));
    assert!(holds("registeredAt < 2018-06-19"));
    assert!(!holds("registeredAt >= 2018-06-19"));
    assert!(holds("registeredAt <= 2018-06-18T22:28:28Z"));
}

#[test]
fn agent_version_compares_as_dotted_numbers() {
    assert!(holds("agentVersion == 1.4.0"));
    assert!(holds("agentVersion > 1.3.10"));
    assert!(holds("agentVersion < 1.10.0"), "1.10 is newer than 1.4");
    assert!(holds("agentVersion >= 1.4"));
}

#[test]
fn task_group_matches_an_instance_running_a_task_of_that_group() {
    assert!(holds("task:group == service:web"));
    assert!(holds("task:group in [service:api, family:batch]"));
    assert!(!holds("task:group == service:db"));
    assert!(holds("not(task:group == service:db)"));
    assert!(holds("task:group != service:db"));
}

#[test]
fn unsupported_subjects_and_operators_and_bad_syntax_are_refused_with_the_reason() {
    assert!(reason("pendingTasksCount == 1").contains("pendingTasksCount"));
    assert!(reason("attribute:ecs.instance-type =~ t2.*").contains("=~"));
    assert!(reason("attribute:a matches t2.*").contains("matches"));
    assert!(reason("attribute:a > 3").contains('>'));
    assert!(reason("runningTasksCount in [1, 2]").contains("in"));
    assert!(reason("runningTasksCount exists").contains("exists"));
    assert!(reason("runningTasksCount > many").contains("whole number"));
    assert!(reason("registeredAt > yesterday").contains("date"));
    assert!(reason("registeredAt > 2018-06-18T22:28:28+0").contains("date"));
    assert!(reason("agentVersion > new").contains("version"));
    assert!(reason("attribute:a ==").contains("value"));
    assert!(reason("attribute:a == >").contains("value"));
    assert!(reason("(attribute:a exists").contains(')'));
    assert!(reason("attribute:a exists attribute:b exists").contains("unexpected"));
    assert!(reason("attribute:a in [x").contains(']'));
    assert!(reason("attribute: exists").contains("attribute:"));
    assert!(reason("").contains("subject"));
}

fn nested(depth: usize) -> String {
    format!("{}attribute:a exists{}", "(".repeat(depth), ")".repeat(depth))
}

#[test]
fn nesting_up_to_the_depth_limit_parses_and_one_level_more_is_refused() {
    assert!(parse(&nested(MAX_EXPRESSION_DEPTH)).is_ok());
    let refused = reason(&nested(MAX_EXPRESSION_DEPTH + 1));
    assert!(refused.contains("32 levels"), "{refused}");
    let nots = format!("{}attribute:a exists", "not ".repeat(MAX_EXPRESSION_DEPTH + 1));
    assert!(reason(&nots).contains("levels"));
    let bangs = format!("{}attribute:a exists", "! ".repeat(MAX_EXPRESSION_DEPTH));
    assert!(parse(&bangs).is_ok());
}

#[test]
fn an_expression_longer_than_2000_characters_is_refused_and_the_error_shows_only_its_start() {
    let err = parse(&nested(10_000)).unwrap_err();
    assert!(err.reason.contains("20018 characters"), "{}", err.reason);
    assert!(err.to_string().len() < 300, "{err}");
    let padded = format!("attribute:a exists{}", " ".repeat(MAX_EXPRESSION_LEN - 18));
    assert!(parse(&padded).is_ok());
    assert!(parse(&format!("{padded} ")).is_err());
}

#[test]
fn a_long_and_or_chain_is_one_flat_list() {
    let chain = vec!["attribute:stack == prod"; 60].join(" and ");
    assert!(holds(&chain));
    let ClusterQuery::All(parts) = parse(&chain).unwrap() else {
        panic!("an and chain is All")
    };
    assert_eq!(parts.len(), 60);
    let either = vec!["attribute:stack == dev"; 60].join(" or ") + " or attribute:gpu exists";
    assert!(holds(&either));
}
