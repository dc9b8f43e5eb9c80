//! Task lifecycle vocabulary (ECS names): states, desired status, stop codes, health.

use serde::{Deserialize, Serialize};
use std::fmt;

/// ECS `lastStatus` values, in lifecycle order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskState {
    /// Recorded, nothing created yet.
    #[default]
    Provisioning,
    /// Containers being created or started.
    Pending,
    /// Resources being attached (unused locally, kept for ECS parity).
    Activating,
    /// Every essential container is running.
    Running,
    /// Shutting down, resources being released.
    Deactivating,
    /// Containers being stopped.
    Stopping,
    /// Containers stopped, resources being cleaned up.
    Deprovisioning,
    /// Terminal.
    Stopped,
}

impl TaskState {
    /// ECS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Provisioning => "PROVISIONING",
            TaskState::Pending => "PENDING",
            TaskState::Activating => "ACTIVATING",
            TaskState::Running => "RUNNING",
            TaskState::Deactivating => "DEACTIVATING",
            TaskState::Stopping => "STOPPING",
            TaskState::Deprovisioning => "DEPROVISIONING",
            TaskState::Stopped => "STOPPED",
        }
    }

    /// A task that has begun shutting down never runs again.
    pub fn is_shutting_down(self) -> bool {
        self >= TaskState::Deactivating
    }

    /// Counted as "pending" in service counts (ECS: PROVISIONING..ACTIVATING).
    pub fn is_pending(self) -> bool {
        self < TaskState::Running
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// ECS `desiredStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DesiredStatus {
    /// Keep the task running.
    #[default]
    Running,
    /// Stop the task.
    Stopped,
}

impl DesiredStatus {
    /// ECS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DesiredStatus::Running => "RUNNING",
            DesiredStatus::Stopped => "STOPPED",
        }
    }
}

/// ECS `stopCode`: why a task stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StopCode {
    /// A container could not be created or started.
    TaskFailedToStart,
    /// An essential container exited.
    EssentialContainerExited,
    /// A user asked (stop-task, delete).
    UserInitiated,
    /// The service scheduler stopped it (scale-in, replacement).
    ServiceSchedulerInitiated,
}

/// A published port as bound by the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkBinding {
    /// Host address.
    pub bind_ip: String,
    /// Port inside the container.
    pub container_port: u16,
    /// Port on the host.
    pub host_port: u16,
    /// tcp or udp.
    pub protocol: super::Protocol,
}

/// Stop reason of a task replaced for failing its container health checks (ECS wording).
pub const UNHEALTHY_STOP_REASON: &str = "Task failed container health checks";
/// Stop reason prefix of a task replaced because a target group reports it unhealthy (ECS).
pub const ELB_UNHEALTHY_STOP_REASON: &str = "Task failed ELB health checks in";
/// A container's reason when the kernel's OOM killer killed it (ECS wording).
pub const OOM_KILLED_REASON: &str = "OutOfMemoryError: container killed due to memory usage";
/// Stop reason prefix of a task that missed the healthy deadline.
pub const HEALTHY_DEADLINE_STOP_REASON: &str = "Task did not become healthy within";

/// Whether the scheduler stopped a task because it failed (or never passed) its health checks:
/// a failure of the application, counted by the circuit breaker and the restart backoff.
pub fn is_health_failure(code: StopCode, reason: Option<&str>) -> bool {
    code == StopCode::ServiceSchedulerInitiated
        && reason.is_some_and(|r| {
            [
                UNHEALTHY_STOP_REASON,
                ELB_UNHEALTHY_STOP_REASON,
                HEALTHY_DEADLINE_STOP_REASON,
            ]
            .iter()
            .any(|prefix| r.starts_with(prefix))
        })
}

/// ECS `healthStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HealthStatus {
    /// Every essential container with a health check passes it.
    Healthy,
    /// An essential container fails its health check.
    Unhealthy,
    /// No health check, or not known yet.
    #[default]
    Unknown,
}

impl HealthStatus {
    /// ECS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Healthy => "HEALTHY",
            HealthStatus::Unhealthy => "UNHEALTHY",
            HealthStatus::Unknown => "UNKNOWN",
        }
    }
}

/// One health check run, as `docker inspect` keeps it: its exit code and the tail of its
/// output, so a person can see why a container is unhealthy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct HealthProbe {
    /// 0 passed, 1 failed, anything else: the probe could not run.
    pub exit_code: i64,
    /// The end of its stdout and stderr (at most `HealthProbe::OUTPUT_LIMIT` bytes).
    pub output: String,
    /// When it finished (ms since epoch), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<u64>,
}

impl HealthProbe {
    /// Bytes of output kept per probe.
    pub const OUTPUT_LIMIT: usize = 512;
    /// Probes kept per container.
    pub const KEPT: usize = 3;

    /// A probe result with its output cut to the last `OUTPUT_LIMIT` bytes (on a character
    /// boundary).
    pub fn new(exit_code: i64, output: &str, finished_at: Option<u64>) -> Self {
        let output = output.trim_end();
        let mut start = output.len().saturating_sub(Self::OUTPUT_LIMIT);
        while !output.is_char_boundary(start) {
            start += 1;
        }
        Self {
            exit_code,
            output: output[start..].to_string(),
            finished_at,
        }
    }

    /// The newest `KEPT` of `probes` (oldest first), each bounded.
    pub fn newest(probes: &[HealthProbe]) -> Vec<HealthProbe> {
        let from = probes.len().saturating_sub(Self::KEPT);
        probes[from..]
            .iter()
            .map(|p| Self::new(p.exit_code, &p.output, p.finished_at))
            .collect()
    }
}

/// A new random 32-hex task id (the ECS task id format).
pub fn new_task_id() -> String {
    let bytes: [u8; 16] = rand::random();
    hex::encode(bytes)
}

/// Milliseconds since the Unix epoch, the timestamp unit of every record.
pub fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_ids_are_32_lowercase_hex_characters_and_unique() {
        let a = new_task_id();
        assert_eq!(a.len(), 32);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, new_task_id());
    }

    #[test]
    fn lifecycle_order_separates_pending_running_and_shutting_down() {
        assert!(TaskState::Pending.is_pending());
        assert!(!TaskState::Running.is_pending());
        assert!(!TaskState::Running.is_shutting_down());
        assert!(TaskState::Stopping.is_shutting_down());
        assert!(TaskState::Stopped.is_shutting_down());
    }
}
