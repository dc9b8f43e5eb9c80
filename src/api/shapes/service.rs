//! ECS `Service`, its `Deployment`s and `ServiceEvent`s.

use super::{ArnScope, Tag, seconds};
use crate::model::{
    AvailabilityZoneRebalancing, CircuitBreaker, DeploymentController, DeploymentControllerType, LaunchType,
    NetworkConfiguration, PlacementStrategy, PropagateTags, SchedulingStrategy,
};
use crate::store::{Deployment, DeploymentStatus, RolloutState, ServiceEvent, ServiceRecord, ServiceStatus};
use serde::{Deserialize, Serialize};

/// ECS `Service`, with every member ECS always returns, plus ecsd's own `specObserved`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    /// ARN.
    pub service_arn: String,
    /// Name.
    pub service_name: String,
    /// ARN of its cluster.
    pub cluster_arn: String,
    /// Target groups its tasks register into.
    pub load_balancers: Vec<LoadBalancer>,
    /// Service discovery registries (none are supported).
    pub service_registries: Vec<ServiceRegistry>,
    /// ACTIVE, DRAINING (being deleted) or INACTIVE (deleted).
    pub status: String,
    /// Tasks it keeps running.
    pub desired_count: u32,
    /// Tasks RUNNING.
    pub running_count: u32,
    /// Tasks not yet RUNNING.
    pub pending_count: u32,
    /// `EC2` (the default), `EXTERNAL` or `FARGATE`: all run on the cluster's instances.
    pub launch_type: LaunchType,
    /// ARN of the revision it runs (or, before it runs any, the reference it was given).
    pub task_definition: String,
    /// Rolling-deployment limits and circuit breaker, defaults filled in.
    pub deployment_configuration: DeploymentConfigurationShape,
    /// Live deployments, PRIMARY first.
    pub deployments: Vec<DeploymentShape>,
    /// Newest first, at most 100.
    pub events: Vec<ServiceEventShape>,
    /// When it was created.
    pub created_at: f64,
    /// Placement constraints, as given.
    pub placement_constraints: Vec<PlacementConstraint>,
    /// Placement strategy rules, as given.
    pub placement_strategy: Vec<PlacementStrategy>,
    /// Grace before health checks count, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_grace_period_seconds: Option<u64>,
    /// REPLICA or DAEMON.
    pub scheduling_strategy: SchedulingStrategy,
    /// `{"type": "ECS"}`: ecsd runs the rolling deployments itself.
    pub deployment_controller: DeploymentController,
    /// Tags (the ECS door returns them only when asked to).
    pub tags: Vec<Tag>,
    /// Whether tasks carry `aws:ecs:clusterName` and `aws:ecs:serviceName`.
    #[serde(rename = "enableECSManagedTags")]
    pub enable_ecs_managed_tags: bool,
    /// Whose tags its tasks carry (`NONE` by default).
    pub propagate_tags: PropagateTags,
    /// As given (`ecsd exec` reaches containers regardless).
    pub enable_execute_command: bool,
    /// Fargate platform version, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    /// IAM role, when given (stored only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// `awsvpc` configuration, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_configuration: Option<NetworkConfiguration>,
    /// `ENABLED` or `DISABLED`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone_rebalancing: Option<AvailabilityZoneRebalancing>,
    /// ecsd's own: whether the controller has acted on the current spec and the revision it
    /// resolves to, i.e. whether `deployments` describe them yet.
    pub spec_observed: bool,
}

/// ECS `LoadBalancer` of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancer {
    /// ELBv2 ARN of the target group.
    pub target_group_arn: String,
    /// Container registered.
    pub container_name: String,
    /// Its port registered.
    pub container_port: u16,
}

/// ECS `ServiceRegistry`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceRegistry {
    /// Cloud Map service ARN.
    pub registry_arn: String,
}

/// ECS `PlacementConstraint` (the model's own: the shapes and specs agree).
pub use crate::model::PlacementConstraint;

/// ECS `DeploymentConfiguration` with the defaults of the scheduling strategy filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentConfigurationShape {
    /// Upper bound on tasks during a deployment, percent of desiredCount.
    pub maximum_percent: u32,
    /// Lower bound on healthy tasks during a deployment.
    pub minimum_healthy_percent: u32,
    /// The circuit breaker (off unless enabled).
    pub deployment_circuit_breaker: CircuitBreaker,
}

/// ECS `Deployment`, plus `rollbackFrom` (the deployment it rolled back from) on a rollback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentShape {
    /// `ecs-svc/…`.
    pub id: String,
    /// PRIMARY, ACTIVE or INACTIVE.
    pub status: DeploymentStatus,
    /// ARN of the revision its tasks run, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<String>,
    /// Tasks it wants.
    pub desired_count: u32,
    /// Its tasks not yet RUNNING.
    pub pending_count: u32,
    /// Its tasks RUNNING.
    pub running_count: u32,
    /// Its tasks that failed to start or stay healthy.
    pub failed_tasks: u32,
    /// When it began.
    pub created_at: f64,
    /// When it last changed.
    pub updated_at: f64,
    /// `EC2`.
    pub launch_type: LaunchType,
    /// IN_PROGRESS, COMPLETED or FAILED.
    pub rollout_state: RolloutState,
    /// Why it is in that state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout_state_reason: Option<String>,
    /// ecsd's own: the deployment this one rolled back from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_from: Option<String>,
}

/// ECS `ServiceEvent`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEventShape {
    /// Unique id.
    pub id: String,
    /// When.
    pub created_at: f64,
    /// ECS-worded message.
    pub message: String,
}

/// At most this many events in a service shape, as ECS returns.
const MAX_EVENTS: usize = 100;

/// ECS `Service`. `target` is the revision the spec resolves to now (a `family` spec follows
/// its latest ACTIVE revision); `specObserved` says whether `deployments` describe it yet.
pub fn service(
    scope: &ArnScope,
    s: &ServiceRecord,
    status: Option<&ServiceStatus>,
    target: Option<&str>,
) -> Service {
    let status = status.cloned().unwrap_or_default();
    let spec_observed = status.observes(s, target);
    let (min_percent, max_percent) = s.spec.deployment_percents();
    let breaker = s
        .spec
        .deployment_configuration
        .as_ref()
        .and_then(|c| c.deployment_circuit_breaker)
        .unwrap_or_default();
    Service {
        service_arn: scope.service_arn(&s.cluster, &s.name),
        service_name: s.name.clone(),
        cluster_arn: scope.cluster_arn(&s.cluster),
        load_balancers: load_balancers(scope, s),
        service_registries: Vec::new(),
        status: if s.deleting { "DRAINING" } else { "ACTIVE" }.into(),
        desired_count: s.desired_count_in(&status),
        running_count: status.running_count,
        pending_count: status.pending_count,
        launch_type: s.spec.launch_type.unwrap_or_default(),
        task_definition: status.task_definition.as_deref().or(target).map_or_else(
            || s.spec.task_definition.clone(),
            |r| scope.task_definition_arn(r),
        ),
        deployment_configuration: DeploymentConfigurationShape {
            maximum_percent: max_percent,
            minimum_healthy_percent: min_percent,
            deployment_circuit_breaker: breaker,
        },
        deployments: deployments(scope, s, &status, false)
            .into_iter()
            .map(|mut d| {
                if d.task_definition.is_none() {
                    d.task_definition = target.map(|r| scope.task_definition_arn(r));
                }
                d
            })
            .collect(),
        events: service_events(s, &status)
            .iter()
            .take(MAX_EVENTS)
            .map(event)
            .collect(),
        created_at: seconds(s.created_at),
        placement_constraints: s.spec.placement_constraints.clone(),
        placement_strategy: s.spec.placement_strategy.clone(),
        health_check_grace_period_seconds: s.spec.health_check_grace_period_seconds.map(|g| g.0),
        scheduling_strategy: s.spec.scheduling_strategy,
        deployment_controller: s.spec.deployment_controller.unwrap_or(DeploymentController {
            kind: DeploymentControllerType::Ecs,
        }),
        tags: super::tags(&s.labels),
        enable_ecs_managed_tags: s.spec.enable_ecs_managed_tags,
        propagate_tags: s.spec.propagate_tags.unwrap_or_default(),
        enable_execute_command: s.spec.enable_execute_command,
        platform_version: s.spec.platform_version.clone(),
        role_arn: s.spec.role.clone(),
        network_configuration: s.spec.network_configuration.clone(),
        availability_zone_rebalancing: s.spec.availability_zone_rebalancing,
        spec_observed,
    }
}

fn load_balancers(scope: &ArnScope, s: &ServiceRecord) -> Vec<LoadBalancer> {
    s.spec
        .load_balancers
        .iter()
        .map(|lb| LoadBalancer {
            target_group_arn: scope.elb_arn("targetgroup", &lb.target_group()),
            container_name: lb.container_name.clone(),
            container_port: lb.container_port,
        })
        .collect()
}

/// A service's deployments as ECS shapes, PRIMARY first; the INACTIVE ones (history) only
/// `with_history`. Before the controller has recorded any, one PRIMARY describes the revision
/// the service converges to.
pub fn deployments(
    scope: &ArnScope,
    s: &ServiceRecord,
    status: &ServiceStatus,
    with_history: bool,
) -> Vec<DeploymentShape> {
    if status.deployments.is_empty() {
        return vec![converging_primary(scope, s, status)];
    }
    status
        .deployments
        .iter()
        .filter(|d| with_history || d.status != DeploymentStatus::Inactive)
        .map(|d| DeploymentShape {
            launch_type: s.spec.launch_type.unwrap_or_default(),
            ..deployment(scope, d)
        })
        .collect()
}

/// ECS `Deployment` of a recorded one.
pub fn deployment(scope: &ArnScope, d: &Deployment) -> DeploymentShape {
    DeploymentShape {
        id: d.id.clone(),
        status: d.status,
        task_definition: Some(scope.task_definition_arn(&d.task_definition)),
        desired_count: d.desired_count,
        pending_count: d.pending_count,
        running_count: d.running_count,
        failed_tasks: d.failed_tasks,
        created_at: seconds(d.created_at),
        updated_at: seconds(d.updated_at),
        launch_type: LaunchType::Ec2,
        rollout_state: d.rollout_state,
        rollout_state_reason: d.rollout_state_reason.clone(),
        rollback_from: d.rollback_from.clone(),
    }
}

fn converging_primary(scope: &ArnScope, s: &ServiceRecord, status: &ServiceStatus) -> DeploymentShape {
    let converged = status.observed_generation == s.generation
        && status.running_count == s.desired_count_in(status)
        && status.pending_count == 0;
    DeploymentShape {
        id: format!("ecs-svc/{:019}", s.generation),
        status: DeploymentStatus::Primary,
        task_definition: status
            .task_definition
            .as_deref()
            .map(|r| scope.task_definition_arn(r)),
        desired_count: s.desired_count_in(status),
        pending_count: status.pending_count,
        running_count: status.running_count,
        failed_tasks: 0,
        created_at: seconds(s.created_at),
        updated_at: seconds(status.updated_at.max(s.created_at)),
        launch_type: s.spec.launch_type.unwrap_or_default(),
        rollout_state: if converged {
            RolloutState::Completed
        } else {
            RolloutState::InProgress
        },
        rollout_state_reason: None,
        rollback_from: None,
    }
}

/// A service's events, newest first. The controller's current message (why the service cannot
/// progress) comes first when it is not already the newest event.
pub fn service_events(s: &ServiceRecord, status: &ServiceStatus) -> Vec<ServiceEvent> {
    let mut events = status.events.clone();
    if let Some(message) = &status.message {
        let text = if message.starts_with("(service ") {
            message.clone()
        } else {
            format!("(service {}) {message}", s.name)
        };
        let newest = events.first();
        if newest.is_none_or(|e| e.message != text) {
            let created_at = newest.map_or(status.updated_at, |e| e.created_at.max(status.updated_at));
            events.insert(
                0,
                ServiceEvent {
                    id: format!("{}-msg", s.name),
                    created_at,
                    message: text,
                },
            );
        }
    }
    events
}

/// ECS `ServiceEvent`.
pub fn event(e: &ServiceEvent) -> ServiceEventShape {
    ServiceEventShape {
        id: e.id.clone(),
        created_at: seconds(e.created_at),
        message: e.message.clone(),
    }
}

#[cfg(test)]
impl DeploymentShape {
    /// A PRIMARY deployment of `td` (`family:revision`), IN_PROGRESS with 2 of 3 running.
    pub(crate) fn example(id: &str, td: &str) -> Self {
        Self {
            id: id.into(),
            status: DeploymentStatus::Primary,
            task_definition: Some(ArnScope::default().task_definition_arn(td)),
            desired_count: 3,
            pending_count: 0,
            running_count: 2,
            failed_tasks: 0,
            created_at: 0.0,
            updated_at: 0.0,
            launch_type: LaunchType::Ec2,
            rollout_state: RolloutState::InProgress,
            rollout_state_reason: None,
            rollback_from: None,
        }
    }
}

#[cfg(test)]
impl Service {
    /// Service `web` with `deployments`, observed, running its 3 desired tasks, whose newest
    /// event says it started one.
    pub(crate) fn example(deployments: Vec<DeploymentShape>) -> Self {
        let scope = ArnScope::default();
        Self {
            service_arn: scope.service_arn("default", "web"),
            service_name: "web".into(),
            cluster_arn: scope.cluster_arn("default"),
            load_balancers: Vec::new(),
            service_registries: Vec::new(),
            status: "ACTIVE".into(),
            desired_count: 3,
            running_count: 3,
            pending_count: 0,
            launch_type: LaunchType::Ec2,
            task_definition: scope.task_definition_arn("web:1"),
            deployment_configuration: DeploymentConfigurationShape {
                maximum_percent: 200,
                minimum_healthy_percent: 100,
                deployment_circuit_breaker: CircuitBreaker::default(),
            },
            deployments,
            events: vec![ServiceEventShape {
                id: "e1".into(),
                created_at: 0.0,
                message: "(service web) has started 1 tasks.".into(),
            }],
            created_at: 0.0,
            placement_constraints: Vec::new(),
            placement_strategy: Vec::new(),
            health_check_grace_period_seconds: None,
            scheduling_strategy: SchedulingStrategy::Replica,
            deployment_controller: DeploymentController {
                kind: DeploymentControllerType::Ecs,
            },
            tags: Vec::new(),
            enable_ecs_managed_tags: false,
            propagate_tags: PropagateTags::None,
            enable_execute_command: false,
            platform_version: None,
            role_arn: None,
            network_configuration: None,
            availability_zone_rebalancing: None,
            spec_observed: true,
        }
    }
}

#[cfg(test)]
mod tests;
