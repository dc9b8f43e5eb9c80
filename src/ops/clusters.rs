//! Which clusters take requests.

use super::{ObjectKind, OpsError};
use crate::model::DEFAULT_CLUSTER;
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
