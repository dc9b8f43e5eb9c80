//! Service specs and their observed status.

use super::{ApplyOutcome, Catalog, Change, service_key};
use crate::model::{ServiceSpec, now_millis};
use crate::store::records::*;
use crate::store::{StoreError, Tree};
use std::collections::BTreeMap;

/// How long a deleted service stays describable as INACTIVE.
pub const INACTIVE_SERVICE_RETENTION_MS: u64 = 60 * 60 * 1000;

fn tombstone_key(cluster: &str, name: &str) -> String {
    format!("inactive-service/{}", service_key(cluster, name))
}

impl Catalog {
    /// Creates or updates a service spec; the generation moves only when the spec changes.
    pub fn apply_service(
        &self,
        cluster: &str,
        name: &str,
        spec: &ServiceSpec,
        labels: &BTreeMap<String, String>,
    ) -> Result<ApplyOutcome, StoreError> {
        let mut outcome = ApplyOutcome::Unchanged;
        self.modify(
            Tree::Services,
            &service_key(cluster, name),
            |current: Option<ServiceRecord>| match current {
                Some(s) if s.deleting => Err(StoreError::Conflict(format!(
                    "service {cluster}/{name} is being deleted (DRAINING); apply it again once it is gone"
                ))),
                Some(s) if &s.spec == spec && &s.labels == labels => {
                    outcome = ApplyOutcome::Unchanged;
                    Ok(Some(s))
                }
                Some(mut s) => {
                    outcome = ApplyOutcome::Configured;
                    s.generation += 1;
                    s.spec = spec.clone();
                    s.labels = labels.clone();
                    Ok(Some(s))
                }
                None => {
                    outcome = ApplyOutcome::Created;
                    Ok(Some(ServiceRecord {
                        cluster: cluster.to_string(),
                        name: name.to_string(),
                        spec: spec.clone(),
                        labels: labels.clone(),
                        generation: 1,
                        created_at: now_millis(),
                        deleting: false,
                        restart_nonce: 0,
                    }))
                }
            },
        )?;
        self.revive_cluster(cluster)?;
        if outcome != ApplyOutcome::Unchanged {
            self.notify(Change::Service {
                cluster: cluster.to_string(),
                name: name.to_string(),
            });
        }
        Ok(outcome)
    }

    /// Changes only the desired count (`ecsd scale`, ECS UpdateService).
    pub fn set_desired_count(&self, cluster: &str, name: &str, count: u32) -> Result<(), StoreError> {
        self.update_service(cluster, name, |s| {
            s.spec.desired_count = Some(count);
            Ok(())
        })
    }

    /// Asks for a new deployment of the same revision (`rollout restart`, forceNewDeployment).
    pub fn restart_service(&self, cluster: &str, name: &str) -> Result<(), StoreError> {
        self.update_service(cluster, name, |s| {
            s.restart_nonce += 1;
            Ok(())
        })
    }

    /// Points a service at another task definition (`rollout undo`, ECS UpdateService).
    pub fn set_service_task_definition(&self, cluster: &str, name: &str, td: &str) -> Result<(), StoreError> {
        self.update_service(cluster, name, |s| {
            s.spec.task_definition = td.to_string();
            Ok(())
        })
    }

    /// Sets a service's target groups and health check grace period (ECS UpdateService).
    pub fn set_service_load_balancing(
        &self,
        cluster: &str,
        name: &str,
        load_balancers: &[crate::model::ServiceLoadBalancer],
        grace: Option<crate::model::Seconds>,
    ) -> Result<(), StoreError> {
        self.update_service(cluster, name, |s| {
            s.spec.load_balancers = load_balancers.to_vec();
            s.spec.health_check_grace_period_seconds = grace;
            Ok(())
        })
    }

    /// Replaces a service's spec (ECS UpdateService, validated by the caller) in one write;
    /// with `restart`, a new deployment of the same revision starts as well.
    pub fn replace_service_spec(
        &self,
        cluster: &str,
        name: &str,
        spec: &ServiceSpec,
        restart: bool,
    ) -> Result<(), StoreError> {
        self.update_service(cluster, name, |s| {
            s.spec = spec.clone();
            if restart {
                s.restart_nonce += 1;
            }
            Ok(())
        })
    }

    /// Starts deleting a service: it drains to zero tasks, then the controller removes it.
    pub fn mark_service_deleting(&self, cluster: &str, name: &str) -> Result<(), StoreError> {
        self.update_service(cluster, name, |s| {
            s.deleting = true;
            Ok(())
        })
    }

    fn update_service(
        &self,
        cluster: &str,
        name: &str,
        mut f: impl FnMut(&mut ServiceRecord) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.modify(
            Tree::Services,
            &service_key(cluster, name),
            |current: Option<ServiceRecord>| {
                let mut s =
                    current.ok_or_else(|| StoreError::NotFound(format!("service {cluster}/{name}")))?;
                let before = s.clone();
                f(&mut s)?;
                if s != before {
                    s.generation += 1;
                }
                Ok(Some(s))
            },
        )?;
        self.notify(Change::Service {
            cluster: cluster.to_string(),
            name: name.to_string(),
        });
        Ok(())
    }

    /// Replaces the labels (ECS tags) of a service.
    pub fn set_service_labels(
        &self,
        cluster: &str,
        name: &str,
        labels: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        self.update_service(cluster, name, |s| {
            s.labels = labels.clone();
            Ok(())
        })
    }

    /// Removes a drained service and its status, leaving a tombstone that describes it as
    /// INACTIVE for a while (tombstones past that are pruned here).
    pub fn remove_service(&self, cluster: &str, name: &str) -> Result<(), StoreError> {
        let key = service_key(cluster, name);
        let now = now_millis();
        if let Some(record) = self.service(cluster, name)? {
            let tombstone = Tombstone {
                record,
                deleted_at: now,
            };
            self.put(Tree::Meta, &tombstone_key(cluster, name), &tombstone)?;
        }
        for (key, old) in self.scan_tombstones::<ServiceRecord>("inactive-service/")? {
            if now.saturating_sub(old.deleted_at) > INACTIVE_SERVICE_RETENTION_MS {
                self.delete(Tree::Meta, &key)?;
            }
        }
        // Status first: a crash in between leaves a service still being deleted (drained
        // again), never a status that a service re-created under this name would inherit.
        self.delete(Tree::ServiceStatus, &key)?;
        self.delete(Tree::Services, &key)?;
        self.notify(Change::Service {
            cluster: cluster.to_string(),
            name: name.to_string(),
        });
        Ok(())
    }

    /// One service.
    pub fn service(&self, cluster: &str, name: &str) -> Result<Option<ServiceRecord>, StoreError> {
        self.get(Tree::Services, &service_key(cluster, name))
    }

    /// A service deleted within the retention period (and not re-created since).
    pub fn inactive_service(
        &self,
        cluster: &str,
        name: &str,
    ) -> Result<Option<Tombstone<ServiceRecord>>, StoreError> {
        let tombstone: Option<Tombstone<ServiceRecord>> =
            self.get(Tree::Meta, &tombstone_key(cluster, name))?;
        Ok(tombstone.filter(|t| now_millis().saturating_sub(t.deleted_at) <= INACTIVE_SERVICE_RETENTION_MS))
    }

    fn scan_tombstones<T: serde::de::DeserializeOwned>(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, Tombstone<T>)>, StoreError> {
        self.store
            .scan(Tree::Meta, prefix)?
            .into_iter()
            .map(|(key, raw)| Ok((key.clone(), super::decode(Tree::Meta, &key, &raw)?)))
            .collect()
    }

    /// Services of one cluster, or of all clusters.
    pub fn services(&self, cluster: Option<&str>) -> Result<Vec<ServiceRecord>, StoreError> {
        let prefix = cluster.map(|c| format!("{c}/")).unwrap_or_default();
        self.scan(Tree::Services, &prefix)
    }

    /// Observed state of a service.
    pub fn service_status(&self, cluster: &str, name: &str) -> Result<Option<ServiceStatus>, StoreError> {
        self.get(Tree::ServiceStatus, &service_key(cluster, name))
    }

    /// Records the observed state of a service (controller only). A change of its
    /// deployments (history that tasks name, which no engine listing can rebuild) is flushed.
    pub fn put_service_status(
        &self,
        cluster: &str,
        name: &str,
        status: &ServiceStatus,
    ) -> Result<(), StoreError> {
        self.put_status(Tree::ServiceStatus, &service_key(cluster, name), status)
    }
}
