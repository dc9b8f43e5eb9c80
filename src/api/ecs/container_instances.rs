//! ListContainerInstances, DescribeContainerInstances, UpdateContainerInstancesState,
//! DeregisterContainerInstance and RegisterContainerInstance's refusal: every instance of the
//! cluster (the daemon's own engine and the declared ones) through `ops::container_instances`.

use super::{EcsError, existing_cluster, input, missing, page, short_name};
use crate::api::ApiState;
use crate::api::shapes;
use crate::model::query;
use crate::ops::container_instances::{self as instances, InstanceView};
use crate::ops::{ObjectKind, OpsError};
use crate::store::InstanceStatus;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListInput {
    cluster: Option<String>,
    filter: Option<String>,
    status: Option<String>,
    next_token: Option<String>,
    max_results: Option<u32>,
}

pub(super) fn list(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: ListInput = input(body)?;
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    let filter = req
        .filter
        .as_deref()
        .filter(|f| !f.trim().is_empty())
        .map(|expression| {
            query::parse(expression).map_err(|e| EcsError::InvalidParameter(format!("filter {e}")))
        })
        .transpose()?;
    let arns: Vec<String> = instances::list(&s.catalog, Some(&cluster))?
        .iter()
        .filter(|v| {
            req.status
                .as_deref()
                .is_none_or(|wanted| wanted == v.status().as_str())
        })
        .filter(|v| filter.as_ref().is_none_or(|f| f.matches(&v.placed())))
        .map(|v| s.scope.container_instance_arn(&cluster, &v.facts.id))
        .collect();
    let (arns, next) = page(arns, req.next_token.as_deref(), req.max_results, 100)?;
    Ok(json!({"containerInstanceArns": arns, "nextToken": next}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DescribeInput {
    cluster: Option<String>,
    container_instances: Vec<String>,
    #[serde(default)]
    include: Vec<String>,
}

pub(super) fn describe(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: DescribeInput = input(body)?;
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    let (found, failures) = each_instance(s, &cluster, &req.container_instances, |given| {
        instances::find(&s.catalog, &cluster, given)
    })?;
    let found = found.iter().map(|v| render(s, v, &req.include)).collect();
    Ok(json!({"containerInstances": Value::Array(found), "failures": failures}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateStateInput {
    cluster: Option<String>,
    container_instances: Vec<String>,
    status: String,
}

pub(super) fn update_state(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: UpdateStateInput = input(body)?;
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    let status = match req.status.as_str() {
        "ACTIVE" => InstanceStatus::Active,
        "DRAINING" => InstanceStatus::Draining,
        other => {
            return Err(EcsError::InvalidParameter(format!(
                "Container instances can only be set to ACTIVE or DRAINING, not {other}."
            )));
        }
    };
    let (found, failures) = each_instance(s, &cluster, &req.container_instances, |given| {
        instances::set_status(&s.catalog, &cluster, given, status)
    })?;
    let found = found.iter().map(|v| render(s, v, &[])).collect();
    Ok(json!({"containerInstances": Value::Array(found), "failures": failures}))
}

/// `op` on each instance named (1 to 100 of them), and a MISSING failure for each name no
/// instance of the cluster has.
fn each_instance(
    s: &ApiState,
    cluster: &str,
    given: &[String],
    op: impl Fn(&str) -> Result<InstanceView, OpsError>,
) -> Result<(Vec<InstanceView>, Vec<Value>), EcsError> {
    if given.is_empty() || given.len() > 100 {
        return Err(EcsError::InvalidParameter(
            "containerInstances must name between 1 and 100 container instances.".into(),
        ));
    }
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    for entry in given {
        match op(entry) {
            Ok(view) => found.push(view),
            Err(OpsError::NotFound {
                kind: ObjectKind::ContainerInstance,
                ..
            }) => failures.push(missing(
                &s.scope.container_instance_arn(cluster, short_name(entry)),
            )),
            Err(e) => return Err(e.into()),
        }
    }
    Ok((found, failures))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DeregisterInput {
    cluster: Option<String>,
    container_instance: String,
    force: Option<bool>,
}

/// DeregisterContainerInstance: deletes a declared instance (its manifest's next sync, if a
/// watched folder declares it, brings it back). Without `force` it must run no task; with
/// it, its tasks are no longer accounted for on it. The daemon's own engine stays.
pub(super) fn deregister(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: DeregisterInput = input(body)?;
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    let view = instances::delete(
        &s.catalog,
        &cluster,
        &req.container_instance,
        req.force.unwrap_or(false),
    )?;
    let mut shape = render(s, &view, &[]);
    shape["status"] = json!("INACTIVE");
    shape["agentConnected"] = json!(false);
    Ok(json!({"containerInstance": shape}))
}

/// Every member of RegisterContainerInstance, read so that none is unknown; the call itself
/// is refused (see `register`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RegisterInput {
    cluster: Option<String>,
    #[serde(default, rename = "instanceIdentityDocument")]
    _instance_identity_document: Option<IgnoredAny>,
    #[serde(default, rename = "instanceIdentityDocumentSignature")]
    _instance_identity_document_signature: Option<IgnoredAny>,
    #[serde(default, rename = "totalResources")]
    _total_resources: Option<IgnoredAny>,
    #[serde(default, rename = "versionInfo")]
    _version_info: Option<IgnoredAny>,
    #[serde(default, rename = "containerInstanceArn")]
    _container_instance_arn: Option<IgnoredAny>,
    #[serde(default, rename = "attributes")]
    _attributes: Option<IgnoredAny>,
    #[serde(default, rename = "platformDevices")]
    _platform_devices: Option<IgnoredAny>,
    #[serde(default, rename = "tags")]
    _tags: Option<IgnoredAny>,
}

/// RegisterContainerInstance is how an ECS agent joins a cluster; ecsd runs no agent (it
/// dials each engine itself), and the call cannot say where an engine is. Refused with what
/// to do instead, after the cluster is checked as ECS does.
pub(super) fn register(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: RegisterInput = input(body)?;
    existing_cluster(s, req.cluster.as_deref())?;
    Err(EcsError::Client(
        "RegisterContainerInstance is the ECS agent's call, and ecsd runs no agent: it reaches each engine itself. \
         Declare an engine with a ContainerInstance manifest (`ecsd apply -f instance.yaml`: spec.engine unix:// or \
         tcp:// with tls), and set custom attributes with PutAttributes"
            .into(),
    ))
}

/// ECS `ContainerInstance` for one instance of a cluster (no `ec2InstanceId`: it is an
/// engine, not an EC2 instance).
fn render(s: &ApiState, view: &InstanceView, include: &[String]) -> Value {
    let placed = view.placed();
    let registered = resources(
        placed.registered.cpu,
        placed.registered.memory,
        &placed.registered.ports_tcp,
        &placed.registered.ports_udp,
    );
    let remaining = resources(
        placed.remaining_cpu(),
        placed.remaining_memory(),
        &placed.used.ports_tcp,
        &placed.used.ports_udp,
    );
    let attributes: Vec<Value> = placed
        .attributes
        .iter()
        .map(|(name, value)| match value {
            Some(value) => json!({"name": name, "value": value}),
            None => json!({"name": name}),
        })
        .collect();
    let mut version_info = json!({"agentVersion": placed.agent_version, "agentHash": "ecsd"});
    if let Some(engine) = view.facts.engine.as_ref().filter(|e| !e.version.is_empty()) {
        version_info["dockerVersion"] = json!(format!("DockerVersion: {}", engine.version));
    }
    let mut shape = json!({
        "containerInstanceArn": s.scope.container_instance_arn(&view.cluster, &view.facts.id),
        "version": view.facts.registration.version + 1,
        "versionInfo": version_info,
        "registeredResources": registered,
        "remainingResources": remaining,
        "status": view.status().as_str(),
        "agentConnected": placed.connected,
        "runningTasksCount": view.usage.running,
        "pendingTasksCount": view.usage.pending,
        "attributes": attributes,
    });
    // The implicit `default` cluster has no creation time to give its own engine.
    if view.facts.registered_at > 0 {
        shape["registeredAt"] = json!(shapes::seconds(view.facts.registered_at));
    }
    if super::tags::wanted(include) {
        let labels = view
            .facts
            .declared
            .as_ref()
            .map(|d| d.labels.clone())
            .unwrap_or_default();
        shape["tags"] = super::tags::render(&labels);
    }
    if include.iter().any(|i| i == "CONTAINER_INSTANCE_HEALTH") {
        let overall = if placed.connected { "OK" } else { "IMPAIRED" };
        shape["healthStatus"] = json!({"overallStatus": overall, "details": []});
    }
    shape
}

/// ECS `Resources`: CPU, MEMORY, PORTS and PORTS_UDP (on `remainingResources`, the ports
/// listed are those in use, as ECS lists them).
fn resources<'a>(
    cpu: u64,
    memory: u64,
    tcp: impl IntoIterator<Item = &'a u16>,
    udp: impl IntoIterator<Item = &'a u16>,
) -> Value {
    let integer = |name: &str, value: u64| {
        json!({"name": name, "type": "INTEGER", "integerValue": value.min(i32::MAX as u64),
               "doubleValue": 0.0, "longValue": 0})
    };
    let ports = |name: &str, ports: Vec<String>| {
        json!({"name": name, "type": "STRINGSET", "stringSetValue": ports,
               "integerValue": 0, "doubleValue": 0.0, "longValue": 0})
    };
    json!([
        integer("CPU", cpu),
        integer("MEMORY", memory),
        ports("PORTS", tcp.into_iter().map(u16::to_string).collect()),
        ports("PORTS_UDP", udp.into_iter().map(u16::to_string).collect()),
    ])
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DiscoverInput {
    container_instance: Option<String>,
    cluster: Option<String>,
    zone_id: Option<String>,
}

/// DiscoverPollEndpoint: the agent's endpoints are this endpoint itself (the handler puts
/// the address the request came to in `endpoint`).
pub(super) fn discover_poll_endpoint(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: DiscoverInput = input(body)?;
    if req.cluster.is_some() {
        existing_cluster(s, req.cluster.as_deref())?;
    }
    let _ = (req.container_instance, req.zone_id);
    Ok(json!({"endpoint": "", "telemetryEndpoint": "", "serviceConnectEndpoint": ""}))
}
