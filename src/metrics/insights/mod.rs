//! Container Insights' metrics with ECS's names, units and dimensions (namespace
//! `ECS/ContainerInsights`), computed from the inventory and the task utilizations: cluster
//! and service level always, task level only in clusters whose `containerInsights` is
//! `enabled` or `enhanced`, container level (ECS's enhanced observability, `Container…`
//! names) only where it is `enhanced`. Pure.

use super::inventory::{ClusterInventory, ServiceInventory, TaskInventory};
use super::rates::{TaskUtilization, Utilization};
use crate::model::TaskState;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const MIB: f64 = 1024.0 * 1024.0;
const CPU_UNITS_PER_CORE: f64 = 1024.0;

/// A Container Insights metric, by its ECS name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum MetricName {
    /// CPU units used (1024 per core).
    CpuUtilized,
    /// CPU units reserved.
    CpuReserved,
    /// Memory working set, MiB.
    MemoryUtilized,
    /// Memory reserved, MiB.
    MemoryReserved,
    /// Bytes received per second.
    NetworkRxBytes,
    /// Bytes sent per second.
    NetworkTxBytes,
    /// Bytes read from storage per second.
    StorageReadBytes,
    /// Bytes written to storage per second.
    StorageWriteBytes,
    /// Tasks RUNNING.
    RunningTaskCount,
    /// Tasks PENDING.
    PendingTaskCount,
    /// The service's desired count.
    DesiredTaskCount,
    /// PRIMARY and ACTIVE deployments.
    DeploymentCount,
    /// Tasks running in the cluster.
    TaskCount,
    /// Services in the cluster.
    ServiceCount,
    /// Container instances registered in the cluster.
    ContainerInstanceCount,
}

impl MetricName {
    /// ECS's unit name.
    pub fn unit(self) -> &'static str {
        use MetricName::*;
        match self {
            CpuUtilized | CpuReserved => "None",
            MemoryUtilized | MemoryReserved => "Megabytes",
            NetworkRxBytes | NetworkTxBytes | StorageReadBytes | StorageWriteBytes => "Bytes/Second",
            _ => "Count",
        }
    }
}

/// Which level of Container Insights a metric belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Dimension `ClusterName`.
    Cluster,
    /// Dimensions `ClusterName`, `ServiceName`.
    Service,
    /// Dimensions `ClusterName`, `TaskDefinitionFamily`, `TaskId`.
    Task,
    /// Dimensions `ClusterName`, `TaskDefinitionFamily`, `TaskId`, `ContainerName`; ECS
    /// names these metrics `Container` + the name (`ContainerCpuUtilized`).
    Container,
}

/// The dimensions of one data point.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Dimensions {
    /// `ClusterName`.
    pub cluster_name: String,
    /// `ServiceName`, at service level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// `TaskDefinitionFamily`, at task level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_definition_family: Option<String>,
    /// `TaskId`, at task and container level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// `ContainerName`, at container level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
}

/// One data point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// ECS metric name.
    pub name: MetricName,
    /// Its level.
    pub level: Level,
    /// Its dimensions.
    pub dimensions: Dimensions,
    /// Its value, in the metric's ECS unit.
    pub value: f64,
}

/// Reserved and used resources of a set of tasks.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Resources {
    cpu_reserved: u64,
    memory_reserved_mib: u64,
    usage: Utilization,
}

impl Resources {
    fn of<'a>(
        tasks: impl Iterator<Item = &'a TaskInventory>,
        usage: &BTreeMap<String, TaskUtilization>,
    ) -> Self {
        tasks
            .filter(|t| t.state == TaskState::Running)
            .fold(Self::default(), |acc, t| Self {
                cpu_reserved: acc.cpu_reserved + t.cpu_reserved,
                memory_reserved_mib: acc.memory_reserved_mib + t.memory_reserved_mib,
                usage: usage.get(&t.id).map_or(acc.usage, |u| acc.usage.plus(u.usage)),
            })
    }

    fn points(self) -> impl Iterator<Item = (MetricName, f64)> {
        let reserved = [
            (MetricName::CpuReserved, self.cpu_reserved as f64),
            (MetricName::MemoryReserved, self.memory_reserved_mib as f64),
        ];
        used(&self.usage).into_iter().chain(reserved)
    }
}

/// What a utilization says in ECS's names and units (no reservations).
fn used(u: &Utilization) -> [(MetricName, f64); 6] {
    [
        (MetricName::CpuUtilized, u.cpu_cores * CPU_UNITS_PER_CORE),
        (MetricName::MemoryUtilized, u.memory_bytes as f64 / MIB),
        (MetricName::NetworkRxBytes, u.net_rx_bytes_per_sec),
        (MetricName::NetworkTxBytes, u.net_tx_bytes_per_sec),
        (MetricName::StorageReadBytes, u.read_bytes_per_sec),
        (MetricName::StorageWriteBytes, u.write_bytes_per_sec),
    ]
}

/// Every Container Insights data point of these clusters.
pub fn insights(clusters: &[ClusterInventory], usage: &BTreeMap<String, TaskUtilization>) -> Vec<Metric> {
    let mut out = Vec::new();
    for c in clusters {
        let dims = Dimensions {
            cluster_name: c.name.clone(),
            ..Default::default()
        };
        let running = c.tasks.iter().filter(|t| t.state == TaskState::Running).count();
        let counts = [
            (
                MetricName::ContainerInstanceCount,
                f64::from(c.container_instances),
            ),
            (MetricName::ServiceCount, c.services.len() as f64),
            (MetricName::TaskCount, running as f64),
        ];
        let resources = Resources::of(c.tasks.iter(), usage).points();
        push(
            &mut out,
            Level::Cluster,
            &dims,
            counts.into_iter().chain(resources),
        );
        for s in &c.services {
            service_points(&mut out, c, s, usage);
        }
        if c.task_level {
            for t in c.tasks.iter().filter(|t| t.state == TaskState::Running) {
                task_points(&mut out, c, t, usage);
            }
        }
    }
    out
}

/// A running task's points, and its containers' where the cluster asks for them.
fn task_points(
    out: &mut Vec<Metric>,
    c: &ClusterInventory,
    t: &TaskInventory,
    usage: &BTreeMap<String, TaskUtilization>,
) {
    let dims = Dimensions {
        cluster_name: c.name.clone(),
        task_definition_family: Some(t.family.clone()),
        task_id: Some(t.id.clone()),
        ..Default::default()
    };
    push(
        out,
        Level::Task,
        &dims,
        Resources::of(std::iter::once(t), usage).points(),
    );
    let containers = usage.get(&t.id).map_or(&[][..], |u| &u.containers[..]);
    for (name, u) in containers.iter().filter(|_| c.container_level) {
        let dims = Dimensions {
            container_name: Some(name.clone()),
            ..dims.clone()
        };
        push(out, Level::Container, &dims, used(u).into_iter());
    }
}

fn service_points(
    out: &mut Vec<Metric>,
    c: &ClusterInventory,
    s: &ServiceInventory,
    usage: &BTreeMap<String, TaskUtilization>,
) {
    let dims = Dimensions {
        cluster_name: c.name.clone(),
        service_name: Some(s.name.clone()),
        ..Default::default()
    };
    let counts = [
        (MetricName::DesiredTaskCount, f64::from(s.desired)),
        (MetricName::RunningTaskCount, f64::from(s.running)),
        (MetricName::PendingTaskCount, f64::from(s.pending)),
        (MetricName::DeploymentCount, f64::from(s.deployments)),
    ];
    let tasks = c
        .tasks
        .iter()
        .filter(|t| t.service.as_deref() == Some(s.name.as_str()));
    let resources = Resources::of(tasks, usage).points();
    push(out, Level::Service, &dims, counts.into_iter().chain(resources));
}

fn push(
    out: &mut Vec<Metric>,
    level: Level,
    dims: &Dimensions,
    points: impl Iterator<Item = (MetricName, f64)>,
) {
    out.extend(points.map(|(name, value)| Metric {
        name,
        level,
        dimensions: dims.clone(),
        value,
    }));
}

#[cfg(test)]
mod tests;
