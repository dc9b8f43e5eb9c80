//! Resolving a task definition reference given by a person or a client.

use super::{ObjectKind, OpsError};
use crate::model::{TaskDefinitionRef, TaskDefinitionSpec};
use crate::store::{Catalog, TaskDefinitionRecord, TaskDefinitionStatus};

/// The spec of the revision a task runs (`family:revision`), whose containers, images and
/// sizes ECS shows on the task; none when the revision is unknown.
pub fn spec_of(catalog: &Catalog, reference: &str) -> Option<TaskDefinitionSpec> {
    resolve(catalog, reference).ok().map(|td| td.spec)
}

/// The revision `reference` names (`family`, `family:revision` or an ARN).
pub fn resolve(catalog: &Catalog, reference: &str) -> Result<TaskDefinitionRecord, OpsError> {
    let parsed = TaskDefinitionRef::parse(reference).map_err(|why| OpsError::InvalidReference {
        reference: reference.to_string(),
        why,
    })?;
    catalog
        .resolve_task_definition(&parsed)?
        .ok_or_else(|| OpsError::not_found(ObjectKind::TaskDefinition, reference))
}

/// Deregisters `family:N` (which must exist), or every ACTIVE revision of `family`; how
/// many were ACTIVE and are now INACTIVE.
pub fn deregister(catalog: &Catalog, reference: &str) -> Result<usize, OpsError> {
    let parsed = TaskDefinitionRef::parse(reference).map_err(|why| OpsError::InvalidReference {
        reference: reference.to_string(),
        why,
    })?;
    let Some(revision) = parsed.revision else {
        return Ok(catalog.deregister_family(&parsed.family)?);
    };
    let Some(td) = catalog.task_definition(&parsed.family, revision)? else {
        return Err(OpsError::not_found(ObjectKind::TaskDefinition, reference));
    };
    if td.status != TaskDefinitionStatus::Active {
        return Ok(0);
    }
    catalog.deregister_task_definition(&parsed.family, revision)?;
    Ok(1)
}
