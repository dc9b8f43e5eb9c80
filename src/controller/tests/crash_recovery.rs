//! A daemon killed at any moment: what survives is what the on-disk store had flushed, and
//! the next daemon adopts what runs without creating or stopping anything it should not.

use super::*;
use crate::store::{RolloutState, Store, StoreError, Tree};
use std::sync::Mutex;

type Saved = Vec<(Tree, String, Vec<u8>)>;

/// The store as sled keeps it: a flush (asked for, or made by a write to a durable tree) saves
/// everything written so far, and a crash keeps only what was saved. Writes to `refused`
/// fail, as if the daemon died just before them.
#[derive(Default)]
struct Disk {
    live: MemoryStore,
    saved: Mutex<Saved>,
    refused: Mutex<Option<Tree>>,
}

impl Disk {
    fn refuse(&self, tree: Option<Tree>) {
        *self.refused.lock().unwrap() = tree;
    }

    fn save(&self) {
        let mut saved = Vec::new();
        for tree in Tree::ALL {
            for (key, value) in self.live.scan(tree, "").unwrap() {
                saved.push((tree, key, value));
            }
        }
        *self.saved.lock().unwrap() = saved;
    }

    /// What a `kill -9` leaves behind.
    fn after_crash(&self) -> Arc<MemoryStore> {
        let survivor = Arc::new(MemoryStore::new());
        for (tree, key, value) in self.saved.lock().unwrap().iter() {
            survivor
                .compare_and_swap(*tree, key, None, Some(value.clone()))
                .unwrap();
        }
        survivor
    }
}

impl Store for Disk {
    fn get(&self, tree: Tree, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.live.get(tree, key)
    }

    fn scan(&self, tree: Tree, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.live.scan(tree, prefix)
    }

    fn compare_and_swap(
        &self,
        tree: Tree,
        key: &str,
        old: Option<&[u8]>,
        new: Option<Vec<u8>>,
    ) -> Result<bool, StoreError> {
        if *self.refused.lock().unwrap() == Some(tree) {
            return Err(StoreError::Conflict(format!(
                "{}: the daemon died here",
                tree.name()
            )));
        }
        let swapped = self.live.compare_and_swap(tree, key, old, new)?;
        if swapped && tree.is_durable() {
            self.save();
        }
        Ok(swapped)
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.save();
        Ok(())
    }
}

fn disk() -> Arc<Disk> {
    Arc::new(Disk::default())
}

fn on(disk: &Arc<Disk>, fake: Arc<FakeRuntime>) -> Harness {
    Harness::start(Catalog::new(disk.clone()), fake)
}

fn restarted(survivor: Arc<MemoryStore>, fake: Arc<FakeRuntime>) -> Harness {
    Harness::start(Catalog::new(survivor), fake)
}

fn stops(fake: &FakeRuntime) -> usize {
    fake.count(|c| matches!(c, FakeCall::Stop(_)))
}

fn starts_of(fake: &FakeRuntime, id: &str) -> usize {
    fake.count(|c| matches!(c, FakeCall::Start(s) if s == id))
}

#[tokio::test(start_paused = true)]
async fn a_crash_right_after_a_rollout_loses_no_deployment_and_changes_nothing() {
    let disk = disk();
    let h = on(&disk, Arc::new(FakeRuntime::new()));
    h.register("busybox");
    h.apply_service(3);
    h.until("3 tasks run", |h| service_running(h, 3)).await;
    let ids: Vec<String> = h.fake.running().iter().map(|c| c.id.clone()).collect();
    let (_, fake) = h.shutdown().await;
    let calls_before = fake.calls().len();

    let h = restarted(disk.after_crash(), fake);
    h.until("3 tasks run again", |h| service_running(h, 3)).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(
        h.fake.calls()[calls_before..].to_vec(),
        Vec::<FakeCall>::new(),
        "no create, start, stop or remove after the restart"
    );
    let all: Vec<String> = h.fake.containers().iter().map(|c| c.id.clone()).collect();
    assert_eq!(all, ids, "the same containers, and only those");
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn no_task_is_started_for_a_deployment_that_was_not_recorded() {
    let disk = disk();
    disk.refuse(Some(Tree::ServiceStatus));
    let h = on(&disk, Arc::new(FakeRuntime::new()));
    h.register("busybox");
    h.apply_service(2);
    // The service reconciler keeps failing to record its deployment (with backoff).
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(
        h.fake.containers().len(),
        0,
        "nothing starts for an unrecorded deployment: {:?}",
        h.fake.calls()
    );
    let (_, fake) = h.shutdown().await;

    let h = restarted(disk.after_crash(), fake);
    h.until("2 tasks run", |h| service_running(h, 2)).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(stops(&h.fake), 0, "nothing stopped: {:?}", h.fake.calls());
    assert_eq!(h.fake.containers().len(), 2);
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_task_that_exited_before_a_crash_is_not_started_again() {
    let disk = disk();
    let h = on(&disk, Arc::new(FakeRuntime::new()));
    h.register("busybox");
    h.apply_service(1);
    h.until("1 task runs", |h| service_running(h, 1)).await;
    let victim = h.fake.running()[0].clone();
    let victim_task = victim.label(labels::TASK).unwrap().to_string();
    h.fake.exit(&victim.id, 1);
    h.until("the task is stopped", |h| h.task_stopped(&victim_task))
        .await;
    h.until("a replacement runs", |h| {
        service_running(h, 1) && h.fake.running()[0].id != victim.id
    })
    .await;
    let (_, fake) = h.shutdown().await;
    let starts_before = starts_of(&fake, &victim.id);

    let h = restarted(disk.after_crash(), fake);
    tokio::time::sleep(Duration::from_secs(20)).await;
    assert_eq!(
        starts_of(&h.fake, &victim.id),
        starts_before,
        "the exited container is not started again: {:?}",
        h.fake.calls()
    );
    assert_eq!(stops(&h.fake), 0, "nothing stopped: {:?}", h.fake.calls());
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_task_whose_container_exited_before_its_first_status_was_saved_stops_with_the_exit_code() {
    let disk = disk();
    disk.refuse(Some(Tree::TaskStatus));
    let h = on(&disk, Arc::new(FakeRuntime::new()));
    h.register("busybox");
    let task = standalone_task();
    h.catalog().create_task(&task).unwrap();
    h.until("its container runs", |h| h.fake.running().len() == 1)
        .await;
    let container = h.fake.running()[0].id.clone();
    h.fake.exit(&container, 7);
    let (_, fake) = h.shutdown().await;
    let starts_before = starts_of(&fake, &container);

    disk.refuse(None);
    let h = restarted(disk.after_crash(), fake);
    h.until("the task is stopped", |h| h.task_stopped(&task.id)).await;
    assert_eq!(
        starts_of(&h.fake, &container),
        starts_before,
        "{:?}",
        h.fake.calls()
    );
    assert_eq!(h.fake.containers().len(), 1, "no second container");
    let status = h.catalog().task_status(&task.id).unwrap().unwrap();
    assert_eq!(status.containers[0].exit_code, Some(7));
    h.shutdown().await;
}

/// A restarted daemon whose clock goes on from the old one's (wall time stands still while
/// the test clock is paused).
fn restarted_at(survivor: Arc<MemoryStore>, fake: Arc<FakeRuntime>, clock: Clock) -> Harness {
    let ctx = Arc::new(Context {
        clock,
        ..Arc::into_inner(context(Catalog::new(survivor), fake.clone())).unwrap()
    });
    Harness::start_with(ctx, fake)
}

#[tokio::test(start_paused = true)]
async fn tasks_older_than_the_healthy_deadline_survive_a_crash() {
    let disk = disk();
    let h = on(&disk, Arc::new(FakeRuntime::new()));
    h.register("busybox");
    h.apply_service(2);
    h.until("2 tasks run", |h| service_running(h, 2)).await;
    tokio::time::sleep(Duration::from_secs(400)).await;
    let clock = h.ctx.clock;
    let (_, fake) = h.shutdown().await;

    let h = restarted_at(disk.after_crash(), fake, clock);
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(stops(&h.fake), 0, "nothing stopped: {:?}", h.fake.calls());
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_held_task_waits_for_a_predecessor_whose_status_was_never_saved() {
    let disk = disk();
    let h = on(&disk, Arc::new(FakeRuntime::new()));
    h.register("busybox");
    let old = standalone_task();
    h.catalog().create_task(&old).unwrap();
    h.until("the old task runs", |h| h.running_tasks() == vec![old.id.clone()])
        .await;
    let (_, fake) = h.shutdown().await;

    let survivor = disk.after_crash();
    let saved = survivor.get(Tree::TaskStatus, &old.id).unwrap();
    survivor
        .compare_and_swap(Tree::TaskStatus, &old.id, saved.as_deref(), None)
        .unwrap();
    let catalog = Catalog::new(survivor);
    let held = TaskRecord {
        start_after: Some(old.id.clone()),
        ..standalone_task()
    };
    catalog.create_task(&held).unwrap();
    let ctx = context(catalog, fake.clone());
    let starts_before = fake.count(|c| matches!(c, FakeCall::Start(_)));
    crate::controller::reconcile_task(&ctx, &held.id).await.unwrap();
    assert_eq!(fake.running().len(), 1, "only the old task runs");
    assert_eq!(
        fake.count(|c| matches!(c, FakeCall::Start(_))),
        starts_before,
        "{:?}",
        fake.calls()
    );
}

#[tokio::test(start_paused = true)]
async fn a_service_deleted_during_a_crash_can_be_created_again() {
    let disk = disk();
    let h = on(&disk, Arc::new(FakeRuntime::new()));
    h.register("busybox");
    h.apply_service(1);
    h.until("1 task runs", |h| service_running(h, 1)).await;
    // A deployment that once failed must not follow the name into a new service.
    let mut status = h.catalog().service_status("default", "web").unwrap().unwrap();
    status.deployments[0].rollout_state = RolloutState::Failed;
    h.catalog().put_service_status("default", "web", &status).unwrap();
    h.catalog().mark_service_deleting("default", "web").unwrap();
    disk.refuse(Some(Tree::ServiceStatus));
    // The daemon dies while removing the drained service.
    tokio::time::sleep(Duration::from_secs(30)).await;
    let (_, fake) = h.shutdown().await;

    disk.refuse(None);
    let h = restarted(disk.after_crash(), fake);
    h.until("the deletion finishes", |h| {
        h.catalog().service("default", "web").unwrap().is_none()
    })
    .await;
    h.apply_service(1);
    h.until("the new service runs its task", |h| service_running(h, 1))
        .await;
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_daemon_shut_down_during_a_stop_grace_exits_at_once_and_the_next_one_finishes_the_stop() {
    let disk = disk();
    let fake = Arc::new(FakeRuntime::new());
    fake.set_image_ignores_sigterm("stubborn");
    let h = on(&disk, fake);
    let spec = TaskDefinitionSpec {
        container_definitions: vec![ContainerDefinition {
            name: "web".into(),
            image: "stubborn".into(),
            stop_timeout: Some(crate::model::Seconds(30)),
            ..Default::default()
        }],
        ..Default::default()
    };
    let task = h.run_standalone(&spec).await;
    h.catalog()
        .request_task_stop(&task.id, StopCode::UserInitiated, "maintenance window")
        .unwrap();
    let stopping =
        |h: &Harness| h.catalog().task_status(&task.id).unwrap().unwrap().last_status == TaskState::Stopping;
    h.until("the stop is under way", stopping).await;
    let asked = tokio::time::Instant::now();
    let (_, fake) = h.shutdown().await;
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "shutdown took {:?}",
        asked.elapsed()
    );
    assert_eq!(fake.running().len(), 1, "the container still has its grace");

    let h = restarted(disk.after_crash(), fake);
    h.until("the next daemon finishes the stop", |h| h.task_stopped(&task.id))
        .await;
    let status = h.catalog().task_status(&task.id).unwrap().unwrap();
    assert_eq!(status.stop_code, Some(StopCode::UserInitiated));
    assert_eq!(status.stopped_reason.as_deref(), Some("maintenance window"));
    assert_eq!(
        status.containers[0].exit_code,
        Some(137),
        "killed only after its grace"
    );
    h.shutdown().await;
}

/// Task ids the catalog shows as ORPHANED (adopted, intent unknown).
fn orphaned(h: &Harness) -> usize {
    h.catalog()
        .task_statuses()
        .unwrap()
        .values()
        .filter(|s| s.orphaned.is_some() && s.last_status == TaskState::Running)
        .count()
}

#[tokio::test(start_paused = true)]
async fn a_lost_database_stops_nothing_and_the_same_manifests_adopt_the_running_containers() {
    let h = Harness::running("busybox", 3).await;
    let ids: Vec<String> = h.fake.running().iter().map(|c| c.id.clone()).collect();
    let (_, fake) = h.shutdown().await;
    let calls_before = fake.calls().len();

    // The database is damaged and set aside: the next daemon starts from nothing.
    let h = restarted(Arc::new(MemoryStore::new()), fake);
    h.until("3 adopted tasks show as orphaned", |h| orphaned(h) == 3)
        .await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(orphaned(&h), 3, "still held, intent unknown");
    h.register("busybox");
    h.apply_service(3);
    h.until("the service counts 3 running", |h| service_running(h, 3))
        .await;
    h.until("no task is orphaned any more", |h| orphaned(h) == 0)
        .await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(
        h.fake.calls()[calls_before..].to_vec(),
        Vec::<FakeCall>::new(),
        "no create, start, stop or remove from the loss to the re-apply"
    );
    let all: Vec<String> = h.fake.containers().iter().map(|c| c.id.clone()).collect();
    assert_eq!(all, ids, "the same containers, and only those");
    let td = h.catalog().latest_task_definition("web").unwrap().unwrap();
    assert_eq!(td.revision, 1, "the spec the containers run has its number back");
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn after_a_lost_database_a_changed_spec_rolls_out_as_the_next_revision() {
    let h = Harness::running("busybox", 2).await;
    let old: Vec<String> = h.fake.running().iter().map(|c| c.id.clone()).collect();
    let (_, fake) = h.shutdown().await;

    let h = restarted(Arc::new(MemoryStore::new()), fake);
    h.until("2 adopted tasks show as orphaned", |h| orphaned(h) == 2)
        .await;
    h.register("busybox:2");
    h.apply_service(2);
    h.until("the new revision replaces both", |h| {
        h.running_images() == vec!["web:2".to_string(), "web:2".to_string()]
    })
    .await;
    assert!(h.fake.running().iter().all(|c| !old.contains(&c.id)));
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn an_orphaned_task_stops_on_an_explicit_stop_request() {
    let h = Harness::running("busybox", 1).await;
    let (_, fake) = h.shutdown().await;

    let h = restarted(Arc::new(MemoryStore::new()), fake);
    h.until("the adopted task shows as orphaned", |h| orphaned(h) == 1)
        .await;
    let id = h.catalog().tasks().unwrap()[0].id.clone();
    h.catalog()
        .request_task_stop(&id, StopCode::UserInitiated, "stopped by the user")
        .unwrap();
    h.until("it stops", |h| h.task_stopped(&id)).await;
    assert_eq!(h.fake.running().len(), 0);
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_database_that_silently_lost_the_records_of_running_tasks_reports_it_and_stops_nothing() {
    let store = Arc::new(MemoryStore::new());
    let h = Harness::start(Catalog::new(store.clone()), Arc::new(FakeRuntime::new()));
    h.register("busybox");
    h.apply_service(2);
    h.until("2 tasks run", |h| service_running(h, 2)).await;
    let (_, fake) = h.shutdown().await;
    // sled recovered only an earlier part of its log: the service is there, its tasks are not.
    let survivor = Arc::new(MemoryStore::new());
    for tree in Tree::ALL
        .into_iter()
        .filter(|t| !matches!(t, Tree::Tasks | Tree::TaskStatus))
    {
        for (key, value) in store.scan(tree, "").unwrap() {
            survivor.compare_and_swap(tree, &key, None, Some(value)).unwrap();
        }
    }
    let h = restarted(survivor, fake);
    h.until("the loss is reported", |h| {
        h.catalog().recovery().unwrap().is_some()
    })
    .await;
    let reason = h.catalog().recovery().unwrap().unwrap().reason;
    assert!(reason.contains("2 running tasks"), "{reason}");
    h.until("the service counts both again", |h| service_running(h, 2))
        .await;
    assert_eq!(stops(&h.fake), 0, "{:?}", h.fake.calls());
    h.shutdown().await;
}
