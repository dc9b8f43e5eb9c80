//! CreateService, UpdateService, DescribeServices, ListServices, DeleteService.

use super::clusters::apply_one;
use super::task_definitions::find as find_task_definition;
use super::{EcsError, existing_cluster, input, missing, page, short_name, tags};
use crate::api::routes::{ApiState, resolve_task_definition};
use crate::api::shapes::{self, ArnScope};
use crate::apply::ApplyOptions;
use crate::model::limits;
use crate::model::{
    self, API_VERSION, Manifest, Metadata, SchedulingStrategy, ServiceSpec, TaskDefinitionRef,
};
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

/// The service if it may still change, or ServiceNotFound/ServiceNotActive (DRAINING, or
/// deleted and still remembered as INACTIVE).
fn find_active(s: &ApiState, cluster: &str, name: &str) -> Result<ServiceRecord, EcsError> {
    let not_active = || EcsError::ServiceNotActive("Service was not ACTIVE.".into());
    match s.catalog.service(cluster, name)? {
        Some(svc) if svc.deleting => Err(not_active()),
        Some(svc) => Ok(svc),
        None if s.catalog.inactive_service(cluster, name)?.is_some() => Err(not_active()),
        None => Err(EcsError::ServiceNotFound("Service not found.".into())),
    }
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
}

pub(super) fn update(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: UpdateInput = input(body)?;
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    let name = short_name(&req.service);
    let svc = find_active(s, &cluster, name)?;
    if let Some(count) = req.desired_count {
        limits::check_desired_count(count)
            .map_err(|why| EcsError::InvalidParameter(format!("desiredCount: {why}")))?;
        if svc.spec.scheduling_strategy == SchedulingStrategy::Daemon {
            return Err(EcsError::InvalidParameter(
                "The desired count of a DAEMON service cannot be changed.".into(),
            ));
        }
        s.catalog.set_desired_count(&cluster, name, count)?;
    }
    if let Some(reference) = &req.task_definition {
        find_task_definition(s, reference)?;
        let r = TaskDefinitionRef::parse(reference).map_err(EcsError::Client)?;
        let spec_ref = match r.revision {
            Some(rev) => format!("{}:{rev}", r.family),
            None => r.family,
        };
        s.catalog.set_service_task_definition(&cluster, name, &spec_ref)?;
    }
    if req.force_new_deployment {
        s.catalog.restart_service(&cluster, name)?;
    }
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
    let svc = find_active(s, &cluster, name)?;
    if !req.force && svc.spec.scheduling_strategy == SchedulingStrategy::Replica && svc.desired_count() > 0 {
        return Err(EcsError::InvalidParameter(
            "The service cannot be stopped while it is scaled above 0.".into(),
        ));
    }
    s.catalog.mark_service_deleting(&cluster, name)?;
    Ok(json!({"service": render(s, &find(s, &cluster, name)?, &[])?}))
}

/// ECS `Service`, with the revision its spec resolves to right now.
fn render(s: &ApiState, svc: &ServiceRecord, include: &[String]) -> Result<Value, EcsError> {
    let status = s.catalog.service_status(&svc.cluster, &svc.name)?;
    let target = match TaskDefinitionRef::parse(&svc.spec.task_definition) {
        Ok(r) => resolve_task_definition(&s.catalog, &r)?.map(|td| td.reference()),
        Err(_) => None,
    };
    let shape = shapes::service(&s.scope, svc, status.as_ref(), target.as_deref());
    Ok(tags::shaped(shape, &svc.labels, include))
}

/// ECS `Service` of a deleted one: INACTIVE, with nothing running and no deployments left.
fn inactive(s: &ApiState, svc: &ServiceRecord, include: &[String]) -> Value {
    let mut shape = shapes::service(&s.scope, svc, None, None);
    shape["status"] = json!("INACTIVE");
    shape["deployments"] = json!([]);
    tags::shaped(shape, &svc.labels, include)
}
