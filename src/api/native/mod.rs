//! The native HTTP API over the daemon's unix socket (used by the CLI): one file per
//! resource. Handlers decode, call `ops` (or read the catalog), and encode.

mod apply;
mod clusters;
mod container_instances;
mod events;
mod load_balancing;
mod scheduled_tasks;
mod services;
mod task_definitions;
mod tasks;
mod top;

pub use top::router as top_router;

use super::ApiState;
use super::shapes::{ArnScope, Health, Items};
use crate::model::limits;
use crate::store::Catalog;
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::sync::Arc;

type Shared = State<Arc<ApiState>>;
/// A handler's answer: one shape, or the error the door maps to a status.
type Reply<T> = Result<Json<T>, super::ApiError>;

/// The native API router.
pub fn router(catalog: Catalog, scope: ArnScope, engine: String, lb: crate::lb::LoadBalancers) -> Router {
    let health = Health {
        ok: true,
        engine: engine.clone(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    };
    Router::new()
        .route("/v1/health", get(move || async move { Json(health) }))
        .route("/v1/apply", post(apply::apply))
        .route("/v1/clusters", get(clusters::list_clusters))
        .route(
            "/v1/clusters/{name}",
            get(clusters::get_cluster).delete(clusters::delete_cluster),
        )
        .route(
            "/v1/taskdefinitions",
            get(task_definitions::list_task_definitions),
        )
        .route(
            "/v1/taskdefinitions/{reference}",
            get(task_definitions::get_task_definition).delete(task_definitions::deregister_family),
        )
        .route("/v1/targetgroups", get(load_balancing::list_target_groups))
        .route(
            "/v1/targetgroups/{name}",
            get(load_balancing::get_target_group).delete(load_balancing::delete_target_group),
        )
        .route("/v1/loadbalancers", get(load_balancing::list_load_balancers))
        .route(
            "/v1/loadbalancers/{name}",
            get(load_balancing::get_load_balancer).delete(load_balancing::delete_load_balancer),
        )
        .route("/v1/scheduledtasks", get(scheduled_tasks::list_scheduled_tasks))
        .route(
            "/v1/scheduledtasks/{cluster}/{name}",
            get(scheduled_tasks::get_scheduled_task).delete(scheduled_tasks::delete_scheduled_task),
        )
        .route(
            "/v1/scheduledtasks/{cluster}/{name}/run",
            post(scheduled_tasks::run_now),
        )
        .route(
            "/v1/scheduledtasks/{cluster}/{name}/{verb}",
            post(scheduled_tasks::set_state),
        )
        .route(
            "/v1/containerinstances",
            get(container_instances::list_container_instances),
        )
        .route(
            "/v1/containerinstances/{cluster}/{name}",
            get(container_instances::get_container_instance)
                .delete(container_instances::delete_container_instance),
        )
        .route(
            "/v1/containerinstances/{cluster}/{name}/drain",
            post(container_instances::drain),
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
        .route("/v1/events", get(events::list_events))
        .route("/v1/sync", get(apply::sync_status))
        .route("/v1/manifests/{kind}/{name}", get(apply::manifest))
        .route("/v1/tasks", get(tasks::list_tasks).post(tasks::run_task))
        .route("/v1/tasks/{id}", get(tasks::get_task))
        .route("/v1/tasks/{id}/stop", post(tasks::stop_task))
        .layer(DefaultBodyLimit::max(limits::MAX_API_REQUEST_BYTES))
        .with_state(Arc::new(ApiState {
            catalog,
            scope,
            lb,
            engine,
            client_tokens: Default::default(),
        }))
}

/// A list reply: `{"items": [...]}`.
fn items<T>(items: Vec<T>) -> Json<Items<T>> {
    Json(Items { items })
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
        let app = router(
            catalog,
            crate::api::ecs::default_scope(),
            "fake".into(),
            crate::lb::LoadBalancers::new(),
        );
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

    #[tokio::test]
    async fn run_task_on_a_draining_container_instance_is_refused_with_409_and_records_nothing() {
        let catalog = Catalog::new(Arc::new(MemoryStore::new()));
        let spec = crate::model::fixtures::task_definition(&[("web", "busybox")]);
        catalog
            .register_task_definition("web", &spec, &Default::default())
            .unwrap();
        catalog
            .update_container_instance("default", |r| {
                r.status = crate::store::InstanceStatus::Draining;
                Ok(())
            })
            .unwrap();
        let app = router(
            catalog.clone(),
            crate::api::ecs::default_scope(),
            "fake".into(),
            crate::lb::LoadBalancers::new(),
        );
        let request = Request::post("/v1/tasks")
            .header("content-type", "application/json")
            .body(Body::from(r#"{"taskDefinition": "web"}"#))
            .unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(
            text.contains(
                "no container instance of cluster default can take a task of web: local (DRAINING)"
            ),
            "{text}"
        );
        assert!(catalog.tasks().unwrap().is_empty());
    }

    /// `method path` with a JSON `body` (or none), and the daemon's JSON answer.
    async fn answer(app: &Router, method: &str, path: &str, body: Option<&str>) -> serde_json::Value {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .body(Body::from(body.unwrap_or_default().to_string()))
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{method} {path}");
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    /// Reads `value` as the CLI does, and checks that nothing the daemon sent was lost.
    fn reads_back<T: serde::de::DeserializeOwned + serde::Serialize>(
        path: &str,
        value: serde_json::Value,
    ) -> T {
        let typed: T = crate::api::client::parse(path, value.clone()).unwrap();
        assert_eq!(
            serde_json::to_value(&typed).unwrap(),
            value,
            "{path} loses members"
        );
        typed
    }

    #[tokio::test]
    async fn every_native_answer_reads_back_as_the_type_the_cli_expects() {
        use crate::api::shapes::*;
        let catalog = Catalog::new(Arc::new(MemoryStore::new()));
        let mut spec = crate::model::fixtures::task_definition(&[("web", "busybox")]);
        spec.container_definitions[0].memory = Some(64);
        catalog
            .register_task_definition("web", &spec, &Default::default())
            .unwrap();
        let service = crate::model::ServiceSpec {
            task_definition: "web".into(),
            desired_count: Some(1),
            ..Default::default()
        };
        catalog
            .apply_service("default", "web", &service, &Default::default())
            .unwrap();
        let app = router(
            catalog,
            crate::api::ecs::default_scope(),
            "unix:///run/docker.sock".into(),
            crate::lb::LoadBalancers::new(),
        );
        let run = r#"{"taskDefinition": "web", "count": 1}"#;
        let ran: RunTaskReply = reads_back("/v1/tasks", answer(&app, "POST", "/v1/tasks", Some(run)).await);
        let id = ran.items[0].task_arn.rsplit('/').next().unwrap().to_string();
        let get = |path: &'static str| answer(&app, "GET", path, None);
        reads_back::<Health>("/v1/health", get("/v1/health").await);
        reads_back::<Items<Cluster>>("/v1/clusters", get("/v1/clusters").await);
        reads_back::<Cluster>("/v1/clusters/default", get("/v1/clusters/default").await);
        reads_back::<Items<TaskDefinition>>("/v1/taskdefinitions", get("/v1/taskdefinitions").await);
        reads_back::<TaskDefinition>("/v1/taskdefinitions/web", get("/v1/taskdefinitions/web").await);
        reads_back::<Items<Service>>("/v1/services", get("/v1/services").await);
        reads_back::<Service>("/v1/services/default/web", get("/v1/services/default/web").await);
        let history = get("/v1/services/default/web/deployments").await;
        reads_back::<Items<DeploymentShape>>("deployments", history);
        reads_back::<Items<Task>>("/v1/tasks", get("/v1/tasks").await);
        let task_path = format!("/v1/tasks/{id}");
        reads_back::<Task>(&task_path, answer(&app, "GET", &task_path, None).await);
        reads_back::<Items<EventEntry>>("/v1/events", get("/v1/events").await);
        reads_back::<SyncStatus>("/v1/sync", get("/v1/sync").await);
        reads_back::<Items<TargetGroupShape>>("/v1/targetgroups", get("/v1/targetgroups").await);
        reads_back::<Items<LoadBalancerShape>>("/v1/loadbalancers", get("/v1/loadbalancers").await);
        let instances = get("/v1/containerinstances").await;
        reads_back::<Items<ContainerInstanceShape>>("/v1/containerinstances", instances);
        let local = get("/v1/containerinstances/default/local").await;
        reads_back::<ContainerInstanceShape>("/v1/containerinstances/default/local", local);
        let scale = answer(
            &app,
            "POST",
            "/v1/services/default/web/scale",
            Some(r#"{"desiredCount": 2}"#),
        )
        .await;
        reads_back::<Service>("scale", scale);
        let stop = answer(&app, "POST", &format!("{task_path}/stop"), Some("{}")).await;
        reads_back::<Task>("stop", stop);
        let deleted = answer(&app, "DELETE", "/v1/services/default/web", None).await;
        reads_back::<Deleting>("delete service", deleted);
        let deregistered = answer(&app, "DELETE", "/v1/taskdefinitions/web", None).await;
        reads_back::<Deregistered>("deregister", deregistered);
    }
}
