//! Which clusters take requests.

use super::{ObjectKind, OpsError};
use crate::model::{DEFAULT_CLUSTER, InsightsLevel};
use crate::store::Catalog;

/// Whether the cluster exists: created, or `default` (which always exists until deleted).
pub fn is_active(catalog: &Catalog, name: &str) -> Result<bool, OpsError> {
    Ok(catalog.cluster(name)?.is_some()
        || (name == DEFAULT_CLUSTER && catalog.deleted_cluster(name)?.is_none()))
}

/// The cluster, which must exist.
pub fn require_active(catalog: &Catalog, name: &str) -> Result<(), OpsError> {
    if is_active(catalog, name)? {
        Ok(())
    } else {
        Err(OpsError::not_found(ObjectKind::Cluster, name))
    }
}

/// The clusters that take requests, `default` first while it exists.
pub fn active(catalog: &Catalog) -> Result<Vec<String>, OpsError> {
    let mut names: Vec<String> = catalog.clusters()?.into_iter().map(|c| c.name).collect();
    if !names.iter().any(|n| n == DEFAULT_CLUSTER) && is_active(catalog, DEFAULT_CLUSTER)? {
        names.insert(0, DEFAULT_CLUSTER.to_string());
    }
    Ok(names)
}

/// Account setting that gives clusters their default `containerInsights`.
pub const INSIGHTS_ACCOUNT_SETTING: &str = "containerInsights";

/// `containerInsights` of clusters that do not set it: the account setting, else disabled.
pub fn insights_default(catalog: &Catalog) -> Result<InsightsLevel, OpsError> {
    Ok(catalog
        .account_setting(INSIGHTS_ACCOUNT_SETTING)?
        .map(|v| InsightsLevel::from_account_value(&v))
        .unwrap_or_default())
}
