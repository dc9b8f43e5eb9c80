//! Task intent and observed status.

use super::{Catalog, Change, decode};
use crate::model::{DesiredStatus, StopCode};
use crate::store::records::*;
use crate::store::{StoreError, Tree};
use std::collections::BTreeMap;

impl Catalog {
    /// Records a new task's intent; done before any container is created.
    pub fn create_task(&self, task: &TaskRecord) -> Result<(), StoreError> {
        self.put(Tree::Tasks, &task.id, task)?;
        self.revive_cluster(&task.cluster)?;
        self.notify(Change::Task(task.id.clone()));
        Ok(())
    }

    /// One task.
    pub fn task(&self, id: &str) -> Result<Option<TaskRecord>, StoreError> {
        self.get(Tree::Tasks, id)
    }

    /// Every task record.
    pub fn tasks(&self) -> Result<Vec<TaskRecord>, StoreError> {
        self.scan(Tree::Tasks, "")
    }

    /// Asks a task to stop; the first stop request's code and reason win.
    pub fn request_task_stop(
        &self,
        id: &str,
        code: StopCode,
        reason: &str,
    ) -> Result<TaskRecord, StoreError> {
        let record = self
            .modify(Tree::Tasks, id, |current: Option<TaskRecord>| {
                let mut t = current.ok_or_else(|| StoreError::NotFound(format!("task {id}")))?;
                if t.desired_status == DesiredStatus::Running {
                    t.desired_status = DesiredStatus::Stopped;
                    t.stop_code = Some(code);
                    t.stopped_reason = Some(reason.to_string());
                }
                Ok(Some(t))
            })?
            .ok_or_else(|| StoreError::NotFound(format!("task {id}")))?;
        self.notify(Change::Task(id.to_string()));
        Ok(record)
    }

    /// Replaces the labels (ECS tags) of a task.
    pub fn set_task_labels(&self, id: &str, labels: &BTreeMap<String, String>) -> Result<(), StoreError> {
        self.modify(Tree::Tasks, id, |current: Option<TaskRecord>| {
            let mut t = current.ok_or_else(|| StoreError::NotFound(format!("task {id}")))?;
            t.labels = labels.clone();
            Ok(Some(t))
        })?;
        Ok(())
    }

    /// Forgets a stopped task entirely (retention expired).
    pub fn remove_task(&self, id: &str) -> Result<(), StoreError> {
        self.delete(Tree::Tasks, id)?;
        self.delete(Tree::TaskStatus, id)
    }

    /// Observed state of a task.
    pub fn task_status(&self, id: &str) -> Result<Option<TaskStatus>, StoreError> {
        self.get(Tree::TaskStatus, id)
    }

    /// Every task status, keyed by task id.
    pub fn task_statuses(&self) -> Result<BTreeMap<String, TaskStatus>, StoreError> {
        self.store
            .scan(Tree::TaskStatus, "")?
            .into_iter()
            .map(|(key, raw)| Ok((key.clone(), decode(Tree::TaskStatus, &key, &raw)?)))
            .collect()
    }

    /// Records the observed state of a task (task controller only).
    /// What the service controller decides from (running, healthy, stopped and why) is
    /// flushed; the steps before RUNNING and probe bookkeeping may be lost in a crash.
    pub fn put_task_status(&self, id: &str, status: &TaskStatus) -> Result<(), StoreError> {
        self.put_status(Tree::TaskStatus, id, status)
    }
}
