//! Rendering for the CLI: aligned tables, ages, and json/yaml passthrough of ECS shapes.

use crate::api::shapes::{Container, Task};
use serde_json::Value;

/// `-o` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns.
    Table,
    /// Table with more columns.
    Wide,
    /// ECS API JSON.
    Json,
    /// The same as YAML.
    Yaml,
    /// `kind/name` per line (for scripts: `ecsd get svc -o name | xargs …`).
    Name,
    /// `apiVersion: ecsd/v1` manifests that `apply -f` accepts unchanged.
    Manifest,
}

/// Prints rows under headers with aligned columns.
pub fn print_table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", padded.join("   ").trim_end());
    };
    line(headers.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// Prints a value as JSON or YAML.
pub fn print_document(value: &Value, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Yaml => print!("{}", serde_yaml_ng::to_string(value)?),
        _ => println!("{}", serde_json::to_string_pretty(value)?),
    }
    Ok(())
}

/// kubectl-style age (`45s`, `3m`, `2h`, `4d`) of an epoch-seconds timestamp.
pub fn age(then: f64) -> String {
    let now = crate::model::now_millis() as f64 / 1000.0;
    let secs = (now - then).max(0.0) as u64;
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// An optional field, or `-` when the daemon did not send it.
pub fn or_dash(value: Option<impl ToString>) -> String {
    value.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// Last path segment of an ARN (`…/web:3` → `web:3`).
pub fn short_arn(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

/// Task id from a task's ARN.
pub fn task_id(task: &Task) -> String {
    short_arn(&task.task_arn)
}

/// `8080->80/tcp` list of the ports published by `containers`.
pub fn ports(containers: &[Container]) -> String {
    let mut out: Vec<String> = containers
        .iter()
        .flat_map(|c| &c.network_bindings)
        .map(|b| format!("{}->{}/{}", b.host_port, b.container_port, b.protocol.as_str()))
        .collect();
    out.sort();
    out.dedup();
    if out.is_empty() { "-".into() } else { out.join(",") }
}

/// A value as the API spells it (`PRIMARY`, `IN_PROGRESS`, `ACTIVE`, …).
pub fn wire(value: &impl serde::Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "-".into(),
    }
}

/// An epoch-seconds timestamp as RFC 3339 in UTC (`2026-11-30T07:24:10Z`).
pub fn timestamp(secs: f64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs_f64(secs.max(0.0));
    humantime::format_rfc3339_seconds(at).to_string()
}

/// ECS timestamp members (epoch seconds on the wire) that `describe` shows as RFC 3339.
const TIMESTAMP_MEMBERS: [&str; 9] = [
    "createdAt",
    "updatedAt",
    "registeredAt",
    "deregisteredAt",
    "deleteRequestedAt",
    "startedAt",
    "stoppingAt",
    "stoppedAt",
    "pullStartedAt",
];

/// The document with every timestamp member, at any depth, as RFC 3339 text.
pub fn humanize_times(value: &mut Value) {
    match value {
        Value::Object(members) => {
            for (key, member) in members.iter_mut() {
                match member.as_f64() {
                    Some(secs) if TIMESTAMP_MEMBERS.contains(&key.as_str()) => {
                        *member = Value::String(timestamp(secs));
                    }
                    _ => humanize_times(member),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(humanize_times),
        _ => {}
    }
}

#[cfg(test)]
mod time_tests {
    use super::*;

    #[test]
    fn timestamps_read_as_rfc3339_at_any_depth() {
        assert_eq!(timestamp(0.0), "1970-01-01T00:00:00Z");
        let mut doc = serde_json::json!({"registeredAt": 1_764_487_450.5, "revision": 3,
            "items": [{"createdAt": 86_400.0, "name": "x"}]});
        humanize_times(&mut doc);
        let want = serde_json::json!({"registeredAt": "2025-11-30T07:24:10Z", "revision": 3,
            "items": [{"createdAt": "1970-01-02T00:00:00Z", "name": "x"}]});
        assert_eq!(doc, want);
    }
}
