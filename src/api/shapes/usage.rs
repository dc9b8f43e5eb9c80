//! `GET /v1/top`: current resource use per service or per task, against its reservation
//! (ecsd's own document, for `ecsd top`; the numbers are the Container Insights ones).

use serde::{Deserialize, Serialize};

/// One line of `ecsd top`: a service's running tasks together, or one task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageRow {
    /// Cluster name.
    pub cluster: String,
    /// Service name (a standalone task has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Task id, on a per-task line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Task definition family, on a per-task line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Running tasks on the line.
    pub running_tasks: u32,
    /// CPU used, in cores.
    pub cpu_cores: f64,
    /// CPU reserved, in ECS CPU units (1024 per core).
    pub cpu_reserved_units: u64,
    /// CPU used as a percentage of the reservation; none without a reservation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_percent: Option<f64>,
    /// Memory working set (bytes).
    pub memory_bytes: u64,
    /// Memory reserved (bytes).
    pub memory_reserved_bytes: u64,
    /// Memory used as a percentage of the reservation; none without a reservation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_percent: Option<f64>,
    /// Bytes received per second.
    pub net_rx_bytes_per_sec: f64,
    /// Bytes sent per second.
    pub net_tx_bytes_per_sec: f64,
    /// On a service's line: the tasks it replaced because they stopped on their own, by cause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restarts: Option<crate::model::RestartCounts>,
}
