//! CreateCluster, DescribeClusters, ListClusters.

use super::{EcsError, input, missing, page, short_name};
use crate::api::routes::ApiState;
use crate::api::shapes;
use crate::apply::{ApplyOptions, Document, apply_documents};
use crate::model::{self, API_VERSION, ClusterSpec, DEFAULT_CLUSTER, Manifest, Metadata, TaskState};
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
pub(super) fn apply_one(s: &ApiState, manifest: Manifest) -> Result<(), EcsError> {
    let doc = Document {
        manifest,
        origin: ecs_origin(),
    };
    apply_documents(&s.catalog, &[doc], &ApplyOptions::default())?;
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateInput {
    cluster_name: Option<String>,
}

pub(super) fn create(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: CreateInput = input(body)?;
    let name = req.cluster_name.unwrap_or_else(|| DEFAULT_CLUSTER.to_string());
    apply_one(
        s,
        Manifest::Cluster(model::Document {
            api_version: API_VERSION.into(),
            kind: "Cluster".into(),
            metadata: Metadata {
                name: name.clone(),
                ..Default::default()
            },
            spec: ClusterSpec::default(),
        }),
    )?;
    Ok(json!({ "cluster": render(s, &name)? }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeInput {
    #[serde(default)]
    clusters: Vec<String>,
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
        if name == DEFAULT_CLUSTER || s.catalog.cluster(name)?.is_some() {
            found.push(render(s, name)?);
        } else {
            failures.push(missing(&s.scope.cluster_arn(name)));
        }
    }
    Ok(json!({"clusters": found, "failures": failures}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListInput {
    next_token: Option<String>,
    max_results: Option<u32>,
}

pub(super) fn list(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: ListInput = input(body)?;
    let mut names: Vec<String> = s.catalog.clusters()?.into_iter().map(|c| c.name).collect();
    if !names.iter().any(|n| n == DEFAULT_CLUSTER) {
        names.insert(0, DEFAULT_CLUSTER.to_string());
    }
    let arns = names.iter().map(|n| s.scope.cluster_arn(n)).collect();
    let (arns, next) = page(arns, req.next_token.as_deref(), req.max_results, 100)?;
    Ok(json!({"clusterArns": arns, "nextToken": next}))
}

/// ECS `Cluster` with its live service and task counts.
fn render(s: &ApiState, name: &str) -> Result<Value, EcsError> {
    let record = s.catalog.cluster(name)?.unwrap_or(ClusterRecord {
        name: name.to_string(),
        labels: Default::default(),
        created_at: 0,
    });
    let services = s.catalog.services(Some(name))?.len();
    let statuses = s.catalog.task_statuses()?;
    let (mut running, mut pending) = (0, 0);
    for t in s.catalog.tasks()?.iter().filter(|t| t.cluster == name) {
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
    Ok(shapes::cluster(&s.scope, &record, services, running, pending))
}
