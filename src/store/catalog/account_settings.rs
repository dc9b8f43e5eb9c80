//! ECS account settings (`PutAccountSetting`, `PutAccountSettingDefault`): name → value,
//! kept under `account-setting/` in the meta tree.

use super::Catalog;
use crate::store::{StoreError, Tree};

fn key(name: &str) -> String {
    format!("account-setting/{name}")
}

impl Catalog {
    /// Sets an account setting.
    pub fn put_account_setting(&self, name: &str, value: &str) -> Result<(), StoreError> {
        self.put(Tree::Meta, &key(name), &value.to_string())
    }

    /// Removes an account setting (it falls back to its default).
    pub fn delete_account_setting(&self, name: &str) -> Result<(), StoreError> {
        self.delete(Tree::Meta, &key(name))
    }

    /// The value set for `name`, if any.
    pub fn account_setting(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.get(Tree::Meta, &key(name))
    }
}
