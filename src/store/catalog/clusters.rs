//! Clusters: create, delete (leaving an INACTIVE tombstone) and what still occupies one.

use super::{ApplyOutcome, Catalog, Change};
use crate::model::{ClusterSetting, DEFAULT_CLUSTER, DesiredStatus, TaskState, now_millis};
use crate::store::records::*;
use crate::store::{StoreError, Tree};
use std::collections::BTreeMap;

fn tombstone_key(name: &str) -> String {
    format!("inactive-cluster/{name}")
}

impl Catalog {
    /// Creates the cluster if missing (labels and settings updated if present; `None`
    /// leaves the settings as they are); a deleted one comes back.
    pub fn apply_cluster(
        &self,
        name: &str,
        labels: BTreeMap<String, String>,
        settings: Option<&[ClusterSetting]>,
    ) -> Result<ApplyOutcome, StoreError> {
        let mut outcome = ApplyOutcome::Unchanged;
        self.modify(Tree::Clusters, name, |current: Option<ClusterRecord>| {
            Ok(Some(match current {
                Some(mut c) => {
                    let before = c.clone();
                    c.labels = labels.clone();
                    if let Some(settings) = settings {
                        c.settings = settings.to_vec();
                    }
                    if c != before {
                        outcome = ApplyOutcome::Configured;
                    }
                    c
                }
                None => {
                    outcome = ApplyOutcome::Created;
                    ClusterRecord {
                        name: name.to_string(),
                        labels: labels.clone(),
                        created_at: now_millis(),
                        settings: settings.map(<[_]>::to_vec).unwrap_or_default(),
                    }
                }
            }))
        })?;
        self.revive_cluster(name)?;
        if outcome != ApplyOutcome::Unchanged {
            self.notify(Change::Cluster(name.to_string()));
        }
        Ok(outcome)
    }

    /// One cluster.
    pub fn cluster(&self, name: &str) -> Result<Option<ClusterRecord>, StoreError> {
        self.get(Tree::Clusters, name)
    }

    /// Every cluster, by name.
    pub fn clusters(&self) -> Result<Vec<ClusterRecord>, StoreError> {
        self.scan(Tree::Clusters, "")
    }

    /// How many services (ACTIVE or DRAINING) and not yet STOPPED tasks the cluster holds.
    pub fn cluster_occupancy(&self, name: &str) -> Result<(usize, usize), StoreError> {
        let services = self.services(Some(name))?.len();
        let statuses = self.task_statuses()?;
        let tasks = self
            .tasks()?
            .iter()
            .filter(|t| t.cluster == name)
            .filter(|t| match statuses.get(&t.id) {
                Some(s) => s.last_status != TaskState::Stopped,
                None => t.desired_status == DesiredStatus::Running,
            })
            .count();
        Ok((services, tasks))
    }

    /// Deletes a cluster (the implicit `default` too), refused while it still has services,
    /// tasks or declared container instances; it is remembered as deleted until it is created again.
    pub fn delete_cluster(&self, name: &str) -> Result<ClusterRecord, StoreError> {
        let record = match self.cluster(name)? {
            Some(record) => record,
            None if name == DEFAULT_CLUSTER && self.deleted_cluster(name)?.is_none() => ClusterRecord {
                name: name.to_string(),
                labels: BTreeMap::new(),
                created_at: 0,
                settings: Vec::new(),
            },
            None => return Err(StoreError::NotFound(format!("cluster {name}"))),
        };
        match self.cluster_occupancy(name)? {
            (0, 0) => {}
            (0, _) => return Err(StoreError::Conflict(format!("cluster {name} still has tasks"))),
            _ => return Err(StoreError::Conflict(format!("cluster {name} still has services"))),
        }
        if !self.declared_instances(Some(name))?.is_empty() {
            return Err(StoreError::Conflict(format!(
                "cluster {name} still has container instances: delete them first"
            )));
        }
        let tombstone = Tombstone {
            record: record.clone(),
            deleted_at: now_millis(),
        };
        self.put(Tree::Meta, &tombstone_key(name), &tombstone)?;
        self.forget_container_instance(name)?;
        self.delete(Tree::Clusters, name)?;
        self.notify(Change::Cluster(name.to_string()));
        Ok(record)
    }

    /// The cluster as it was when deleted, unless it has been created again since.
    pub fn deleted_cluster(&self, name: &str) -> Result<Option<Tombstone<ClusterRecord>>, StoreError> {
        self.get(Tree::Meta, &tombstone_key(name))
    }

    /// Forgets that the cluster was deleted: it is in use again.
    pub(super) fn revive_cluster(&self, name: &str) -> Result<(), StoreError> {
        let key = tombstone_key(name);
        if self.store.get(Tree::Meta, &key)?.is_some() {
            self.delete(Tree::Meta, &key)?;
        }
        Ok(())
    }
}
