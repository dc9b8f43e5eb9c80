//! Storage: task volumes (ECS `Volume`) and how containers mount them.

use crate::model::unsupported::NotSupported;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// ECS `Volume`: a host path (`host.sourcePath`) or an engine-managed volume.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Volume {
    /// Name that `mountPoints[].sourceVolume` refers to.
    pub name: String,
    /// A bind mount of a host path; without `sourcePath` the engine manages the volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<HostVolume>,
    /// A named engine volume with a driver and a lifetime (`scope`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_volume_configuration: Option<DockerVolumeConfiguration>,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub efs_volume_configuration: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub fsx_windows_file_server_volume_configuration: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub s3files_volume_configuration: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub configured_at_launch: NotSupported,
}

impl Volume {
    /// The host path of a bind-mount volume.
    pub fn bind_source(&self) -> Option<&str> {
        self.host
            .as_ref()
            .and_then(|h| h.source_path.as_deref())
            .filter(|p| !p.is_empty())
    }

    /// Lifetime of an engine-managed volume; ECS defaults to `task`.
    pub fn scope(&self) -> VolumeScope {
        self.docker_volume_configuration
            .as_ref()
            .and_then(|c| c.scope)
            .unwrap_or(VolumeScope::Task)
    }
}

/// ECS `HostVolumeProperties`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostVolume {
    /// Absolute host path; the engine creates the directory if it is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_path: Option<String>,
}

/// ECS `DockerVolumeConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DockerVolumeConfiguration {
    /// `task` (default): created for the task and removed when it stops; `shared`: persists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<VolumeScope>,
    /// For `shared` volumes: create the volume if it does not exist (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoprovision: Option<bool>,
    /// Volume driver (default: the engine's `local`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// Driver options (`docker volume create --opt`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub driver_opts: BTreeMap<String, String>,
    /// Volume labels; keys starting with `ecsd.` are reserved.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// Lifetime of an engine-managed volume.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VolumeScope {
    /// Created for one task, removed when it stops.
    #[default]
    Task,
    /// Named by the volume name and kept across tasks.
    Shared,
}

/// ECS `MountPoint`: a task volume mounted into a container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MountPoint {
    /// Name of a task volume.
    pub source_volume: String,
    /// Absolute path in the container.
    pub container_path: String,
    /// Mount read-only (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
}

/// ECS `VolumeFrom`: mount every volume of another container of the task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VolumeFrom {
    /// Name of another container of the task.
    pub source_container: String,
    /// Mount read-only (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
}
