//! What the store says exists, flattened for the Container Insights roll-up: clusters with
//! their `containerInsights` setting, services with their counts, running and pending tasks
//! with their reservations. Read once per scrape; the roll-up itself is pure.

use super::MetricsError;
use crate::model::{DEFAULT_CLUSTER, InsightsLevel, RestartCounts, TaskDefinitionRef, TaskState};
use crate::store::{Catalog, DeploymentStatus};
use std::collections::BTreeMap;

/// Everything of one cluster the metrics speak about.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterInventory {
    /// Cluster name.
    pub name: String,
    /// `containerInsights` is `enabled` or `enhanced`: task-level metrics too.
    pub task_level: bool,
    /// `containerInsights` is `enhanced`: container-level metrics too.
    pub container_level: bool,
    /// Container instances registered in it: the daemon's own engine and the declared ones.
    pub container_instances: u32,
    /// Its services.
    pub services: Vec<ServiceInventory>,
    /// Its tasks that are not stopped (or stopping).
    pub tasks: Vec<TaskInventory>,
}

/// A service's counts (ECS's service-level metrics).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceInventory {
    /// Service name.
    pub name: String,
    /// Desired task count.
    pub desired: u32,
    /// Running task count.
    pub running: u32,
    /// Pending task count.
    pub pending: u32,
    /// PRIMARY and ACTIVE deployments.
    pub deployments: u32,
    /// Tasks it replaced because they stopped on their own, by cause.
    pub restarts: RestartCounts,
}

/// A task's identity, state and reservation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskInventory {
    /// Task id.
    pub id: String,
    /// Task definition family.
    pub family: String,
    /// Its service, if any.
    pub service: Option<String>,
    /// Last known state.
    pub state: TaskState,
    /// CPU units reserved (task-level `cpu`, else the sum of its containers'; 0 when none).
    pub cpu_reserved: u64,
    /// Memory reserved in MiB (likewise).
    pub memory_reserved_mib: u64,
}

/// Whether a `containerInsights` level includes task-level metrics.
pub fn has_task_level(level: InsightsLevel) -> bool {
    matches!(level, InsightsLevel::Enabled | InsightsLevel::Enhanced)
}

/// The cluster's levels as its `containerInsights` setting says.
fn with_level(mut cluster: ClusterInventory, level: InsightsLevel) -> ClusterInventory {
    cluster.task_level = has_task_level(level);
    cluster.container_level = level == InsightsLevel::Enhanced;
    cluster
}

/// Reads every cluster, service and live task from the store.
pub fn inventory(catalog: &Catalog) -> Result<Vec<ClusterInventory>, MetricsError> {
    let default_level = crate::ops::clusters::insights_default(catalog)?;
    let mut clusters: BTreeMap<String, ClusterInventory> = BTreeMap::new();
    let cluster = |name: &str| -> ClusterInventory {
        let cluster = ClusterInventory {
            name: name.to_string(),
            container_instances: 1,
            ..Default::default()
        };
        with_level(cluster, default_level)
    };
    for record in catalog.clusters()? {
        let level = crate::model::effective_settings(&record.settings, default_level)
            .first()
            .map_or(default_level, |s| s.value);
        clusters.insert(record.name.clone(), with_level(cluster(&record.name), level));
    }
    if crate::ops::clusters::is_active(catalog, DEFAULT_CLUSTER)? {
        clusters
            .entry(DEFAULT_CLUSTER.into())
            .or_insert_with(|| cluster(DEFAULT_CLUSTER));
    }
    for service in catalog.services(None)? {
        let status = catalog
            .service_status(&service.cluster, &service.name)?
            .unwrap_or_default();
        let entry = clusters
            .entry(service.cluster.clone())
            .or_insert_with(|| cluster(&service.cluster));
        entry.services.push(ServiceInventory {
            desired: service.desired_count_in(&status),
            running: status.running_count,
            pending: status.pending_count,
            deployments: status
                .deployments
                .iter()
                .filter(|d| d.status != DeploymentStatus::Inactive)
                .count() as u32,
            restarts: status.restarts,
            name: service.name,
        });
    }
    for task in live_tasks(catalog)? {
        if let Some(entry) = clusters.get_mut(&task.1) {
            entry.tasks.push(task.0);
        }
    }
    for declared in catalog.declared_instances(None)? {
        if let Some(entry) = clusters.get_mut(&declared.cluster) {
            entry.container_instances += 1;
        }
    }
    Ok(clusters.into_values().collect())
}

/// Tasks that are not shutting down, each with its cluster.
fn live_tasks(catalog: &Catalog) -> Result<Vec<(TaskInventory, String)>, MetricsError> {
    let statuses = catalog.task_statuses()?;
    let mut reservations: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut live = Vec::new();
    for task in catalog.tasks()? {
        let state = statuses.get(&task.id).map(|s| s.last_status).unwrap_or_default();
        if state.is_shutting_down() {
            continue;
        }
        let family = task
            .task_definition
            .split(':')
            .next()
            .unwrap_or_default()
            .to_string();
        let (cpu, memory) = match reservations.get(&task.task_definition) {
            Some(r) => *r,
            None => {
                let r = match TaskDefinitionRef::parse(&task.task_definition) {
                    Ok(reference) => catalog
                        .resolve_task_definition(&reference)?
                        .map_or((0, 0), |td| crate::placement::reservation(&td.spec)),
                    Err(_) => (0, 0),
                };
                reservations.insert(task.task_definition.clone(), r);
                r
            }
        };
        live.push((
            TaskInventory {
                id: task.id,
                family,
                service: task.service,
                state,
                cpu_reserved: cpu,
                memory_reserved_mib: memory,
            },
            task.cluster,
        ));
    }
    Ok(live)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ClusterSetting, ClusterSettingName};
    use crate::store::{MemoryStore, TaskRecord, TaskStatus};
    use std::sync::Arc;

    fn insights(value: InsightsLevel) -> Vec<ClusterSetting> {
        vec![ClusterSetting {
            name: ClusterSettingName::ContainerInsights,
            value,
        }]
    }

    #[test]
    fn each_cluster_takes_its_own_container_insights_setting_and_counts_its_instances() {
        let catalog = Catalog::new(Arc::new(MemoryStore::new()));
        catalog
            .apply_cluster(
                "prod",
                Default::default(),
                Some(&insights(InsightsLevel::Enabled)),
            )
            .unwrap();
        catalog.apply_cluster("dev", Default::default(), None).unwrap();
        catalog
            .apply_cluster(
                "lab",
                Default::default(),
                Some(&insights(InsightsLevel::Enhanced)),
            )
            .unwrap();
        let engine = crate::model::ContainerInstanceSpec {
            engine: "unix:///b.sock".into(),
            ..Default::default()
        };
        catalog
            .apply_declared_instance("prod", "b", &engine, &Default::default())
            .unwrap();
        let mut task = TaskRecord::standalone("t1", "web:1");
        task.cluster = "prod".into();
        catalog.create_task(&task).unwrap();
        let mut gone = TaskRecord::standalone("t2", "web:1");
        gone.cluster = "prod".into();
        catalog.create_task(&gone).unwrap();
        let stopped = TaskStatus {
            last_status: TaskState::Stopped,
            ..Default::default()
        };
        catalog.put_task_status("t2", &stopped).unwrap();

        let clusters = inventory(&catalog).unwrap();
        let by_name = |n: &str| clusters.iter().find(|c| c.name == n).unwrap();
        assert!(by_name("prod").task_level);
        assert!(!by_name("prod").container_level, "enabled is the task level only");
        assert!(by_name("lab").task_level && by_name("lab").container_level);
        assert!(!by_name("dev").task_level);
        assert!(
            !by_name(DEFAULT_CLUSTER).task_level,
            "the implicit default cluster is listed"
        );
        assert_eq!(by_name("prod").container_instances, 2, "its own engine and b");
        assert_eq!(by_name("dev").container_instances, 1, "its own engine");
        let ids: Vec<&str> = by_name("prod").tasks.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, vec!["t1"], "a stopped task is not live");
        assert_eq!(by_name("prod").tasks[0].family, "web");
    }
}
