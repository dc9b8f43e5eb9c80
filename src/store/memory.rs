//! In-memory `Store` for tests: same semantics as sled, nothing on disk.

use super::{Store, StoreError, Tree};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// A `Store` held in memory.
#[derive(Default)]
pub struct MemoryStore {
    trees: Mutex<HashMap<Tree, BTreeMap<String, Vec<u8>>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<R>(&self, f: impl FnOnce(&mut HashMap<Tree, BTreeMap<String, Vec<u8>>>) -> R) -> R {
        // A panic while holding the lock leaves plain data behind; keep using it.
        let mut guard = self.trees.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}

impl Store for MemoryStore {
    fn get(&self, tree: Tree, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.with(|t| t.get(&tree).and_then(|m| m.get(key).cloned())))
    }

    fn scan(&self, tree: Tree, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        Ok(self.with(|t| {
            t.get(&tree)
                .map(|m| {
                    m.range(prefix.to_string()..)
                        .take_while(|(k, _)| k.starts_with(prefix))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .unwrap_or_default()
        }))
    }

    fn compare_and_swap(
        &self,
        tree: Tree,
        key: &str,
        old: Option<&[u8]>,
        new: Option<Vec<u8>>,
    ) -> Result<bool, StoreError> {
        Ok(self.with(|t| {
            let map = t.entry(tree).or_default();
            if map.get(key).map(Vec::as_slice) != old {
                return false;
            }
            match new {
                Some(v) => map.insert(key.to_string(), v),
                None => map.remove(key),
            };
            true
        }))
    }

    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
