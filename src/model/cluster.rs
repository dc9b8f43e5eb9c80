//! The Cluster spec: a named group of services and tasks (ECS `CreateCluster`).

use super::unsupported::NotSupported;
use serde::{Deserialize, Serialize};

/// Name of the cluster that exists implicitly and is used when none is given.
pub const DEFAULT_CLUSTER: &str = "default";

/// A cluster as the user declares it: its settings (ECS `CreateCluster`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterSpec {
    /// `containerInsights`: whether per-task metrics are collected (default `disabled`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<ClusterSetting>,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub configuration: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub tags: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub capacity_providers: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub default_capacity_provider_strategy: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub service_connect_defaults: NotSupported,
}

/// ECS `ClusterSetting`: today only `containerInsights`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterSetting {
    /// The setting's name.
    pub name: ClusterSettingName,
    /// `enabled`, `enhanced` or `disabled`.
    pub value: InsightsLevel,
}

/// Names of ECS cluster settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClusterSettingName {
    /// Container Insights (per-task metrics).
    #[serde(rename = "containerInsights")]
    ContainerInsights,
}

/// Values of the `containerInsights` setting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InsightsLevel {
    /// Cluster and service metrics only (ECS's default).
    #[default]
    Disabled,
    /// Task-level metrics as well.
    Enabled,
    /// ECS's "enhanced observability": task-level and container-level metrics.
    Enhanced,
}

/// The settings with every one ECS knows present: the given ones over the defaults (the
/// account's `containerInsights` default), one entry per name (the last given wins, as a
/// later UpdateClusterSettings does).
pub fn effective_settings(given: &[ClusterSetting], insights_default: InsightsLevel) -> Vec<ClusterSetting> {
    let insights = given
        .iter()
        .rev()
        .find(|s| s.name == ClusterSettingName::ContainerInsights)
        .map_or(insights_default, |s| s.value);
    vec![ClusterSetting {
        name: ClusterSettingName::ContainerInsights,
        value: insights,
    }]
}

/// `current` with `changes` applied (ECS `UpdateClusterSettings`); only names given by
/// either are kept, so an unset one goes on following the account default.
pub fn merge_settings(current: &[ClusterSetting], changes: &[ClusterSetting]) -> Vec<ClusterSetting> {
    let mut out: Vec<ClusterSetting> = current.to_vec();
    for change in changes {
        out.retain(|s| s.name != change.name);
        out.push(change.clone());
    }
    out
}

impl InsightsLevel {
    /// The level an account setting value names (`enabled`, `enhanced`, else disabled).
    pub fn from_account_value(value: &str) -> Self {
        match value {
            "enabled" => Self::Enabled,
            "enhanced" => Self::Enhanced,
            _ => Self::Disabled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_insights_defaults_to_disabled_and_the_last_value_wins() {
        assert_eq!(
            effective_settings(&[], InsightsLevel::Disabled)[0].value,
            InsightsLevel::Disabled
        );
        assert_eq!(
            effective_settings(&[], InsightsLevel::Enabled)[0].value,
            InsightsLevel::Enabled
        );
        let on: ClusterSetting =
            serde_json::from_str(r#"{"name":"containerInsights","value":"enabled"}"#).unwrap();
        let off = ClusterSetting {
            value: InsightsLevel::Disabled,
            ..on.clone()
        };
        assert_eq!(merge_settings(&[off], std::slice::from_ref(&on)), vec![on]);
    }

    #[test]
    fn an_unknown_setting_or_value_is_refused() {
        assert!(serde_json::from_str::<ClusterSetting>(r#"{"name":"x","value":"enabled"}"#).is_err());
        assert!(
            serde_json::from_str::<ClusterSetting>(r#"{"name":"containerInsights","value":"on"}"#).is_err()
        );
    }
}
