//! Environment variables of a container: inline pairs and `--env-file` style local files.

use serde::{Deserialize, Serialize};

/// An environment variable (`{name, value}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyValuePair {
    /// Variable name.
    pub name: String,
    /// Variable value.
    #[serde(default)]
    pub value: String,
}

/// ECS `EnvironmentFile`. ECS reads it from S3; ecsd reads a local file, so `value` is an
/// absolute path on this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvironmentFile {
    /// Absolute path of a local file of `KEY=VALUE` lines.
    pub value: String,
    /// `s3` (the ECS value, kept so exported definitions load) or `file`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub file_type: Option<EnvironmentFileType>,
}

/// Where an environment file comes from; both read a local path in ecsd.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvironmentFileType {
    /// The ECS value; accepted with a local path.
    S3,
    /// A local file.
    File,
}
