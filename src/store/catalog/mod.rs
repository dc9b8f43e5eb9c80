//! Typed access to state: records in, records out, change notifications for controllers.

use super::records::Milestones;
use super::{Store, StoreError, Tree};
use serde::Serialize;
use serde::de::DeserializeOwned;
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
    /// A target group or load balancer was applied or deleted.
    LoadBalancing,
    /// A scheduled task was applied or deleted.
    ScheduledTask {
        /// Cluster name.
        cluster: String,
        /// Schedule name.
        name: String,
    },
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

    /// Writes an observed status, flushing it when a milestone changed.
    fn put_status<T: Milestones + Serialize + DeserializeOwned + Clone>(
        &self,
        tree: Tree,
        key: &str,
        value: &T,
    ) -> Result<(), StoreError> {
        let mut milestone = false;
        self.modify(tree, key, |old: Option<T>| {
            milestone = old.unwrap_or_default().milestones() != value.milestones();
            Ok(Some(value.clone()))
        })?;
        if milestone {
            self.store.flush()?;
        }
        Ok(())
    }

    fn delete(&self, tree: Tree, key: &str) -> Result<(), StoreError> {
        self.modify(tree, key, |_: Option<serde_json::Value>| Ok(None))
            .map(|_| ())
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

mod account_settings;
mod clusters;
mod load_balancing;
pub use load_balancing::{LoadBalancerRecord, TargetGroupRecord};
mod container_instances;
pub use container_instances::declared_instance_id;
mod recovery;
mod scheduled_tasks;
mod services;
mod sources;
mod task_definitions;
mod tasks;

#[cfg(test)]
mod tests;
