//! Semantic checks of a task definition, one file per concern; every problem is a
//! `FieldError` located by its ECS field path (`spec.containerDefinitions[1].dependsOn[0]…`).

mod dependencies;
mod network;
mod options;
mod resources;
mod storage;

use super::{ContainerDefinition, TaskDefinitionSpec};
use crate::model::limits;
use crate::model::validation::{FieldError, check_name};
use std::collections::BTreeSet;

/// Checks what the types alone cannot: names, references between containers and volumes,
/// dependency rules, network-mode rules, resource sums and reserved labels.
pub fn validate_task_definition(spec: &TaskDefinitionSpec) -> Vec<FieldError> {
    let mut errors = Vec::new();
    check_size(spec, &mut errors);
    check_containers(spec, &mut errors);
    for (i, def) in spec.container_definitions.iter().enumerate() {
        options::check(spec, i, def, &mut errors);
    }
    dependencies::check(spec, &mut errors);
    network::check(spec, &mut errors);
    storage::check(spec, &mut errors);
    resources::check(spec, &mut errors);
    check_platform(spec, &mut errors);
    errors.extend(crate::model::validate_task_definition_constraints(
        &spec.placement_constraints,
        "spec.placementConstraints",
    ));
    errors
}

/// Linux only; ephemeral storage within ECS's 21–200 GiB; a definition that requires
/// FARGATE follows Fargate's rules.
fn check_platform(spec: &TaskDefinitionSpec, errors: &mut Vec<FieldError>) {
    if spec
        .requires_compatibilities
        .contains(&super::Compatibility::Fargate)
    {
        for problem in crate::model::fargate_problems(spec) {
            errors.push(FieldError::new("spec.requiresCompatibilities", problem));
        }
    }
    let family = spec.runtime_platform.and_then(|p| p.operating_system_family);
    if family == Some(super::OsFamily::WindowsServer) {
        errors.push(FieldError::new(
            "spec.runtimePlatform.operatingSystemFamily",
            format!(
                "Windows is {}: ecsd runs Linux containers",
                super::super::unsupported::NOT_SUPPORTED
            ),
        ));
    }
    if let Some(storage) = spec.ephemeral_storage
        && !(21..=200).contains(&storage.size_in_gib)
    {
        errors.push(FieldError::new(
            "spec.ephemeralStorage.sizeInGiB",
            format!("expected 21 to 200, got {}", storage.size_in_gib),
        ));
    }
}

/// ECS's bounds on the whole: its size as JSON and its number of containers.
fn check_size(spec: &TaskDefinitionSpec, errors: &mut Vec<FieldError>) {
    let size = serde_json::to_vec(spec).map(|json| json.len());
    match size
        .map_err(|e| e.to_string())
        .and_then(limits::check_task_definition_size)
    {
        Ok(()) => {}
        Err(why) => errors.push(FieldError::new("spec", why)),
    }
    let count = spec.container_definitions.len();
    if count > limits::MAX_CONTAINERS {
        errors.push(FieldError::new(
            "spec.containerDefinitions",
            format!(
                "expected at most {} container definitions, got {count}",
                limits::MAX_CONTAINERS
            ),
        ));
    }
}

fn check_containers(spec: &TaskDefinitionSpec, errors: &mut Vec<FieldError>) {
    let defs = &spec.container_definitions;
    if defs.is_empty() {
        errors.push(FieldError::new(
            "spec.containerDefinitions",
            "at least one container definition is required",
        ));
    }
    if !defs.is_empty() && !defs.iter().any(ContainerDefinition::is_essential) {
        errors.push(FieldError::new(
            "spec.containerDefinitions",
            "at least one container must be essential",
        ));
    }
    let mut names = BTreeSet::new();
    for (i, def) in defs.iter().enumerate() {
        if let Err(why) = check_name(&def.name) {
            errors.push(FieldError::new(at(i, "name"), why));
        } else if !names.insert(def.name.as_str()) {
            errors.push(FieldError::new(
                at(i, "name"),
                format!("duplicate container name {:?}", def.name),
            ));
        }
        if def.image.trim().is_empty() {
            errors.push(FieldError::new(
                at(i, "image"),
                "expected a non-empty image reference",
            ));
        }
    }
}

/// Path of `field` in container definition `i`.
fn at(i: usize, field: &str) -> String {
    format!("spec.containerDefinitions[{i}].{field}")
}

/// The container called `name` when it is another container than number `i`; otherwise why not
/// (`verb` completes "a container cannot … itself").
fn other_container<'a>(
    spec: &'a TaskDefinitionSpec,
    i: usize,
    name: &str,
    verb: &str,
) -> Result<&'a ContainerDefinition, String> {
    match spec.container(name) {
        None => Err(format!("unknown container {name:?}")),
        Some(_) if spec.container_definitions[i].name == name => {
            Err(format!("a container cannot {verb} itself"))
        }
        Some(other) => Ok(other),
    }
}

/// Container paths and host paths must be absolute, as the engine requires.
fn check_absolute(path: &str, at: String, errors: &mut Vec<FieldError>) {
    if !path.starts_with('/') {
        errors.push(FieldError::new(
            at,
            format!("expected an absolute path, got {path:?}"),
        ));
    }
}

/// Keys starting with `ecsd.` label what ecsd owns; users may not set them.
fn check_reserved_labels<'a>(
    keys: impl IntoIterator<Item = &'a String>,
    at: String,
    errors: &mut Vec<FieldError>,
) {
    for key in keys.into_iter().filter(|k| k.starts_with("ecsd.")) {
        errors.push(FieldError::new(
            at.clone(),
            format!("label key {key:?} is reserved: keys starting with \"ecsd.\" belong to ecsd"),
        ));
    }
}

#[cfg(test)]
mod tests;
