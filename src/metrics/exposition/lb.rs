//! The load balancer's families, named after CloudWatch's ELB metrics in Prometheus style:
//! per load balancer and target group, requests, answers by class or code, target response
//! time and TCP connections; per target group, healthy and unhealthy targets.

use super::{family, histogram_family};
use crate::lb::{ElbError, TARGET_CLASSES, TargetState, TrafficCounts};
use std::collections::BTreeMap;

/// Every load balancer family, nothing when no listener forwards anywhere.
pub(super) fn render(
    out: &mut String,
    traffic: &[TrafficCounts],
    targets: &BTreeMap<String, Vec<TargetState>>,
) {
    family(
        out,
        ("ecsd_lb_requests_total", "counter"),
        "HTTP requests routed to the target group (ELB RequestCount)",
        traffic.iter().map(|t| (pair(t), t.requests as f64)),
    );
    let classes = traffic.iter().flat_map(|t| {
        TARGET_CLASSES
            .iter()
            .zip(t.target_responses)
            .map(move |(class, n)| {
                let mut labels = pair(t);
                labels.push(("class", class));
                (labels, n as f64)
            })
    });
    family(
        out,
        ("ecsd_lb_target_responses_total", "counter"),
        "Answers of the targets by class (ELB HTTPCode_Target_2XX_Count to 5XX)",
        classes,
    );
    let codes: Vec<String> = ElbError::ALL
        .iter()
        .map(|e| e.status().as_u16().to_string())
        .collect();
    let elb = traffic.iter().flat_map(|t| {
        codes.iter().zip(t.elb_responses).map(move |(code, n)| {
            let mut labels = pair(t);
            labels.push(("code", code.as_str()));
            (labels, n as f64)
        })
    });
    family(
        out,
        ("ecsd_lb_elb_responses_total", "counter"),
        "Answers the load balancer gave itself, by status code (ELB HTTPCode_ELB_4XX_Count, HTTPCode_ELB_502/503/504_Count)",
        elb,
    );
    histogram_family(
        out,
        (
            "ecsd_lb_target_response_time_seconds",
            "Time from sending a request to a target until its answer's headers arrived (ELB TargetResponseTime)",
        ),
        traffic.iter().map(|t| (pair(t), &t.target_response_time)),
    );
    family(
        out,
        ("ecsd_lb_new_connections_total", "counter"),
        "TCP connections accepted by a TCP listener (NLB NewFlowCount)",
        traffic.iter().map(|t| (pair(t), t.new_connections as f64)),
    );
    family(
        out,
        ("ecsd_lb_target_connection_errors_total", "counter"),
        "Connections to targets that were refused or timed out (ELB TargetConnectionErrorCount)",
        traffic
            .iter()
            .map(|t| (pair(t), t.target_connection_errors as f64)),
    );
    render_targets(out, targets);
}

/// The labels of a (load balancer, target group) pair.
fn pair(t: &TrafficCounts) -> Vec<(&'static str, &str)> {
    vec![
        ("load_balancer", t.load_balancer.as_str()),
        ("target_group", t.target_group.as_str()),
    ]
}

/// Healthy and unhealthy targets per group (targets in `initial`, `draining` or `unused`
/// are neither, as in ELB).
fn render_targets(out: &mut String, targets: &BTreeMap<String, Vec<TargetState>>) {
    let families = [
        (
            "ecsd_lb_healthy_targets",
            "Targets in state healthy (ELB HealthyHostCount)",
            TargetState::Healthy,
        ),
        (
            "ecsd_lb_unhealthy_targets",
            "Targets in state unhealthy (ELB UnHealthyHostCount)",
            TargetState::Unhealthy,
        ),
    ];
    for (name, help, state) in families {
        let series = targets.iter().map(|(group, states)| {
            let n = states.iter().filter(|s| **s == state).count();
            (vec![("target_group", group.as_str())], n as f64)
        });
        family(out, (name, "gauge"), help, series);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Histogram;

    #[test]
    fn a_pair_has_every_class_and_code_from_zero_and_groups_count_their_targets() {
        let mut latency = Histogram::default();
        latency.observe(std::time::Duration::from_millis(2));
        let traffic = [TrafficCounts {
            load_balancer: "edge".into(),
            target_group: "web".into(),
            requests: 3,
            target_responses: [1, 0, 0, 1],
            elb_responses: [0, 0, 1, 0],
            target_response_time: latency,
            ..Default::default()
        }];
        let targets = BTreeMap::from([(
            "web".to_string(),
            vec![TargetState::Healthy, TargetState::Unhealthy, TargetState::Initial],
        )]);
        let mut out = String::new();
        render(&mut out, &traffic, &targets);
        let pair = "load_balancer=\"edge\",target_group=\"web\"";
        for line in [
            format!("ecsd_lb_requests_total{{{pair}}} 3"),
            format!("ecsd_lb_target_responses_total{{{pair},class=\"2xx\"}} 1"),
            format!("ecsd_lb_target_responses_total{{{pair},class=\"3xx\"}} 0"),
            format!("ecsd_lb_target_responses_total{{{pair},class=\"5xx\"}} 1"),
            format!("ecsd_lb_elb_responses_total{{{pair},code=\"503\"}} 1"),
            format!("ecsd_lb_elb_responses_total{{{pair},code=\"400\"}} 0"),
            format!("ecsd_lb_target_response_time_seconds_bucket{{{pair},le=\"0.005\"}} 1"),
            format!("ecsd_lb_target_response_time_seconds_count{{{pair}}} 1"),
            format!("ecsd_lb_new_connections_total{{{pair}}} 0"),
            "ecsd_lb_healthy_targets{target_group=\"web\"} 1".to_string(),
            "ecsd_lb_unhealthy_targets{target_group=\"web\"} 1".to_string(),
        ] {
            assert!(out.contains(&format!("{line}\n")), "no {line} in:\n{out}");
        }
    }

    #[test]
    fn without_load_balancers_there_is_no_family() {
        let mut out = String::new();
        render(&mut out, &[], &BTreeMap::new());
        assert_eq!(out, "");
    }
}
