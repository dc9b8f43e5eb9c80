//! Values tests build again and again, in one place (compiled for tests only).

use super::{ContainerDefinition, TaskDefinitionSpec};

/// A task definition with one container per `(name, image)`, everything else default.
pub fn task_definition(containers: &[(&str, &str)]) -> TaskDefinitionSpec {
    TaskDefinitionSpec {
        container_definitions: containers
            .iter()
            .map(|(name, image)| ContainerDefinition {
                name: (*name).to_string(),
                image: (*image).to_string(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}
