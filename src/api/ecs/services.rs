//! CreateService, UpdateService, DescribeServices, ListServices, DeleteService.

use super::clusters::apply_one;
use super::task_definitions::find as find_task_definition;
use super::{EcsError, existing_cluster, input, missing, page, short_name, tags};
use crate::api::ApiState;
use crate::api::shapes::{self, ArnScope};
use crate::apply::ApplyOptions;
use crate::model::{self, API_VERSION, Manifest, Metadata, ServiceSpec};
use crate::ops;
use crate::ops::services::ServiceUpdate;
use crate::store::ServiceRecord;
use serde::Deserialize;
use serde_json::{Value, json};

/// CreateServiceRequest members that are request plumbing rather than spec.
const REQUEST_ONLY: [&str; 4] = ["cluster", "serviceName", "clientToken", "tags"];

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
    for key in REQUEST_ONLY {
        obj.remove(key);
    }
    let spec: ServiceSpec = serde_path_to_error::deserialize(body)
        .map_err(|e| EcsError::InvalidParameter(format!("{}: {}", e.path(), e.inner())))?;
    if s.catalog.service(&cluster, &name)?.is_some() {
        return Err(EcsError::InvalidParameter(
            "Creation of service was not idempotent.".into(),
        ));
    }
    find_task_definition(s, &spec.task_definition)?;
    apply_one(
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
    )?;
    Ok(json!({"service": render(s, &find(s, &cluster, &name)?, &["TAGS".to_string()])?}))
}

/// The service, or ServiceNotFoundException.
fn find(s: &ApiState, cluster: &str, name: &str) -> Result<ServiceRecord, EcsError> {
    s.catalog
        .service(cluster, name)?
        .ok_or_else(|| EcsError::ServiceNotFound("Service not found.".into()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateInput {
    cluster: Option<String>,
    service: String,
    desired_count: Option<u32>,
    task_definition: Option<String>,
    #[serde(default)]
    force_new_deployment: bool,
    load_balancers: Option<Vec<crate::model::ServiceLoadBalancer>>,
    health_check_grace_period_seconds: Option<crate::model::Seconds>,
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
    };
    ops::services::update(&s.catalog, &cluster, name, &update)?;
    Ok(json!({"service": render(s, &find(s, &cluster, name)?, &[])?}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
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
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
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
#[serde(rename_all = "camelCase")]
struct ListInput {
    cluster: Option<String>,
    next_token: Option<String>,
    max_results: Option<u32>,
}

pub(super) fn list(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: ListInput = input(body)?;
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    let arns: Vec<String> = s
        .catalog
        .services(Some(&cluster))?
        .iter()
        .map(|svc| service_arn(&s.scope, &svc.cluster, &svc.name))
        .collect();
    let (arns, next) = page(arns, req.next_token.as_deref(), req.max_results, 10)?;
    Ok(json!({"serviceArns": arns, "nextToken": next}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
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
