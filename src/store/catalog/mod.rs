//! Typed access to state: records in, records out, change notifications for controllers.

use super::records::*;
use super::{Store, StoreError, Tree};
use crate::model::{DesiredStatus, ServiceSpec, StopCode, TaskDefinitionSpec, now_millis};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::broadcast;

/// What an intent write changed; controllers turn these into queue keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Change {
    /// A cluster was created or deleted.
    Cluster(String),
    /// A revision of this family was registered or deregistered.
    TaskDefinition(String),
    /// A service spec changed.
    Service {
        /// Cluster name.
        cluster: String,
        /// Service name.
        name: String,
    },
    /// A task record was created or asked to stop.
    Task(String),
}

/// Result of applying one object, in kubectl's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApplyOutcome {
    /// The object did not exist.
    Created,
    /// The object existed and changed.
    Configured,
    /// The object already matched.
    Unchanged,
    /// The object was removed because its source no longer declares it.
    Pruned,
}

/// Typed state access over any `Store`.
#[derive(Clone)]
pub struct Catalog {
    store: Arc<dyn Store>,
    changes: broadcast::Sender<Change>,
}

impl Catalog {
    /// Wraps a store.
    pub fn new(store: Arc<dyn Store>) -> Self {
        let (changes, _) = broadcast::channel(4096);
        Self { store, changes }
    }

    /// Receives every intent change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    fn notify(&self, change: Change) {
        // No subscriber (e.g. a CLI-only catalog) is fine: controllers resync anyway.
        let _ = self.changes.send(change);
    }

    fn get<T: DeserializeOwned>(&self, tree: Tree, key: &str) -> Result<Option<T>, StoreError> {
        self.store
            .get(tree, key)?
            .map(|raw| decode(tree, key, &raw))
            .transpose()
    }

    fn scan<T: DeserializeOwned>(&self, tree: Tree, prefix: &str) -> Result<Vec<T>, StoreError> {
        self.store
            .scan(tree, prefix)?
            .into_iter()
            .map(|(key, raw)| decode(tree, &key, &raw))
            .collect()
    }

    /// Atomically replaces `key` with `f(current)`; `Ok(None)` from `f` deletes. Retries on races.
    fn modify<T, F>(&self, tree: Tree, key: &str, mut f: F) -> Result<Option<T>, StoreError>
    where
        T: Serialize + DeserializeOwned,
        F: FnMut(Option<T>) -> Result<Option<T>, StoreError>,
    {
        loop {
            let raw = self.store.get(tree, key)?;
            let current = raw.as_deref().map(|r| decode(tree, key, r)).transpose()?;
            let next = f(current)?;
            let encoded = next.as_ref().map(|v| encode(v));
            if self.store.compare_and_swap(tree, key, raw.as_deref(), encoded)? {
                return Ok(next);
            }
        }
    }

    fn put<T: Serialize + DeserializeOwned + Clone>(
        &self,
        tree: Tree,
        key: &str,
        value: &T,
    ) -> Result<(), StoreError> {
        self.modify(tree, key, |_: Option<T>| Ok(Some(value.clone())))
            .map(|_| ())
    }

    fn delete(&self, tree: Tree, key: &str) -> Result<(), StoreError> {
        self.modify(tree, key, |_: Option<serde_json::Value>| Ok(None))
            .map(|_| ())
    }

    // ---- clusters ----

    /// Creates the cluster if missing (labels updated if present).
    pub fn apply_cluster(
        &self,
        name: &str,
        labels: BTreeMap<String, String>,
    ) -> Result<ApplyOutcome, StoreError> {
        let mut outcome = ApplyOutcome::Unchanged;
        self.modify(Tree::Clusters, name, |current: Option<ClusterRecord>| {
            Ok(Some(match current {
                Some(c) if c.labels == labels => c,
                Some(mut c) => {
                    outcome = ApplyOutcome::Configured;
                    c.labels = labels.clone();
                    c
                }
                None => {
                    outcome = ApplyOutcome::Created;
                    ClusterRecord {
                        name: name.to_string(),
                        labels: labels.clone(),
                        created_at: now_millis(),
                    }
                }
            }))
        })?;
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

    /// Deletes a cluster; refused while it still has services or tasks.
    pub fn delete_cluster(&self, name: &str) -> Result<(), StoreError> {
        if self.cluster(name)?.is_none() {
            return Err(StoreError::NotFound(format!("cluster {name}")));
        }
        if !self.services(Some(name))?.is_empty() {
            return Err(StoreError::Conflict(format!("cluster {name} still has services")));
        }
        if self
            .tasks()?
            .iter()
            .any(|t| t.cluster == name && t.desired_status == DesiredStatus::Running)
        {
            return Err(StoreError::Conflict(format!(
                "cluster {name} still has running tasks"
            )));
        }
        self.delete(Tree::Clusters, name)?;
        self.notify(Change::Cluster(name.to_string()));
        Ok(())
    }

    // ---- task definitions ----

    /// Registers `spec` as the next revision of `family`, unless it equals the latest ACTIVE one.
    pub fn register_task_definition(
        &self,
        family: &str,
        spec: &TaskDefinitionSpec,
        labels: &BTreeMap<String, String>,
    ) -> Result<(TaskDefinitionRecord, ApplyOutcome), StoreError> {
        let latest = self.latest_task_definition(family)?;
        if let Some(latest) = latest.as_ref().filter(|l| &l.spec == spec && &l.labels == labels) {
            return Ok((latest.clone(), ApplyOutcome::Unchanged));
        }
        // The counter lives apart from the revisions so numbers are never reused, even
        // after revisions are deleted.
        let counter_key = format!("td-revision/{family}");
        let revision = self
            .modify(Tree::Meta, &counter_key, |n: Option<u32>| {
                Ok(Some(n.unwrap_or(0) + 1))
            })?
            .unwrap_or(1);
        let record = TaskDefinitionRecord {
            family: family.to_string(),
            revision,
            status: TaskDefinitionStatus::Active,
            spec: spec.clone(),
            labels: labels.clone(),
            registered_at: now_millis(),
            deregistered_at: None,
        };
        self.put(Tree::TaskDefinitions, &td_key(family, revision), &record)?;
        self.notify(Change::TaskDefinition(family.to_string()));
        let outcome = if latest.is_some() {
            ApplyOutcome::Configured
        } else {
            ApplyOutcome::Created
        };
        Ok((record, outcome))
    }

    /// One revision.
    pub fn task_definition(
        &self,
        family: &str,
        revision: u32,
    ) -> Result<Option<TaskDefinitionRecord>, StoreError> {
        self.get(Tree::TaskDefinitions, &td_key(family, revision))
    }

    /// The highest ACTIVE revision of a family.
    pub fn latest_task_definition(&self, family: &str) -> Result<Option<TaskDefinitionRecord>, StoreError> {
        Ok(self
            .task_definition_revisions(family)?
            .into_iter()
            .rev()
            .find(|r| r.status == TaskDefinitionStatus::Active))
    }

    /// Every revision of a family, oldest first.
    pub fn task_definition_revisions(&self, family: &str) -> Result<Vec<TaskDefinitionRecord>, StoreError> {
        self.scan(Tree::TaskDefinitions, &format!("{family}/"))
    }

    /// Every revision of every family.
    pub fn task_definitions(&self) -> Result<Vec<TaskDefinitionRecord>, StoreError> {
        self.scan(Tree::TaskDefinitions, "")
    }

    /// Marks every ACTIVE revision of a family INACTIVE (kept as history); returns how many.
    pub fn deregister_family(&self, family: &str) -> Result<usize, StoreError> {
        let mut count = 0;
        for record in self.task_definition_revisions(family)? {
            if record.status == TaskDefinitionStatus::Active {
                self.modify(
                    Tree::TaskDefinitions,
                    &td_key(family, record.revision),
                    |r: Option<TaskDefinitionRecord>| {
                        Ok(r.map(|mut r| {
                            r.status = TaskDefinitionStatus::Inactive;
                            r.deregistered_at = Some(now_millis());
                            r
                        }))
                    },
                )?;
                count += 1;
            }
        }
        if count > 0 {
            self.notify(Change::TaskDefinition(family.to_string()));
        }
        Ok(count)
    }

    // ---- services ----

    /// Creates or updates a service spec; the generation moves only when the spec changes.
    pub fn apply_service(
        &self,
        cluster: &str,
        name: &str,
        spec: &ServiceSpec,
        labels: &BTreeMap<String, String>,
    ) -> Result<ApplyOutcome, StoreError> {
        let mut outcome = ApplyOutcome::Unchanged;
        self.modify(
            Tree::Services,
            &service_key(cluster, name),
            |current: Option<ServiceRecord>| match current {
                Some(s) if s.deleting => Err(StoreError::Conflict(format!(
                    "service {cluster}/{name} is being deleted (DRAINING); apply it again once it is gone"
                ))),
                Some(s) if &s.spec == spec && &s.labels == labels => {
                    outcome = ApplyOutcome::Unchanged;
                    Ok(Some(s))
                }
                Some(mut s) => {
                    outcome = ApplyOutcome::Configured;
                    s.generation += 1;
                    s.spec = spec.clone();
                    s.labels = labels.clone();
                    Ok(Some(s))
                }
                None => {
                    outcome = ApplyOutcome::Created;
                    Ok(Some(ServiceRecord {
                        cluster: cluster.to_string(),
                        name: name.to_string(),
                        spec: spec.clone(),
                        labels: labels.clone(),
                        generation: 1,
                        created_at: now_millis(),
                        deleting: false,
                        restart_nonce: 0,
                    }))
                }
            },
        )?;
        if outcome != ApplyOutcome::Unchanged {
            self.notify(Change::Service {
                cluster: cluster.to_string(),
                name: name.to_string(),
            });
        }
        Ok(outcome)
    }

    /// Changes only the desired count (`ecsd scale`, ECS UpdateService).
    pub fn set_desired_count(&self, cluster: &str, name: &str, count: u32) -> Result<(), StoreError> {
        self.update_service(cluster, name, |s| {
            s.spec.desired_count = Some(count);
            Ok(())
        })
    }

    /// Asks for a new deployment of the same revision (`rollout restart`, forceNewDeployment).
    pub fn restart_service(&self, cluster: &str, name: &str) -> Result<(), StoreError> {
        self.update_service(cluster, name, |s| {
            s.restart_nonce += 1;
            Ok(())
        })
    }

    /// Points a service at another task definition (`rollout undo`, ECS UpdateService).
    pub fn set_service_task_definition(&self, cluster: &str, name: &str, td: &str) -> Result<(), StoreError> {
        self.update_service(cluster, name, |s| {
            s.spec.task_definition = td.to_string();
            Ok(())
        })
    }

    /// Starts deleting a service: it drains to zero tasks, then the controller removes it.
    pub fn mark_service_deleting(&self, cluster: &str, name: &str) -> Result<(), StoreError> {
        self.update_service(cluster, name, |s| {
            s.deleting = true;
            Ok(())
        })
    }

    fn update_service(
        &self,
        cluster: &str,
        name: &str,
        mut f: impl FnMut(&mut ServiceRecord) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.modify(
            Tree::Services,
            &service_key(cluster, name),
            |current: Option<ServiceRecord>| {
                let mut s =
                    current.ok_or_else(|| StoreError::NotFound(format!("service {cluster}/{name}")))?;
                let before = s.clone();
                f(&mut s)?;
                if s != before {
                    s.generation += 1;
                }
                Ok(Some(s))
            },
        )?;
        self.notify(Change::Service {
            cluster: cluster.to_string(),
            name: name.to_string(),
        });
        Ok(())
    }

    /// Removes a drained service and its status for good.
    pub fn remove_service(&self, cluster: &str, name: &str) -> Result<(), StoreError> {
        let key = service_key(cluster, name);
        self.delete(Tree::Services, &key)?;
        self.delete(Tree::ServiceStatus, &key)?;
        self.notify(Change::Service {
            cluster: cluster.to_string(),
            name: name.to_string(),
        });
        Ok(())
    }

    /// One service.
    pub fn service(&self, cluster: &str, name: &str) -> Result<Option<ServiceRecord>, StoreError> {
        self.get(Tree::Services, &service_key(cluster, name))
    }

    /// Services of one cluster, or of all clusters.
    pub fn services(&self, cluster: Option<&str>) -> Result<Vec<ServiceRecord>, StoreError> {
        let prefix = cluster.map(|c| format!("{c}/")).unwrap_or_default();
        self.scan(Tree::Services, &prefix)
    }

    /// Observed state of a service.
    pub fn service_status(&self, cluster: &str, name: &str) -> Result<Option<ServiceStatus>, StoreError> {
        self.get(Tree::ServiceStatus, &service_key(cluster, name))
    }

    /// Records the observed state of a service (controller only).
    pub fn put_service_status(
        &self,
        cluster: &str,
        name: &str,
        status: &ServiceStatus,
    ) -> Result<(), StoreError> {
        self.put(Tree::ServiceStatus, &service_key(cluster, name), status)
    }

    // ---- tasks ----

    /// Records a new task's intent; done before any container is created.
    pub fn create_task(&self, task: &TaskRecord) -> Result<(), StoreError> {
        self.put(Tree::Tasks, &task.id, task)?;
        self.notify(Change::Task(task.id.clone()));
        Ok(())
    }

    /// One task.
    pub fn task(&self, id: &str) -> Result<Option<TaskRecord>, StoreError> {
        self.get(Tree::Tasks, id)
    }

    /// Every task record.
    pub fn tasks(&self) -> Result<Vec<TaskRecord>, StoreError> {
        self.scan(Tree::Tasks, "")
    }

    /// Asks a task to stop; the first stop request's code and reason win.
    pub fn request_task_stop(
        &self,
        id: &str,
        code: StopCode,
        reason: &str,
    ) -> Result<TaskRecord, StoreError> {
        let record = self
            .modify(Tree::Tasks, id, |current: Option<TaskRecord>| {
                let mut t = current.ok_or_else(|| StoreError::NotFound(format!("task {id}")))?;
                if t.desired_status == DesiredStatus::Running {
                    t.desired_status = DesiredStatus::Stopped;
                    t.stop_code = Some(code);
                    t.stopped_reason = Some(reason.to_string());
                }
                Ok(Some(t))
            })?
            .ok_or_else(|| StoreError::NotFound(format!("task {id}")))?;
        self.notify(Change::Task(id.to_string()));
        Ok(record)
    }

    /// Forgets a stopped task entirely (retention expired).
    pub fn remove_task(&self, id: &str) -> Result<(), StoreError> {
        self.delete(Tree::Tasks, id)?;
        self.delete(Tree::TaskStatus, id)
    }

    /// Observed state of a task.
    pub fn task_status(&self, id: &str) -> Result<Option<TaskStatus>, StoreError> {
        self.get(Tree::TaskStatus, id)
    }

    /// Every task status, keyed by task id.
    pub fn task_statuses(&self) -> Result<BTreeMap<String, TaskStatus>, StoreError> {
        self.store
            .scan(Tree::TaskStatus, "")?
            .into_iter()
            .map(|(key, raw)| Ok((key.clone(), decode(Tree::TaskStatus, &key, &raw)?)))
            .collect()
    }

    /// Records the observed state of a task (task controller only).
    pub fn put_task_status(&self, id: &str, status: &TaskStatus) -> Result<(), StoreError> {
        self.put(Tree::TaskStatus, id, status)
    }

    // ---- ownership and folder sync ----

    /// Who owns the object `key` (see `apply::object_key`), if anyone recorded it.
    pub fn owner(&self, key: &str) -> Result<Option<Origin>, StoreError> {
        self.get(Tree::Meta, &format!("owner/{key}"))
    }

    /// Records the owner of `key`.
    pub fn set_owner(&self, key: &str, origin: &Origin) -> Result<(), StoreError> {
        self.put(Tree::Meta, &format!("owner/{key}"), origin)
    }

    /// Forgets the owner of `key`.
    pub fn remove_owner(&self, key: &str) -> Result<(), StoreError> {
        self.delete(Tree::Meta, &format!("owner/{key}"))
    }

    /// Every recorded owner, by object key.
    pub fn owners(&self) -> Result<Vec<(String, Origin)>, StoreError> {
        self.store
            .scan(Tree::Meta, "owner/")?
            .into_iter()
            .map(|(key, raw)| {
                let origin = decode(Tree::Meta, &key, &raw)?;
                Ok((key.trim_start_matches("owner/").to_string(), origin))
            })
            .collect()
    }

    /// Sync state of a watched folder.
    pub fn folder_sync(&self, root: &str) -> Result<Option<FolderSync>, StoreError> {
        self.get(Tree::Meta, &format!("sync/{root}"))
    }

    /// Records the sync state of a watched folder.
    pub fn put_folder_sync(&self, state: &FolderSync) -> Result<(), StoreError> {
        self.put(Tree::Meta, &format!("sync/{}", state.root), state)
    }

    /// Sync state of every folder ever watched.
    pub fn folder_syncs(&self) -> Result<Vec<FolderSync>, StoreError> {
        self.scan(Tree::Meta, "sync/")
    }

    // ---- daemon ----

    /// A daemon-wide value.
    pub fn meta<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        self.get(Tree::Meta, key)
    }

    /// Sets a daemon-wide value.
    pub fn put_meta<T: Serialize + DeserializeOwned + Clone>(
        &self,
        key: &str,
        value: &T,
    ) -> Result<(), StoreError> {
        self.put(Tree::Meta, key, value)
    }
}

fn td_key(family: &str, revision: u32) -> String {
    // Zero-padded so key order is revision order.
    format!("{family}/{revision:010}")
}

fn service_key(cluster: &str, name: &str) -> String {
    format!("{cluster}/{name}")
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Records are plain data (strings, numbers, maps with string keys); encoding cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

fn decode<T: DeserializeOwned>(tree: Tree, key: &str, raw: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(raw).map_err(|source| StoreError::Decode {
        tree: tree.name(),
        key: key.to_string(),
        source,
    })
}

#[cfg(test)]
mod tests;
