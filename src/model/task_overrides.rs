//! ECS `TaskOverride`: what RunTask and StartTask may change for one task — a container's
//! command, environment and sizes, the task's CPU and memory — and the pure function that
//! gives the task definition a task actually runs.

use super::task_definition::{CpuUnits, EnvironmentFile, KeyValuePair, Mebibytes, TaskDefinitionSpec};
use super::unsupported::NotSupported;
use super::validation::FieldError;
use serde::{Deserialize, Serialize};

/// ECS `TaskOverride`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaskOverride {
    /// Per-container changes, by container name.
    #[serde(default)]
    pub container_overrides: Vec<ContainerOverride>,
    /// Task CPU units (`"512"`, `"0.5 vCPU"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<CpuUnits>,
    /// Task memory (`"1024"`, `"1GB"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Mebibytes>,
    /// Stored and returned; IAM has no meaning here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<String>,
    /// Stored and returned; IAM has no meaning here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_role_arn: Option<String>,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub inference_accelerator_overrides: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub ephemeral_storage: NotSupported,
}

/// ECS `ContainerOverride`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerOverride {
    /// The container, as the task definition names it.
    pub name: String,
    /// Replaces the container's command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Added to (or replacing by name) the container's environment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environment: Vec<KeyValuePair>,
    /// Added to the container's environment files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environment_files: Vec<EnvironmentFile>,
    /// Replaces the container's CPU units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<u32>,
    /// Replaces the container's hard memory limit (MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<u32>,
    /// Replaces the container's soft memory limit (MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_reservation: Option<u32>,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub resource_requirements: NotSupported,
}

/// At most this many bytes of overrides per task (ECS: 8 KiB of JSON).
pub const MAX_OVERRIDES_BYTES: usize = 8192;

/// Checks the overrides against the definition they apply to: every container named exists,
/// and the whole fits ECS's 8 KiB.
pub fn validate_overrides(o: &TaskOverride, td: &TaskDefinitionSpec) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let size = serde_json::to_vec(o).map(|v| v.len()).unwrap_or(0);
    if size > MAX_OVERRIDES_BYTES {
        errors.push(FieldError::new(
            "overrides",
            format!("Container Overrides length must be at most {MAX_OVERRIDES_BYTES}, got {size} bytes"),
        ));
    }
    for (i, c) in o.container_overrides.iter().enumerate() {
        if td.container(&c.name).is_none() {
            errors.push(FieldError::new(
                format!("overrides.containerOverrides[{i}].name"),
                format!("the task definition has no container named {:?}", c.name),
            ));
        }
    }
    errors
}

/// The definition a task with these overrides runs: the named containers' command replaced,
/// their environment extended (a variable given again takes the new value), sizes replaced;
/// the task's CPU and memory replaced.
pub fn apply_overrides(td: &TaskDefinitionSpec, o: &TaskOverride) -> TaskDefinitionSpec {
    let mut out = td.clone();
    if o.cpu.is_some() {
        out.cpu = o.cpu;
    }
    if o.memory.is_some() {
        out.memory = o.memory;
    }
    for c in &o.container_overrides {
        let Some(container) = out.container_definitions.iter_mut().find(|d| d.name == c.name) else {
            continue;
        };
        if let Some(command) = &c.command {
            container.command = Some(command.clone());
        }
        for pair in &c.environment {
            container.environment.retain(|e| e.name != pair.name);
            container.environment.push(pair.clone());
        }
        container
            .environment_files
            .extend(c.environment_files.iter().cloned());
        if c.cpu.is_some() {
            container.cpu = c.cpu;
        }
        if c.memory.is_some() {
            container.memory = c.memory;
        }
        if c.memory_reservation.is_some() {
            container.memory_reservation = c.memory_reservation;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures;

    fn overrides(json: &str) -> TaskOverride {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_container_override_replaces_the_command_and_adds_or_replaces_variables() {
        let mut td = fixtures::task_definition(&[("app", "busybox"), ("side", "busybox")]);
        td.container_definitions[0].environment = vec![KeyValuePair {
            name: "MODE".into(),
            value: "serve".into(),
        }];
        let o = overrides(
            r#"{"containerOverrides":[{"name":"app","command":["sh","-c","migrate"],
                "environment":[{"name":"MODE","value":"migrate"},{"name":"X","value":"1"}],"memory":64}],
                "cpu":"512"}"#,
        );
        assert!(validate_overrides(&o, &td).is_empty());
        let run = apply_overrides(&td, &o);
        let app = run.container("app").unwrap();
        assert_eq!(
            app.command.as_deref(),
            Some(&["sh".to_string(), "-c".into(), "migrate".into()][..])
        );
        let env: Vec<(&str, &str)> = app
            .environment
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(env, [("MODE", "migrate"), ("X", "1")]);
        assert_eq!(app.memory, Some(64));
        assert_eq!(run.cpu, Some(CpuUnits(512)));
        assert_eq!(
            run.container("side"),
            td.container("side"),
            "other containers are untouched"
        );
    }

    #[test]
    fn an_override_naming_an_unknown_container_is_refused_by_path() {
        let td = fixtures::task_definition(&[("app", "busybox")]);
        let errors = validate_overrides(&overrides(r#"{"containerOverrides":[{"name":"nope"}]}"#), &td);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].to_string().contains("containerOverrides[0].name"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn unsupported_override_members_are_refused_by_name() {
        let err =
            serde_json::from_str::<TaskOverride>(r#"{"ephemeralStorage":{"sizeInGiB":30}}"#).unwrap_err();
        assert!(err.to_string().contains("not supported yet"), "{err}");
    }
}
