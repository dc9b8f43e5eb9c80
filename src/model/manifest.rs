//! The manifest envelope (`apiVersion`, `kind`, `metadata`, `spec`) and the typed `Manifest`.

use super::cluster::{ClusterSpec, DEFAULT_CLUSTER};
use super::container_instance::{ContainerInstanceSpec, validate_container_instance};
use super::limits;
use super::load_balancing::{
    LoadBalancerSpec, TargetGroupSpec, validate_load_balancer, validate_target_group,
};
use super::scheduled_task::{ScheduledTaskSpec, validate_scheduled_task};
use super::service::{ServiceSpec, validate_service};
use super::task_definition::{TaskDefinitionSpec, validate_task_definition};
use super::validation::{FieldError, check_name, check_name_within};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The only envelope version ecsd reads today.
pub const API_VERSION: &str = "ecsd/v1";

/// One manifest document of kind `S`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Document<S> {
    /// Must be `ecsd/v1`.
    pub api_version: String,
    /// `Cluster`, `TaskDefinition` or `Service`.
    pub kind: String,
    /// Identity of the object.
    pub metadata: Metadata,
    /// ECS fields of the object.
    #[serde(default)]
    pub spec: S,
}

/// Identity and labels of a manifest object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// Object name (the family for a TaskDefinition).
    pub name: String,
    /// Cluster of a Service; `default` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Free-form labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// The kinds of object a manifest can declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    /// A cluster.
    Cluster,
    /// An engine of a cluster (before what is placed on it).
    ContainerInstance,
    /// A task definition family.
    TaskDefinition,
    /// An ELB target group (what a service's tasks register into).
    TargetGroup,
    /// A load balancer: listeners that route to target groups.
    LoadBalancer,
    /// A service (it names task definitions and target groups).
    Service,
    /// A schedule that runs tasks (last: it names task definitions).
    ScheduledTask,
}

impl Kind {
    /// Every kind, in the order they are applied (clusters before what lives in them).
    pub const ALL: [Kind; 7] = [
        Kind::Cluster,
        Kind::ContainerInstance,
        Kind::TaskDefinition,
        Kind::TargetGroup,
        Kind::LoadBalancer,
        Kind::Service,
        Kind::ScheduledTask,
    ];

    /// Parses the `kind` field.
    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Name as written in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cluster => "Cluster",
            Kind::ContainerInstance => "ContainerInstance",
            Kind::TaskDefinition => "TaskDefinition",
            Kind::Service => "Service",
            Kind::TargetGroup => "TargetGroup",
            Kind::LoadBalancer => "LoadBalancer",
            Kind::ScheduledTask => "ScheduledTask",
        }
    }

    /// Whether objects of this kind live in a cluster (`metadata.cluster`).
    pub fn in_cluster(self) -> bool {
        matches!(
            self,
            Kind::Service | Kind::ScheduledTask | Kind::ContainerInstance
        )
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated-shape manifest of any kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Manifest {
    /// A `Cluster` document.
    Cluster(Document<ClusterSpec>),
    /// A `TaskDefinition` document.
    TaskDefinition(Document<TaskDefinitionSpec>),
    /// A `Service` document.
    Service(Document<ServiceSpec>),
    /// A `TargetGroup` document.
    TargetGroup(Document<TargetGroupSpec>),
    /// A `LoadBalancer` document.
    LoadBalancer(Document<LoadBalancerSpec>),
    /// A `ScheduledTask` document.
    ScheduledTask(Document<ScheduledTaskSpec>),
    /// A `ContainerInstance` document.
    ContainerInstance(Document<ContainerInstanceSpec>),
}

impl Manifest {
    /// The kind of this manifest.
    pub fn kind(&self) -> Kind {
        match self {
            Manifest::Cluster(_) => Kind::Cluster,
            Manifest::TaskDefinition(_) => Kind::TaskDefinition,
            Manifest::Service(_) => Kind::Service,
            Manifest::TargetGroup(_) => Kind::TargetGroup,
            Manifest::LoadBalancer(_) => Kind::LoadBalancer,
            Manifest::ScheduledTask(_) => Kind::ScheduledTask,
            Manifest::ContainerInstance(_) => Kind::ContainerInstance,
        }
    }

    /// The metadata of this manifest.
    pub fn metadata(&self) -> &Metadata {
        match self {
            Manifest::Cluster(d) => &d.metadata,
            Manifest::TaskDefinition(d) => &d.metadata,
            Manifest::Service(d) => &d.metadata,
            Manifest::TargetGroup(d) => &d.metadata,
            Manifest::LoadBalancer(d) => &d.metadata,
            Manifest::ScheduledTask(d) => &d.metadata,
            Manifest::ContainerInstance(d) => &d.metadata,
        }
    }

    /// The document itself (`apiVersion`, `kind`, `metadata`, `spec`), as a manifest file
    /// holds it.
    pub fn document_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        match self {
            Manifest::Cluster(d) => serde_json::to_value(d),
            Manifest::TaskDefinition(d) => serde_json::to_value(d),
            Manifest::Service(d) => serde_json::to_value(d),
            Manifest::TargetGroup(d) => serde_json::to_value(d),
            Manifest::LoadBalancer(d) => serde_json::to_value(d),
            Manifest::ScheduledTask(d) => serde_json::to_value(d),
            Manifest::ContainerInstance(d) => serde_json::to_value(d),
        }
    }

    /// The cluster a Service belongs to (`default` when absent).
    pub fn cluster(&self) -> &str {
        self.metadata().cluster.as_deref().unwrap_or(DEFAULT_CLUSTER)
    }

    /// Human identity, e.g. `Service default/web`.
    pub fn describe(&self) -> String {
        match self {
            _ if self.kind().in_cluster() => {
                format!("{} {}/{}", self.kind(), self.cluster(), self.metadata().name)
            }
            _ => format!("{} {}", self.kind(), self.metadata().name),
        }
    }

    /// Folds the raw-ECS identity fields (`family`, `serviceName`, `cluster`) into
    /// `metadata`, so equal intent always compares equal. Conflicts are errors.
    pub fn normalize(&mut self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        match self {
            Manifest::Cluster(_)
            | Manifest::TargetGroup(_)
            | Manifest::LoadBalancer(_)
            | Manifest::ScheduledTask(_)
            | Manifest::ContainerInstance(_) => {}
            Manifest::TaskDefinition(d) => {
                fold(
                    &mut d.spec.family,
                    &mut d.metadata.name,
                    "spec.family",
                    &mut errors,
                );
            }
            Manifest::Service(d) => {
                fold(
                    &mut d.spec.service_name,
                    &mut d.metadata.name,
                    "spec.serviceName",
                    &mut errors,
                );
                let mut cluster = d.metadata.cluster.take().unwrap_or_default();
                fold(&mut d.spec.cluster, &mut cluster, "spec.cluster", &mut errors);
                d.metadata.cluster = (!cluster.is_empty()).then_some(cluster);
            }
        }
        errors
    }

    /// Semantic validation of the whole document; an empty result means valid.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let meta = self.metadata();
        let api_version = match self {
            Manifest::Cluster(d) => &d.api_version,
            Manifest::TaskDefinition(d) => &d.api_version,
            Manifest::Service(d) => &d.api_version,
            Manifest::TargetGroup(d) => &d.api_version,
            Manifest::LoadBalancer(d) => &d.api_version,
            Manifest::ScheduledTask(d) => &d.api_version,
            Manifest::ContainerInstance(d) => &d.api_version,
        };
        if api_version != API_VERSION {
            errors.push(FieldError::new("apiVersion", format!("expected {API_VERSION:?}")));
        }
        let name_check = match self.kind() {
            // ELBv2 names: at most 32 characters.
            Kind::TargetGroup | Kind::LoadBalancer => check_name_within(&meta.name, 32),
            _ => check_name(&meta.name),
        };
        if let Err(why) = name_check {
            errors.push(FieldError::new("metadata.name", why));
        }
        errors.extend(check_labels(&meta.labels));
        if let Some(cluster) = &meta.cluster {
            if !self.kind().in_cluster() {
                errors.push(FieldError::new(
                    "metadata.cluster",
                    format!("a {} does not belong to a cluster; remove the field", self.kind()),
                ));
            } else if let Err(why) = check_name(cluster) {
                errors.push(FieldError::new("metadata.cluster", why));
            }
        }
        errors.extend(match self {
            Manifest::Cluster(_) => Vec::new(),
            Manifest::TaskDefinition(d) => validate_task_definition(&d.spec),
            Manifest::Service(d) => validate_service(&d.spec),
            Manifest::TargetGroup(d) => validate_target_group(&d.spec),
            Manifest::LoadBalancer(d) => validate_load_balancer(&d.spec),
            Manifest::ScheduledTask(d) => validate_scheduled_task(&d.spec),
            Manifest::ContainerInstance(d) => validate_container_instance(&d.spec),
        });
        errors
    }
}

/// Labels are the object's ECS tags, so ECS's tag limits apply.
fn check_labels(labels: &BTreeMap<String, String>) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = labels
        .iter()
        .filter_map(|(k, v)| limits::check_tag(k, v).err())
        .map(|why| FieldError::new("metadata.labels", why))
        .collect();
    if let Err(why) = limits::check_tag_count(labels.len()) {
        errors.push(FieldError::new("metadata.labels", why));
    }
    errors
}

fn fold(raw: &mut Option<String>, meta: &mut String, path: &str, errors: &mut Vec<FieldError>) {
    if let Some(value) = raw.take() {
        if meta.is_empty() {
            *meta = value;
        } else if *meta != value {
            errors.push(FieldError::new(
                path,
                format!("must match metadata ({meta:?}) or be omitted, got {value:?}"),
            ));
        }
    }
}
