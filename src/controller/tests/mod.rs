//! Controller behaviour on the fake engine and the in-memory store, on a paused clock.

use super::*;
use crate::model::{ContainerDefinition, ServiceSpec, StopCode, TaskDefinitionSpec, TaskState};
use crate::runtime::{ContainerInfo, FakeCall, FakeRuntime, labels};
use crate::store::{MemoryStore, TaskRecord};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::oneshot;

struct Harness {
    ctx: Arc<Context>,
    fake: Arc<FakeRuntime>,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<()>,
}

fn context(catalog: Catalog, fake: Arc<FakeRuntime>) -> Arc<Context> {
    let local_id = catalog.container_instance_id().unwrap();
    Arc::new(Context {
        catalog,
        engines: Arc::new(crate::fleet::Engines::local_only(local_id, fake)),
        owner: "test-owner".into(),
        settings: ControllerSettings {
            stop_timeout: Duration::from_secs(2),
            ..Default::default()
        },
        queue: WorkQueue::new(Backoff::RECONCILE),
        exits: Default::default(),
        lb: crate::lb::LoadBalancers::new(),
        drains: Default::default(),
        news: Default::default(),
        health: Default::default(),
        clock: Clock::new(),
    })
}

impl Harness {
    fn start(catalog: Catalog, fake: Arc<FakeRuntime>) -> Self {
        Self::start_with(context(catalog, fake.clone()), fake)
    }

    fn start_with(ctx: Arc<Context>, fake: Arc<FakeRuntime>) -> Self {
        let (tx, rx) = oneshot::channel::<()>();
        let done = tokio::spawn(run(ctx.clone(), async move {
            let _ = rx.await;
        }));
        Self {
            ctx,
            fake,
            stop: Some(tx),
            done,
        }
    }

    fn new() -> Self {
        Self::start(
            Catalog::new(Arc::new(MemoryStore::new())),
            Arc::new(FakeRuntime::new()),
        )
    }

    async fn shutdown(mut self) -> (Catalog, Arc<FakeRuntime>) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.done).await;
        (self.ctx.catalog.clone(), self.fake)
    }

    /// A harness whose service `web` already runs `desired` tasks of `image`.
    async fn running(image: &str, desired: u32) -> Self {
        let h = Self::new();
        h.register(image);
        h.apply_service(desired);
        h.until("the service runs", |h| service_running(h, desired as usize))
            .await;
        h
    }

    fn catalog(&self) -> &Catalog {
        &self.ctx.catalog
    }

    fn register(&self, image: &str) {
        let spec = TaskDefinitionSpec {
            container_definitions: vec![ContainerDefinition {
                name: "web".into(),
                image: image.into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        self.catalog()
            .register_task_definition("web", &spec, &BTreeMap::new())
            .unwrap();
    }

    fn apply_service(&self, desired: u32) {
        let spec = ServiceSpec {
            task_definition: "web".into(),
            desired_count: Some(desired),
            ..Default::default()
        };
        self.catalog()
            .apply_service("default", "web", &spec, &BTreeMap::new())
            .unwrap();
    }

    /// Registers `spec` as `web` and runs one standalone task of it.
    async fn run_standalone(&self, spec: &TaskDefinitionSpec) -> TaskRecord {
        self.catalog()
            .register_task_definition("web", spec, &BTreeMap::new())
            .unwrap();
        let task = standalone_task();
        self.catalog().create_task(&task).unwrap();
        self.until("it runs", |h| h.running_tasks() == vec![task.id.clone()])
            .await;
        task
    }

    fn task_stopped(&self, id: &str) -> bool {
        self.catalog()
            .task_status(id)
            .unwrap()
            .is_some_and(|s| s.last_status == TaskState::Stopped)
    }

    fn running_tasks(&self) -> Vec<String> {
        let statuses = self.catalog().task_statuses().unwrap();
        statuses
            .into_iter()
            .filter(|(_, s)| s.last_status == TaskState::Running)
            .map(|(id, _)| id)
            .collect()
    }

    fn running_images(&self) -> Vec<String> {
        self.fake
            .running()
            .iter()
            .map(|c| c.label(labels::TASK_DEFINITION).unwrap().to_string())
            .collect()
    }

    /// Waits (in virtual time) until `cond` holds, failing after a minute.
    async fn until(&self, what: &str, cond: impl Fn(&Self) -> bool) {
        for _ in 0..600 {
            if cond(self) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("timed out waiting until {what}; calls: {:?}", self.fake.calls());
    }
}

fn standalone_task() -> TaskRecord {
    TaskRecord::standalone(&crate::model::new_task_id(), "web:1")
}

fn service_running(h: &Harness, n: usize) -> bool {
    h.fake.running().len() == n
        && h.running_tasks().len() == n
        && h.catalog()
            .service_status("default", "web")
            .unwrap()
            .is_some_and(|s| s.running_count == n as u32)
}

#[tokio::test(start_paused = true)]
async fn a_replica_service_runs_desired_count_labelled_containers() {
    let h = Harness::running("busybox", 2).await;
    for c in h.fake.running() {
        assert_eq!(c.label(labels::OWNER), Some("test-owner"));
        assert_eq!(c.label(labels::SERVICE), Some("web"));
        assert_eq!(c.label(labels::TASK_DEFINITION), Some("web:1"));
        assert!(c.name.starts_with("ecsd-web-web-"));
    }
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn an_essential_container_exit_stops_the_task_with_its_exit_code_and_it_is_replaced() {
    let h = Harness::running("busybox", 2).await;
    let victim: ContainerInfo = h.fake.running()[0].clone();
    let task_id = victim.label(labels::TASK).unwrap().to_string();
    h.fake.exit(&victim.id, 3);
    h.until("the task is stopped", |h| h.task_stopped(&task_id)).await;
    let status = h.catalog().task_status(&task_id).unwrap().unwrap();
    assert_eq!(status.stop_code, Some(StopCode::EssentialContainerExited));
    assert_eq!(status.containers[0].exit_code, Some(3));
    assert!(
        status
            .stopped_reason
            .unwrap()
            .contains("Essential container in task exited")
    );
    h.until("a replacement runs", |h| service_running(h, 2)).await;
    let kept = h.fake.containers().into_iter().find(|c| c.id == victim.id);
    assert!(kept.is_some(), "the exited container is kept for logs");
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_container_removed_outside_ecsd_is_replaced() {
    let h = Harness::running("busybox", 1).await;
    let victim = h.fake.running()[0].id.clone();
    h.fake.remove_externally(&victim);
    h.until("a new container runs", |h| {
        h.fake.running().len() == 1 && h.fake.running()[0].id != victim
    })
    .await;
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn scaling_up_and_down_follows_desired_count() {
    let h = Harness::running("busybox", 1).await;
    h.apply_service(3);
    h.until("3 tasks run", |h| service_running(h, 3)).await;
    h.apply_service(1);
    h.until("back to 1", |h| service_running(h, 1)).await;
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_new_revision_starts_new_tasks_before_stopping_old_ones() {
    let h = Harness::running("busybox:1", 2).await;
    let calls_before = h.fake.calls().len();
    h.register("busybox:2");
    h.until("only revision 2 runs", |h| {
        service_running(h, 2) && h.running_images().iter().all(|td| td == "web:2")
    })
    .await;
    let calls = h.fake.calls()[calls_before..].to_vec();
    let first_stop = calls.iter().position(|c| matches!(c, FakeCall::Stop(_))).unwrap();
    let starts_before_stop = calls[..first_stop]
        .iter()
        .filter(|c| matches!(c, FakeCall::Start(_)))
        .count();
    assert!(
        starts_before_stop >= 1,
        "a new task started before any old one stopped: {calls:?}"
    );
    let status = h.catalog().service_status("default", "web").unwrap().unwrap();
    assert_eq!(status.task_definition.as_deref(), Some("web:2"));
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_restarted_controller_adopts_running_containers_without_creating_or_stopping() {
    let h = Harness::running("busybox", 3).await;
    let ids: Vec<String> = h.fake.running().iter().map(|c| c.id.clone()).collect();
    let (catalog, fake) = h.shutdown().await;
    let calls_before = fake.calls().len();
    let h = Harness::start(catalog, fake);
    h.until("ready", |h| h.ctx.queue.is_empty() && h.ctx.queue.running() == 0)
        .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        h.fake.calls().len(),
        calls_before,
        "no create, start, stop or remove: {:?}",
        h.fake.calls()
    );
    let now: Vec<String> = h.fake.running().iter().map(|c| c.id.clone()).collect();
    assert_eq!(now, ids);
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn containers_whose_records_were_lost_are_adopted_from_their_labels() {
    let h = Harness::running("busybox", 2).await;
    let (catalog, fake) = h.shutdown().await;
    // A fresh store (state lost) with the same manifests re-applied.
    let fresh = Catalog::new(Arc::new(MemoryStore::new()));
    let td = catalog.latest_task_definition("web").unwrap().unwrap();
    fresh
        .register_task_definition("web", &td.spec, &BTreeMap::new())
        .unwrap();
    let spec = catalog.service("default", "web").unwrap().unwrap().spec;
    fresh
        .apply_service("default", "web", &spec, &BTreeMap::new())
        .unwrap();
    let creates_before = fake.count(|c| matches!(c, FakeCall::Create(_)));
    let h = Harness::start(fresh, fake);
    h.until("2 tasks run", |h| service_running(h, 2)).await;
    assert_eq!(h.fake.count(|c| matches!(c, FakeCall::Create(_))), creates_before);
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn deleting_a_service_stops_and_removes_its_tasks_then_the_service() {
    let h = Harness::running("busybox", 2).await;
    h.catalog().mark_service_deleting("default", "web").unwrap();
    h.until("the service is gone", |h| {
        h.catalog().service("default", "web").unwrap().is_none()
    })
    .await;
    assert!(h.fake.containers().is_empty(), "{:?}", h.fake.containers());
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_missing_image_fails_the_task_with_a_clear_reason() {
    let h = Harness::new();
    h.fake.set_image_missing("nope:1");
    h.register("nope:1");
    let task = standalone_task();
    h.catalog().create_task(&task).unwrap();
    h.until("the task stops", |h| h.task_stopped(&task.id)).await;
    let status = h.catalog().task_status(&task.id).unwrap().unwrap();
    assert_eq!(status.stop_code, Some(StopCode::TaskFailedToStart));
    assert!(
        status
            .stopped_reason
            .unwrap()
            .starts_with("CannotPullContainerError")
    );
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_stop_request_stops_a_standalone_task_and_records_the_user_reason() {
    let h = Harness::new();
    h.register("busybox");
    let task = standalone_task();
    h.catalog().create_task(&task).unwrap();
    h.until("it runs", |h| h.running_tasks() == vec![task.id.clone()])
        .await;
    h.catalog()
        .request_task_stop(&task.id, StopCode::UserInitiated, "Task stopped by user")
        .unwrap();
    h.until("it stops", |h| h.task_stopped(&task.id)).await;
    let status = h.catalog().task_status(&task.id).unwrap().unwrap();
    assert_eq!(status.stop_code, Some(StopCode::UserInitiated));
    assert_eq!(status.containers[0].exit_code, Some(143));
    assert!(h.fake.running().is_empty());
    assert_eq!(h.fake.containers().len(), 1, "kept for logs until retention");
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_crash_looping_service_restarts_with_growing_delays() {
    let h = Harness::new();
    h.register("busybox");
    h.apply_service(1);
    let mut starts = Vec::new();
    let t0 = tokio::time::Instant::now();
    for _ in 0..4 {
        h.until("a container runs", |h| h.fake.running().len() == 1).await;
        starts.push(t0.elapsed().as_secs());
        let id = h.fake.running()[0].id.clone();
        h.fake.exit(&id, 1);
        h.until("it is gone", |h| h.fake.running().is_empty()).await;
    }
    let gaps: Vec<u64> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps[0] >= 10 && gaps[1] >= 20 && gaps[2] >= 40,
        "delays grow: starts at {starts:?}"
    );
    h.until("the service says why it waits", |h| {
        let status = h
            .catalog()
            .service_status("default", "web")
            .unwrap()
            .unwrap_or_default();
        {
            let m = status.message.unwrap_or_default();
            m.contains("keep failing") || m.contains("unable to consistently start tasks")
        }
    })
    .await;
    h.shutdown().await;
}

fn register_defs(h: &Harness, defs: Vec<ContainerDefinition>) {
    let spec = TaskDefinitionSpec {
        container_definitions: defs,
        ..Default::default()
    };
    h.catalog()
        .register_task_definition("web", &spec, &BTreeMap::new())
        .unwrap();
}

fn container(name: &str) -> ContainerDefinition {
    container_with_image(name, "busybox")
}

fn container_with_image(name: &str, image: &str) -> ContainerDefinition {
    ContainerDefinition {
        name: name.into(),
        image: image.into(),
        ..Default::default()
    }
}

fn health_check() -> crate::model::HealthCheck {
    crate::model::HealthCheck {
        command: vec!["CMD-SHELL".into(), "true".into()],
        interval: Some(crate::model::Seconds(5)),
        timeout: Some(crate::model::Seconds(2)),
        retries: Some(2),
        start_period: None,
    }
}

fn container_named(h: &Harness, name: &str) -> Option<ContainerInfo> {
    h.fake
        .containers()
        .into_iter()
        .find(|c| c.label(labels::CONTAINER) == Some(name))
}

#[tokio::test(start_paused = true)]
async fn a_container_starts_only_once_its_healthy_dependency_is_healthy() {
    let h = Harness::new();
    let mut db = container("db");
    db.health_check = Some(health_check());
    let mut app = container("app");
    app.depends_on = vec![crate::model::ContainerDependency {
        container_name: "db".into(),
        condition: crate::model::DependencyCondition::Healthy,
    }];
    register_defs(&h, vec![db, app]);
    let task = standalone_task();
    h.catalog().create_task(&task).unwrap();
    h.until("db runs", |h| {
        container_named(h, "db").is_some_and(|c| c.state == crate::runtime::ContainerState::Running)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let app_state = container_named(&h, "app").map(|c| c.state);
    assert_eq!(
        app_state,
        Some(crate::runtime::ContainerState::Created),
        "created but held back"
    );
    let db_id = container_named(&h, "db").unwrap().id;
    h.fake
        .set_health(&db_id, Some(crate::runtime::HealthState::Healthy));
    h.until("app runs", |h| h.running_tasks() == vec![task.id.clone()])
        .await;
    let status = h.catalog().task_status(&task.id).unwrap().unwrap();
    assert_eq!(status.health_status, crate::model::HealthStatus::Healthy);
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_non_essential_container_exit_does_not_stop_the_task() {
    let h = Harness::new();
    let mut helper = container("helper");
    helper.essential = Some(false);
    register_defs(&h, vec![container("web"), helper]);
    let task = standalone_task();
    h.catalog().create_task(&task).unwrap();
    h.until("it runs", |h| h.running_tasks() == vec![task.id.clone()])
        .await;
    let helper_id = container_named(&h, "helper").unwrap().id;
    h.fake.exit(&helper_id, 0);
    h.until("the helper's exit is recorded", |h| {
        let s = h.catalog().task_status(&task.id).unwrap().unwrap();
        s.containers
            .iter()
            .any(|c| c.name == "helper" && c.exit_code == Some(0))
    })
    .await;
    let status = h.catalog().task_status(&task.id).unwrap().unwrap();
    assert_eq!(status.last_status, TaskState::Running);
    assert_eq!(status.stop_code, None);
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn when_the_engine_never_probes_ecsd_runs_the_health_check_itself() {
    let h = Harness::new();
    let mut web = container("web");
    web.health_check = Some(health_check());
    register_defs(&h, vec![web]);
    let task = standalone_task();
    h.catalog().create_task(&task).unwrap();
    h.until("it runs", |h| h.running_tasks() == vec![task.id.clone()])
        .await;
    let id = container_named(&h, "web").unwrap().id;
    h.fake
        .set_health(&id, Some(crate::runtime::HealthState::Starting));
    h.until("ecsd's own probe made it HEALTHY", |h| {
        h.catalog().task_status(&task.id).unwrap().unwrap().health_status
            == crate::model::HealthStatus::Healthy
    })
    .await;
    assert!(h.fake.count(|c| matches!(c, FakeCall::Exec(_))) >= 1);
    h.fake.set_exec_exit_code(&id, 1);
    h.until("failing probes made it UNHEALTHY", |h| {
        h.catalog().task_status(&task.id).unwrap().unwrap().health_status
            == crate::model::HealthStatus::Unhealthy
    })
    .await;
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn dependents_are_stopped_before_their_dependencies() {
    let h = Harness::new();
    let mut app = container("app");
    app.depends_on = vec![crate::model::ContainerDependency {
        container_name: "db".into(),
        condition: crate::model::DependencyCondition::Start,
    }];
    register_defs(&h, vec![container("db"), app]);
    let task = standalone_task();
    h.catalog().create_task(&task).unwrap();
    h.until("it runs", |h| h.running_tasks() == vec![task.id.clone()])
        .await;
    let db = container_named(&h, "db").unwrap().id;
    let app = container_named(&h, "app").unwrap().id;
    h.catalog()
        .request_task_stop(&task.id, StopCode::UserInitiated, "bye")
        .unwrap();
    h.until("it stops", |h| h.task_stopped(&task.id)).await;
    let stops: Vec<FakeCall> = h
        .fake
        .calls()
        .into_iter()
        .filter(|c| matches!(c, FakeCall::Stop(_)))
        .collect();
    assert_eq!(stops, vec![FakeCall::Stop(app), FakeCall::Stop(db)]);
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_missing_image_is_pulled_before_the_container_is_created() {
    let h = Harness::new();
    h.register("busybox");
    let task = standalone_task();
    h.catalog().create_task(&task).unwrap();
    h.until("it runs", |h| h.running_tasks() == vec![task.id.clone()])
        .await;
    assert_eq!(
        h.fake.count(|c| matches!(c, FakeCall::Pull(_))),
        0,
        "present images are not pulled"
    );
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_cluster_network_is_ensured_once_before_any_container_of_the_cluster_is_created() {
    let h = Harness::running("busybox", 2).await;
    let network = format!("ecsd-default-{}", h.ctx.owner);
    let calls = h.fake.calls();
    let ensured = calls
        .iter()
        .position(|c| *c == FakeCall::CreateNetwork(network.clone()))
        .unwrap_or_else(|| panic!("no {network}: {calls:?}"));
    let first_create = calls
        .iter()
        .position(|c| matches!(c, FakeCall::Create(_)))
        .unwrap();
    assert!(ensured < first_create, "network before containers: {calls:?}");
    assert_eq!(
        h.fake.count(|c| matches!(c, FakeCall::CreateNetwork(_))),
        1,
        "the service's tasks share it"
    );
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn task_scoped_volumes_and_the_awsvpc_network_are_created_first_and_released_with_the_containers() {
    let h = Harness::new();
    let spec: TaskDefinitionSpec = serde_json::from_value(serde_json::json!({
        "networkMode": "awsvpc",
        "volumes": [{"name": "scratch"}],
        "containerDefinitions": [
            {"name": "web", "image": "busybox", "mountPoints": [{"sourceVolume": "scratch", "containerPath": "/s"}]},
            {"name": "side", "image": "busybox"}
        ]
    }))
    .unwrap();
    let task = h.run_standalone(&spec).await;
    assert_eq!(h.fake.volumes().len(), 1, "{:?}", h.fake.volumes());
    let task_network = |h: &Harness| {
        h.fake
            .networks()
            .into_iter()
            .filter(|n| n.starts_with("ecsd-task-"))
            .count()
    };
    assert_eq!(task_network(&h), 1, "{:?}", h.fake.networks());
    let calls = h.fake.calls();
    let first_create = calls
        .iter()
        .position(|c| matches!(c, FakeCall::Create(_)))
        .unwrap();
    let volume = calls
        .iter()
        .position(|c| matches!(c, FakeCall::CreateVolume(_)))
        .unwrap();
    assert!(volume < first_create, "volume before containers: {calls:?}");
    h.catalog()
        .request_task_stop(&task.id, StopCode::UserInitiated, "bye")
        .unwrap();
    h.until("it stops", |h| h.task_stopped(&task.id)).await;
    retention::remove_task_containers(&h.ctx, &task.id).await.unwrap();
    assert!(
        h.fake.volumes().is_empty(),
        "{:?} {:?}",
        h.fake.volumes(),
        h.fake.calls()
    );
    assert_eq!(task_network(&h), 0);
    assert_eq!(
        h.fake.networks(),
        [format!("ecsd-default-{}", h.ctx.owner)],
        "the cluster network stays for the cluster's other tasks"
    );
    h.shutdown().await;
}

mod crash_recovery;
mod deployments;
mod failures;
mod instances;

#[tokio::test(start_paused = true)]
async fn a_deleted_clusters_network_is_removed_once_its_tasks_have_stopped() {
    let catalog = Catalog::new(Arc::new(MemoryStore::new()));
    let fake = Arc::new(FakeRuntime::new());
    let ctx = context(catalog.clone(), fake.clone());
    catalog.apply_cluster("prod", BTreeMap::new(), None).unwrap();
    assert_eq!(
        cluster::reconcile_cluster(&ctx, "prod").await.unwrap(),
        Action::Done
    );
    assert!(fake.calls().is_empty(), "a cluster that exists keeps its network");
    catalog.delete_cluster("prod").unwrap();
    assert_eq!(
        cluster::reconcile_cluster(&ctx, "prod").await.unwrap(),
        Action::Done
    );
    assert_eq!(
        fake.calls(),
        vec![FakeCall::RemoveNetwork("ecsd-prod-test-owner".into())]
    );
}
