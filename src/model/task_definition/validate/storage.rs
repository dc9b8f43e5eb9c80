//! Storage rules: task volumes are well-formed and uniquely named, and every mount point,
//! tmpfs and `volumesFrom` refers to something that exists, each container path once.

use super::{at, check_absolute, check_reserved_labels, other_container};
use crate::model::task_definition::{ContainerDefinition, TaskDefinitionSpec, Volume, VolumeScope};
use crate::model::validation::{FieldError, check_name};
use std::collections::BTreeSet;

pub(super) fn check(spec: &TaskDefinitionSpec, errors: &mut Vec<FieldError>) {
    let mut names = BTreeSet::new();
    for (k, volume) in spec.volumes.iter().enumerate() {
        let path = format!("spec.volumes[{k}]");
        if let Err(why) = check_name(&volume.name) {
            errors.push(FieldError::new(format!("{path}.name"), why));
        } else if !names.insert(volume.name.as_str()) {
            errors.push(FieldError::new(
                format!("{path}.name"),
                format!("duplicate volume name {:?}", volume.name),
            ));
        }
        check_volume(volume, &path, errors);
    }
    for (i, def) in spec.container_definitions.iter().enumerate() {
        check_mounts(spec, i, def, errors);
        for (k, from) in def.volumes_from.iter().enumerate() {
            if let Err(why) = other_container(spec, i, &from.source_container, "take volumes from") {
                errors.push(FieldError::new(
                    at(i, &format!("volumesFrom[{k}].sourceContainer")),
                    why,
                ));
            }
        }
    }
}

fn check_volume(volume: &Volume, path: &str, errors: &mut Vec<FieldError>) {
    if let Some(source) = volume.host.as_ref().and_then(|h| h.source_path.as_deref()) {
        check_absolute(source, format!("{path}.host.sourcePath"), errors);
    }
    let Some(config) = &volume.docker_volume_configuration else {
        return;
    };
    if volume.bind_source().is_some() {
        errors.push(FieldError::new(
            path,
            "set host or dockerVolumeConfiguration, not both",
        ));
    }
    check_reserved_labels(
        config.labels.keys(),
        format!("{path}.dockerVolumeConfiguration.labels"),
        errors,
    );
    // A shared volume is named exactly as declared, so the engine's naming rule applies.
    let first_ok = volume
        .name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if volume.scope() == VolumeScope::Shared && (volume.name.len() < 2 || !first_ok) {
        errors.push(FieldError::new(
            format!("{path}.name"),
            "a shared volume name needs at least 2 characters and must start with a letter or digit",
        ));
    }
}

fn check_mounts(
    spec: &TaskDefinitionSpec,
    i: usize,
    def: &ContainerDefinition,
    errors: &mut Vec<FieldError>,
) {
    let mut targets = BTreeSet::new();
    let mut claim = |target: &str, at: String, errors: &mut Vec<FieldError>| {
        if !targets.insert(target.to_string()) {
            errors.push(FieldError::new(at, format!("{target} is mounted twice")));
        }
    };
    for (k, mount) in def.mount_points.iter().enumerate() {
        if spec.volume(&mount.source_volume).is_none() {
            errors.push(FieldError::new(
                at(i, &format!("mountPoints[{k}].sourceVolume")),
                unknown_volume(spec, &mount.source_volume),
            ));
        }
        let path = at(i, &format!("mountPoints[{k}].containerPath"));
        check_absolute(&mount.container_path, path.clone(), errors);
        claim(&mount.container_path, path, errors);
    }
    let tmpfs = def.linux_parameters.iter().flat_map(|l| &l.tmpfs);
    for (k, fs) in tmpfs.enumerate() {
        claim(
            &fs.container_path,
            at(i, &format!("linuxParameters.tmpfs[{k}].containerPath")),
            errors,
        );
    }
}

fn unknown_volume(spec: &TaskDefinitionSpec, name: &str) -> String {
    let declared: Vec<&str> = spec.volumes.iter().map(|v| v.name.as_str()).collect();
    if declared.is_empty() {
        format!("unknown volume {name:?}: the task declares no volumes")
    } else {
        format!(
            "unknown volume {name:?}; spec.volumes declares {}",
            declared.join(", ")
        )
    }
}
