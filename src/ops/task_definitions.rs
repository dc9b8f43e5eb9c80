//! Resolving a task definition reference given by a person or a client.

use super::{ObjectKind, OpsError};
use crate::model::TaskDefinitionRef;
use crate::store::{Catalog, TaskDefinitionRecord};

/// `(container name, image)` of each container of the revision a task runs (`family:revision`),
/// as ECS shows them on the task; empty when the revision is unknown.
pub fn container_images(catalog: &Catalog, reference: &str) -> Vec<(String, String)> {
    resolve(catalog, reference)
        .map(|td| {
            td.spec
                .container_definitions
                .iter()
                .map(|c| (c.name.clone(), c.image.clone()))
                .collect()
        })
        .unwrap_or_default()
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
