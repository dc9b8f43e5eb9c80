//! Where objects came from (owners) and the sync state of watched folders.

use super::{Catalog, decode};
use crate::store::records::*;
use crate::store::{StoreError, Tree};

impl Catalog {
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
}
