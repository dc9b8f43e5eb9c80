//! Where the engine sends a container's output: ECS `LogConfiguration`, local drivers only.

use crate::model::unsupported::NotSupported;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Log drivers that work on one machine without a remote service.
pub const SUPPORTED_LOG_DRIVERS: [&str; 5] = ["json-file", "local", "journald", "syslog", "none"];

/// ECS `LogConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogConfiguration {
    /// One of [`SUPPORTED_LOG_DRIVERS`]; `awslogs`, `awsfirelens`, `splunk`… are not supported yet.
    pub log_driver: String,
    /// Driver options (Docker `--log-opt`), e.g. `max-size: 10m`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub secret_options: NotSupported,
}
