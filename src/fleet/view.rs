//! A cluster's container instances as everyone reads them (ECS API, CLI, placement): the
//! daemon's own engine plus the declared ones, each with its registration, what its engine
//! last reported, and what its tasks not STOPPED take of it.

use crate::model::{
    DesiredStatus, Protocol, TaskDefinitionRef, TaskState, apply_overrides, is_built_in_attribute,
};
use crate::placement::{self, Resources};
use crate::store::{
    Catalog, ContainerInstanceRecord, EngineFacts, InstanceRecord, InstanceStatus, StoreError,
};
use std::collections::BTreeMap;

/// The name the daemon's own engine goes by.
pub const LOCAL_INSTANCE: &str = "local";

/// One container instance of a cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceFacts {
    /// Container instance id (32 hex).
    pub id: String,
    /// `local`, or the declared instance's name.
    pub name: String,
    /// The declaration; `None` for the daemon's own engine.
    pub declared: Option<InstanceRecord>,
    /// Status and custom attributes set through the APIs.
    pub registration: ContainerInstanceRecord,
    /// What its engine last reported (`None` before it first answered).
    pub engine: Option<EngineFacts>,
    /// When it joined the cluster (ms since epoch).
    pub registered_at: u64,
}

impl InstanceFacts {
    /// Whether its engine answers (the daemon's own counts as answering until it says otherwise).
    pub fn connected(&self) -> bool {
        match (&self.engine, &self.declared) {
            (Some(facts), _) => facts.connected,
            (None, declared) => declared.is_none(),
        }
    }

    /// Where its published ports are reached.
    pub fn address(&self) -> String {
        self.declared
            .as_ref()
            .map_or_else(|| "127.0.0.1".to_string(), |d| d.spec.address())
    }

    /// `docker`, `podman`, or empty before its engine answered.
    pub fn engine_kind(&self) -> &str {
        self.engine.as_ref().map_or("", |f| f.engine.as_str())
    }

    /// CPU units and MiB it offers.
    pub fn capacity(&self) -> (u64, u64) {
        match &self.engine {
            Some(f) if f.cpu > 0 => (f.cpu, f.memory),
            _ if self.declared.is_none() => machine_capacity(),
            _ => (0, 0),
        }
    }

    /// Built-in and custom attributes, as the cluster query language reads them.
    pub fn attributes(&self) -> BTreeMap<String, Option<String>> {
        let arch = self
            .engine
            .as_ref()
            .map(|f| f.architecture.clone())
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| local_architecture().to_string());
        let mut all: BTreeMap<String, Option<String>> = [
            ("ecs.os-type", "linux".to_string()),
            ("ecs.os-family", "LINUX".to_string()),
            ("ecs.cpu-architecture", arch),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), Some(v)))
        .collect();
        if !self.engine_kind().is_empty() {
            all.insert("ecsd.engine".into(), Some(self.engine_kind().to_string()));
        }
        if let Some(d) = &self.declared {
            all.extend(
                d.spec
                    .attributes
                    .iter()
                    .map(|(k, v)| (k.clone(), Some(v.clone()))),
            );
        }
        all.extend(
            self.registration
                .attributes
                .iter()
                .filter(|(k, _)| !is_built_in_attribute(k))
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        all
    }
}

/// The machine's CPU architecture as ECS names it.
pub fn local_architecture() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "arm64",
        other => other,
    }
}

/// What the machine offers: 1024 units per core, and its total memory in MiB.
pub fn machine_capacity() -> (u64, u64) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| mem_total_mib(&text))
        .unwrap_or(0);
    (cores * 1024, memory)
}

/// `MemTotal` of a `/proc/meminfo` text, in MiB.
pub fn mem_total_mib(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// The daemon's own engine and the instances declared in `cluster`, the own engine first.
pub fn cluster_instances(catalog: &Catalog, cluster: &str) -> Result<Vec<InstanceFacts>, StoreError> {
    let local_id = catalog.container_instance_id()?;
    let created = catalog.cluster(cluster)?.map_or(0, |c| c.created_at);
    let mut all = vec![InstanceFacts {
        name: LOCAL_INSTANCE.to_string(),
        declared: None,
        registration: catalog.container_instance(cluster)?,
        engine: catalog.engine_facts(&local_id)?,
        registered_at: created,
        id: local_id,
    }];
    for record in catalog.declared_instances(Some(cluster))? {
        all.push(InstanceFacts {
            id: record.id.clone(),
            name: record.name.clone(),
            registration: catalog.registration(cluster, &record.id)?,
            engine: catalog.engine_facts(&record.id)?,
            registered_at: record.created_at,
            declared: Some(record),
        });
    }
    Ok(all)
}

/// One instance of `cluster` by its name or id (or ARN ending in either).
pub fn find_instance(
    catalog: &Catalog,
    cluster: &str,
    given: &str,
) -> Result<Option<InstanceFacts>, StoreError> {
    let wanted = given.rsplit('/').next().unwrap_or(given);
    Ok(cluster_instances(catalog, cluster)?
        .into_iter()
        .find(|i| i.id == wanted || i.name == wanted))
}

/// What one instance's tasks take and how many there are, for placement and the APIs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// Reservations and bound (and, when asked, claimed) host ports.
    pub used: Resources,
    /// The cluster's tasks not STOPPED on it, by group.
    pub task_groups: BTreeMap<String, u32>,
    /// Tasks RUNNING on it.
    pub running: u64,
    /// Tasks on it not yet RUNNING (PROVISIONING, PENDING, ACTIVATING).
    pub pending: u64,
}

/// What tasks not STOPPED take of each instance (keyed by instance id; `local_id` for tasks
/// placed before instances existed). With `claimed`, fixed host ports of tasks not bound yet
/// count too (a task placed now must not need them).
pub fn usage_by_instance(
    catalog: &Catalog,
    cluster: &str,
    claimed: bool,
) -> Result<BTreeMap<String, Usage>, StoreError> {
    let local_id = catalog.container_instance_id()?;
    let statuses = catalog.task_statuses()?;
    let mut by_instance: BTreeMap<String, Usage> = BTreeMap::new();
    let mut definitions = BTreeMap::new();
    for task in catalog.tasks()? {
        let status = statuses.get(&task.id).cloned().unwrap_or_default();
        let never_started = !statuses.contains_key(&task.id) && task.desired_status == DesiredStatus::Stopped;
        if status.last_status == TaskState::Stopped || never_started {
            continue;
        }
        let usage = by_instance
            .entry(task.placed_on(&local_id).to_string())
            .or_default();
        if task.cluster == cluster {
            *usage.task_groups.entry(task.group.clone()).or_insert(0) += 1;
            match status.last_status {
                TaskState::Running => usage.running += 1,
                s if s.is_pending() => usage.pending += 1,
                _ => {}
            }
        }
        if !definitions.contains_key(&task.task_definition) {
            let td = TaskDefinitionRef::parse(&task.task_definition)
                .ok()
                .and_then(|r| Some(catalog.task_definition(&r.family, r.revision?)))
                .transpose()?
                .flatten();
            definitions.insert(task.task_definition.clone(), td);
        }
        if let Some(Some(td)) = definitions.get(&task.task_definition) {
            let spec = match &task.launch.overrides {
                Some(o) => apply_overrides(&td.spec, o),
                None => td.spec.clone(),
            };
            let (cpu, memory) = placement::reservation(&spec);
            usage.used.cpu += cpu;
            usage.used.memory += memory;
            if claimed {
                let (tcp, udp) = placement::fixed_ports(&spec);
                usage.used.ports_tcp.extend(tcp);
                usage.used.ports_udp.extend(udp);
            }
        }
        for binding in status.containers.iter().flat_map(|c| &c.network_bindings) {
            match binding.protocol {
                Protocol::Tcp => usage.used.ports_tcp.insert(binding.host_port),
                Protocol::Udp => usage.used.ports_udp.insert(binding.host_port),
            };
        }
    }
    Ok(by_instance)
}

/// The cluster's instances as placement sees them.
pub fn placement_view(
    catalog: &Catalog,
    cluster: &str,
    claimed: bool,
) -> Result<Vec<placement::Instance>, StoreError> {
    let usage = usage_by_instance(catalog, cluster, claimed)?;
    Ok(cluster_instances(catalog, cluster)?
        .iter()
        .map(|facts| as_placed(facts, usage.get(&facts.id).cloned().unwrap_or_default()))
        .collect())
}

/// One instance as placement sees it, given its usage.
pub fn as_placed(facts: &InstanceFacts, usage: Usage) -> placement::Instance {
    let (cpu, memory) = facts.capacity();
    placement::Instance {
        id: facts.id.clone(),
        attributes: facts.attributes(),
        registered: Resources {
            cpu,
            memory,
            ..Resources::default()
        },
        used: usage.used,
        status: match facts.registration.status {
            InstanceStatus::Active => placement::InstanceStatus::Active,
            InstanceStatus::Draining => placement::InstanceStatus::Draining,
        },
        connected: facts.connected(),
        registered_at: facts.registered_at,
        running_tasks_count: usage.running,
        agent_version: env!("CARGO_PKG_VERSION").to_string(),
        task_groups: usage.task_groups,
    }
}
