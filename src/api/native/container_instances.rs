//! Container instances: list, read, drain (and undo), delete.

use super::services::{ClusterFilter, Force, guard};
use super::{Reply, Shared, items};
use crate::api::shapes::{self, ContainerInstanceShape, Deleted, DrainRequest, Items};
use crate::api::{ApiError, ApiState};
use crate::ops::container_instances::{self as instances, InstanceView};
use crate::store::InstanceStatus;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};

fn shape(s: &ApiState, view: &InstanceView) -> ContainerInstanceShape {
    shapes::container_instance(&s.scope, view, &s.engine)
}

pub(super) async fn list_container_instances(
    State(s): Shared,
    Query(q): Query<ClusterFilter>,
) -> Reply<Items<ContainerInstanceShape>> {
    let views = instances::list(&s.catalog, q.cluster.as_deref())?;
    Ok(items(views.iter().map(|v| shape(&s, v)).collect()))
}

pub(super) async fn get_container_instance(
    State(s): Shared,
    Path((cluster, name)): Path<(String, String)>,
) -> Reply<ContainerInstanceShape> {
    let view = instances::find(&s.catalog, &cluster, &name)?;
    Ok(Json(shape(&s, &view)))
}

/// `POST /v1/containerinstances/{cluster}/{name}/drain`: DRAINING, or ACTIVE again with
/// `{"undo": true}` (or `?undo=true`). A registration change, which a folder's sync keeps.
pub(super) async fn drain(
    State(s): Shared,
    Path((cluster, name)): Path<(String, String)>,
    Query(query): Query<DrainRequest>,
    body: Bytes,
) -> Reply<ContainerInstanceShape> {
    let request: DrainRequest = if body.iter().all(u8::is_ascii_whitespace) {
        DrainRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::invalid(format!("drain request: {e}")))?
    };
    let status = if request.undo || query.undo {
        InstanceStatus::Active
    } else {
        InstanceStatus::Draining
    };
    let view = instances::set_status(&s.catalog, &cluster, &name, status)?;
    Ok(Json(shape(&s, &view)))
}

/// `DELETE /v1/containerinstances/{cluster}/{name}`: refused for the daemon's own engine,
/// for one that still runs tasks, and for one a watched folder declares (unless forced).
pub(super) async fn delete_container_instance(
    State(s): Shared,
    Path((cluster, name)): Path<(String, String)>,
    Query(force): Query<Force>,
) -> Reply<Deleted> {
    let view = instances::find(&s.catalog, &cluster, &name)?;
    guard(
        &s,
        &format!("ContainerInstance/{cluster}/{}", view.facts.name),
        &format!("container instance {cluster}/{}", view.facts.name),
        &force,
    )?;
    let view = instances::delete(&s.catalog, &cluster, &view.facts.id, false)?;
    Ok(Json(Deleted {
        deleted: format!("{cluster}/{}", view.facts.name),
    }))
}

#[cfg(test)]
mod tests {
    use crate::model::ContainerInstanceSpec;
    use crate::store::{Catalog, MemoryStore, TaskRecord};
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use std::sync::Arc;
    use tower::ServiceExt;

    fn app_with_pi() -> (Catalog, Router) {
        let catalog = Catalog::new(Arc::new(MemoryStore::new()));
        let spec = ContainerInstanceSpec {
            engine: "tcp://10.0.0.2:2376".into(),
            tls: Some(crate::model::EngineTls {
                ca_file: "/certs/ca.pem".into(),
                cert_file: "/certs/cert.pem".into(),
                key_file: "/certs/key.pem".into(),
            }),
            ..Default::default()
        };
        catalog
            .apply_declared_instance("default", "pi", &spec, &Default::default())
            .unwrap();
        let app = super::super::router(
            catalog.clone(),
            crate::api::ecs::default_scope(),
            "unix:///run/docker.sock".into(),
            crate::lb::LoadBalancers::new(),
        );
        (catalog, app)
    }

    async fn send(app: &Router, method: &str, path: &str, body: &str) -> (StatusCode, serde_json::Value) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn an_instance_shows_its_engine_url_but_never_its_tls_files() {
        let (_, app) = app_with_pi();
        let (status, pi) = send(&app, "GET", "/v1/containerinstances/default/pi", "").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(pi["engine"], "tcp://10.0.0.2:2376");
        assert_eq!(pi["address"], "10.0.0.2");
        assert_eq!(pi["agentConnected"], false);
        assert!(!pi.to_string().contains("/certs/"), "{pi}");
        let (_, local) = send(&app, "GET", "/v1/containerinstances/default/local", "").await;
        assert_eq!(
            (local["engine"].clone(), local["declared"].clone()),
            ("unix:///run/docker.sock".into(), false.into())
        );
    }

    #[tokio::test]
    async fn drain_by_body_or_query_and_undo() {
        let (_, app) = app_with_pi();
        let path = "/v1/containerinstances/default/pi/drain";
        let (_, drained) = send(&app, "POST", path, "").await;
        assert_eq!(drained["status"], "DRAINING");
        let (_, undone) = send(&app, "POST", path, r#"{"undo": true}"#).await;
        assert_eq!(undone["status"], "ACTIVE");
        send(&app, "POST", path, "{}").await;
        let (_, undone) = send(&app, "POST", &format!("{path}?undo=true"), "").await;
        assert_eq!(undone["status"], "ACTIVE");
        let (status, _) = send(&app, "POST", "/v1/containerinstances/default/nope/drain", "").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn delete_refuses_the_own_engine_and_a_busy_instance_then_removes_an_idle_one() {
        let (catalog, app) = app_with_pi();
        let (status, local) = send(&app, "DELETE", "/v1/containerinstances/default/local", "").await;
        assert_eq!(status, StatusCode::CONFLICT, "{local}");
        let id = crate::store::declared_instance_id("default", "pi");
        let task = TaskRecord {
            container_instance: Some(id),
            ..TaskRecord::standalone("t1", "web:1")
        };
        catalog.create_task(&task).unwrap();
        let (status, busy) = send(&app, "DELETE", "/v1/containerinstances/default/pi", "").await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(
            busy["error"].as_str().unwrap().contains("ecsd drain instance pi"),
            "{busy}"
        );
        catalog.remove_task("t1").unwrap();
        let (status, _) = send(&app, "DELETE", "/v1/containerinstances/default/pi", "").await;
        assert_eq!(status, StatusCode::OK);
        assert!(catalog.declared_instance("default", "pi").unwrap().is_none());
    }
}
