//! `kind: TargetGroup`: ELBv2 `CreateTargetGroup` fields, their homelab defaults, and the
//! resolved settings the data plane runs with.

use crate::model::duration::Seconds;
use crate::model::unsupported::NotSupported;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The defaults ecsd applies where a field is absent (AWS values in comments).
pub mod defaults {
    /// Health-check interval in seconds (AWS: 30).
    pub const INTERVAL_SECONDS: u64 = 5;
    /// Health-check timeout in seconds (AWS: 6 for HTTP, 10 for TCP).
    pub const TIMEOUT_SECONDS: u64 = 2;
    /// Consecutive passes that bring an unhealthy target back (AWS: 5).
    pub const HEALTHY_THRESHOLD: u32 = 2;
    /// Consecutive failures that make a target unhealthy (AWS: 2).
    pub const UNHEALTHY_THRESHOLD: u32 = 2;
    /// Seconds a deregistered target drains (AWS: 300).
    pub const DEREGISTRATION_DELAY_SECONDS: u64 = 30;
    /// Slow start, off (as AWS).
    pub const SLOW_START_SECONDS: u64 = 0;
    /// Health-check path (as AWS).
    pub const HEALTH_CHECK_PATH: &str = "/";
    /// Health-check port: the port the target receives traffic on (as AWS).
    pub const TRAFFIC_PORT: &str = "traffic-port";
    /// Matcher for HTTP health checks (AWS: "200").
    pub const HTTP_CODE: &str = "200-399";
}

/// A target group as the user declares it (ELBv2 names, camelCase).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TargetGroupSpec {
    /// Protocol the load balancer speaks to targets (`HTTP` default, or `TCP`).
    #[serde(default)]
    pub protocol: LbProtocol,
    /// Port targets receive traffic on when a registration gives none (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// `HTTP` or `TCP`; defaults to the group's protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_protocol: Option<LbProtocol>,
    /// Path of HTTP health checks (`/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_path: Option<String>,
    /// `traffic-port` (default) or a port number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_port: Option<NumberOrText>,
    /// Seconds between checks of one target (5–300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_interval_seconds: Option<Seconds>,
    /// Seconds before a check without answer fails (2–120, less than the interval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_timeout_seconds: Option<Seconds>,
    /// Consecutive passes that bring an unhealthy target back (2–10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthy_threshold_count: Option<u32>,
    /// Consecutive failures that make a target unhealthy (2–10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unhealthy_threshold_count: Option<u32>,
    /// Which HTTP codes a health check accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matcher: Option<Matcher>,
    /// Target-group attributes (ELB `key: value` pairs).
    #[serde(default)]
    pub attributes: TargetGroupAttributes,
    /// ELB field without meaning here: health checks always run.
    #[serde(default, skip_serializing)]
    pub health_check_enabled: Option<bool>,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub protocol_version: NotSupported,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub target_type: NotSupported,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub vpc_id: NotSupported,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub ip_address_type: NotSupported,
    /// ELB field not supported yet.
    #[serde(default, skip_serializing)]
    pub tags: NotSupported,
}

/// The protocols ELB defines; only `HTTP` and `TCP` are implemented.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LbProtocol {
    /// HTTP/1.1 (layer 7).
    #[default]
    Http,
    /// Plain TCP (layer 4).
    Tcp,
    /// Not supported yet (TLS termination).
    Https,
    /// Not supported yet (TLS termination).
    Tls,
    /// Not supported yet.
    Udp,
    /// Not supported yet.
    TcpUdp,
    /// Not supported yet.
    Geneve,
}

impl LbProtocol {
    /// Whether ecsd implements this protocol.
    pub fn is_supported(self) -> bool {
        matches!(self, LbProtocol::Http | LbProtocol::Tcp)
    }

    /// The name as written in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            LbProtocol::Http => "HTTP",
            LbProtocol::Tcp => "TCP",
            LbProtocol::Https => "HTTPS",
            LbProtocol::Tls => "TLS",
            LbProtocol::Udp => "UDP",
            LbProtocol::TcpUdp => "TCP_UDP",
            LbProtocol::Geneve => "GENEVE",
        }
    }
}

/// A value ELB writes as a string but YAML users write as a number (`"8080"` or `8080`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NumberOrText {
    /// Written as a number.
    Number(u64),
    /// Written as a string.
    Text(String),
}

impl NumberOrText {
    /// The number, whether written as a number or as its decimal string.
    pub fn as_number(&self) -> Option<u64> {
        match self {
            NumberOrText::Number(n) => Some(*n),
            NumberOrText::Text(t) => t.trim().parse().ok(),
        }
    }
}

/// ELB `Matcher`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Matcher {
    /// Codes: `200`, lists `200,202`, ranges `200-299`.
    pub http_code: String,
    /// ELB field not supported yet (gRPC health checks).
    #[serde(default, skip_serializing)]
    pub grpc_code: NotSupported,
}

/// One inclusive range of accepted status codes.
pub type HttpCodeRange = (u16, u16);

/// Parses a matcher (`200`, `200,202`, `200-299`) into inclusive ranges within 200–499.
pub fn parse_http_codes(text: &str) -> Result<Vec<HttpCodeRange>, String> {
    let mut ranges = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        let (low, high) = part.split_once('-').unwrap_or((part, part));
        let parse = |s: &str| {
            s.trim()
                .parse::<u16>()
                .ok()
                .filter(|c| (200..=499).contains(c))
                .ok_or_else(|| {
                    format!("expected codes 200-499 as `200`, `200,202` or `200-299`, got {text:?}")
                })
        };
        let (low, high) = (parse(low)?, parse(high)?);
        if low > high {
            return Err(format!("range {part:?} is reversed"));
        }
        ranges.push((low, high));
    }
    Ok(ranges)
}

/// ELB target-group attributes; any key not listed is refused by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetGroupAttributes {
    /// Seconds a deregistered target drains before it is closed (0–3600).
    #[serde(
        rename = "deregistration_delay.timeout_seconds",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub deregistration_delay_timeout_seconds: Option<Seconds>,
    /// Seconds a newly healthy target's share ramps up linearly (0 off, or 30–900).
    #[serde(
        rename = "slow_start.duration_seconds",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub slow_start_duration_seconds: Option<Seconds>,
    /// ELB attribute not supported yet.
    #[serde(rename = "stickiness.enabled", default, skip_serializing)]
    pub stickiness_enabled: NotSupported,
    /// ELB attribute not supported yet.
    #[serde(rename = "stickiness.type", default, skip_serializing)]
    pub stickiness_type: NotSupported,
    /// ELB attribute not supported yet.
    #[serde(rename = "stickiness.lb_cookie.duration_seconds", default, skip_serializing)]
    pub stickiness_duration: NotSupported,
    /// ELB attribute not supported yet.
    #[serde(rename = "load_balancing.algorithm.type", default, skip_serializing)]
    pub algorithm: NotSupported,
    /// ELB attribute not supported yet.
    #[serde(rename = "proxy_protocol_v2.enabled", default, skip_serializing)]
    pub proxy_protocol_v2: NotSupported,
    /// ELB attribute not supported yet.
    #[serde(rename = "preserve_client_ip.enabled", default, skip_serializing)]
    pub preserve_client_ip: NotSupported,
}

/// A target group's settings with every default resolved: what the data plane runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetGroupSettings {
    /// Traffic protocol.
    pub protocol: LbProtocol,
    /// Health-check protocol.
    pub health_check_protocol: LbProtocol,
    /// Health-check path (HTTP).
    pub health_check_path: String,
    /// Fixed health-check port, or `None` for the traffic port.
    pub health_check_port: Option<u16>,
    /// Time between checks of one target.
    pub interval: Duration,
    /// Time before a check fails.
    pub timeout: Duration,
    /// Consecutive passes that bring an unhealthy target back.
    pub healthy_threshold: u32,
    /// Consecutive failures that make a target unhealthy.
    pub unhealthy_threshold: u32,
    /// Accepted status codes.
    pub matcher: Vec<HttpCodeRange>,
    /// How long a deregistered target drains.
    pub deregistration_delay: Duration,
    /// Slow-start ramp; zero is off.
    pub slow_start: Duration,
}

impl TargetGroupSpec {
    /// The spec with every absent field set to its default, for `describe`.
    pub fn with_defaults(&self) -> TargetGroupSpec {
        let mut spec = self.clone();
        spec.health_check_protocol.get_or_insert(self.protocol);
        spec.health_check_path
            .get_or_insert_with(|| defaults::HEALTH_CHECK_PATH.into());
        spec.health_check_port
            .get_or_insert_with(|| NumberOrText::Text(defaults::TRAFFIC_PORT.into()));
        spec.health_check_interval_seconds
            .get_or_insert(Seconds(defaults::INTERVAL_SECONDS));
        spec.health_check_timeout_seconds
            .get_or_insert(Seconds(defaults::TIMEOUT_SECONDS));
        spec.healthy_threshold_count
            .get_or_insert(defaults::HEALTHY_THRESHOLD);
        spec.unhealthy_threshold_count
            .get_or_insert(defaults::UNHEALTHY_THRESHOLD);
        spec.matcher.get_or_insert_with(|| Matcher {
            http_code: defaults::HTTP_CODE.into(),
            grpc_code: NotSupported,
        });
        let attributes = &mut spec.attributes;
        attributes
            .deregistration_delay_timeout_seconds
            .get_or_insert(Seconds(defaults::DEREGISTRATION_DELAY_SECONDS));
        attributes
            .slow_start_duration_seconds
            .get_or_insert(Seconds(defaults::SLOW_START_SECONDS));
        spec
    }

    /// The resolved settings; call on a validated spec (an invalid matcher falls back to
    /// the default one).
    pub fn settings(&self) -> TargetGroupSettings {
        let full = self.with_defaults();
        let seconds = |s: Option<Seconds>| s.unwrap_or_default().duration();
        let matcher = full
            .matcher
            .as_ref()
            .map_or(defaults::HTTP_CODE, |m| &m.http_code);
        TargetGroupSettings {
            protocol: full.protocol,
            health_check_protocol: full.health_check_protocol.unwrap_or(full.protocol),
            health_check_path: full.health_check_path.clone().unwrap_or_default(),
            health_check_port: full
                .health_check_port
                .as_ref()
                .and_then(NumberOrText::as_number)
                .and_then(|p| u16::try_from(p).ok()),
            interval: seconds(full.health_check_interval_seconds),
            timeout: seconds(full.health_check_timeout_seconds),
            healthy_threshold: full.healthy_threshold_count.unwrap_or_default(),
            unhealthy_threshold: full.unhealthy_threshold_count.unwrap_or_default(),
            matcher: parse_http_codes(matcher).unwrap_or_else(|_| vec![(200, 399)]),
            deregistration_delay: seconds(full.attributes.deregistration_delay_timeout_seconds),
            slow_start: seconds(full.attributes.slow_start_duration_seconds),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matchers_parse_single_codes_lists_and_ranges() {
        assert_eq!(parse_http_codes("200").unwrap(), vec![(200, 200)]);
        assert_eq!(parse_http_codes("200,202").unwrap(), vec![(200, 200), (202, 202)]);
        assert_eq!(
            parse_http_codes("200-299, 404").unwrap(),
            vec![(200, 299), (404, 404)]
        );
        for bad in ["", "199", "500", "300-200", "abc", "200-"] {
            assert!(parse_http_codes(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_default_is_shown_by_with_defaults() {
        let spec: TargetGroupSpec = serde_yaml_ng::from_str("protocol: HTTP").unwrap();
        let text = serde_yaml_ng::to_string(&spec.with_defaults()).unwrap();
        for field in [
            "healthCheckProtocol: HTTP",
            "healthCheckPath: /",
            "healthCheckPort: traffic-port",
            "healthCheckIntervalSeconds: 5",
            "healthCheckTimeoutSeconds: 2",
            "healthyThresholdCount: 2",
            "unhealthyThresholdCount: 2",
            "httpCode: 200-399",
            "deregistration_delay.timeout_seconds: 30",
            "slow_start.duration_seconds: 0",
        ] {
            assert!(text.contains(field), "{field} missing in\n{text}");
        }
    }

    #[test]
    fn settings_resolve_defaults_and_explicit_values() {
        let spec: TargetGroupSpec = serde_yaml_ng::from_str(
            "protocol: TCP\nhealthCheckPort: '9000'\nattributes: {deregistration_delay.timeout_seconds: '5'}",
        )
        .unwrap();
        let settings = spec.settings();
        assert_eq!(settings.health_check_protocol, LbProtocol::Tcp);
        assert_eq!(settings.health_check_port, Some(9000));
        assert_eq!(settings.deregistration_delay, Duration::from_secs(5));
        assert_eq!(settings.interval, Duration::from_secs(5));
    }

    #[test]
    fn unknown_attributes_are_refused_by_name() {
        let err = serde_yaml_ng::from_str::<TargetGroupSpec>("attributes: {foo.bar: '1'}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("foo.bar"), "{err}");
        let err = serde_yaml_ng::from_str::<TargetGroupSpec>("attributes: {stickiness.enabled: true}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not supported yet"), "{err}");
    }
}
