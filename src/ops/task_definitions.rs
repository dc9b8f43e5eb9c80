//! Resolving a task definition reference given by a person or a client.

use super::{ObjectKind, OpsError};
use crate::model::{TaskDefinitionRef, TaskDefinitionSpec};
use crate::store::{Catalog, TaskDefinitionRecord};

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
