//! CreateCluster, DeleteCluster, DescribeClusters, ListClusters.

use super::{EcsError, input, missing, page, short_name, tags};
use crate::api::ApiState;
use crate::api::shapes;
use crate::apply::{ApplyOptions, Document, apply_documents};
use crate::model::unsupported::NotSupported;
use crate::model::{
    self, API_VERSION, ClusterSetting, ClusterSpec, DEFAULT_CLUSTER, Manifest, Metadata, TaskState,
};
use crate::store::{ClusterRecord, Origin};
use serde::Deserialize;
use serde_json::{Value, json};

/// Origin recorded for objects made through the ECS endpoint.
pub(super) fn ecs_origin() -> Origin {
    Origin {
        root: "<ecs-api>".into(),
        file: String::new(),
    }
}

/// Applies one manifest through the shared apply path (validation, ownership, revisions).
pub(super) fn apply_one(s: &ApiState, manifest: Manifest, options: &ApplyOptions) -> Result<(), EcsError> {
    let doc = Document {
        manifest,
        origin: ecs_origin(),
    };
    apply_documents(&s.catalog, &[doc], options)?;
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateInput {
    cluster_name: Option<String>,
    #[serde(default)]
    tags: Vec<tags::Tag>,
    #[serde(default)]
    settings: Vec<ClusterSetting>,
    #[serde(default, rename = "configuration")]
    _configuration: NotSupported,
    #[serde(default, rename = "capacityProviders")]
    _capacity_providers: NotSupported,
    #[serde(default, rename = "defaultCapacityProviderStrategy")]
    _default_capacity_provider_strategy: NotSupported,
    #[serde(default, rename = "serviceConnectDefaults")]
    _service_connect_defaults: NotSupported,
}

pub(super) fn create(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: CreateInput = input(body)?;
    let name = req.cluster_name.unwrap_or_else(|| DEFAULT_CLUSTER.to_string());
    let labels = tags::labels_from(&req.tags)?;
    let manifest = Manifest::Cluster(model::Document {
        api_version: API_VERSION.into(),
        kind: "Cluster".into(),
        metadata: Metadata {
            name: name.clone(),
            labels,
            ..Default::default()
        },
        spec: ClusterSpec {
            settings: req.settings,
            ..ClusterSpec::default()
        },
    });
    apply_one(s, manifest, &ApplyOptions::default())?;
    Ok(json!({ "cluster": render(s, &name, &["TAGS".to_string()])? }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateInput {
    cluster: String,
    #[serde(default)]
    settings: Vec<ClusterSetting>,
    #[serde(default, rename = "configuration")]
    _configuration: NotSupported,
    #[serde(default, rename = "serviceConnectDefaults")]
    _service_connect_defaults: NotSupported,
}

/// UpdateCluster and UpdateClusterSettings: merges the given settings into the cluster's.
pub(super) fn update(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: UpdateInput = input(body)?;
    let name = short_name(&req.cluster).to_string();
    if !is_active(s, &name)? {
        return Err(EcsError::ClusterNotFound("Cluster not found.".into()));
    }
    let current = s.catalog.cluster(&name)?;
    let labels = current.as_ref().map(|c| c.labels.clone()).unwrap_or_default();
    let settings = current.map(|c| c.settings).unwrap_or_default();
    let merged = model::merge_settings(&settings, &req.settings);
    s.catalog.apply_cluster(&name, labels, Some(&merged))?;
    Ok(json!({ "cluster": render(s, &name, &[])? }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DeleteInput {
    cluster: String,
}

/// Deletes an empty cluster; it then describes as INACTIVE until created again.
pub(super) fn delete(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: DeleteInput = input(body)?;
    let name = short_name(&req.cluster).to_string();
    if !is_active(s, &name)? {
        return Err(EcsError::ClusterNotFound("Cluster not found.".into()));
    }
    match s.catalog.cluster_occupancy(&name)? {
        (0, 0) => {}
        (0, _) => {
            return Err(EcsError::ClusterContainsTasks(
                "The Cluster cannot be deleted while Tasks are active.".into(),
            ));
        }
        _ => {
            return Err(EcsError::ClusterContainsServices(
                "The Cluster cannot be deleted while Services are active.".into(),
            ));
        }
    }
    if crate::ops::container_instances::count(&s.catalog, &name)? > 1 {
        return Err(EcsError::ClusterContainsContainerInstances(
            "The Cluster cannot be deleted while Container Instances are active or draining.".into(),
        ));
    }
    let record = s.catalog.delete_cluster(&name)?;
    Ok(json!({"cluster": inactive(s, &record, &[])}))
}

/// Whether the cluster exists now: created and not deleted (`default` implicitly, until
/// deleted).
pub(super) fn is_active(s: &ApiState, name: &str) -> Result<bool, EcsError> {
    Ok(crate::ops::clusters::is_active(&s.catalog, name)?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DescribeInput {
    #[serde(default)]
    clusters: Vec<String>,
    #[serde(default)]
    include: Vec<String>,
}

pub(super) fn describe(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: DescribeInput = input(body)?;
    let wanted = if req.clusters.is_empty() {
        vec![DEFAULT_CLUSTER.to_string()]
    } else {
        req.clusters
    };
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    for given in &wanted {
        let name = short_name(given);
        if is_active(s, name)? {
            found.push(render(s, name, &req.include)?);
        } else if let Some(gone) = s.catalog.deleted_cluster(name)? {
            found.push(inactive(s, &gone.record, &req.include));
        } else {
            failures.push(missing(&s.scope.cluster_arn(name)));
        }
    }
    Ok(json!({"clusters": found, "failures": failures}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListInput {
    next_token: Option<String>,
    max_results: Option<u32>,
}

pub(super) fn list(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: ListInput = input(body)?;
    let names = crate::ops::clusters::active(&s.catalog)?;
    let arns = names.iter().map(|n| s.scope.cluster_arn(n)).collect();
    let (arns, next) = page(arns, req.next_token.as_deref(), req.max_results, 100)?;
    Ok(json!({"clusterArns": arns, "nextToken": next}))
}

/// RUNNING and pending tasks of the cluster that are meant to run.
pub(super) fn task_counts(s: &ApiState, cluster: &str) -> Result<(usize, usize), EcsError> {
    let statuses = s.catalog.task_statuses()?;
    let (mut running, mut pending) = (0, 0);
    for t in s.catalog.tasks()?.iter().filter(|t| t.cluster == cluster) {
        let status = statuses.get(&t.id).cloned().unwrap_or_default();
        if shapes::desired_status(t, &status) != model::DesiredStatus::Running {
            continue;
        }
        if status.last_status == TaskState::Running {
            running += 1;
        } else if status.last_status.is_pending() {
            pending += 1;
        }
    }
    Ok((running, pending))
}

/// ECS `Cluster` with its live service and task counts.
fn render(s: &ApiState, name: &str, include: &[String]) -> Result<Value, EcsError> {
    let record = s.catalog.cluster(name)?.unwrap_or(ClusterRecord {
        name: name.to_string(),
        labels: Default::default(),
        created_at: 0,
        settings: Vec::new(),
    });
    let services = s.catalog.services(Some(name))?.len();
    let (running, pending) = task_counts(s, name)?;
    let insights = crate::ops::clusters::insights_default(&s.catalog)?;
    let instances = crate::ops::container_instances::count(&s.catalog, name)?;
    let shape = shapes::cluster(&s.scope, &record, services, instances, running, pending, insights);
    Ok(tags::shaped(shape, &record.labels, include))
}

/// ECS `Cluster` of a deleted cluster: INACTIVE, empty.
fn inactive(s: &ApiState, record: &ClusterRecord, include: &[String]) -> Value {
    let insights = crate::ops::clusters::insights_default(&s.catalog).unwrap_or_default();
    let mut shape = shapes::cluster(&s.scope, record, 0, 0, 0, 0, insights);
    shape.status = "INACTIVE".into();
    tags::shaped(shape, &record.labels, include)
}
