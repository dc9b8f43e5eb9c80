//! A container's environment: `--env-file` style files, overridden by `environment`.

use crate::model::ContainerDefinition;
use std::collections::{BTreeMap, HashMap};

/// The local paths of the container's `environmentFiles`, in order; the caller reads them.
pub fn env_file_paths(def: &ContainerDefinition) -> Vec<String> {
    def.environment_files.iter().map(|f| f.value.clone()).collect()
}

/// `KEY=VALUE` pairs of an env file, by Docker's `--env-file` rules: leading whitespace is
/// ignored, blank lines and `#` comments are skipped, the value is everything after the first
/// `=` taken literally (no quotes, no expansion). A line without `=` would import the
/// variable from Docker's own environment; ecsd never passes its own, so it skips the line,
/// as it does a name containing whitespace (which Docker rejects).
pub fn parse_env_file(text: &str) -> Vec<(String, String)> {
    text.trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim_start)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .filter(|(name, _)| !name.is_empty() && !name.contains(char::is_whitespace))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

/// `KEY=value` lines: each env file in order (a later file wins), then `environment`, which
/// wins over every file. A name keeps the position where it first appeared.
pub(super) fn merged(def: &ContainerDefinition, env_files: &BTreeMap<String, String>) -> Vec<String> {
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut position: HashMap<String, usize> = HashMap::new();
    let from_files = def
        .environment_files
        .iter()
        .filter_map(|f| env_files.get(&f.value))
        .flat_map(|text| parse_env_file(text));
    let inline = def
        .environment
        .iter()
        .map(|kv| (kv.name.clone(), kv.value.clone()));
    for (name, value) in from_files.chain(inline) {
        match position.get(&name) {
            Some(&at) => vars[at].1 = value,
            None => {
                position.insert(name.clone(), vars.len());
                vars.push((name, value));
            }
        }
    }
    vars.into_iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect()
}
