//! Changing a service after it exists: scale, restart (forceNewDeployment), point it at
//! another revision, roll back, delete. Each validates everything before writing anything.

use super::{ObjectKind, OpsError, task_definitions};
use crate::model::{
    AvailabilityZoneRebalancing, DeploymentConfiguration, DeploymentController, NetworkConfiguration,
    PlacementStrategy, PropagateTags, SchedulingStrategy, Seconds, ServiceLoadBalancer, ServiceSpec,
    TaskDefinitionRef, launch_problems, limits, validate_service,
};
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
    /// New target groups (a change starts a deployment); `Some(vec![])` removes them all.
    pub load_balancers: Option<Vec<ServiceLoadBalancer>>,
    /// A new health check grace period.
    pub health_check_grace_period_seconds: Option<Seconds>,
    /// New rolling-update limits or circuit breaker; members not given stay as they are.
    pub deployment_configuration: Option<DeploymentConfiguration>,
    /// New placement strategy rules.
    pub placement_strategy: Option<Vec<PlacementStrategy>>,
    /// New `placementConstraints`.
    pub placement_constraints: Option<Vec<crate::model::PlacementConstraint>>,
    /// New `awsvpc` configuration.
    pub network_configuration: Option<NetworkConfiguration>,
    /// New Fargate platform version.
    pub platform_version: Option<String>,
    /// The deployment controller (only ECS).
    pub deployment_controller: Option<DeploymentController>,
    /// `enableExecuteCommand`.
    pub enable_execute_command: Option<bool>,
    /// `enableECSManagedTags` (new tasks carry them).
    pub enable_ecs_managed_tags: Option<bool>,
    /// `propagateTags` (new tasks carry them).
    pub propagate_tags: Option<PropagateTags>,
    /// `availabilityZoneRebalancing`.
    pub availability_zone_rebalancing: Option<AvailabilityZoneRebalancing>,
}

/// The spec `update` makes of `current` (pure; validated by the caller).
pub fn updated_spec(current: &ServiceSpec, update: &ServiceUpdate) -> ServiceSpec {
    let mut spec = current.clone();
    if update.desired_count.is_some() {
        spec.desired_count = update.desired_count;
    }
    if let Some(td) = &update.task_definition {
        spec.task_definition = td.clone();
    }
    if let Some(lbs) = &update.load_balancers {
        spec.load_balancers = lbs.clone();
    }
    if update.health_check_grace_period_seconds.is_some() {
        spec.health_check_grace_period_seconds = update.health_check_grace_period_seconds;
    }
    if let Some(given) = &update.deployment_configuration {
        let mut config = spec.deployment_configuration.take().unwrap_or_default();
        if given.maximum_percent.is_some() {
            config.maximum_percent = given.maximum_percent;
        }
        if given.minimum_healthy_percent.is_some() {
            config.minimum_healthy_percent = given.minimum_healthy_percent;
        }
        if given.deployment_circuit_breaker.is_some() {
            config.deployment_circuit_breaker = given.deployment_circuit_breaker;
        }
        spec.deployment_configuration = Some(config);
    }
    if let Some(rules) = &update.placement_constraints {
        spec.placement_constraints = rules.clone();
    }
    if let Some(rules) = &update.placement_strategy {
        spec.placement_strategy = rules.clone();
    }
    if update.network_configuration.is_some() {
        spec.network_configuration = update.network_configuration.clone();
    }
    if update.platform_version.is_some() {
        spec.platform_version = update.platform_version.clone();
    }
    if update.deployment_controller.is_some() {
        spec.deployment_controller = update.deployment_controller;
    }
    if let Some(on) = update.enable_execute_command {
        spec.enable_execute_command = on;
    }
    if let Some(on) = update.enable_ecs_managed_tags {
        spec.enable_ecs_managed_tags = on;
    }
    if update.propagate_tags.is_some() {
        spec.propagate_tags = update.propagate_tags;
    }
    if update.availability_zone_rebalancing.is_some() {
        spec.availability_zone_rebalancing = update.availability_zone_rebalancing;
    }
    spec
}

/// Applies `update` to a changeable service, all of it or (when any part is invalid) none,
/// in one write.
pub fn update(catalog: &Catalog, cluster: &str, name: &str, update: &ServiceUpdate) -> Result<(), OpsError> {
    let svc = changeable(catalog, cluster, name)?;
    if let Some(count) = update.desired_count {
        check_scalable(&svc, count)?;
    }
    let mut update = update.clone();
    if let Some(reference) = &update.task_definition {
        update.task_definition = Some(spec_reference(catalog, reference)?);
    }
    let spec = updated_spec(&svc.spec, &update);
    if let Some(problem) = validate_service(&spec).into_iter().next() {
        return Err(OpsError::InvalidSpec(problem.to_string()));
    }
    for lb in &spec.load_balancers {
        if catalog.target_group(&lb.target_group())?.is_none() {
            return Err(OpsError::not_found(ObjectKind::TargetGroup, lb.target_group()));
        }
    }
    let launch_changed = update.task_definition.is_some()
        || update.network_configuration.is_some()
        || update.platform_version.is_some();
    if launch_changed {
        let td = task_definitions::resolve(catalog, &spec.task_definition)?;
        if let Some(problem) = launch_problems(&spec, &td.spec).into_iter().next() {
            return Err(OpsError::InvalidSpec(problem));
        }
    }
    catalog.replace_service_spec(cluster, name, &spec, update.force_new_deployment)?;
    Ok(())
}

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
            ..Default::default()
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
    fn target_groups_set_by_an_update_must_exist_and_number_at_most_five() {
        let catalog = catalog_with(SchedulingStrategy::Replica);
        let lb = |group: &str| ServiceLoadBalancer {
            target_group_arn: group.into(),
            container_name: "web".into(),
            container_port: 8080,
            ..Default::default()
        };
        let missing = ServiceUpdate {
            load_balancers: Some(vec![lb("nope")]),
            ..Default::default()
        };
        assert!(matches!(
            update(&catalog, "default", "web", &missing),
            Err(OpsError::NotFound {
                kind: ObjectKind::TargetGroup,
                ..
            })
        ));
        let six = ServiceUpdate {
            load_balancers: Some((0..6).map(|i| lb(&format!("g{i}"))).collect()),
            ..Default::default()
        };
        assert!(matches!(
            update(&catalog, "default", "web", &six),
            Err(OpsError::InvalidSpec(_))
        ));
        let group = crate::model::load_balancing::TargetGroupSpec::default();
        catalog
            .apply_target_group("g0", &group, &BTreeMap::new())
            .unwrap();
        let fine = ServiceUpdate {
            load_balancers: Some(vec![lb("arn:aws:elasticloadbalancing:r:1:targetgroup/g0/abc")]),
            ..Default::default()
        };
        update(&catalog, "default", "web", &fine).unwrap();
        let svc = catalog.service("default", "web").unwrap().unwrap();
        assert_eq!(svc.spec.load_balancers[0].target_group(), "g0");
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
