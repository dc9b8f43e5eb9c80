//! Container instances: the machine's own engine (a stable id, registered in every cluster)
//! and declared ones (`kind: ContainerInstance`); each one's registration per cluster (status
//! and custom attributes) and what its engine last reported.

use super::{ApplyOutcome, Catalog, Change};
use crate::model::{ContainerInstanceSpec, new_task_id, now_millis};
use crate::store::records::*;
use crate::store::{StoreError, Tree};
use sha2::Digest;
use std::collections::BTreeMap;

const ID_KEY: &str = "container-instance-id";

/// The registration of the machine's own engine in `cluster` (the key it always had).
fn instance_key(cluster: &str) -> String {
    format!("container-instance/{cluster}")
}

/// The registration of a declared instance.
fn declared_key(cluster: &str, id: &str) -> String {
    format!("container-instance/{cluster}/{id}")
}

fn facts_key(id: &str) -> String {
    format!("engine-facts/{id}")
}

fn key(cluster: &str, name: &str) -> String {
    format!("{cluster}/{name}")
}

/// The id of a declared instance: 32 hex derived from its cluster and name.
pub fn declared_instance_id(cluster: &str, name: &str) -> String {
    let digest = sha2::Sha256::digest(format!("ecsd-container-instance/{cluster}/{name}").as_bytes());
    hex::encode(digest)[..32].to_string()
}

impl Catalog {
    /// The machine's container instance id (32 hex), made once and kept with the state.
    pub fn container_instance_id(&self) -> Result<String, StoreError> {
        if let Some(id) = self.get::<String>(Tree::Meta, ID_KEY)? {
            return Ok(id);
        }
        let made = self.modify(Tree::Meta, ID_KEY, |current: Option<String>| {
            Ok(Some(current.unwrap_or_else(new_task_id)))
        })?;
        Ok(made.unwrap_or_default())
    }

    /// The machine's registration in `cluster` (ACTIVE with no attributes until changed).
    pub fn container_instance(&self, cluster: &str) -> Result<ContainerInstanceRecord, StoreError> {
        Ok(self.get(Tree::Meta, &instance_key(cluster))?.unwrap_or_default())
    }

    /// Changes the machine's registration in `cluster`; bumps its version when it changed.
    pub fn update_container_instance(
        &self,
        cluster: &str,
        f: impl FnMut(&mut ContainerInstanceRecord) -> Result<(), StoreError>,
    ) -> Result<ContainerInstanceRecord, StoreError> {
        self.modify_registration(&instance_key(cluster), f)
    }

    /// Changes the registration under `key`; bumps its version when it changed.
    fn modify_registration(
        &self,
        key: &str,
        mut f: impl FnMut(&mut ContainerInstanceRecord) -> Result<(), StoreError>,
    ) -> Result<ContainerInstanceRecord, StoreError> {
        let record = self.modify(Tree::Meta, key, |current: Option<ContainerInstanceRecord>| {
            let mut record = current.unwrap_or_default();
            let before = record.clone();
            f(&mut record)?;
            if record != before {
                record.version += 1;
            }
            Ok(Some(record))
        })?;
        Ok(record.unwrap_or_default())
    }

    /// Drops the registration in a deleted cluster.
    pub(super) fn forget_container_instance(&self, cluster: &str) -> Result<(), StoreError> {
        self.delete(Tree::Meta, &instance_key(cluster))
    }

    /// The registration (status, attributes) of instance `id` in `cluster`, whichever kind.
    pub fn registration(&self, cluster: &str, id: &str) -> Result<ContainerInstanceRecord, StoreError> {
        if id == self.container_instance_id()? {
            return self.container_instance(cluster);
        }
        Ok(self
            .get(Tree::Meta, &declared_key(cluster, id))?
            .unwrap_or_default())
    }

    /// Changes the registration of instance `id` in `cluster`; bumps its version when it changed.
    pub fn update_registration(
        &self,
        cluster: &str,
        id: &str,
        f: impl FnMut(&mut ContainerInstanceRecord) -> Result<(), StoreError>,
    ) -> Result<ContainerInstanceRecord, StoreError> {
        if id == self.container_instance_id()? {
            return self.update_container_instance(cluster, f);
        }
        let record = self.modify_registration(&declared_key(cluster, id), f)?;
        self.notify(Change::Cluster(cluster.to_string()));
        Ok(record)
    }

    /// Creates or changes a declared container instance.
    pub fn apply_declared_instance(
        &self,
        cluster: &str,
        name: &str,
        spec: &ContainerInstanceSpec,
        labels: &BTreeMap<String, String>,
    ) -> Result<ApplyOutcome, StoreError> {
        let mut outcome = ApplyOutcome::Unchanged;
        self.modify(
            Tree::ContainerInstances,
            &key(cluster, name),
            |current: Option<InstanceRecord>| {
                Ok(Some(match current {
                    Some(r) if r.spec == *spec && r.labels == *labels => r,
                    Some(r) => {
                        outcome = ApplyOutcome::Configured;
                        InstanceRecord {
                            spec: spec.clone(),
                            labels: labels.clone(),
                            ..r
                        }
                    }
                    None => {
                        outcome = ApplyOutcome::Created;
                        InstanceRecord {
                            cluster: cluster.to_string(),
                            name: name.to_string(),
                            id: declared_instance_id(cluster, name),
                            spec: spec.clone(),
                            labels: labels.clone(),
                            created_at: now_millis(),
                        }
                    }
                }))
            },
        )?;
        if outcome != ApplyOutcome::Unchanged {
            self.notify(Change::Cluster(cluster.to_string()));
        }
        Ok(outcome)
    }

    /// One declared instance, by cluster and name.
    pub fn declared_instance(&self, cluster: &str, name: &str) -> Result<Option<InstanceRecord>, StoreError> {
        self.get(Tree::ContainerInstances, &key(cluster, name))
    }

    /// Declared instances, of one cluster or all.
    pub fn declared_instances(&self, cluster: Option<&str>) -> Result<Vec<InstanceRecord>, StoreError> {
        let prefix = cluster.map(|c| format!("{c}/")).unwrap_or_default();
        self.scan(Tree::ContainerInstances, &prefix)
    }

    /// Removes a declared instance (its tasks are the caller's to move first); true when it existed.
    pub fn remove_declared_instance(&self, cluster: &str, name: &str) -> Result<bool, StoreError> {
        let Some(record) = self.declared_instance(cluster, name)? else {
            return Ok(false);
        };
        self.delete(Tree::ContainerInstances, &key(cluster, name))?;
        self.delete(Tree::Meta, &declared_key(cluster, &record.id))?;
        self.delete(Tree::Meta, &facts_key(&record.id))?;
        self.notify(Change::Cluster(cluster.to_string()));
        Ok(true)
    }

    /// Tasks placed on instance `id` that have not STOPPED.
    pub fn live_tasks_on(&self, id: &str) -> Result<Vec<TaskRecord>, StoreError> {
        let local = self.container_instance_id()?;
        let statuses = self.task_statuses()?;
        Ok(self
            .tasks()?
            .into_iter()
            .filter(|t| t.placed_on(&local) == id)
            .filter(|t| match statuses.get(&t.id) {
                Some(s) => s.last_status != crate::model::TaskState::Stopped,
                None => t.desired_status == crate::model::DesiredStatus::Running,
            })
            .collect())
    }

    /// Removes a declared instance that runs no task; one that still does is set DRAINING
    /// (its service tasks move) and kept. True when it was removed.
    pub fn retire_declared_instance(&self, cluster: &str, name: &str) -> Result<bool, StoreError> {
        let Some(record) = self.declared_instance(cluster, name)? else {
            return Ok(true);
        };
        if self.live_tasks_on(&record.id)?.is_empty() {
            return self.remove_declared_instance(cluster, name);
        }
        self.update_registration(cluster, &record.id, |r| {
            r.status = InstanceStatus::Draining;
            Ok(())
        })?;
        Ok(false)
    }

    /// What instance `id`'s engine last reported (`None` before its first ping).
    pub fn engine_facts(&self, id: &str) -> Result<Option<EngineFacts>, StoreError> {
        self.get(Tree::Meta, &facts_key(id))
    }

    /// Records what instance `id`'s engine reports, when it changed; wakes placement when
    /// the instance connected or disconnected.
    pub fn put_engine_facts(&self, id: &str, facts: &EngineFacts) -> Result<(), StoreError> {
        let mut flipped = false;
        self.modify(Tree::Meta, &facts_key(id), |current: Option<EngineFacts>| {
            flipped = current.as_ref().is_none_or(|c| c.connected != facts.connected);
            Ok(Some(facts.clone()))
        })?;
        if flipped {
            for r in self.declared_instances(None)?.iter().filter(|r| r.id == id) {
                self.notify(Change::Cluster(r.cluster.clone()));
            }
        }
        Ok(())
    }
}
