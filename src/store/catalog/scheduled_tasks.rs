//! Scheduled tasks: apply (create or change), read, delete; their status.

use super::{ApplyOutcome, Catalog, Change};
use crate::model::{ScheduledTaskSpec, now_millis};
use crate::store::schedule_records::{RuleBinding, ScheduleStatus, ScheduledTaskRecord};
use crate::store::{StoreError, Tree};
use std::collections::BTreeMap;

fn key(cluster: &str, name: &str) -> String {
    format!("{cluster}/{name}")
}

impl Catalog {
    /// Creates or changes a scheduled task; `rule` replaces its EventBridge identities (`None`
    /// keeps them: a manifest applied again does not forget what the API gave).
    pub fn apply_scheduled_task(
        &self,
        cluster: &str,
        name: &str,
        spec: &ScheduledTaskSpec,
        labels: &BTreeMap<String, String>,
        rule: Option<&RuleBinding>,
    ) -> Result<ApplyOutcome, StoreError> {
        let mut outcome = ApplyOutcome::Unchanged;
        self.modify(
            Tree::ScheduledTasks,
            &key(cluster, name),
            |current: Option<ScheduledTaskRecord>| {
                let record = current.unwrap_or_else(|| {
                    outcome = ApplyOutcome::Created;
                    ScheduledTaskRecord {
                        cluster: cluster.to_string(),
                        name: name.to_string(),
                        spec: spec.clone(),
                        labels: labels.clone(),
                        created_at: now_millis(),
                        runs_requested: 0,
                        rule: RuleBinding::default(),
                    }
                });
                let changed = ScheduledTaskRecord {
                    spec: spec.clone(),
                    labels: labels.clone(),
                    rule: rule.cloned().unwrap_or_else(|| record.rule.clone()),
                    ..record.clone()
                };
                if outcome == ApplyOutcome::Unchanged && changed != record {
                    outcome = ApplyOutcome::Configured;
                }
                Ok(Some(changed))
            },
        )?;
        if outcome != ApplyOutcome::Unchanged {
            self.notify(Change::ScheduledTask {
                cluster: cluster.to_string(),
                name: name.to_string(),
            });
        }
        Ok(outcome)
    }

    /// One scheduled task.
    pub fn scheduled_task(
        &self,
        cluster: &str,
        name: &str,
    ) -> Result<Option<ScheduledTaskRecord>, StoreError> {
        self.get(Tree::ScheduledTasks, &key(cluster, name))
    }

    /// Asks the scheduler for one run now (`ecsd schedule run`).
    pub fn request_scheduled_run(&self, cluster: &str, name: &str) -> Result<(), StoreError> {
        self.change_scheduled_task(cluster, name, |r| r.runs_requested += 1)
    }

    /// Sets a schedule ENABLED or DISABLED (`ecsd schedule enable|disable`).
    pub fn set_schedule_state(
        &self,
        cluster: &str,
        name: &str,
        state: crate::model::ScheduleState,
    ) -> Result<(), StoreError> {
        self.change_scheduled_task(cluster, name, |r| r.spec.state = state)
    }

    fn change_scheduled_task(
        &self,
        cluster: &str,
        name: &str,
        mut f: impl FnMut(&mut ScheduledTaskRecord),
    ) -> Result<(), StoreError> {
        self.modify(
            Tree::ScheduledTasks,
            &key(cluster, name),
            |current: Option<ScheduledTaskRecord>| {
                let mut record = current
                    .ok_or_else(|| StoreError::NotFound(format!("scheduled task {cluster}/{name}")))?;
                f(&mut record);
                Ok(Some(record))
            },
        )?;
        self.notify(Change::ScheduledTask {
            cluster: cluster.to_string(),
            name: name.to_string(),
        });
        Ok(())
    }

    /// Every scheduled task, of one cluster or of all.
    pub fn scheduled_tasks(&self, cluster: Option<&str>) -> Result<Vec<ScheduledTaskRecord>, StoreError> {
        let prefix = cluster.map(|c| format!("{c}/")).unwrap_or_default();
        self.scan(Tree::ScheduledTasks, &prefix)
    }

    /// Deletes a scheduled task and its history; no run starts after this returns.
    pub fn delete_scheduled_task(&self, cluster: &str, name: &str) -> Result<(), StoreError> {
        let mut found = false;
        self.modify(
            Tree::ScheduledTasks,
            &key(cluster, name),
            |current: Option<serde_json::Value>| {
                found = current.is_some();
                Ok(None)
            },
        )?;
        if !found {
            return Err(StoreError::NotFound(format!("scheduled task {cluster}/{name}")));
        }
        self.delete(Tree::ScheduleStatus, &key(cluster, name))?;
        self.notify(Change::ScheduledTask {
            cluster: cluster.to_string(),
            name: name.to_string(),
        });
        Ok(())
    }

    /// What a schedule has done (empty before its first due time).
    pub fn schedule_status(&self, cluster: &str, name: &str) -> Result<ScheduleStatus, StoreError> {
        Ok(self
            .get(Tree::ScheduleStatus, &key(cluster, name))?
            .unwrap_or_default())
    }

    /// Records what a schedule has done, flushed before any task it decided on starts.
    pub fn put_schedule_status(
        &self,
        cluster: &str,
        name: &str,
        status: &ScheduleStatus,
    ) -> Result<(), StoreError> {
        self.put_status(Tree::ScheduleStatus, &key(cluster, name), status)
    }
}
