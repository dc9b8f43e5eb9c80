//! Task definition revisions: register (or keep) and deregister.

use super::{ApplyOutcome, Catalog, Change, td_key};
use crate::model::{TaskDefinitionSpec, now_millis};
use crate::store::records::*;
use crate::store::{StoreError, Tree};
use std::collections::BTreeMap;

impl Catalog {
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
}
