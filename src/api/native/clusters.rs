//! Clusters: list, read, delete.

use super::tasks::tasks_with_status;
use super::{Reply, Shared, items};
use crate::api::shapes::{Cluster, Deleted, Items};
use crate::api::{ApiError, ApiState, shapes};
use crate::model::{DEFAULT_CLUSTER, DesiredStatus, TaskState};
use crate::ops;
use axum::Json;
use axum::extract::{Path, State};

pub(super) async fn list_clusters(State(s): Shared) -> Reply<Items<Cluster>> {
    let mut names: Vec<String> = s.catalog.clusters()?.into_iter().map(|c| c.name).collect();
    if !names.iter().any(|n| n == DEFAULT_CLUSTER) {
        names.insert(0, DEFAULT_CLUSTER.to_string());
    }
    let mut out = Vec::new();
    for name in names {
        out.push(cluster_shape(&s, &name)?);
    }
    Ok(items(out))
}

pub(super) async fn get_cluster(State(s): Shared, Path(name): Path<String>) -> Reply<Cluster> {
    ops::clusters::require_active(&s.catalog, &name)?;
    Ok(Json(cluster_shape(&s, &name)?))
}

fn cluster_shape(s: &ApiState, name: &str) -> Result<Cluster, ApiError> {
    let record = s.catalog.cluster(name)?.unwrap_or(crate::store::ClusterRecord {
        name: name.to_string(),
        labels: Default::default(),
        created_at: 0,
        settings: Vec::new(),
    });
    let services = s.catalog.services(Some(name))?.len();
    let tasks = tasks_with_status(&s.catalog)?;
    let live = |pred: fn(TaskState) -> bool| {
        tasks
            .iter()
            .filter(|(t, st)| {
                t.cluster == name
                    && shapes::desired_status(t, st) == DesiredStatus::Running
                    && pred(st.last_status)
            })
            .count()
    };
    let running = live(|st| st == TaskState::Running);
    let pending = live(TaskState::is_pending);
    let insights = crate::ops::clusters::insights_default(&s.catalog)?;
    let instances = ops::container_instances::count(&s.catalog, name)?;
    Ok(shapes::cluster(
        &s.scope, &record, services, instances, running, pending, insights,
    ))
}

pub(super) async fn delete_cluster(
    State(s): Shared,
    Path(name): Path<String>,
    axum::extract::Query(force): axum::extract::Query<super::services::Force>,
) -> Reply<Deleted> {
    super::services::guard(&s, &format!("Cluster/{name}"), &format!("cluster {name}"), &force)?;
    s.catalog.delete_cluster(&name)?;
    Ok(Json(Deleted { deleted: name }))
}
