//! ECS `Cluster`.

use super::{ArnScope, KeyValuePair, Tag};
use crate::model::{ClusterSetting, InsightsLevel, effective_settings};
use crate::store::ClusterRecord;
use serde::{Deserialize, Serialize};

/// ECS `Cluster`, with every member ECS always returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cluster {
    /// ARN.
    pub cluster_arn: String,
    /// Name.
    pub cluster_name: String,
    /// `ACTIVE` or (deleted) `INACTIVE`.
    pub status: String,
    /// Container instances (engines) registered in it.
    pub registered_container_instances_count: u32,
    /// Tasks RUNNING that are meant to run.
    pub running_tasks_count: u32,
    /// Tasks not yet RUNNING that are meant to run.
    pub pending_tasks_count: u32,
    /// Services in it.
    pub active_services_count: u32,
    /// Statistics (none are kept).
    pub statistics: Vec<KeyValuePair>,
    /// Tags (the ECS door returns them only when asked to).
    pub tags: Vec<Tag>,
    /// Settings: `containerInsights`, disabled.
    pub settings: Vec<ClusterSetting>,
    /// Capacity providers (none on one machine).
    pub capacity_providers: Vec<String>,
    /// Default capacity provider strategy (none).
    pub default_capacity_provider_strategy: Vec<CapacityProviderStrategyItem>,
}

/// ECS `CapacityProviderStrategyItem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapacityProviderStrategyItem {
    /// Provider name.
    pub capacity_provider: String,
    /// Relative share.
    #[serde(default)]
    pub weight: u32,
    /// Tasks placed on it first.
    #[serde(default)]
    pub base: u32,
}

/// ECS `Cluster` of a record, with its live service, container instance and task counts.
pub fn cluster(
    scope: &ArnScope,
    c: &ClusterRecord,
    services: usize,
    instances: usize,
    running: usize,
    pending: usize,
    insights_default: InsightsLevel,
) -> Cluster {
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Cluster {
        cluster_arn: scope.cluster_arn(&c.name),
        cluster_name: c.name.clone(),
        status: "ACTIVE".into(),
        registered_container_instances_count: count(instances),
        running_tasks_count: count(running),
        pending_tasks_count: count(pending),
        active_services_count: count(services),
        statistics: Vec::new(),
        tags: super::tags(&c.labels),
        settings: effective_settings(&c.settings, insights_default),
        capacity_providers: Vec::new(),
        default_capacity_provider_strategy: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::shapes::members::{Json, assert_members};

    /// Members of `Cluster` that DescribeClusters always returns (API reference, Cluster).
    const ALWAYS: &[(&str, Json)] = &[
        ("clusterArn", Json::Str),
        ("clusterName", Json::Str),
        ("status", Json::Str),
        ("registeredContainerInstancesCount", Json::Int),
        ("runningTasksCount", Json::Int),
        ("pendingTasksCount", Json::Int),
        ("activeServicesCount", Json::Int),
        ("statistics", Json::List),
        ("tags", Json::List),
        ("settings", Json::List),
        ("capacityProviders", Json::List),
        ("defaultCapacityProviderStrategy", Json::List),
    ];

    fn record() -> ClusterRecord {
        ClusterRecord {
            name: "prod".into(),
            labels: Default::default(),
            created_at: 0,
            settings: Vec::new(),
        }
    }

    #[test]
    fn a_cluster_carries_every_member_ecs_always_returns() {
        let shape = cluster(
            &ArnScope::default(),
            &record(),
            2,
            1,
            3,
            1,
            InsightsLevel::Disabled,
        );
        assert_members("Cluster", &shape, ALWAYS);
        let value = serde_json::to_value(&shape).unwrap();
        assert_eq!(
            value["settings"],
            serde_json::json!([{"name": "containerInsights", "value": "disabled"}])
        );
        assert_eq!(value["runningTasksCount"], 3);
    }

    #[test]
    fn a_cluster_reads_back_as_it_was_sent() {
        let shape = cluster(
            &ArnScope::default(),
            &record(),
            2,
            1,
            3,
            1,
            InsightsLevel::Disabled,
        );
        let text = serde_json::to_string(&shape).unwrap();
        assert_eq!(serde_json::from_str::<Cluster>(&text).unwrap(), shape);
    }
}
