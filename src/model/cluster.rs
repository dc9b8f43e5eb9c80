//! The Cluster spec: a named group of services and tasks (ECS `CreateCluster`).

use super::unsupported::NotSupported;
use serde::{Deserialize, Serialize};

/// Name of the cluster that exists implicitly and is used when none is given.
pub const DEFAULT_CLUSTER: &str = "default";

/// A cluster as the user declares it; it has no settings ecsd honours yet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterSpec {
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub settings: NotSupported,
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
