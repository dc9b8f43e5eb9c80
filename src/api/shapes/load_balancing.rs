//! Target groups and load balancers of the native API (ecsd's own shapes, ELBv2 names).

use crate::model::load_balancing::{LoadBalancerSpec, TargetGroupSpec};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A target group with every default filled in, who uses it, and its targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetGroupShape {
    /// Name.
    pub target_group_name: String,
    /// ELBv2 ARN.
    pub target_group_arn: String,
    /// Settings, every default shown.
    pub spec: TargetGroupSpec,
    /// Labels of its manifest.
    pub labels: BTreeMap<String, String>,
    /// Load balancers that forward to it.
    pub load_balancers: Vec<String>,
    /// Services (`cluster/name`) whose tasks register into it.
    pub services: Vec<String>,
    /// Its targets and their ELB states.
    pub targets: Vec<Target>,
    /// When it was created.
    pub created_at: f64,
}

/// A registered target and its ELB state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    /// Registration id (`task/container`).
    pub id: String,
    /// Task id.
    pub task: String,
    /// Container name.
    pub container: String,
    /// `ip:port`.
    pub address: String,
    /// ELB state (`initial`, `healthy`, `unhealthy`, `draining`, …).
    pub state: String,
    /// ELB reason code, when not healthy.
    #[serde(default)]
    pub reason: Option<String>,
    /// The reason in words.
    pub description: String,
    /// HTTP requests in flight.
    pub in_flight_requests: usize,
    /// TCP and upgraded connections open.
    pub connections: usize,
}

/// A load balancer and the addresses its listeners are bound to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerShape {
    /// Name.
    pub load_balancer_name: String,
    /// ELBv2 ARN.
    pub load_balancer_arn: String,
    /// Its listeners and rules as declared.
    pub spec: LoadBalancerSpec,
    /// Labels of its manifest.
    pub labels: BTreeMap<String, String>,
    /// `ip:port` of each bound listener.
    pub listening: Vec<String>,
    /// When it was created.
    pub created_at: f64,
}
