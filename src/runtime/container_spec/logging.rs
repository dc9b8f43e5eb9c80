//! Where a container's output goes. Unbounded logs fill disks, so file-based drivers always
//! rotate: the default is `json-file` with `max-size=10m` and `max-file=3`.

use crate::model::ContainerDefinition;
use std::collections::BTreeMap;

/// Rotation applied to file-based drivers that do not set their own.
const ROTATION: [(&str, &str); 2] = [("max-size", "10m"), ("max-file", "3")];

/// A log driver and its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSpec {
    /// Driver name (`json-file`, `local`, `journald`, `syslog`, `none`).
    pub driver: String,
    /// Driver options.
    pub options: BTreeMap<String, String>,
}

impl Default for LogSpec {
    /// Rotated `json-file`.
    fn default() -> Self {
        Self {
            driver: "json-file".to_string(),
            options: rotation(),
        }
    }
}

fn rotation() -> BTreeMap<String, String> {
    ROTATION
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The container's log configuration, with rotation added to `json-file`/`local` without `max-size`.
pub(super) fn log(def: &ContainerDefinition) -> LogSpec {
    let Some(config) = &def.log_configuration else {
        return LogSpec::default();
    };
    let mut options = config.options.clone();
    let file_based = matches!(config.log_driver.as_str(), "json-file" | "local");
    if file_based && !options.contains_key("max-size") {
        for (key, value) in rotation() {
            options.entry(key).or_insert(value);
        }
    }
    LogSpec {
        driver: config.log_driver.clone(),
        options,
    }
}
