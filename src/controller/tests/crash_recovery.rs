//! A daemon killed at any moment: what survives is exactly what the on-disk store flushes
//! (its durable trees), and the next daemon adopts what runs without creating or stopping.

use super::*;
use crate::store::{Store, StoreError, Tree};
use std::sync::atomic::{AtomicBool, Ordering};

/// What a `kill -9` leaves of a store: the durable trees; unflushed observed status is lost.
fn after_crash(store: &dyn Store) -> Arc<MemoryStore> {
    let survivor = Arc::new(MemoryStore::new());
    for tree in Tree::ALL.into_iter().filter(|t| t.is_durable()) {
        for (key, value) in store.scan(tree, "").unwrap() {
            survivor.compare_and_swap(tree, &key, None, Some(value)).unwrap();
        }
    }
    survivor
}

/// A store whose writes to one tree fail while `refusing` is set: a daemon that dies just
/// before that write.
struct RefusingStore {
    inner: MemoryStore,
    refused: Tree,
    refusing: AtomicBool,
}

impl Store for RefusingStore {
    fn get(&self, tree: Tree, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get(tree, key)
    }

    fn scan(&self, tree: Tree, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.inner.scan(tree, prefix)
    }

    fn compare_and_swap(
        &self,
        tree: Tree,
        key: &str,
        old: Option<&[u8]>,
        new: Option<Vec<u8>>,
    ) -> Result<bool, StoreError> {
        if tree == self.refused && self.refusing.load(Ordering::SeqCst) {
            return Err(StoreError::Conflict(format!(
                "{}: write refused by the test",
                tree.name()
            )));
        }
        self.inner.compare_and_swap(tree, key, old, new)
    }
}

fn stops(fake: &FakeRuntime) -> usize {
    fake.count(|c| matches!(c, FakeCall::Stop(_)))
}

#[tokio::test(start_paused = true)]
async fn a_crash_right_after_a_rollout_loses_no_deployment_and_changes_nothing() {
    let store = Arc::new(MemoryStore::new());
    let h = Harness::start(Catalog::new(store.clone()), Arc::new(FakeRuntime::new()));
    h.register("busybox");
    h.apply_service(3);
    h.until("3 tasks run", |h| service_running(h, 3)).await;
    let ids: Vec<String> = h.fake.running().iter().map(|c| c.id.clone()).collect();
    let (_, fake) = h.shutdown().await;
    let calls_before = fake.calls().len();

    let h = Harness::start(Catalog::new(after_crash(store.as_ref())), fake);
    h.until("3 tasks run again", |h| service_running(h, 3)).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    // Tasks whose observed status was lost look new, so their create meets the existing
    // container's name and adopts it: no container is added, stopped or removed.
    let after: Vec<FakeCall> = h.fake.calls()[calls_before..]
        .iter()
        .filter(|c| matches!(c, FakeCall::Stop(_) | FakeCall::Remove(_)))
        .cloned()
        .collect();
    assert!(after.is_empty(), "nothing stopped or removed: {after:?}");
    let all: Vec<String> = h.fake.containers().iter().map(|c| c.id.clone()).collect();
    assert_eq!(all, ids, "the same containers, and only those");
    h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn no_task_is_started_for_a_deployment_that_was_not_recorded() {
    let store = Arc::new(RefusingStore {
        inner: MemoryStore::new(),
        refused: Tree::ServiceStatus,
        refusing: AtomicBool::new(true),
    });
    let h = Harness::start(Catalog::new(store.clone()), Arc::new(FakeRuntime::new()));
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

    store.refusing.store(false, Ordering::SeqCst);
    let h = Harness::start(Catalog::new(after_crash(store.as_ref())), fake);
    h.until("2 tasks run", |h| service_running(h, 2)).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(stops(&h.fake), 0, "nothing stopped: {:?}", h.fake.calls());
    assert_eq!(h.fake.containers().len(), 2);
    h.shutdown().await;
}
