//! `kind: LoadBalancer`: listeners, rules, conditions and actions in ELBv2 names.

use super::target_group::{LbProtocol, NumberOrText};
use crate::model::unsupported::NotSupported;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// A load balancer as the user declares it: a set of listeners.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoadBalancerSpec {
    /// Ports the load balancer listens on (at most 50).
    #[serde(default)]
    pub listeners: Vec<Listener>,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub scheme: NotSupported,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub subnets: NotSupported,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub security_groups: NotSupported,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub ip_address_type: NotSupported,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub tags: NotSupported,
}

/// ELB `Listener`: a port, a protocol, default actions and rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Listener {
    /// Port to listen on.
    pub port: u16,
    /// `HTTP` (default) or `TCP`.
    #[serde(default)]
    pub protocol: LbProtocol,
    /// Address to bind; all interfaces (`0.0.0.0`) when absent, as `docker run -p` does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<IpAddr>,
    /// What a request matching no rule gets (exactly one action).
    #[serde(default)]
    pub default_actions: Vec<Action>,
    /// Rules, evaluated by ascending priority (HTTP only, at most 100).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// ELB field not supported yet (TLS termination).
    #[serde(default, skip_serializing)]
    pub certificates: NotSupported,
    /// ELB field not supported yet (TLS termination).
    #[serde(default, skip_serializing)]
    pub ssl_policy: NotSupported,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub alpn_policy: NotSupported,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub mutual_authentication: NotSupported,
}

impl Listener {
    /// The address to bind (default all IPv4 interfaces).
    pub fn bind_address(&self) -> IpAddr {
        self.address.unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }
}

/// ELB `Rule`: conditions that, all matching, select actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rule {
    /// 1–50000, unique per listener; lowest first.
    pub priority: u32,
    /// Every condition must match (at most 5 values in all).
    pub conditions: Vec<Condition>,
    /// Exactly one action.
    pub actions: Vec<Action>,
}

/// ELB `RuleCondition`: a field and the values any one of which must match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Condition {
    /// `host-header` or `path-pattern`.
    pub field: ConditionField,
    /// Patterns with `*` and `?` wildcards.
    pub values: Vec<String>,
    /// ELB field not supported yet (use `values`).
    #[serde(default, skip_serializing)]
    pub host_header_config: NotSupported,
    /// ELB field not supported yet (use `values`).
    #[serde(default, skip_serializing)]
    pub path_pattern_config: NotSupported,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub http_header_config: NotSupported,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub query_string_config: NotSupported,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub http_request_method_config: NotSupported,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub source_ip_config: NotSupported,
}

/// The condition fields ELB defines; `host-header` and `path-pattern` are implemented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConditionField {
    /// The `Host` header, case-insensitive, without its port.
    HostHeader,
    /// The URL path, case-sensitive, without the query string.
    PathPattern,
    /// Not supported yet.
    HttpHeader,
    /// Not supported yet.
    HttpRequestMethod,
    /// Not supported yet.
    QueryString,
    /// Not supported yet.
    SourceIp,
}

/// ELB `Action`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Action {
    /// `forward` or `fixed-response`.
    #[serde(rename = "type")]
    pub action_type: ActionType,
    /// `forward` to one target group, by name or ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_group_arn: Option<String>,
    /// `forward` to one or several weighted target groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward_config: Option<ForwardConfig>,
    /// The response of a `fixed-response` action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_response_config: Option<FixedResponseConfig>,
    /// ELB field without use here (one action per list).
    #[serde(default, skip_serializing)]
    pub order: Option<u32>,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub redirect_config: NotSupported,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub authenticate_oidc_config: NotSupported,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub authenticate_cognito_config: NotSupported,
}

/// The action types ELB defines; `forward` and `fixed-response` are implemented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionType {
    /// Send to target groups.
    Forward,
    /// Answer without a target.
    FixedResponse,
    /// Not supported yet.
    Redirect,
    /// Not supported yet.
    AuthenticateOidc,
    /// Not supported yet.
    AuthenticateCognito,
}

/// ELB `ForwardActionConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ForwardConfig {
    /// One to five target groups with weights.
    pub target_groups: Vec<WeightedTargetGroup>,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub target_group_stickiness_config: NotSupported,
}

/// ELB `TargetGroupTuple`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WeightedTargetGroup {
    /// The target group, by name or ARN.
    pub target_group_arn: String,
    /// 0–999 (default 1); the share of requests is weight / sum of weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
}

/// ELB `FixedResponseActionConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixedResponseConfig {
    /// 2XX, 4XX or 5XX.
    pub status_code: NumberOrText,
    /// `text/plain` (default), `text/css`, `text/html`, `application/javascript` or
    /// `application/json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// At most 1024 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_body: Option<String>,
}

impl Action {
    /// The `(target group name, weight)` pairs a forward action sends to.
    pub fn forward_targets(&self) -> Vec<(String, u32)> {
        let single = self.target_group_arn.iter().map(|n| (target_group_name(n), 1));
        let weighted = self.forward_config.iter().flat_map(|f| {
            f.target_groups
                .iter()
                .map(|t| (target_group_name(&t.target_group_arn), t.weight.unwrap_or(1)))
        });
        single.chain(weighted).collect()
    }
}

impl LoadBalancerSpec {
    /// Every target group name the listeners forward to, for cross-resource checks.
    pub fn target_group_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .listeners
            .iter()
            .flat_map(|l| {
                let rule_actions = l.rules.iter().flat_map(|r| r.actions.iter());
                l.default_actions.iter().chain(rule_actions)
            })
            .flat_map(|a| a.forward_targets().into_iter().map(|(n, _)| n))
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// The target group name in a name or an ARN (`…:targetgroup/NAME/ID`).
pub fn target_group_name(name_or_arn: &str) -> String {
    match name_or_arn.split_once("targetgroup/") {
        Some((_, tail)) => tail.split('/').next().unwrap_or(tail).to_string(),
        None => name_or_arn.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_groups_are_named_by_name_or_arn() {
        assert_eq!(target_group_name("web"), "web");
        assert_eq!(
            target_group_name("arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/73e2d6bc24d8a067"),
            "web"
        );
    }

    #[test]
    fn a_listener_parses_rules_and_weighted_forwards() {
        let spec: LoadBalancerSpec = serde_yaml_ng::from_str(
            r#"
listeners:
  - port: 8080
    defaultActions: [{type: fixed-response, fixedResponseConfig: {statusCode: 404}}]
    rules:
      - priority: 10
        conditions: [{field: host-header, values: ["*.example.com"]}]
        actions:
          - type: forward
            forwardConfig: {targetGroups: [{targetGroupArn: blue, weight: 90}, {targetGroupArn: green, weight: 10}]}
"#,
        )
        .unwrap();
        assert_eq!(spec.target_group_names(), vec!["blue", "green"]);
        assert_eq!(spec.listeners[0].bind_address().to_string(), "0.0.0.0");
    }
}
