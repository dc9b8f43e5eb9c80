//! The labels ecsd puts on every container it creates: the truth for what runs.

/// Daemon id of the ecsd that owns the container.
pub const OWNER: &str = "ecsd.owner";
/// Cluster name.
pub const CLUSTER: &str = "ecsd.cluster";
/// 32-hex task id.
pub const TASK: &str = "ecsd.task";
/// Container name within the task definition.
pub const CONTAINER: &str = "ecsd.container";
/// `family:revision`.
pub const TASK_DEFINITION: &str = "ecsd.task-definition";
/// Digest of the task definition revision's content (`TaskDefinitionSpec::digest`).
pub const TASK_DEFINITION_DIGEST: &str = "ecsd.task-definition-digest";
/// Service name, when the task belongs to a service.
pub const SERVICE: &str = "ecsd.service";
/// Deployment id, when the task belongs to a deployment.
pub const DEPLOYMENT: &str = "ecsd.deployment";

/// A `key=value` filter term.
pub fn filter(key: &str, value: &str) -> String {
    format!("{key}={value}")
}
