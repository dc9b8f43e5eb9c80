//! Routes of the native API.

use super::ApiError;
use super::services;
use super::shapes::{self, ArnScope};
use crate::apply::{ApplyOptions, ApplyResult, Document, apply_documents};
use crate::model::limits;
use crate::model::{
    DEFAULT_CLUSTER, DesiredStatus, StopCode, TaskDefinitionRef, TaskState, new_task_id, now_millis,
};
use crate::store::{Catalog, TaskDefinitionRecord, TaskRecord, TaskStatus};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// Shared by every handler.
pub struct ApiState {
    /// Desired and observed state.
    pub catalog: Catalog,
    /// Region and account for ARNs.
    pub scope: ArnScope,
}

pub(super) type Shared = State<Arc<ApiState>>;
pub(super) type Reply = Result<Json<Value>, ApiError>;

/// The native API router.
pub fn router(catalog: Catalog, scope: ArnScope, engine: String) -> Router {
    let health = Json(json!({"ok": true, "engine": engine}));
    Router::new()
        .route("/v1/health", get(move || async move { health }))
        .route("/v1/apply", post(apply))
        .route("/v1/clusters", get(list_clusters))
        .route("/v1/clusters/{name}", get(get_cluster).delete(delete_cluster))
        .route("/v1/taskdefinitions", get(list_task_definitions))
        .route(
            "/v1/taskdefinitions/{reference}",
            get(get_task_definition).delete(deregister_family),
        )
        .route("/v1/services", get(services::list_services))
        .route(
            "/v1/services/{cluster}/{name}",
            get(services::get_service).delete(services::delete_service),
        )
        .route("/v1/services/{cluster}/{name}/scale", post(services::scale))
        .route("/v1/services/{cluster}/{name}/restart", post(services::restart))
        .route("/v1/services/{cluster}/{name}/undo", post(services::undo))
        .route(
            "/v1/services/{cluster}/{name}/deployments",
            get(services::deployment_history),
        )
        .route("/v1/events", get(services::list_events))
        .route("/v1/sync", get(sync_status))
        .route("/v1/tasks", get(list_tasks).post(run_task))
        .route("/v1/tasks/{id}", get(get_task))
        .route("/v1/tasks/{id}/stop", post(stop_task))
        .layer(DefaultBodyLimit::max(limits::MAX_API_REQUEST_BYTES))
        .with_state(Arc::new(ApiState { catalog, scope }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApplyRequest {
    documents: Vec<Document>,
    #[serde(flatten)]
    options: ApplyOptions,
}

async fn apply(State(s): Shared, Json(req): Json<ApplyRequest>) -> Reply {
    let results: Vec<ApplyResult> = apply_documents(&s.catalog, &req.documents, &req.options)?;
    Ok(Json(json!({ "results": results })))
}

/// Watched folders, and the damage found when the state database was last replaced.
async fn sync_status(State(s): Shared) -> Reply {
    let folders = s.catalog.folder_syncs()?;
    let mut reply = items(folders.iter().map(shapes::folder_sync).collect());
    if let (Some(recovery), Some(obj)) = (s.catalog.recovery()?, reply.0.as_object_mut()) {
        obj.insert("stateRecovery".into(), shapes::state_recovery(&recovery));
    }
    Ok(reply)
}

pub(super) fn items(values: Vec<Value>) -> Json<Value> {
    Json(json!({ "items": values }))
}

async fn list_clusters(State(s): Shared) -> Reply {
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

async fn get_cluster(State(s): Shared, Path(name): Path<String>) -> Reply {
    if name != DEFAULT_CLUSTER && s.catalog.cluster(&name)?.is_none() {
        return Err(ApiError::NotFound(format!("cluster {name} not found")));
    }
    Ok(Json(cluster_shape(&s, &name)?))
}

fn cluster_shape(s: &ApiState, name: &str) -> Result<Value, ApiError> {
    let record = s.catalog.cluster(name)?.unwrap_or(crate::store::ClusterRecord {
        name: name.to_string(),
        labels: Default::default(),
        created_at: 0,
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
    Ok(shapes::cluster(&s.scope, &record, services, running, pending))
}

async fn delete_cluster(State(s): Shared, Path(name): Path<String>) -> Reply {
    s.catalog.delete_cluster(&name)?;
    Ok(Json(json!({"deleted": name})))
}

async fn list_task_definitions(State(s): Shared) -> Reply {
    Ok(items(
        s.catalog
            .task_definitions()?
            .iter()
            .map(|td| shapes::task_definition(&s.scope, td))
            .collect(),
    ))
}

async fn get_task_definition(State(s): Shared, Path(reference): Path<String>) -> Reply {
    let r = TaskDefinitionRef::parse(&reference).map_err(ApiError::invalid)?;
    let td = resolve_task_definition(&s.catalog, &r)?
        .ok_or_else(|| ApiError::NotFound(format!("task definition {reference} not found")))?;
    Ok(Json(shapes::task_definition(&s.scope, &td)))
}

/// The revision a reference names: the pinned one, or the latest ACTIVE one of the family.
pub(super) fn resolve_task_definition(
    catalog: &Catalog,
    r: &TaskDefinitionRef,
) -> Result<Option<TaskDefinitionRecord>, ApiError> {
    Ok(match r.revision {
        Some(rev) => catalog.task_definition(&r.family, rev)?,
        None => catalog.latest_task_definition(&r.family)?,
    })
}

async fn deregister_family(State(s): Shared, Path(family): Path<String>) -> Reply {
    let count = s.catalog.deregister_family(&family)?;
    if count == 0 {
        return Err(ApiError::NotFound(format!(
            "task definition {family} has no ACTIVE revision"
        )));
    }
    Ok(Json(json!({"deregistered": count})))
}

fn tasks_with_status(catalog: &Catalog) -> Result<Vec<(TaskRecord, TaskStatus)>, ApiError> {
    let mut statuses = catalog.task_statuses()?;
    Ok(catalog
        .tasks()?
        .into_iter()
        .map(|t| {
            let status = statuses.remove(&t.id).unwrap_or_default();
            (t, status)
        })
        .collect())
}

fn task_shape(s: &ApiState, t: &TaskRecord, status: &TaskStatus) -> Result<Value, ApiError> {
    Ok(shapes::task_with_probes(
        &s.scope,
        t,
        status,
        &container_images(&s.catalog, &t.task_definition),
    ))
}

/// `(container name, image)` of each container of a task definition (`family:revision`);
/// empty when it is unknown.
fn container_images(catalog: &Catalog, task_definition: &str) -> Vec<(String, String)> {
    TaskDefinitionRef::parse(task_definition)
        .ok()
        .and_then(|r| {
            catalog
                .task_definition(&r.family, r.revision.unwrap_or(0))
                .ok()
                .flatten()
        })
        .map(|td| {
            td.spec
                .container_definitions
                .iter()
                .map(|c| (c.name.clone(), c.image.clone()))
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Deserialize)]
struct TaskFilter {
    cluster: Option<String>,
    service: Option<String>,
    #[serde(default)]
    all: bool,
}

async fn list_tasks(State(s): Shared, Query(q): Query<TaskFilter>) -> Reply {
    let mut out = Vec::new();
    // Many tasks share few revisions: decode each task definition once per request.
    let mut images: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for (t, status) in tasks_with_status(&s.catalog)? {
        let wanted = q.cluster.as_ref().is_none_or(|c| *c == t.cluster)
            && q.service
                .as_ref()
                .is_none_or(|svc| t.service.as_ref() == Some(svc))
            && (q.all || status.last_status != TaskState::Stopped);
        if wanted {
            let images = images
                .entry(t.task_definition.clone())
                .or_insert_with(|| container_images(&s.catalog, &t.task_definition));
            out.push(shapes::task(&s.scope, &t, &status, images));
        }
    }
    Ok(items(out))
}

fn find_task(catalog: &Catalog, prefix: &str) -> Result<TaskRecord, ApiError> {
    if let Some(task) = catalog.task(prefix)? {
        return Ok(task);
    }
    let mut matches: Vec<TaskRecord> = catalog
        .tasks()?
        .into_iter()
        .filter(|t| t.id.starts_with(prefix))
        .collect();
    match (matches.pop(), matches.len()) {
        (Some(task), 0) => Ok(task),
        (None, _) => Err(ApiError::NotFound(format!("task {prefix} not found"))),
        (Some(_), n) => Err(ApiError::invalid(format!(
            "task id prefix {prefix} matches {} tasks; give more characters",
            n + 1
        ))),
    }
}

async fn get_task(State(s): Shared, Path(id): Path<String>) -> Reply {
    let task = find_task(&s.catalog, &id)?;
    let status = s.catalog.task_status(&task.id)?.unwrap_or_default();
    Ok(Json(task_shape(&s, &task, &status)?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RunTaskRequest {
    task_definition: String,
    #[serde(default)]
    cluster: Option<String>,
    #[serde(default)]
    count: Option<u32>,
    #[serde(default)]
    started_by: Option<String>,
}

async fn run_task(State(s): Shared, Json(req): Json<RunTaskRequest>) -> Reply {
    let count = req.count.unwrap_or(1);
    limits::check_run_task_count(count).map_err(ApiError::invalid)?;
    let cluster = req.cluster.unwrap_or_else(|| DEFAULT_CLUSTER.to_string());
    if cluster != DEFAULT_CLUSTER && s.catalog.cluster(&cluster)?.is_none() {
        return Err(ApiError::NotFound(format!("cluster {cluster} not found")));
    }
    let r = TaskDefinitionRef::parse(&req.task_definition).map_err(ApiError::invalid)?;
    let td = resolve_task_definition(&s.catalog, &r)?
        .ok_or_else(|| ApiError::NotFound(format!("task definition {} not found", req.task_definition)))?;
    let mut out = Vec::new();
    for _ in 0..count {
        let task = TaskRecord {
            cluster: cluster.clone(),
            started_by: req.started_by.clone(),
            created_at: now_millis(),
            ..TaskRecord::standalone(&new_task_id(), &td.reference())
        };
        s.catalog.create_task(&task)?;
        out.push(task_shape(&s, &task, &TaskStatus::default())?);
    }
    Ok(items(out))
}

#[derive(Deserialize)]
struct StopTaskRequest {
    #[serde(default)]
    reason: Option<String>,
}

async fn stop_task(State(s): Shared, Path(id): Path<String>, Json(req): Json<StopTaskRequest>) -> Reply {
    let task = find_task(&s.catalog, &id)?;
    let reason = req.reason.unwrap_or_else(|| "Task stopped by user".to_string());
    let task = s
        .catalog
        .request_task_stop(&task.id, StopCode::UserInitiated, &reason)?;
    let status = s.catalog.task_status(&task.id)?.unwrap_or_default();
    Ok(Json(task_shape(&s, &task, &status)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    async fn post_apply(body: Vec<u8>) -> StatusCode {
        let catalog = Catalog::new(Arc::new(MemoryStore::new()));
        let app = router(catalog, crate::api::ecs::default_scope(), "fake".into());
        let request = Request::post("/v1/apply")
            .header("content-type", "application/json")
            .body(Body::from(body))
            .expect("request");
        app.oneshot(request).await.expect("response").status()
    }

    #[tokio::test]
    async fn a_request_body_over_the_limit_is_refused_with_413_and_one_within_it_is_read() {
        let mut padded = br#"{"documents": [], "dryRun": true}"#.to_vec();
        padded.resize(limits::MAX_API_REQUEST_BYTES, b' ');
        assert_eq!(post_apply(padded.clone()).await, StatusCode::OK);
        padded.push(b' ');
        assert_eq!(post_apply(padded).await, StatusCode::PAYLOAD_TOO_LARGE);
    }
}
