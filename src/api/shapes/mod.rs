//! The API's shapes: one serde struct per document the server sends and the CLI reads, so a
//! renamed member fails to compile (or fails loudly to parse) instead of printing `-`.
//!
//! ECS resources carry every member ECS always returns, in botocore's ECS model names and
//! types; the native API adds a few of ecsd's own (documented where they appear). Builders
//! turn store records into these shapes; both doors (native and ECS) call them.

mod cluster;
mod container_instance;
mod events;
mod load_balancing;
mod native;
mod scheduled_task;
mod service;
mod sync;
mod task;
mod task_definition;
mod usage;

pub use crate::model::KeyValuePair;
pub use cluster::{CapacityProviderStrategyItem, Cluster, cluster};
pub use container_instance::{ContainerInstanceShape, InstanceResourcesShape, container_instance};
pub use events::{EventEntry, StateRecoveryShape, state_recovery, state_recovery_event};
pub use load_balancing::{LoadBalancerShape, Target, TargetGroupShape};
pub use native::{
    ApplyReply, ApplyRequest, Deleted, Deleting, Deregistered, DrainRequest, ErrorReply, Health,
    RunTaskReply, RunTaskRequest, ScaleRequest, StopTaskRequest, TaskFailure, UndoReply, UndoRequest,
};
pub use scheduled_task::{ScheduleRunShape, ScheduledTaskShape};
pub use service::{
    DeploymentConfigurationShape, DeploymentShape, LoadBalancer, PlacementConstraint, Service,
    ServiceEventShape, ServiceRegistry, deployment, deployments, event, service, service_events,
};
pub use sync::{FileSyncShape, FolderSyncShape, SyncStatus, folder_sync};
pub use task::{Container, NetworkBindingShape, Task, desired_status, task, task_version, task_with_probes};
pub use task_definition::{
    ContainerDefinitionShape, TaskDefinition, TaskDefinitionPlacementConstraint, task_definition,
};
pub use usage::UsageRow;

use serde::{Deserialize, Serialize};

/// Region and account used in ARNs.
#[derive(Debug, Clone)]
pub struct ArnScope {
    /// Region part of ARNs.
    pub region: String,
    /// Account part of ARNs.
    pub account: String,
}

impl Default for ArnScope {
    fn default() -> Self {
        Self {
            region: "local".into(),
            account: "000000000000".into(),
        }
    }
}

impl ArnScope {
    fn arn(&self, resource: &str) -> String {
        format!("arn:aws:ecs:{}:{}:{resource}", self.region, self.account)
    }

    /// ARN of a cluster.
    pub fn cluster_arn(&self, cluster: &str) -> String {
        self.arn(&format!("cluster/{cluster}"))
    }

    /// ELBv2's ARN of a target group or load balancer (`kind` is `targetgroup` or
    /// `loadbalancer/app`), with a stable id derived from the name.
    pub fn elb_arn(&self, kind: &str, name: &str) -> String {
        use sha2::Digest;
        let id = hex::encode(&sha2::Sha256::digest(name.as_bytes())[..8]);
        format!(
            "arn:aws:elasticloadbalancing:{}:{}:{kind}/{name}/{id}",
            self.region, self.account
        )
    }

    /// EventBridge's ARN of a rule (on the default event bus).
    pub fn rule_arn(&self, name: &str) -> String {
        format!("arn:aws:events:{}:{}:rule/{name}", self.region, self.account)
    }

    /// EventBridge's ARN of an event bus.
    pub fn event_bus_arn(&self, name: &str) -> String {
        format!("arn:aws:events:{}:{}:event-bus/{name}", self.region, self.account)
    }

    /// ARN of a task definition revision (`family:rev`).
    pub fn task_definition_arn(&self, reference: &str) -> String {
        self.arn(&format!("task-definition/{reference}"))
    }

    /// ARN of a task.
    pub fn task_arn(&self, cluster: &str, id: &str) -> String {
        self.arn(&format!("task/{cluster}/{id}"))
    }

    /// ARN of a service.
    pub fn service_arn(&self, cluster: &str, name: &str) -> String {
        self.arn(&format!("service/{cluster}/{name}"))
    }

    /// ARN of a container instance (by id) in a cluster.
    pub fn container_instance_arn(&self, cluster: &str, id: &str) -> String {
        self.arn(&format!("container-instance/{cluster}/{id}"))
    }

    /// ARN of a container of a task.
    pub fn container_arn(&self, cluster: &str, task: &str, name: &str) -> String {
        self.arn(&format!("container/{cluster}/{task}/{name}"))
    }
}

/// Epoch seconds with millisecond precision, as ECS emits timestamps.
pub fn seconds(millis: u64) -> f64 {
    millis as f64 / 1000.0
}

/// A list reply of the native API: `{"items": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Items<T> {
    /// The objects.
    pub items: Vec<T>,
}

pub use crate::model::Tag;

/// ECS tags of a label map.
pub fn tags(labels: &std::collections::BTreeMap<String, String>) -> Vec<Tag> {
    labels
        .iter()
        .map(|(key, value)| Tag {
            key: key.clone(),
            value: value.clone(),
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod members;
