//! CreateService, UpdateService, DescribeServices, ListServices, DeleteService.

use super::clusters::apply_one;
use super::idempotency::Seen;
use super::task_definitions::find as find_task_definition;
use super::{EcsError, existing_cluster, input, missing, page, readable_cluster, short_name, tags};
use crate::api::ApiState;
use crate::api::shapes::{self, ArnScope};
use crate::apply::ApplyOptions;
use crate::model::{
    self, API_VERSION, LaunchType, Manifest, Metadata, NotSupported, SchedulingStrategy, ServiceSpec,
};
use crate::ops;
use crate::ops::services::ServiceUpdate;
use crate::store::ServiceRecord;
use serde::Deserialize;
use serde_json::{Value, json};

/// CreateServiceRequest members that are request plumbing rather than spec.
const REQUEST_ONLY: [&str; 4] = ["cluster", "serviceName", "clientToken", "tags"];

/// ECS's network configuration rule at its own door: required with `networkMode: awsvpc`
/// (manifests may leave it out: it has no meaning on one machine).
fn require_network_configuration(s: &ApiState, spec: &ServiceSpec) -> Result<(), EcsError> {
    let td = find_task_definition(s, &spec.task_definition)?;
    if td.spec.network_mode() == model::NetworkMode::Awsvpc && spec.network_configuration.is_none() {
        return Err(EcsError::InvalidParameter(
            "Network Configuration must be provided when networkMode 'awsvpc' is specified.".into(),
        ));
    }
    Ok(())
}

fn service_arn(scope: &ArnScope, cluster: &str, name: &str) -> String {
    format!(
        "arn:aws:ecs:{}:{}:service/{cluster}/{name}",
        scope.region, scope.account
    )
}

pub(super) fn create(s: &ApiState, mut body: Value) -> Result<Value, EcsError> {
    let obj = body
        .as_object_mut()
        .ok_or_else(|| EcsError::InvalidParameter("the request must be a JSON object".into()))?;
    let cluster = existing_cluster(s, obj.get("cluster").and_then(Value::as_str))?;
    let name = match obj.get("serviceName").and_then(Value::as_str) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => return Err(EcsError::InvalidParameter("serviceName is required.".into())),
    };
    let given_tags: Vec<tags::Tag> = input(obj.get("tags").cloned().unwrap_or_else(|| json!([])))?;
    let labels = tags::labels_from(&given_tags)?;
    let token: Option<String> = input(obj.get("clientToken").cloned().unwrap_or(Value::Null))?;
    let canonical = format!("{cluster}/{name}:{}", Value::Object(obj.clone()));
    for key in REQUEST_ONLY {
        obj.remove(key);
    }
    let spec: ServiceSpec = serde_path_to_error::deserialize(body)
        .map_err(|e| EcsError::InvalidParameter(format!("{}: {}", e.path(), e.inner())))?;
    if let Some(existing) = s.catalog.service(&cluster, &name)? {
        let repeat = token
            .as_deref()
            .is_some_and(|t| s.client_tokens.seen(t, &canonical) == Seen::Repeat(vec![name.clone()]));
        if repeat {
            return Ok(json!({"service": render(s, &existing, &["TAGS".to_string()])?}));
        }
        return Err(EcsError::InvalidParameter(
            "Creation of service was not idempotent.".into(),
        ));
    }
    require_network_configuration(s, &spec)?;
    let applied = apply_one(
        s,
        Manifest::Service(model::Document {
            api_version: API_VERSION.into(),
            kind: "Service".into(),
            metadata: Metadata {
                name: name.clone(),
                cluster: Some(cluster.clone()),
                labels,
            },
            spec,
        }),
        &ApplyOptions::default(),
    );
    // ECS answers an invalid service (e.g. DAEMON with a desiredCount) with
    // InvalidParameterException, not the ClientException of an invalid task definition.
    if let Err(EcsError::Client(why)) = applied {
        return Err(EcsError::InvalidParameter(why));
    }
    applied?;
    if let Some(token) = &token {
        s.client_tokens.remember(token, &canonical, vec![name.clone()]);
    }
    Ok(json!({"service": render(s, &find(s, &cluster, &name)?, &["TAGS".to_string()])?}))
}

/// The service, or ServiceNotFoundException.
fn find(s: &ApiState, cluster: &str, name: &str) -> Result<ServiceRecord, EcsError> {
    s.catalog
        .service(cluster, name)?
        .ok_or_else(|| EcsError::ServiceNotFound("Service not found.".into()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateInput {
    cluster: Option<String>,
    service: String,
    desired_count: Option<u32>,
    task_definition: Option<String>,
    #[serde(default)]
    force_new_deployment: bool,
    load_balancers: Option<Vec<crate::model::ServiceLoadBalancer>>,
    health_check_grace_period_seconds: Option<crate::model::Seconds>,
    deployment_configuration: Option<model::DeploymentConfiguration>,
    placement_strategy: Option<Vec<model::PlacementStrategy>>,
    placement_constraints: Option<Vec<model::PlacementConstraint>>,
    network_configuration: Option<model::NetworkConfiguration>,
    platform_version: Option<String>,
    deployment_controller: Option<model::DeploymentController>,
    enable_execute_command: Option<bool>,
    #[serde(rename = "enableECSManagedTags")]
    enable_ecs_managed_tags: Option<bool>,
    propagate_tags: Option<model::PropagateTags>,
    availability_zone_rebalancing: Option<model::AvailabilityZoneRebalancing>,
    #[serde(default, rename = "capacityProviderStrategy")]
    _capacity_provider_strategy: NotSupported,
    #[serde(default, rename = "serviceRegistries")]
    _service_registries: NotSupported,
    #[serde(default, rename = "serviceConnectConfiguration")]
    _service_connect_configuration: NotSupported,
    #[serde(default, rename = "volumeConfigurations")]
    _volume_configurations: NotSupported,
    #[serde(default, rename = "vpcLatticeConfigurations")]
    _vpc_lattice_configurations: NotSupported,
    #[serde(default, rename = "monitoring")]
    _monitoring: NotSupported,
    #[serde(default, rename = "gatewayConnectors")]
    _gateway_connectors: NotSupported,
}

pub(super) fn update(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: UpdateInput = input(body)?;
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    let name = short_name(&req.service);
    let update = ServiceUpdate {
        desired_count: req.desired_count,
        task_definition: req.task_definition,
        force_new_deployment: req.force_new_deployment,
        load_balancers: req.load_balancers,
        health_check_grace_period_seconds: req.health_check_grace_period_seconds,
        deployment_configuration: req.deployment_configuration,
        placement_strategy: req.placement_strategy,
        placement_constraints: req.placement_constraints,
        network_configuration: req.network_configuration,
        platform_version: req.platform_version,
        deployment_controller: req.deployment_controller,
        enable_execute_command: req.enable_execute_command,
        enable_ecs_managed_tags: req.enable_ecs_managed_tags,
        propagate_tags: req.propagate_tags,
        availability_zone_rebalancing: req.availability_zone_rebalancing,
    };
    ops::services::update(&s.catalog, &cluster, name, &update)?;
    Ok(json!({"service": render(s, &find(s, &cluster, name)?, &[])?}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DescribeInput {
    cluster: Option<String>,
    services: Vec<String>,
    #[serde(default)]
    include: Vec<String>,
}

pub(super) fn describe(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: DescribeInput = input(body)?;
    if req.services.is_empty() || req.services.len() > 10 {
        return Err(EcsError::InvalidParameter(
            "services must name between 1 and 10 services.".into(),
        ));
    }
    let cluster = readable_cluster(s, req.cluster.as_deref())?;
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    for given in &req.services {
        let name = short_name(given);
        if let Some(svc) = s.catalog.service(&cluster, name)? {
            found.push(render(s, &svc, &req.include)?);
        } else if let Some(gone) = s.catalog.inactive_service(&cluster, name)? {
            found.push(inactive(s, &gone.record, &req.include));
        } else {
            failures.push(missing(&service_arn(&s.scope, &cluster, name)));
        }
    }
    Ok(json!({"services": found, "failures": failures}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListInput {
    cluster: Option<String>,
    next_token: Option<String>,
    max_results: Option<u32>,
    launch_type: Option<LaunchType>,
    scheduling_strategy: Option<SchedulingStrategy>,
    resource_management_type: Option<ResourceManagementType>,
}

/// Who manages a service: every ecsd service is the customer's.
#[derive(Deserialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum ResourceManagementType {
    Customer,
    Ecs,
}

pub(super) fn list(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: ListInput = input(body)?;
    let cluster = readable_cluster(s, req.cluster.as_deref())?;
    let arns: Vec<String> = s
        .catalog
        .services(Some(&cluster))?
        .iter()
        .filter(|svc| {
            req.launch_type
                .is_none_or(|l| svc.spec.launch_type.unwrap_or_default() == l)
                && req
                    .scheduling_strategy
                    .is_none_or(|st| svc.spec.scheduling_strategy == st)
                && req
                    .resource_management_type
                    .as_ref()
                    .is_none_or(|r| *r == ResourceManagementType::Customer)
        })
        .map(|svc| service_arn(&s.scope, &svc.cluster, &svc.name))
        .collect();
    let (arns, next) = page(arns, req.next_token.as_deref(), req.max_results, 10)?;
    Ok(json!({"serviceArns": arns, "nextToken": next}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ByNamespaceInput {
    namespace: String,
    next_token: Option<String>,
    max_results: Option<u32>,
}

/// ListServicesByNamespace: Service Connect namespaces are not supported, so no service is
/// in one.
pub(super) fn list_by_namespace(_: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: ByNamespaceInput = input(body)?;
    if req.namespace.is_empty() {
        return Err(EcsError::InvalidParameter("namespace is required.".into()));
    }
    let (arns, next) = page(
        Vec::<String>::new(),
        req.next_token.as_deref(),
        req.max_results,
        10,
    )?;
    Ok(json!({"serviceArns": arns, "nextToken": next}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DeleteInput {
    cluster: Option<String>,
    service: String,
    #[serde(default)]
    force: bool,
}

pub(super) fn delete(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: DeleteInput = input(body)?;
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    let name = short_name(&req.service);
    ops::services::delete(&s.catalog, &cluster, name, req.force)?;
    Ok(json!({"service": render(s, &find(s, &cluster, name)?, &[])?}))
}

/// Whether the controller has acted on the service's current spec, so a response can show
/// the deployment it made (`false` when the service is gone).
pub(super) fn observed(s: &ApiState, cluster: &str, name: &str) -> Result<bool, EcsError> {
    let Some(svc) = s.catalog.service(cluster, name)? else {
        return Ok(true);
    };
    let target = ops::task_definitions::resolve(&s.catalog, &svc.spec.task_definition)
        .ok()
        .map(|td| td.reference());
    let status = s.catalog.service_status(cluster, name)?.unwrap_or_default();
    Ok(target.is_none() || status.observes(&svc, target.as_deref()))
}

/// The service as CreateService/UpdateService return it (tags included when `tagged`).
pub(super) fn current(s: &ApiState, cluster: &str, name: &str, tagged: bool) -> Result<Value, EcsError> {
    let include = if tagged {
        vec!["TAGS".to_string()]
    } else {
        Vec::new()
    };
    Ok(json!({"service": render(s, &find(s, cluster, name)?, &include)?}))
}

/// ECS `Service`, with the revision its spec resolves to right now.
fn render(s: &ApiState, svc: &ServiceRecord, include: &[String]) -> Result<Value, EcsError> {
    let status = s.catalog.service_status(&svc.cluster, &svc.name)?;
    let target = ops::task_definitions::resolve(&s.catalog, &svc.spec.task_definition)
        .ok()
        .map(|td| td.reference());
    let shape = shapes::service(&s.scope, svc, status.as_ref(), target.as_deref());
    Ok(tags::shaped(shape, &svc.labels, include))
}

/// ECS `Service` of a deleted one: INACTIVE, with nothing running and no deployments left.
fn inactive(s: &ApiState, svc: &ServiceRecord, include: &[String]) -> Value {
    let mut shape = shapes::service(&s.scope, svc, None, None);
    shape.status = "INACTIVE".into();
    shape.deployments = Vec::new();
    tags::shaped(shape, &svc.labels, include)
}
