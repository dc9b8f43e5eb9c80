//! Container instances and tasks as placement sees them: what an instance offers and has in
//! use, and what a task asks for.

use crate::model::query::QueryTarget;
use std::collections::{BTreeMap, BTreeSet};

/// Whether new tasks may be placed on an instance (ECS `status`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InstanceStatus {
    /// Takes new tasks.
    #[default]
    Active,
    /// Takes none; its service tasks move elsewhere.
    Draining,
}

/// CPU units, MiB of memory and host ports: what an instance offers or has in use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resources {
    /// CPU units (1024 per core).
    pub cpu: u64,
    /// Memory in MiB.
    pub memory: u64,
    /// TCP host ports: on `registered`, those reserved for the host (never given to tasks);
    /// on `used`, those bound or claimed by tasks.
    pub ports_tcp: BTreeSet<u16>,
    /// UDP host ports, as `ports_tcp`.
    pub ports_udp: BTreeSet<u16>,
}

/// A container instance: one engine of the cluster, with what it offers, what its tasks (not
/// STOPPED) take, and the facts the cluster query language asks about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Instance {
    /// The container instance id.
    pub id: String,
    /// Built-in and custom attributes (name → optional value).
    pub attributes: BTreeMap<String, Option<String>>,
    /// What it offers.
    pub registered: Resources,
    /// What its tasks not STOPPED reserve and the host ports they bind or claim.
    pub used: Resources,
    /// ACTIVE or DRAINING.
    pub status: InstanceStatus,
    /// Whether its engine answers (`agentConnected`).
    pub connected: bool,
    /// When it was registered, in milliseconds since the epoch.
    pub registered_at: u64,
    /// Tasks RUNNING on it.
    pub running_tasks_count: u64,
    /// The version of ecsd managing it (`agentVersion`).
    pub agent_version: String,
    /// Its tasks not STOPPED, counted by group (`service:web`, `family:batch`, …).
    pub task_groups: BTreeMap<String, u32>,
}

impl Instance {
    /// CPU units still free.
    pub fn remaining_cpu(&self) -> u64 {
        self.registered.cpu.saturating_sub(self.used.cpu)
    }

    /// MiB of memory still free.
    pub fn remaining_memory(&self) -> u64 {
        self.registered.memory.saturating_sub(self.used.memory)
    }

    /// How many of its tasks belong to `group`.
    pub fn tasks_of(&self, group: &str) -> u32 {
        self.task_groups.get(group).copied().unwrap_or(0)
    }

    /// Takes what a task of `demand` reserves, as placing it there does.
    pub fn take(&mut self, demand: &Demand) {
        self.used.cpu += demand.cpu;
        self.used.memory += demand.memory;
        self.used.ports_tcp.extend(&demand.ports_tcp);
        self.used.ports_udp.extend(&demand.ports_udp);
        *self.task_groups.entry(demand.group.clone()).or_insert(0) += 1;
    }

    /// Gives back what a task of `demand` reserved, as stopping it does.
    pub fn give_back(&mut self, demand: &Demand) {
        self.used.cpu = self.used.cpu.saturating_sub(demand.cpu);
        self.used.memory = self.used.memory.saturating_sub(demand.memory);
        for port in &demand.ports_tcp {
            self.used.ports_tcp.remove(port);
        }
        for port in &demand.ports_udp {
            self.used.ports_udp.remove(port);
        }
        if let Some(count) = self.task_groups.get_mut(&demand.group) {
            *count = count.saturating_sub(1);
        }
    }
}

impl QueryTarget for Instance {
    fn attribute(&self, name: &str) -> Option<Option<&str>> {
        self.attributes.get(name).map(Option::as_deref)
    }

    fn instance_id(&self) -> &str {
        &self.id
    }

    fn agent_connected(&self) -> bool {
        self.connected
    }

    fn agent_version(&self) -> &str {
        &self.agent_version
    }

    fn registered_at(&self) -> u64 {
        self.registered_at
    }

    fn running_tasks_count(&self) -> u64 {
        self.running_tasks_count
    }

    fn runs_task_group(&self, group: &str) -> bool {
        self.tasks_of(group) > 0
    }
}

/// What one task asks of an instance, and the group it counts in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Demand {
    /// CPU units it reserves.
    pub cpu: u64,
    /// MiB of memory it reserves.
    pub memory: u64,
    /// TCP host ports it binds whatever the engine picks.
    pub ports_tcp: Vec<u16>,
    /// UDP host ports it binds whatever the engine picks.
    pub ports_udp: Vec<u16>,
    /// Its task group: `service:NAME` for a service's tasks, RunTask's `group`, else
    /// `family:FAMILY`. `distinctInstance` and `spread` count the tasks of this group.
    pub group: String,
}
