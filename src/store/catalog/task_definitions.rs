//! Task definition revisions: register (or keep), deregister and delete.

use super::recovery::next_revision;
use super::{ApplyOutcome, Catalog, Change, td_key};
use crate::model::{TaskDefinitionSpec, now_millis};
use crate::store::records::*;
use crate::store::{StoreError, Tree};
use std::collections::BTreeMap;

impl Catalog {
    /// Registers `spec` as the next revision of `family`, unless it equals the latest ACTIVE
    /// one (the manifest path: applying an unchanged file is a no-op). Labels are tags, not
    /// content: when only they differ, the latest revision is retagged and no revision (and
    /// so no deployment) is made.
    pub fn register_task_definition(
        &self,
        family: &str,
        spec: &TaskDefinitionSpec,
        labels: &BTreeMap<String, String>,
    ) -> Result<(TaskDefinitionRecord, ApplyOutcome), StoreError> {
        let latest = self.latest_task_definition(family)?;
        if let Some(latest) = latest.as_ref().filter(|l| &l.spec == spec) {
            if &latest.labels == labels {
                return Ok((latest.clone(), ApplyOutcome::Unchanged));
            }
            let retagged = self.set_task_definition_labels(family, latest.revision, labels)?;
            return Ok((retagged, ApplyOutcome::Configured));
        }
        let record = self.register_task_definition_revision(family, spec, labels)?;
        let outcome = if latest.is_some() {
            ApplyOutcome::Configured
        } else {
            ApplyOutcome::Created
        };
        Ok((record, outcome))
    }

    /// Registers `spec` as the next revision of `family` even when it equals the latest one
    /// (ECS RegisterTaskDefinition always makes a new revision).
    pub fn register_task_definition_revision(
        &self,
        family: &str,
        spec: &TaskDefinitionSpec,
        labels: &BTreeMap<String, String>,
    ) -> Result<TaskDefinitionRecord, StoreError> {
        // The counter lives apart from the revisions so numbers are never reused, even
        // after revisions are deleted.
        let counter_key = format!("td-revision/{family}");
        let seen = self.adopted_revisions(family)?;
        let digest = spec.digest();
        let revision = self
            .modify(Tree::Meta, &counter_key, |n: Option<u32>| {
                Ok(Some(next_revision(n.unwrap_or(0), &seen, &digest)))
            })?
            .unwrap_or(1);
        if seen.contains_key(&revision) {
            self.forget_adopted_revision(family, revision)?;
        }
        let record = TaskDefinitionRecord {
            family: family.to_string(),
            revision,
            status: TaskDefinitionStatus::Active,
            spec: spec.clone(),
            labels: labels.clone(),
            registered_at: now_millis(),
            deregistered_at: None,
            delete_requested_at: None,
        };
        self.put(Tree::TaskDefinitions, &td_key(family, revision), &record)?;
        self.notify(Change::TaskDefinition(family.to_string()));
        Ok(record)
    }

    /// One revision.
    pub fn task_definition(
        &self,
        family: &str,
        revision: u32,
    ) -> Result<Option<TaskDefinitionRecord>, StoreError> {
        self.get(Tree::TaskDefinitions, &td_key(family, revision))
    }

    /// The revision a reference names: `family:revision` exactly (in any status), `family` its
    /// latest ACTIVE revision. The one resolution every door and controller uses.
    pub fn resolve_task_definition(
        &self,
        reference: &crate::model::TaskDefinitionRef,
    ) -> Result<Option<TaskDefinitionRecord>, StoreError> {
        match reference.revision {
            Some(revision) => self.task_definition(&reference.family, revision),
            None => self.latest_task_definition(&reference.family),
        }
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
                self.deregister_task_definition(family, record.revision)?;
                count += 1;
            }
        }
        Ok(count)
    }

    /// Marks one revision INACTIVE (kept as history); an INACTIVE one stays as it is.
    pub fn deregister_task_definition(
        &self,
        family: &str,
        revision: u32,
    ) -> Result<TaskDefinitionRecord, StoreError> {
        self.change_task_definition(family, revision, |r| {
            match r.status {
                TaskDefinitionStatus::Active => {
                    r.status = TaskDefinitionStatus::Inactive;
                    r.deregistered_at = Some(now_millis());
                }
                TaskDefinitionStatus::Inactive => {}
                TaskDefinitionStatus::DeleteInProgress => {
                    return Err(StoreError::Conflict(format!(
                        "task definition {family}:{revision} is being deleted"
                    )));
                }
            }
            Ok(())
        })
    }

    /// Asks for an INACTIVE revision to be deleted (DELETE_IN_PROGRESS); refused for an
    /// ACTIVE one, which must be deregistered first.
    pub fn delete_task_definition(
        &self,
        family: &str,
        revision: u32,
    ) -> Result<TaskDefinitionRecord, StoreError> {
        self.change_task_definition(family, revision, |r| {
            match r.status {
                TaskDefinitionStatus::Active => {
                    return Err(StoreError::Conflict(format!(
                        "task definition {family}:{revision} is ACTIVE: deregister it first"
                    )));
                }
                TaskDefinitionStatus::Inactive => {
                    r.status = TaskDefinitionStatus::DeleteInProgress;
                    r.delete_requested_at = Some(now_millis());
                }
                TaskDefinitionStatus::DeleteInProgress => {}
            }
            Ok(())
        })
    }

    /// Replaces the labels (ECS tags) of one revision; tags are not part of the revision's
    /// immutable content.
    pub fn set_task_definition_labels(
        &self,
        family: &str,
        revision: u32,
        labels: &BTreeMap<String, String>,
    ) -> Result<TaskDefinitionRecord, StoreError> {
        self.change_task_definition(family, revision, |r| {
            r.labels = labels.clone();
            Ok(())
        })
    }

    fn change_task_definition(
        &self,
        family: &str,
        revision: u32,
        mut f: impl FnMut(&mut TaskDefinitionRecord) -> Result<(), StoreError>,
    ) -> Result<TaskDefinitionRecord, StoreError> {
        let not_found = || StoreError::NotFound(format!("task definition {family}:{revision}"));
        let record = self
            .modify(
                Tree::TaskDefinitions,
                &td_key(family, revision),
                |current: Option<TaskDefinitionRecord>| {
                    let mut r = current.ok_or_else(not_found)?;
                    f(&mut r)?;
                    Ok(Some(r))
                },
            )?
            .ok_or_else(not_found)?;
        self.notify(Change::TaskDefinition(family.to_string()));
        Ok(record)
    }
}
