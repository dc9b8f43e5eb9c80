//! Semantic checks of target groups and load balancers: ELBv2 ranges, bounds, and what ecsd
//! does not implement yet, each a `FieldError` at its field path.

use super::load_balancer::{Action, ActionType, Condition, ConditionField, Listener, LoadBalancerSpec};
use super::target_group::{LbProtocol, NumberOrText, TargetGroupSpec, defaults, parse_http_codes};
use crate::model::duration::Seconds;
use crate::model::validation::{FieldError, check_name_within};
use std::collections::BTreeSet;

/// Most listeners per load balancer (ELB quota).
const MAX_LISTENERS: usize = 50;
/// Most rules per listener (ELB quota, default 100).
const MAX_RULES: usize = 100;
/// Most condition values per rule (ELB quota).
const MAX_CONDITION_VALUES: usize = 5;
/// Most target groups per forward action (ELB quota).
const MAX_FORWARD_GROUPS: usize = 5;
/// Longest condition value (ELB: 128).
const MAX_PATTERN_LEN: usize = 128;
/// Longest health-check path and fixed-response body (ELB: 1024).
const MAX_TEXT_LEN: usize = 1024;
/// Content types a fixed response may declare (ELB's list).
const CONTENT_TYPES: [&str; 5] = [
    "text/plain",
    "text/css",
    "text/html",
    "application/javascript",
    "application/json",
];

/// Checks a target group's ranges (ELBv2's) and refuses what is not implemented.
pub fn validate_target_group(spec: &TargetGroupSpec) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut fail =
        |path: &str, message: String| errors.push(FieldError::new(format!("spec.{path}"), message));
    check_protocols(spec, &mut fail);
    check_health_check_target(spec, &mut fail);
    let full = spec.with_defaults();
    check_timing(&full, &mut fail);
    check_attributes(&full, &mut fail);
    if let Some(matcher) = &spec.matcher
        && let Err(why) = parse_http_codes(&matcher.http_code)
    {
        fail("matcher.httpCode", why);
    }
    errors
}

fn check_protocols(spec: &TargetGroupSpec, fail: &mut impl FnMut(&str, String)) {
    check_protocol(spec.protocol, "protocol", fail);
    if let Some(protocol) = spec.health_check_protocol {
        check_protocol(protocol, "healthCheckProtocol", fail);
        if spec.protocol == LbProtocol::Http && protocol == LbProtocol::Tcp {
            fail(
                "healthCheckProtocol",
                "an HTTP target group is checked over HTTP".into(),
            );
        }
    }
    if spec.health_check_enabled == Some(false) {
        fail("healthCheckEnabled", "health checks cannot be disabled".into());
    }
}

fn check_health_check_target(spec: &TargetGroupSpec, fail: &mut impl FnMut(&str, String)) {
    if let Some(path) = &spec.health_check_path
        && (!path.starts_with('/') || path.len() > MAX_TEXT_LEN)
    {
        let why = format!("expected a path starting with '/' of at most {MAX_TEXT_LEN} characters");
        fail("healthCheckPath", why);
    }
    if let Some(port) = &spec.health_check_port {
        let valid = match port {
            NumberOrText::Text(t) if t == defaults::TRAFFIC_PORT => true,
            other => other.as_number().is_some_and(|p| (1..=65535).contains(&p)),
        };
        if !valid {
            fail(
                "healthCheckPort",
                "expected `traffic-port` or a port 1-65535".into(),
            );
        }
    }
}

/// Interval, timeout and thresholds of a spec `with_defaults`.
fn check_timing(full: &TargetGroupSpec, fail: &mut impl FnMut(&str, String)) {
    let interval = full.health_check_interval_seconds.unwrap_or_default();
    let timeout = full.health_check_timeout_seconds.unwrap_or_default();
    check_range(interval.0, 5, 300, "healthCheckIntervalSeconds", fail);
    check_range(timeout.0, 2, 120, "healthCheckTimeoutSeconds", fail);
    if timeout >= interval {
        let why = format!("expected less than the interval ({} s)", interval.0);
        fail("healthCheckTimeoutSeconds", why);
    }
    let thresholds = [
        (full.healthy_threshold_count, "healthyThresholdCount"),
        (full.unhealthy_threshold_count, "unhealthyThresholdCount"),
    ];
    for (count, path) in thresholds {
        check_range(u64::from(count.unwrap_or_default()), 2, 10, path, fail);
    }
}

/// Attributes of a spec `with_defaults`.
fn check_attributes(full: &TargetGroupSpec, fail: &mut impl FnMut(&str, String)) {
    let attributes = &full.attributes;
    let delay = attributes
        .deregistration_delay_timeout_seconds
        .unwrap_or_default();
    let path = "attributes.deregistration_delay.timeout_seconds";
    check_range(delay.0, 0, 3600, path, fail);
    let slow = attributes.slow_start_duration_seconds.unwrap_or(Seconds(0)).0;
    if slow != 0 && !(30..=900).contains(&slow) {
        fail(
            "attributes.slow_start.duration_seconds",
            "expected 0 (off) or 30-900".into(),
        );
    }
}

/// Checks a load balancer's listeners, rules and actions (target-group existence is the
/// caller's: see `LoadBalancerSpec::target_group_names`).
pub fn validate_load_balancer(spec: &LoadBalancerSpec) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if spec.listeners.len() > MAX_LISTENERS {
        errors.push(FieldError::new(
            "spec.listeners",
            format!("expected at most {MAX_LISTENERS} listeners"),
        ));
    }
    let mut bound = BTreeSet::new();
    for (i, listener) in spec.listeners.iter().enumerate() {
        let at = format!("spec.listeners[{i}]");
        if !bound.insert((listener.bind_address(), listener.port)) {
            errors.push(FieldError::new(
                format!("{at}.port"),
                format!("port {} is used by another listener", listener.port),
            ));
        }
        check_listener(listener, &at, &mut errors);
    }
    errors
}

fn check_listener(listener: &Listener, at: &str, errors: &mut Vec<FieldError>) {
    let mut fail =
        |path: &str, message: String| errors.push(FieldError::new(format!("{at}.{path}"), message));
    check_protocol(listener.protocol, "protocol", &mut fail);
    if listener.port == 0 {
        fail("port", "expected a port 1-65535".into());
    }
    check_actions(&listener.default_actions, "defaultActions", &mut fail);
    if listener.protocol == LbProtocol::Tcp {
        if !listener.rules.is_empty() {
            fail(
                "rules",
                "a TCP listener has no rules; it forwards every connection".into(),
            );
        }
        let forwards: Vec<_> = listener
            .default_actions
            .iter()
            .flat_map(Action::forward_targets)
            .collect();
        if listener
            .default_actions
            .iter()
            .any(|a| a.action_type != ActionType::Forward)
            || forwards.len() > 1
        {
            fail(
                "defaultActions",
                "a TCP listener forwards to exactly one target group".into(),
            );
        }
    }
    if listener.rules.len() > MAX_RULES {
        fail("rules", format!("expected at most {MAX_RULES} rules"));
    }
    let mut priorities = BTreeSet::new();
    for (j, rule) in listener.rules.iter().enumerate() {
        let rule_at = format!("rules[{j}]");
        if !(1..=50000).contains(&rule.priority) {
            fail(&format!("{rule_at}.priority"), "expected 1-50000".into());
        } else if !priorities.insert(rule.priority) {
            fail(
                &format!("{rule_at}.priority"),
                format!("priority {} is used by another rule", rule.priority),
            );
        }
        check_conditions(&rule.conditions, &format!("{rule_at}.conditions"), &mut fail);
        check_actions(&rule.actions, &format!("{rule_at}.actions"), &mut fail);
    }
}

fn check_conditions(conditions: &[Condition], at: &str, fail: &mut impl FnMut(&str, String)) {
    if conditions.is_empty() {
        fail(at, "expected at least one condition".into());
    }
    let values: usize = conditions.iter().map(|c| c.values.len()).sum();
    if values > MAX_CONDITION_VALUES {
        fail(
            at,
            format!("expected at most {MAX_CONDITION_VALUES} values in all conditions of a rule"),
        );
    }
    let mut fields = BTreeSet::new();
    for (k, condition) in conditions.iter().enumerate() {
        let field = condition.field;
        if !matches!(field, ConditionField::HostHeader | ConditionField::PathPattern) {
            fail(
                &format!("{at}[{k}].field"),
                format!("{field:?} conditions are not supported yet (use host-header or path-pattern)"),
            );
        } else if !fields.insert(format!("{field:?}")) {
            fail(
                &format!("{at}[{k}].field"),
                "each field may appear once per rule; list several values instead".into(),
            );
        }
        if condition.values.is_empty() {
            fail(&format!("{at}[{k}].values"), "expected at least one value".into());
        }
        if condition
            .values
            .iter()
            .any(|v| v.is_empty() || v.len() > MAX_PATTERN_LEN)
        {
            fail(
                &format!("{at}[{k}].values"),
                format!("expected values of 1-{MAX_PATTERN_LEN} characters"),
            );
        }
    }
}

fn check_actions(actions: &[Action], at: &str, fail: &mut impl FnMut(&str, String)) {
    let [action] = actions else {
        return fail(
            at,
            "expected exactly one action (forward or fixed-response)".into(),
        );
    };
    let at = format!("{at}[0]");
    match action.action_type {
        ActionType::Forward => check_forward(action, &at, fail),
        ActionType::FixedResponse => check_fixed_response(action, &at, fail),
        other => fail(
            &format!("{at}.type"),
            format!("{other:?} actions are not supported yet"),
        ),
    }
}

fn check_forward(action: &Action, at: &str, fail: &mut impl FnMut(&str, String)) {
    match (&action.target_group_arn, &action.forward_config) {
        (Some(_), None) => {}
        (None, Some(config)) => {
            let groups = &config.target_groups;
            if groups.is_empty() || groups.len() > MAX_FORWARD_GROUPS {
                fail(
                    &format!("{at}.forwardConfig.targetGroups"),
                    format!("expected 1-{MAX_FORWARD_GROUPS} target groups"),
                );
            }
            if groups.iter().any(|g| g.weight.is_some_and(|w| w > 999)) {
                fail(
                    &format!("{at}.forwardConfig.targetGroups"),
                    "expected weights 0-999".into(),
                );
            }
            if !groups.is_empty() && groups.iter().all(|g| g.weight == Some(0)) {
                fail(
                    &format!("{at}.forwardConfig.targetGroups"),
                    "at least one weight must be above 0".into(),
                );
            }
        }
        _ => fail(
            at,
            "a forward action takes either targetGroupArn or forwardConfig".into(),
        ),
    }
    for (name, _) in action.forward_targets() {
        if let Err(why) = check_name_within(&name, 32) {
            fail(&format!("{at}.targetGroupArn"), why);
        }
    }
    if action.fixed_response_config.is_some() {
        fail(
            &format!("{at}.fixedResponseConfig"),
            "only a fixed-response action takes it".into(),
        );
    }
}

fn check_fixed_response(action: &Action, at: &str, fail: &mut impl FnMut(&str, String)) {
    if action.target_group_arn.is_some() || action.forward_config.is_some() {
        fail(
            at,
            "a fixed-response action forwards nowhere; remove the target groups".into(),
        );
    }
    let Some(config) = &action.fixed_response_config else {
        return fail(
            &format!("{at}.fixedResponseConfig"),
            "required for a fixed-response action".into(),
        );
    };
    let code = config.status_code.as_number().unwrap_or(0);
    if !matches!(code / 100, 2 | 4 | 5) {
        fail(
            &format!("{at}.fixedResponseConfig.statusCode"),
            "expected a 2XX, 4XX or 5XX code".into(),
        );
    }
    if let Some(content_type) = &config.content_type
        && !CONTENT_TYPES.contains(&content_type.as_str())
    {
        fail(
            &format!("{at}.fixedResponseConfig.contentType"),
            format!("expected one of {}", CONTENT_TYPES.join(", ")),
        );
    }
    if config
        .message_body
        .as_ref()
        .is_some_and(|b| b.len() > MAX_TEXT_LEN)
    {
        fail(
            &format!("{at}.fixedResponseConfig.messageBody"),
            format!("expected at most {MAX_TEXT_LEN} characters"),
        );
    }
}

fn check_protocol(protocol: LbProtocol, path: &str, fail: &mut impl FnMut(&str, String)) {
    if !protocol.is_supported() {
        fail(
            path,
            format!(
                "{} is not supported yet (HTTP or TCP; TLS termination may come later)",
                protocol.as_str()
            ),
        );
    }
}

fn check_range(value: u64, low: u64, high: u64, path: &str, fail: &mut impl FnMut(&str, String)) {
    if !(low..=high).contains(&value) {
        fail(path, format!("expected {low}-{high}, got {value}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target_group(yaml: &str) -> Vec<String> {
        let spec: TargetGroupSpec = serde_yaml_ng::from_str(yaml).unwrap();
        validate_target_group(&spec)
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }

    fn load_balancer(yaml: &str) -> Vec<String> {
        let spec: LoadBalancerSpec = serde_yaml_ng::from_str(yaml).unwrap();
        validate_load_balancer(&spec)
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn a_target_group_with_defaults_is_valid() {
        assert!(target_group("protocol: HTTP").is_empty());
        assert!(target_group("protocol: TCP\nhealthCheckProtocol: HTTP").is_empty());
    }

    #[test]
    fn target_group_ranges_are_elbv2_ranges() {
        let errors = target_group(
            "healthCheckIntervalSeconds: 4\nhealthCheckTimeoutSeconds: 121\nhealthyThresholdCount: 1\n\
             unhealthyThresholdCount: 11\nmatcher: {httpCode: '500'}\n\
             attributes: {deregistration_delay.timeout_seconds: 3601, slow_start.duration_seconds: 10}",
        );
        for path in [
            "spec.healthCheckIntervalSeconds",
            "spec.healthCheckTimeoutSeconds: expected 2-120",
            "spec.healthCheckTimeoutSeconds: expected less than the interval",
            "spec.healthyThresholdCount",
            "spec.unhealthyThresholdCount",
            "spec.matcher.httpCode",
            "spec.attributes.deregistration_delay.timeout_seconds",
            "spec.attributes.slow_start.duration_seconds",
        ] {
            assert!(errors.iter().any(|e| e.starts_with(path)), "{path} in {errors:?}");
        }
    }

    #[test]
    fn tls_protocols_are_refused_as_not_supported_yet() {
        let errors = target_group("protocol: HTTPS");
        assert!(errors[0].contains("HTTPS is not supported yet"), "{errors:?}");
        let errors = load_balancer(
            "listeners: [{port: 443, protocol: HTTPS, defaultActions: [{type: forward, targetGroupArn: web}]}]",
        );
        assert!(errors[0].contains("not supported yet"), "{errors:?}");
    }

    #[test]
    fn rule_priorities_are_unique_and_in_range() {
        let errors = load_balancer(
            r#"
listeners:
  - port: 80
    defaultActions: [{type: forward, targetGroupArn: web}]
    rules:
      - {priority: 5, conditions: [{field: path-pattern, values: ["/a*"]}], actions: [{type: forward, targetGroupArn: a}]}
      - {priority: 5, conditions: [{field: path-pattern, values: ["/b*"]}], actions: [{type: forward, targetGroupArn: b}]}
      - {priority: 0, conditions: [{field: path-pattern, values: ["/c*"]}], actions: [{type: forward, targetGroupArn: c}]}
"#,
        );
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("rules[1].priority: priority 5 is used"));
        assert!(errors[1].contains("rules[2].priority: expected 1-50000"));
    }

    #[test]
    fn actions_and_conditions_are_bounded_and_unimplemented_ones_named() {
        let errors = load_balancer(
            r#"
listeners:
  - port: 80
    defaultActions: [{type: redirect}]
    rules:
      - priority: 1
        conditions: [{field: http-header, values: [a]}, {field: path-pattern, values: [a, b, c, d, e]}]
        actions: [{type: forward, forwardConfig: {targetGroups: [{targetGroupArn: a}, {targetGroupArn: b}, {targetGroupArn: c}, {targetGroupArn: d}, {targetGroupArn: e}, {targetGroupArn: f}]}}]
  - port: 80
    protocol: TCP
    defaultActions: [{type: fixed-response, fixedResponseConfig: {statusCode: 300}}]
"#,
        );
        for text in [
            "defaultActions[0].type: Redirect actions are not supported yet",
            "conditions: expected at most 5 values",
            "conditions[0].field: HttpHeader conditions are not supported yet",
            "forwardConfig.targetGroups: expected 1-5",
            "listeners[1].port: port 80 is used by another listener",
            "listeners[1].defaultActions: a TCP listener forwards to exactly one target group",
            "statusCode: expected a 2XX",
        ] {
            assert!(errors.iter().any(|e| e.contains(text)), "{text} in {errors:?}");
        }
    }
}
