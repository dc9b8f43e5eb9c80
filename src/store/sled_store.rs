//! The on-disk `Store`: one sled database in the state directory.

use super::{Store, StoreError, Tree};
use std::path::Path;

/// A `Store` backed by sled; durable trees are flushed on every write.
pub struct SledStore {
    db: sled::Db,
    trees: Vec<(Tree, sled::Tree)>,
}

impl SledStore {
    /// Opens (or creates) the database under `dir`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let open_err = |source| StoreError::Open {
            path: dir.display().to_string(),
            source,
        };
        let db = sled::Config::new().path(dir).open().map_err(open_err)?;
        let mut trees = Vec::new();
        for tree in Tree::ALL {
            trees.push((tree, db.open_tree(tree.name()).map_err(open_err)?));
        }
        Ok(Self { db, trees })
    }

    fn tree(&self, tree: Tree) -> &sled::Tree {
        // Every Tree variant is opened in `open`, so the lookup always succeeds.
        self.trees
            .iter()
            .find(|(t, _)| *t == tree)
            .map(|(_, t)| t)
            .unwrap_or_else(|| unreachable!("tree {} opened at start", tree.name()))
    }

    /// Forces everything written so far to disk.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(|source| StoreError::Io {
            tree: "all",
            key: String::new(),
            source,
        })
    }
}

impl Store for SledStore {
    fn get(&self, tree: Tree, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.tree(tree)
            .get(key)
            .map(|v| v.map(|v| v.to_vec()))
            .map_err(|source| io(tree, key, source))
    }

    fn scan(&self, tree: Tree, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.tree(tree)
            .scan_prefix(prefix)
            .map(|item| {
                let (k, v) = item.map_err(|source| io(tree, prefix, source))?;
                Ok((String::from_utf8_lossy(&k).into_owned(), v.to_vec()))
            })
            .collect()
    }

    fn compare_and_swap(
        &self,
        tree: Tree,
        key: &str,
        old: Option<&[u8]>,
        new: Option<Vec<u8>>,
    ) -> Result<bool, StoreError> {
        let swapped = self
            .tree(tree)
            .compare_and_swap(key, old, new)
            .map_err(|source| io(tree, key, source))?
            .is_ok();
        if swapped && tree.is_durable() {
            self.tree(tree).flush().map_err(|source| io(tree, key, source))?;
        }
        Ok(swapped)
    }
}

fn io(tree: Tree, key: &str, source: sled::Error) -> StoreError {
    StoreError::Io {
        tree: tree.name(),
        key: key.to_string(),
        source,
    }
}
