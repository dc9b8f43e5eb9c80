//! The machine as a container instance: its stable id and its per-cluster registration
//! (status and custom attributes).

use super::Catalog;
use crate::model::new_task_id;
use crate::store::records::*;
use crate::store::{StoreError, Tree};

const ID_KEY: &str = "container-instance-id";

fn instance_key(cluster: &str) -> String {
    format!("container-instance/{cluster}")
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
        mut f: impl FnMut(&mut ContainerInstanceRecord) -> Result<(), StoreError>,
    ) -> Result<ContainerInstanceRecord, StoreError> {
        let record = self.modify(
            Tree::Meta,
            &instance_key(cluster),
            |current: Option<ContainerInstanceRecord>| {
                let mut record = current.unwrap_or_default();
                let before = record.clone();
                f(&mut record)?;
                if record != before {
                    record.version += 1;
                }
                Ok(Some(record))
            },
        )?;
        Ok(record.unwrap_or_default())
    }

    /// Drops the registration in a deleted cluster.
    pub(super) fn forget_container_instance(&self, cluster: &str) -> Result<(), StoreError> {
        self.delete(Tree::Meta, &instance_key(cluster))
    }
}
