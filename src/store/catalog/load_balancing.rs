//! Target groups and load balancers: apply (create or change), read, delete.

use super::{ApplyOutcome, Catalog, Change};
use crate::model::load_balancing::{LoadBalancerSpec, TargetGroupSpec};
use crate::model::now_millis;
use crate::store::records::LoadBalancingRecord;
use crate::store::{StoreError, Tree};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// A stored target group.
pub type TargetGroupRecord = LoadBalancingRecord<TargetGroupSpec>;
/// A stored load balancer.
pub type LoadBalancerRecord = LoadBalancingRecord<LoadBalancerSpec>;

impl Catalog {
    /// Creates or changes a target group.
    pub fn apply_target_group(
        &self,
        name: &str,
        spec: &TargetGroupSpec,
        labels: &BTreeMap<String, String>,
    ) -> Result<ApplyOutcome, StoreError> {
        self.apply_load_balancing(Tree::TargetGroups, name, spec, labels)
    }

    /// Creates or changes a load balancer.
    pub fn apply_load_balancer(
        &self,
        name: &str,
        spec: &LoadBalancerSpec,
        labels: &BTreeMap<String, String>,
    ) -> Result<ApplyOutcome, StoreError> {
        self.apply_load_balancing(Tree::LoadBalancers, name, spec, labels)
    }

    /// One target group.
    pub fn target_group(&self, name: &str) -> Result<Option<TargetGroupRecord>, StoreError> {
        self.get(Tree::TargetGroups, name)
    }

    /// Every target group, by name.
    pub fn target_groups(&self) -> Result<Vec<TargetGroupRecord>, StoreError> {
        self.scan(Tree::TargetGroups, "")
    }

    /// One load balancer.
    pub fn load_balancer(&self, name: &str) -> Result<Option<LoadBalancerRecord>, StoreError> {
        self.get(Tree::LoadBalancers, name)
    }

    /// Every load balancer, by name.
    pub fn load_balancers(&self) -> Result<Vec<LoadBalancerRecord>, StoreError> {
        self.scan(Tree::LoadBalancers, "")
    }

    /// Deletes a target group; refused while a load balancer forwards to it or a service
    /// registers into it (as ELB refuses a target group in use).
    pub fn delete_target_group(&self, name: &str) -> Result<(), StoreError> {
        let users: Vec<String> = self
            .load_balancers()?
            .into_iter()
            .filter(|lb| lb.spec.target_group_names().iter().any(|n| n == name))
            .map(|lb| format!("load balancer {}", lb.name))
            .chain(
                self.services(None)?
                    .into_iter()
                    .filter(|s| !s.deleting && s.spec.load_balancers.iter().any(|l| l.target_group() == name))
                    .map(|s| format!("service {}/{}", s.cluster, s.name)),
            )
            .collect();
        if !users.is_empty() {
            return Err(StoreError::Conflict(format!(
                "target group {name} is in use by {}",
                users.join(", ")
            )));
        }
        self.delete_load_balancing(Tree::TargetGroups, "target group", name)
    }

    /// Deletes a load balancer (its listeners close).
    pub fn delete_load_balancer(&self, name: &str) -> Result<(), StoreError> {
        self.delete_load_balancing(Tree::LoadBalancers, "load balancer", name)
    }

    fn apply_load_balancing<S>(
        &self,
        tree: Tree,
        name: &str,
        spec: &S,
        labels: &BTreeMap<String, String>,
    ) -> Result<ApplyOutcome, StoreError>
    where
        S: Serialize + DeserializeOwned + Clone + PartialEq,
    {
        let mut outcome = ApplyOutcome::Unchanged;
        self.modify(tree, name, |current: Option<LoadBalancingRecord<S>>| {
            Ok(Some(match current {
                Some(r) if r.spec == *spec && r.labels == *labels => r,
                Some(mut r) => {
                    outcome = ApplyOutcome::Configured;
                    r.spec = spec.clone();
                    r.labels = labels.clone();
                    r
                }
                None => {
                    outcome = ApplyOutcome::Created;
                    LoadBalancingRecord {
                        name: name.to_string(),
                        spec: spec.clone(),
                        labels: labels.clone(),
                        created_at: now_millis(),
                    }
                }
            }))
        })?;
        if outcome != ApplyOutcome::Unchanged {
            self.notify(Change::LoadBalancing);
        }
        Ok(outcome)
    }

    fn delete_load_balancing(&self, tree: Tree, what: &str, name: &str) -> Result<(), StoreError> {
        let mut found = false;
        self.modify(tree, name, |current: Option<serde_json::Value>| {
            found = current.is_some();
            Ok(None)
        })?;
        if !found {
            return Err(StoreError::NotFound(format!("{what} {name}")));
        }
        self.notify(Change::LoadBalancing);
        Ok(())
    }
}
