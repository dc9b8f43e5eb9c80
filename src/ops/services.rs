//! Changing a service after it exists: scale, restart (forceNewDeployment), point it at
//! another revision, roll back, delete. Each validates everything before writing anything.

use super::{ObjectKind, OpsError, task_definitions};
use crate::model::{SchedulingStrategy, TaskDefinitionRef, limits};
use crate::store::{Catalog, Deployment, DeploymentStatus, RolloutState, ServiceRecord};

/// The service, which must exist (it may be DRAINING).
pub fn find(catalog: &Catalog, cluster: &str, name: &str) -> Result<ServiceRecord, OpsError> {
    catalog
        .service(cluster, name)?
        .ok_or_else(|| OpsError::not_found(ObjectKind::Service, format!("{cluster}/{name}")))
}

/// The service if it may still change: not DRAINING, not deleted (INACTIVE).
pub fn changeable(catalog: &Catalog, cluster: &str, name: &str) -> Result<ServiceRecord, OpsError> {
    let names = || (cluster.to_string(), name.to_string());
    match catalog.service(cluster, name)? {
        Some(svc) if svc.deleting => {
            let (cluster, name) = names();
            Err(OpsError::ServiceDraining { cluster, name })
        }
        Some(svc) => Ok(svc),
        None if catalog.inactive_service(cluster, name)?.is_some() => {
            let (cluster, name) = names();
            Err(OpsError::ServiceInactive { cluster, name })
        }
        None => Err(OpsError::not_found(
            ObjectKind::Service,
            format!("{cluster}/{name}"),
        )),
    }
}

/// What UpdateService (or a CLI verb) changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ServiceUpdate {
    /// A new desired count (REPLICA only).
    pub desired_count: Option<u32>,
    /// A new task definition reference: `family` follows the family, `family:revision` pins.
    pub task_definition: Option<String>,
    /// Start a new deployment of the same revision (ECS `forceNewDeployment`).
    pub force_new_deployment: bool,
}

/// Applies `update` to a changeable service, all of it or (when any part is invalid) none.
pub fn update(catalog: &Catalog, cluster: &str, name: &str, update: &ServiceUpdate) -> Result<(), OpsError> {
    let svc = changeable(catalog, cluster, name)?;
    if let Some(count) = update.desired_count {
        check_scalable(&svc, count)?;
    }
    let spec_ref = match &update.task_definition {
        Some(reference) => Some(spec_reference(catalog, reference)?),
        None => None,
    };
    if let Some(count) = update.desired_count {
        catalog.set_desired_count(cluster, name, count)?;
    }
    if let Some(spec_ref) = spec_ref {
        catalog.set_service_task_definition(cluster, name, &spec_ref)?;
    }
    if update.force_new_deployment {
        catalog.restart_service(cluster, name)?;
    }
    Ok(())
}

/// A desired count within ECS's quota, on a REPLICA service.
fn check_scalable(svc: &ServiceRecord, count: u32) -> Result<(), OpsError> {
    limits::check_desired_count(count).map_err(|why| OpsError::OutOfRange {
        field: "desiredCount",
        why,
    })?;
    if svc.spec.scheduling_strategy == SchedulingStrategy::Daemon {
        return Err(OpsError::DaemonNotScalable {
            cluster: svc.cluster.clone(),
            name: svc.name.clone(),
        });
    }
    Ok(())
}

/// How the service's spec names a revision that must exist: `family` (follow) or
/// `family:revision` (pin), whatever form (ARN) the caller used.
fn spec_reference(catalog: &Catalog, reference: &str) -> Result<String, OpsError> {
    task_definitions::resolve(catalog, reference)?;
    let parsed = TaskDefinitionRef::parse(reference).map_err(|why| OpsError::InvalidReference {
        reference: reference.to_string(),
        why,
    })?;
    Ok(match parsed.revision {
        Some(revision) => format!("{}:{revision}", parsed.family),
        None => parsed.family,
    })
}

/// Points the service back at the revision of its last completed deployment (or at
/// `family:to_revision` of its family); returns the `family:revision` it now names.
pub fn undo(
    catalog: &Catalog,
    cluster: &str,
    name: &str,
    to_revision: Option<u32>,
) -> Result<String, OpsError> {
    let svc = changeable(catalog, cluster, name)?;
    let target = match to_revision {
        Some(revision) => {
            let family = TaskDefinitionRef::parse(&svc.spec.task_definition)
                .map_err(|why| OpsError::InvalidReference {
                    reference: svc.spec.task_definition.clone(),
                    why,
                })?
                .family;
            task_definitions::resolve(catalog, &format!("{family}:{revision}"))?.reference()
        }
        None => {
            let status = catalog.service_status(cluster, name)?.unwrap_or_default();
            undo_target(&status.deployments)
                .map(str::to_string)
                .ok_or_else(|| OpsError::NothingToUndo {
                    cluster: cluster.to_string(),
                    name: name.to_string(),
                })?
        }
    };
    catalog.set_service_task_definition(cluster, name, &target)?;
    Ok(target)
}

/// The revision `rollout undo` goes back to: that of the newest COMPLETED deployment whose
/// revision differs from the PRIMARY's. `None` without a PRIMARY or without such a deployment.
pub fn undo_target(deployments: &[Deployment]) -> Option<&str> {
    let primary = deployments
        .iter()
        .find(|d| d.status == DeploymentStatus::Primary)?;
    deployments
        .iter()
        .filter(|d| {
            d.task_definition != primary.task_definition && d.rollout_state == RolloutState::Completed
        })
        .max_by_key(|d| d.created_at)
        .map(|d| d.task_definition.as_str())
}

/// Starts deleting the service: it drains (DRAINING), then disappears. A REPLICA service
/// still scaled above 0 needs `force`, as ECS asks.
pub fn delete(catalog: &Catalog, cluster: &str, name: &str, force: bool) -> Result<(), OpsError> {
    let svc = changeable(catalog, cluster, name)?;
    let desired = svc.desired_count();
    if !force && svc.spec.scheduling_strategy == SchedulingStrategy::Replica && desired > 0 {
        return Err(OpsError::ServiceStillScaled {
            cluster: cluster.to_string(),
            name: name.to_string(),
            desired,
        });
    }
    catalog.mark_service_deleting(cluster, name)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ServiceSpec;
    use crate::store::MemoryStore;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    fn catalog_with(strategy: SchedulingStrategy) -> Catalog {
        let catalog = Catalog::new(Arc::new(MemoryStore::new()));
        let spec = ServiceSpec {
            task_definition: "web".into(),
            desired_count: Some(2),
            scheduling_strategy: strategy,
            ..Default::default()
        };
        catalog
            .apply_service("default", "web", &spec, &BTreeMap::new())
            .unwrap();
        catalog
    }

    fn scale(count: u32) -> ServiceUpdate {
        ServiceUpdate {
            desired_count: Some(count),
            ..Default::default()
        }
    }

    #[test]
    fn a_draining_service_cannot_change() {
        let catalog = catalog_with(SchedulingStrategy::Replica);
        catalog.mark_service_deleting("default", "web").unwrap();
        let err = update(&catalog, "default", "web", &scale(3)).unwrap_err();
        assert!(matches!(err, OpsError::ServiceDraining { .. }), "{err}");
        assert_eq!(
            catalog
                .service("default", "web")
                .unwrap()
                .unwrap()
                .spec
                .desired_count,
            Some(2)
        );
    }

    #[test]
    fn a_daemon_service_cannot_be_scaled_and_a_huge_count_is_refused() {
        let daemon = catalog_with(SchedulingStrategy::Daemon);
        assert!(matches!(
            update(&daemon, "default", "web", &scale(3)),
            Err(OpsError::DaemonNotScalable { .. })
        ));
        let replica = catalog_with(SchedulingStrategy::Replica);
        assert!(matches!(
            update(&replica, "default", "web", &scale(u32::MAX)),
            Err(OpsError::OutOfRange { .. })
        ));
    }

    #[test]
    fn an_update_with_one_bad_part_changes_nothing() {
        let catalog = catalog_with(SchedulingStrategy::Replica);
        let bad = ServiceUpdate {
            desired_count: Some(5),
            task_definition: Some("nope:7".into()),
            force_new_deployment: true,
        };
        let err = update(&catalog, "default", "web", &bad).unwrap_err();
        assert!(
            matches!(
                err,
                OpsError::NotFound {
                    kind: ObjectKind::TaskDefinition,
                    ..
                }
            ),
            "{err}"
        );
        let svc = catalog.service("default", "web").unwrap().unwrap();
        assert_eq!((svc.desired_count(), svc.restart_nonce), (2, 0));
    }

    #[test]
    fn deleting_a_scaled_replica_service_needs_force() {
        let catalog = catalog_with(SchedulingStrategy::Replica);
        assert!(matches!(
            delete(&catalog, "default", "web", false),
            Err(OpsError::ServiceStillScaled { desired: 2, .. })
        ));
        delete(&catalog, "default", "web", true).unwrap();
        assert!(catalog.service("default", "web").unwrap().unwrap().deleting);
    }
}
