//! The Service spec: ECS `CreateService` fields, with the ones ecsd runs today.

use super::launch::{LaunchType, PropagateTags};
use super::placement::{
    PlacementConstraint, PlacementStrategy, validate_placement_constraints, validate_placement_strategy,
};
use super::unsupported::NotSupported;
use super::validation::FieldError;
use serde::{Deserialize, Serialize};

/// A service as the user declares it (ECS field names, camelCase).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceSpec {
    /// Name; only in raw ECS JSON (a manifest uses `metadata.name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// Cluster; only in raw ECS JSON (a manifest uses `metadata.cluster`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// `family` (latest ACTIVE revision) or `family:revision`.
    pub task_definition: String,
    /// Number of tasks to keep running (REPLICA).
    pub desired_count: Option<u32>,
    /// `REPLICA` (default) or `DAEMON` (one task per container instance).
    #[serde(default)]
    pub scheduling_strategy: SchedulingStrategy,
    /// Target groups the service's tasks register into (at most 5); a change starts a
    /// deployment, as in ECS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_balancers: Vec<ServiceLoadBalancer>,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub service_registries: NotSupported,
    /// `EC2` (the default), `EXTERNAL` or `FARGATE` (Fargate's task definition rules
    /// enforced); every one runs on the cluster's container instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_type: Option<LaunchType>,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub capacity_provider_strategy: NotSupported,
    /// Fargate platform version (`FARGATE` only); stored and returned, one platform here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    /// IAM role for the load balancer; stored and returned, IAM has no meaning here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Rolling-deployment limits and the circuit breaker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_configuration: Option<DeploymentConfiguration>,
    /// Rules every instance a task goes on must satisfy (`distinctInstance`, `memberOf`; at
    /// most 10 together with the task definition's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placement_constraints: Vec<PlacementConstraint>,
    /// How tasks are spread over container instances (at most 5 rules).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placement_strategy: Vec<PlacementStrategy>,
    /// `awsvpc` subnets and security groups: required by ECS with `networkMode: awsvpc`,
    /// stored and returned; a task's own network stands for them here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_configuration: Option<NetworkConfiguration>,
    /// How long after a task starts failing load balancer and container health checks are
    /// ignored (ECS default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_grace_period_seconds: Option<super::Seconds>,
    /// `{type: ECS}`, the rolling-update controller (the only one ecsd has).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_controller: Option<DeploymentController>,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub tags: NotSupported,
    /// Tag each task with `aws:ecs:clusterName` and `aws:ecs:serviceName`.
    #[serde(
        default,
        rename = "enableECSManagedTags",
        alias = "enableEcsManagedTags",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub enable_ecs_managed_tags: bool,
    /// Copy the service's (or the task definition's) tags onto its tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagate_tags: Option<PropagateTags>,
    /// Stored and returned; `ecsd exec` reaches any running container regardless.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enable_execute_command: bool,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub service_connect_configuration: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub volume_configurations: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub client_token: NotSupported,
    /// `ENABLED` or `DISABLED`; stored and returned (one availability zone per instance
    /// attribute, nothing to rebalance yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone_rebalancing: Option<AvailabilityZoneRebalancing>,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub vpc_lattice_configurations: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub monitoring: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub gateway_connectors: NotSupported,
}

/// ECS `DeploymentController`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentController {
    /// Only `ECS`: `CODE_DEPLOY` and `EXTERNAL` are refused by name.
    #[serde(rename = "type")]
    pub kind: DeploymentControllerType,
}

/// ECS deployment controller types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeploymentControllerType {
    /// ECS's rolling update (ecsd's).
    Ecs,
    /// AWS CodeDeploy blue/green: not supported.
    CodeDeploy,
    /// Task sets driven by a third party: not supported.
    External,
}

/// ECS `AvailabilityZoneRebalancing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AvailabilityZoneRebalancing {
    /// Rebalance.
    Enabled,
    /// Do not.
    Disabled,
}

/// ECS `NetworkConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NetworkConfiguration {
    /// The `awsvpc` settings.
    pub awsvpc_configuration: AwsVpcConfiguration,
}

/// ECS `AwsVpcConfiguration`: kept as given; the task's own network stands for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AwsVpcConfiguration {
    /// Subnet ids (1 to 16).
    pub subnets: Vec<String>,
    /// Security group ids (at most 5).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_groups: Vec<String>,
    /// `ENABLED` or `DISABLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assign_public_ip: Option<AssignPublicIp>,
}

/// ECS `AssignPublicIp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AssignPublicIp {
    /// Assign one.
    Enabled,
    /// Do not.
    Disabled,
}

/// Checks placement strategies, network configuration, controller and platform version.
fn validate_launch(spec: &ServiceSpec) -> Vec<FieldError> {
    let mut errors = validate_placement_strategy(&spec.placement_strategy, "spec.placementStrategy");
    errors.extend(validate_placement_constraints(
        &spec.placement_constraints,
        "spec.placementConstraints",
    ));
    if let Some(network) = &spec.network_configuration {
        errors.extend(validate_network_configuration(
            network,
            "spec.networkConfiguration",
        ));
    }
    if let Some(controller) = spec.deployment_controller
        && controller.kind != DeploymentControllerType::Ecs
    {
        errors.push(FieldError::new(
            "spec.deploymentController.type",
            format!("{controller:?} is not supported yet by ecsd: only ECS (rolling update)"),
        ));
    }
    if let Err(why) = super::check_platform_version(spec.launch_type, spec.platform_version.as_deref()) {
        errors.push(FieldError::new("spec.platformVersion", why));
    }
    errors
}

/// Checks an `awsvpcConfiguration`'s sizes (also RunTask's).
pub fn validate_network_configuration(network: &NetworkConfiguration, at: &str) -> Vec<FieldError> {
    let vpc = &network.awsvpc_configuration;
    let mut errors = Vec::new();
    if vpc.subnets.is_empty() || vpc.subnets.len() > 16 {
        errors.push(FieldError::new(
            format!("{at}.awsvpcConfiguration.subnets"),
            "expected 1 to 16 subnets",
        ));
    }
    if vpc.security_groups.len() > 5 {
        errors.push(FieldError::new(
            format!("{at}.awsvpcConfiguration.securityGroups"),
            "expected at most 5 security groups",
        ));
    }
    errors
}

/// ECS `DeploymentConfiguration` (rolling updates).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeploymentConfiguration {
    /// Upper bound on tasks during a deployment, percent of desiredCount (REPLICA default 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_percent: Option<u32>,
    /// Lower bound on healthy tasks during a deployment (REPLICA default 100, DAEMON 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_healthy_percent: Option<u32>,
    /// Fail (and optionally roll back) a deployment whose tasks keep failing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_circuit_breaker: Option<CircuitBreaker>,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub alarms: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub strategy: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub bake_time_in_minutes: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub lifecycle_hooks: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub linear_configuration: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub canary_configuration: NotSupported,
}

/// ECS `DeploymentCircuitBreaker`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CircuitBreaker {
    /// Turn the breaker on.
    pub enable: bool,
    /// Roll back to the last completed deployment when it trips.
    pub rollback: bool,
}

impl ServiceSpec {
    /// `(minimumHealthyPercent, maximumPercent)` with the ECS defaults for the strategy.
    pub fn deployment_percents(&self) -> (u32, u32) {
        let config = self.deployment_configuration.clone().unwrap_or_default();
        let (min, max) = match self.scheduling_strategy {
            SchedulingStrategy::Replica => (100, 200),
            SchedulingStrategy::Daemon => (0, 100),
        };
        (
            config.minimum_healthy_percent.unwrap_or(min),
            config.maximum_percent.unwrap_or(max),
        )
    }

    /// The circuit breaker, if enabled.
    pub fn circuit_breaker(&self) -> Option<CircuitBreaker> {
        self.deployment_configuration
            .as_ref()
            .and_then(|c| c.deployment_circuit_breaker)
            .filter(|b| b.enable)
    }
}

/// How a service places its tasks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SchedulingStrategy {
    /// Keep `desiredCount` tasks running.
    #[default]
    Replica,
    /// Exactly one task on each ACTIVE container instance (here: the local engine).
    Daemon,
}

/// A parsed `taskDefinition` reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaskDefinitionRef {
    /// Family name.
    pub family: String,
    /// Fixed revision, or `None` for the latest ACTIVE one.
    pub revision: Option<u32>,
}

impl TaskDefinitionRef {
    /// Parses `family`, `family:rev`, or an ECS ARN ending in `task-definition/family:rev`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let tail = text.rsplit_once("task-definition/").map_or(text, |(_, t)| t);
        let (family, revision) = match tail.split_once(':') {
            Some((family, rev)) => {
                let rev: u32 = rev
                    .parse()
                    .ok()
                    .filter(|r| *r > 0)
                    .ok_or_else(|| format!("expected `family` or `family:revision`, got {text:?}"))?;
                (family, Some(rev))
            }
            None => (tail, None),
        };
        super::validation::check_name(family)?;
        Ok(Self {
            family: family.to_string(),
            revision,
        })
    }
}

/// ECS `LoadBalancer` of a service: which container port registers into which target group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceLoadBalancer {
    /// The target group: its ARN, or (in manifests) its name.
    pub target_group_arn: String,
    /// Classic Load Balancer only; not supported.
    #[serde(default, skip_serializing)]
    pub load_balancer_name: NotSupported,
    /// The container, as named in the task definition.
    pub container_name: String,
    /// A `containerPort` of that container's `portMappings`.
    pub container_port: u16,
    /// Native blue/green only; not supported.
    #[serde(default, skip_serializing)]
    pub advanced_configuration: NotSupported,
}

impl ServiceLoadBalancer {
    /// The target group's name (from its ARN or as given).
    pub fn target_group(&self) -> String {
        super::load_balancing::target_group_name(&self.target_group_arn)
    }
}

/// A service attaches at most this many target groups (ECS).
pub const MAX_SERVICE_LOAD_BALANCERS: usize = 5;

fn validate_load_balancers(spec: &ServiceSpec) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if spec.load_balancers.len() > MAX_SERVICE_LOAD_BALANCERS {
        errors.push(FieldError::new(
            "spec.loadBalancers",
            format!("expected at most {MAX_SERVICE_LOAD_BALANCERS} target groups"),
        ));
    }
    for (i, lb) in spec.load_balancers.iter().enumerate() {
        let at = |field: &str| format!("spec.loadBalancers[{i}].{field}");
        if let Err(why) = super::validation::check_name_within(&lb.target_group(), 32) {
            errors.push(FieldError::new(at("targetGroupArn"), why));
        }
        if lb.container_name.is_empty() {
            errors.push(FieldError::new(at("containerName"), "expected a container name"));
        }
        if lb.container_port == 0 {
            errors.push(FieldError::new(
                at("containerPort"),
                "expected a port from 1 to 65535",
            ));
        }
        let twice = spec.load_balancers[..i]
            .iter()
            .any(|o| o.target_group() == lb.target_group() && o.container_name == lb.container_name);
        if twice {
            errors.push(FieldError::new(
                at("targetGroupArn"),
                "this container is already registered in this target group",
            ));
        }
    }
    if spec.scheduling_strategy == SchedulingStrategy::Daemon && !spec.load_balancers.is_empty() {
        errors.push(FieldError::new(
            "spec.loadBalancers",
            "a DAEMON service with a load balancer is not supported yet",
        ));
    }
    errors
}

/// Checks what the types alone cannot.
pub fn validate_service(spec: &ServiceSpec) -> Vec<FieldError> {
    let mut errors = validate_load_balancers(spec);
    errors.extend(validate_launch(spec));
    if let Err(why) = TaskDefinitionRef::parse(&spec.task_definition) {
        errors.push(FieldError::new("spec.taskDefinition", why));
    }
    match spec.scheduling_strategy {
        SchedulingStrategy::Replica if spec.desired_count.is_none() => errors.push(FieldError::new(
            "spec.desiredCount",
            "required for a REPLICA service (expected a number >= 0)",
        )),
        SchedulingStrategy::Replica => {}
        SchedulingStrategy::Daemon if spec.desired_count.is_some() => errors.push(FieldError::new(
            "spec.desiredCount",
            "a DAEMON service runs one task per container instance; remove desiredCount",
        )),
        SchedulingStrategy::Daemon => {}
    }
    if let Some(Err(why)) = spec.desired_count.map(super::limits::check_desired_count) {
        errors.push(FieldError::new("spec.desiredCount", why));
    }
    let (min, max) = spec.deployment_percents();
    if max < 100 && spec.scheduling_strategy == SchedulingStrategy::Replica {
        errors.push(FieldError::new(
            "spec.deploymentConfiguration.maximumPercent",
            "expected at least 100",
        ));
    }
    if max > 2000 {
        errors.push(FieldError::new(
            "spec.deploymentConfiguration.maximumPercent",
            "expected at most 2000",
        ));
    }
    if min > 100 {
        errors.push(FieldError::new(
            "spec.deploymentConfiguration.minimumHealthyPercent",
            "expected 0-100",
        ));
    }
    if spec.scheduling_strategy == SchedulingStrategy::Daemon && max > 100 {
        errors.push(FieldError::new(
            "spec.deploymentConfiguration.maximumPercent",
            "a DAEMON service cannot surge: expected at most 100",
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_definition_references_parse_family_revision_and_arn() {
        let r = TaskDefinitionRef::parse("web").unwrap();
        assert_eq!((r.family.as_str(), r.revision), ("web", None));
        let r = TaskDefinitionRef::parse("web:3").unwrap();
        assert_eq!(r.revision, Some(3));
        let r = TaskDefinitionRef::parse("arn:aws:ecs:us-east-1:1:task-definition/web:7").unwrap();
        assert_eq!((r.family.as_str(), r.revision), ("web", Some(7)));
        assert!(TaskDefinitionRef::parse("web:0").is_err());
        assert!(TaskDefinitionRef::parse("web:x").is_err());
        assert!(TaskDefinitionRef::parse("").is_err());
    }

    #[test]
    fn a_replica_service_needs_a_desired_count() {
        let spec = ServiceSpec {
            task_definition: "web".into(),
            ..Default::default()
        };
        let errors = validate_service(&spec);
        assert_eq!(errors[0].path, "spec.desiredCount");
    }

    #[test]
    fn daemon_services_take_no_desired_count_and_default_to_stop_first() {
        let mut spec = ServiceSpec {
            task_definition: "web".into(),
            scheduling_strategy: SchedulingStrategy::Daemon,
            ..Default::default()
        };
        assert!(validate_service(&spec).is_empty());
        assert_eq!(spec.deployment_percents(), (0, 100));
        spec.desired_count = Some(2);
        assert_eq!(validate_service(&spec)[0].path, "spec.desiredCount");
    }

    #[test]
    fn deployment_percents_default_as_in_ecs_and_are_range_checked() {
        let mut spec = ServiceSpec {
            task_definition: "web".into(),
            desired_count: Some(3),
            ..Default::default()
        };
        assert_eq!(spec.deployment_percents(), (100, 200));
        spec.deployment_configuration = Some(DeploymentConfiguration {
            maximum_percent: Some(50),
            minimum_healthy_percent: Some(150),
            ..Default::default()
        });
        let paths: Vec<String> = validate_service(&spec).into_iter().map(|e| e.path).collect();
        assert_eq!(paths.len(), 2, "{paths:?}");
    }
}
