//! A container instance as the native API shows it (ecsd's own document, with ECS's member
//! names where ECS has one): which engine, whether it answers, what it offers and has left,
//! its tasks and attributes. TLS files are named by the manifest only; nothing here reads them.

use super::{ArnScope, seconds};
use crate::ops::container_instances::InstanceView;
use crate::store::InstanceStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// CPU units, MiB and host ports of an instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceResourcesShape {
    /// CPU units (1024 per core).
    pub cpu: u64,
    /// Memory in MiB.
    pub memory: u64,
    /// TCP host ports: reserved for the host on `registeredResources`, in use (bound by
    /// tasks) on `remainingResources`, as ECS lists them.
    #[serde(default)]
    pub ports: Vec<u16>,
    /// UDP host ports, as `ports`.
    #[serde(default)]
    pub ports_udp: Vec<u16>,
}

/// `GET /v1/containerinstances[/{cluster}/{name}]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerInstanceShape {
    /// `local` for the daemon's own engine, else the manifest's name.
    pub name: String,
    /// Container instance id (32 hex).
    pub id: String,
    /// ECS ARN.
    pub container_instance_arn: String,
    /// Cluster it is seen in.
    pub cluster: String,
    /// Declared by a manifest (false: the daemon's own engine).
    pub declared: bool,
    /// The engine URL (`unix://…`, `tcp://HOST:PORT`).
    pub engine: String,
    /// `docker` or `podman` (empty before the engine first answered).
    #[serde(default)]
    pub engine_kind: String,
    /// The engine's version, when known.
    #[serde(default)]
    pub engine_version: String,
    /// Where its published ports are reached.
    pub address: String,
    /// `ACTIVE` or `DRAINING`.
    pub status: InstanceStatus,
    /// Whether its engine answers.
    pub agent_connected: bool,
    /// When `agentConnected` last changed (seconds since epoch), once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_since: Option<f64>,
    /// The last error talking to the engine, while it does not answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_error: Option<String>,
    /// What it offers.
    pub registered_resources: InstanceResourcesShape,
    /// What is left of it (and the host ports in use).
    pub remaining_resources: InstanceResourcesShape,
    /// Tasks RUNNING on it.
    pub running_tasks_count: u64,
    /// Tasks on it not yet RUNNING.
    pub pending_tasks_count: u64,
    /// Built-in (`ecs.*`, `ecsd.engine`) and custom attributes.
    pub attributes: BTreeMap<String, Option<String>>,
    /// Labels of its manifest.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// When it joined the cluster (seconds since epoch).
    pub registered_at: f64,
    /// Bumped on every registration change (ECS `version`).
    pub version: u64,
}

/// The native shape of one instance; `local_engine` is the daemon's own engine URL.
pub fn container_instance(
    scope: &ArnScope,
    view: &InstanceView,
    local_engine: &str,
) -> ContainerInstanceShape {
    let placed = view.placed();
    let facts = &view.facts;
    let engine = facts.engine.as_ref();
    ContainerInstanceShape {
        name: facts.name.clone(),
        id: facts.id.clone(),
        container_instance_arn: scope.container_instance_arn(&view.cluster, &facts.id),
        cluster: view.cluster.clone(),
        declared: !view.is_local(),
        engine: facts
            .declared
            .as_ref()
            .map_or_else(|| local_engine.to_string(), |d| d.spec.engine.trim().to_string()),
        engine_kind: facts.engine_kind().to_string(),
        engine_version: engine.map(|e| e.version.clone()).unwrap_or_default(),
        address: facts.address(),
        status: view.status(),
        agent_connected: placed.connected,
        connected_since: engine.filter(|e| e.since > 0).map(|e| seconds(e.since)),
        engine_error: engine.and_then(|e| e.error.clone()).filter(|_| !placed.connected),
        registered_resources: InstanceResourcesShape {
            cpu: placed.registered.cpu,
            memory: placed.registered.memory,
            ports: placed.registered.ports_tcp.iter().copied().collect(),
            ports_udp: placed.registered.ports_udp.iter().copied().collect(),
        },
        remaining_resources: InstanceResourcesShape {
            cpu: placed.remaining_cpu(),
            memory: placed.remaining_memory(),
            ports: placed.used.ports_tcp.iter().copied().collect(),
            ports_udp: placed.used.ports_udp.iter().copied().collect(),
        },
        running_tasks_count: view.usage.running,
        pending_tasks_count: view.usage.pending,
        attributes: placed.attributes,
        labels: facts
            .declared
            .as_ref()
            .map(|d| d.labels.clone())
            .unwrap_or_default(),
        registered_at: seconds(facts.registered_at),
        version: facts.registration.version + 1,
    }
}
