//! Unit tests of route matching.

use super::*;
use crate::model::load_balancing::LoadBalancerSpec;

fn table(yaml: &str) -> RouteTable<String> {
    let spec: LoadBalancerSpec = serde_yaml_ng::from_str(yaml).unwrap();
    RouteTable::compile(&spec.listeners[0], |name| Some(name.to_string())).unwrap()
}

fn forwarded(action: &RouteAction<String>) -> Vec<&str> {
    match action {
        RouteAction::Forward(groups) => groups.iter().map(|(g, _)| g.as_str()).collect(),
        RouteAction::Fixed(fixed) => vec![if fixed.status == 404 { "404" } else { "fixed" }],
    }
}

const LISTENER: &str = r#"
listeners:
  - port: 80
    defaultActions: [{type: fixed-response, fixedResponseConfig: {statusCode: 404, messageBody: nothing here}}]
    rules:
      - priority: 20
        conditions: [{field: path-pattern, values: ["/api/*"]}]
        actions: [{type: forward, targetGroupArn: api}]
      - priority: 10
        conditions: [{field: host-header, values: ["admin.example.com"]}, {field: path-pattern, values: ["/api/*"]}]
        actions: [{type: forward, targetGroupArn: admin-api}]
      - priority: 30
        conditions: [{field: host-header, values: ["*.example.com", "example.???"]}]
        actions: [{type: forward, targetGroupArn: "arn:aws:elasticloadbalancing:r:1:targetgroup/web/abc"}]
"#;

#[test]
fn rules_are_tried_by_ascending_priority() {
    let table = table(LISTENER);
    assert_eq!(
        forwarded(table.route(Some("admin.example.com"), "/api/x")),
        ["admin-api"]
    );
    assert_eq!(forwarded(table.route(Some("www.example.com"), "/api/x")), ["api"]);
    assert_eq!(forwarded(table.route(Some("www.example.com"), "/")), ["web"]);
}

#[test]
fn every_condition_of_a_rule_must_match() {
    let table = table(LISTENER);
    assert_eq!(forwarded(table.route(Some("admin.example.com"), "/ui")), ["web"]);
}

#[test]
fn unmatched_requests_get_the_default_action() {
    let table = table(LISTENER);
    assert_eq!(forwarded(table.route(Some("other.org"), "/")), ["404"]);
    assert_eq!(forwarded(table.route(None, "/")), ["404"]);
    match table.route(None, "/") {
        RouteAction::Fixed(fixed) => assert_eq!(fixed.body, "nothing here"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn hosts_match_case_insensitively_and_without_their_port() {
    let table = table(LISTENER);
    assert_eq!(forwarded(table.route(Some("WWW.Example.COM:8080"), "/")), ["web"]);
    assert_eq!(forwarded(table.route(Some("example.org"), "/")), ["web"]);
    assert_eq!(forwarded(table.route(Some("example.info"), "/")), ["404"]);
}

#[test]
fn paths_match_case_sensitively() {
    let table = table(LISTENER);
    assert_eq!(forwarded(table.route(Some("x.org"), "/api/v1")), ["api"]);
    assert_eq!(forwarded(table.route(Some("x.org"), "/API/v1")), ["404"]);
}

#[test]
fn wildcards_match_runs_and_single_characters() {
    assert!(wildcard_match("*", ""));
    assert!(wildcard_match("/api/*", "/api/"));
    assert!(wildcard_match("/api/*", "/api/a/b"));
    assert!(!wildcard_match("/api/*", "/api"));
    assert!(wildcard_match("/*.png", "/img/a.png"));
    assert!(wildcard_match("/a*b*c", "/aXbYbZc"));
    assert!(!wildcard_match("/a*b*c", "/aXbYbZ"));
    assert!(wildcard_match("/v?/x", "/v1/x"));
    assert!(!wildcard_match("/v?/x", "/v10/x"));
    assert!(wildcard_match("exact", "exact"));
    assert!(!wildcard_match("exact", "exactly"));
}

#[test]
fn host_ports_are_stripped_but_ipv6_literals_kept() {
    assert_eq!(host_without_port("a.com:80"), "a.com");
    assert_eq!(host_without_port("a.com"), "a.com");
    assert_eq!(host_without_port("[::1]:80"), "[::1]");
    assert_eq!(host_without_port("[::1]"), "[::1]");
}

#[test]
fn weighted_forwards_split_by_weight_and_skip_zero_weights() {
    let groups = [("blue", 90), ("green", 10), ("off", 0)];
    assert_eq!(choose_weighted(&groups, 0.0), Some(&"blue"));
    assert_eq!(choose_weighted(&groups, 0.899), Some(&"blue"));
    assert_eq!(choose_weighted(&groups, 0.9), Some(&"green"));
    assert_eq!(choose_weighted(&groups, 1.0), Some(&"green"));
    assert_eq!(choose_weighted(&[("off", 0)], 0.5), None);
}

#[test]
fn unknown_target_groups_fail_compilation_by_name() {
    let spec: LoadBalancerSpec = serde_yaml_ng::from_str(LISTENER).unwrap();
    let err = RouteTable::<String>::compile(&spec.listeners[0], |n| (n != "api").then(|| n.to_string()));
    assert_eq!(err.unwrap_err(), "api");
}
