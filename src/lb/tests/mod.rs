//! Data-plane tests on real sockets (127.0.0.1, port 0): in-process backends, the proxy,
//! draining, retries, fail-open, TCP, upgrades, traffic counters.

mod backend;
mod http;
mod tcp;
mod traffic;

use super::{LbConfig, LoadBalancers, Target, TargetState};
use crate::model::load_balancing::{LbProtocol, LoadBalancerSpec, TargetGroupSettings};
use std::net::SocketAddr;
use std::time::Duration;

/// Settings with short intervals so tests run in milliseconds.
fn settings(protocol: LbProtocol, delay: Duration) -> TargetGroupSettings {
    TargetGroupSettings {
        protocol,
        health_check_protocol: protocol,
        health_check_path: "/health".into(),
        health_check_port: None,
        interval: Duration::from_millis(50),
        timeout: Duration::from_millis(40),
        healthy_threshold: 2,
        unhealthy_threshold: 2,
        matcher: vec![(200, 399)],
        deregistration_delay: delay,
        slow_start: Duration::ZERO,
    }
}

/// One load balancer `edge` with one listener on 127.0.0.1:0.
fn config(listener_yaml: &str, groups: &[(&str, TargetGroupSettings)]) -> LbConfig {
    let spec: LoadBalancerSpec = serde_yaml_ng::from_str(listener_yaml).expect("listener yaml");
    LbConfig {
        target_groups: groups.iter().map(|(n, s)| (n.to_string(), s.clone())).collect(),
        load_balancers: [("edge".to_string(), spec)].into(),
    }
}

/// A forward-everything HTTP listener to group `web`.
const HTTP_LISTENER: &str =
    "listeners: [{port: 0, address: 127.0.0.1, defaultActions: [{type: forward, targetGroupArn: web}]}]";

/// Starts the data plane with `config`; returns it and the listener's address.
async fn start(config: &LbConfig) -> (LoadBalancers, SocketAddr) {
    let lb = LoadBalancers::new();
    lb.apply(config).await.expect("apply");
    let addr = lb.listener_addrs("edge").await[0];
    (lb, addr)
}

fn target(id: &str, addr: SocketAddr) -> Target {
    Target { id: id.into(), addr }
}

/// Waits (deadline 5 s) until `id` in `group` is in `state`.
async fn wait_state(lb: &LoadBalancers, group: &str, id: &str, state: TargetState) {
    let reached = tokio::time::timeout(
        Duration::from_secs(5),
        wait_until(|| {
            lb.target_health(group)
                .is_ok_and(|targets| targets.iter().any(|t| t.id == id && t.state == state))
        }),
    )
    .await;
    assert!(reached.is_ok(), "{id} not {state}: {:?}", lb.target_health(group));
}

/// Polls `condition` every 5 ms; panics after 6 s.
async fn wait_until(mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(6);
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met within 6 s"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
