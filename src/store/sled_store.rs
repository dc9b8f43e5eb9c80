//! The on-disk `Store`: one sled database in the state directory.

use super::{Store, StoreError, Tree};
use std::path::Path;

/// How often, and how far apart, opening a locked database is tried.
const LOCK_ATTEMPTS: u32 = 20;
const LOCK_RETRY: std::time::Duration = std::time::Duration::from_millis(50);

/// sled reports a held lock as an I/O error that names it.
fn is_lock_error(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(io) if io.to_string().contains("could not acquire lock"))
}

/// A `Store` backed by sled; durable trees are flushed on every write.
pub struct SledStore {
    db: sled::Db,
    trees: Vec<(Tree, sled::Tree)>,
}

impl SledStore {
    /// Opens (or creates) the database under `dir`. A database locked by another process is
    /// `Locked`, after waiting briefly (a handle just dropped in this process releases its
    /// lock from sled's background threads a moment later).
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let open_err = |source| StoreError::Open {
            path: dir.display().to_string(),
            source,
        };
        let mut attempts = 0;
        let db = loop {
            match sled::Config::new().path(dir).open() {
                Ok(db) => break db,
                Err(e) if is_lock_error(&e) => {
                    attempts += 1;
                    if attempts >= LOCK_ATTEMPTS {
                        return Err(StoreError::Locked {
                            path: dir.display().to_string(),
                        });
                    }
                    std::thread::sleep(LOCK_RETRY);
                }
                Err(e) => return Err(open_err(e)),
            }
        };
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

    /// sled flushes the whole database, whichever tree asks.
    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(|source| StoreError::Io {
            tree: "all",
            key: String::new(),
            source,
        })
    }
}

fn io(tree: Tree, key: &str, source: sled::Error) -> StoreError {
    StoreError::Io {
        tree: tree.name(),
        key: key.to_string(),
        source,
    }
}
