//! Volumes: the engine volumes a task needs before its containers, and each container's mounts.

use super::TaskIdentity;
use super::{MountSpec, container_name, mib, task_prefix};
use crate::model::{ContainerDefinition, TaskDefinitionSpec, Volume, VolumeScope};
use crate::runtime::labels;
use std::collections::BTreeMap;

/// An engine-managed volume to ensure before the task's containers are created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeSpec {
    /// Engine volume name.
    pub name: String,
    /// Volume driver; None: the engine's default (`local`).
    pub driver: Option<String>,
    /// Driver options.
    pub driver_opts: BTreeMap<String, String>,
    /// Volume labels; task-scoped volumes carry `ecsd.owner` and `ecsd.task`.
    pub labels: BTreeMap<String, String>,
    /// Belongs to one task: remove it once the task has stopped.
    pub task_scoped: bool,
    /// Create it when missing; when false (a shared volume without `autoprovision`), a
    /// missing volume is an error, as in ECS.
    pub autoprovision: bool,
}

/// Engine volumes of `td` for `task`, owned by `owner`; bind mounts (`host.sourcePath`) need none.
pub fn task_volumes(td: &TaskDefinitionSpec, task: &TaskIdentity, owner: &str) -> Vec<VolumeSpec> {
    td.volumes
        .iter()
        .filter(|v| v.bind_source().is_none())
        .map(|volume| {
            let config = volume.docker_volume_configuration.clone().unwrap_or_default();
            let task_scoped = volume.scope() == VolumeScope::Task;
            let mut volume_labels = config.labels;
            if task_scoped {
                volume_labels.insert(labels::OWNER.to_string(), owner.to_string());
                volume_labels.insert(labels::TASK.to_string(), task.id.clone());
            }
            VolumeSpec {
                name: engine_volume_name(volume, &task.id),
                driver: config.driver,
                driver_opts: config.driver_opts,
                labels: volume_labels,
                task_scoped,
                autoprovision: task_scoped || config.autoprovision.unwrap_or(false),
            }
        })
        .collect()
}

/// `ecsd-<first 12 hex of the task id>-<name>` for a task-scoped volume (also one with neither
/// `host` nor `dockerVolumeConfiguration`); the declared name for a shared one.
fn engine_volume_name(volume: &Volume, task_id: &str) -> String {
    match volume.scope() {
        VolumeScope::Shared => volume.name.clone(),
        VolumeScope::Task => format!("ecsd-{}-{}", task_prefix(task_id), volume.name),
    }
}

/// Mount points resolved against the task's volumes, then `linuxParameters.tmpfs`.
pub(super) fn mounts(def: &ContainerDefinition, td: &TaskDefinitionSpec, task_id: &str) -> Vec<MountSpec> {
    // Validation guarantees every sourceVolume names a task volume.
    let volumes = def.mount_points.iter().filter_map(|m| {
        let volume = td.volume(&m.source_volume)?;
        let target = m.container_path.clone();
        let read_only = m.read_only.unwrap_or(false);
        Some(match volume.bind_source() {
            Some(source) => MountSpec::Bind {
                source: source.to_string(),
                target,
                read_only,
            },
            None => MountSpec::Volume {
                name: engine_volume_name(volume, task_id),
                target,
                read_only,
            },
        })
    });
    let tmpfs = def
        .linux_parameters
        .iter()
        .flat_map(|l| &l.tmpfs)
        .map(|t| MountSpec::Tmpfs {
            target: t.container_path.clone(),
            size_bytes: mib(t.size),
            options: t.mount_options.clone(),
        });
    volumes.chain(tmpfs).collect()
}

/// `volumesFrom` as engine container names, `:ro` when read-only.
pub(super) fn volumes_from(def: &ContainerDefinition, family: &str, task_id: &str) -> Vec<String> {
    def.volumes_from
        .iter()
        .map(|from| {
            let name = container_name(family, &from.source_container, task_id);
            if from.read_only.unwrap_or(false) {
                format!("{name}:ro")
            } else {
                name
            }
        })
        .collect()
}
