//! Several engines as container instances of one cluster, on fakes and a paused clock:
//! spread, constraints, DRAINING, DAEMON coverage, a partition, a lost engine, adoption.

use super::*;
use crate::fleet::{Connector, Engines};
use crate::model::{ContainerInstanceSpec, PlacementConstraint, PlacementConstraintType, SchedulingStrategy};
use crate::runtime::ContainerRuntime;
use crate::store::{InstanceStatus, declared_instance_id};

/// The daemon's own fake engine plus one fake per declared instance.
struct Fleet {
    h: Harness,
    remotes: BTreeMap<String, Arc<FakeRuntime>>,
}

fn engine_url(name: &str) -> String {
    format!("unix:///fake/{name}.sock")
}

fn connector(remotes: &BTreeMap<String, Arc<FakeRuntime>>) -> Connector {
    let by_url: BTreeMap<String, Arc<FakeRuntime>> = remotes
        .iter()
        .map(|(name, fake)| (engine_url(name), fake.clone()))
        .collect();
    Arc::new(move |_id: &str, spec: &ContainerInstanceSpec| {
        by_url
            .get(&spec.engine)
            .map(|f| f.clone() as Arc<dyn ContainerRuntime>)
            .ok_or_else(|| crate::runtime::RuntimeError::Unreachable {
                endpoint: spec.engine.clone(),
                message: "no such fake".into(),
            })
    })
}

fn declare(catalog: &Catalog, name: &str, attributes: &[(&str, &str)]) {
    let spec = ContainerInstanceSpec {
        engine: engine_url(name),
        attributes: attributes
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    };
    catalog
        .apply_declared_instance("default", name, &spec, &BTreeMap::new())
        .unwrap();
}

fn start_fleet(
    catalog: Catalog,
    local: Arc<FakeRuntime>,
    remotes: BTreeMap<String, Arc<FakeRuntime>>,
) -> Fleet {
    let base = Arc::into_inner(context(catalog.clone(), local.clone())).unwrap();
    let ctx = Arc::new(Context {
        engines: Arc::new(Engines::new(
            catalog.container_instance_id().unwrap(),
            local.clone(),
            connector(&remotes),
        )),
        settings: ControllerSettings {
            instance_lost_grace: Duration::from_secs(60),
            ..base.settings.clone()
        },
        ..base
    });
    Fleet {
        h: Harness::start_with(ctx, local),
        remotes,
    }
}

/// A fleet of the local engine and `names`, each declared with `attributes`, all connected.
async fn fleet(names: &[(&str, &[(&str, &str)])]) -> Fleet {
    let catalog = Catalog::new(Arc::new(MemoryStore::new()));
    let mut remotes = BTreeMap::new();
    for (name, attributes) in names {
        declare(&catalog, name, attributes);
        remotes.insert(name.to_string(), Arc::new(FakeRuntime::new()));
    }
    let f = start_fleet(catalog, Arc::new(FakeRuntime::new()), remotes);
    f.until("every instance is connected", |f| {
        f.remotes.keys().all(|n| f.connected(n))
    })
    .await;
    f
}

impl Fleet {
    fn connected(&self, name: &str) -> bool {
        let id = declared_instance_id("default", name);
        self.h
            .catalog()
            .engine_facts(&id)
            .unwrap()
            .is_some_and(|f| f.connected)
    }

    /// Sets declared instance `name` DRAINING.
    fn drain(&self, name: &str) {
        let id = declared_instance_id("default", name);
        self.h
            .catalog()
            .update_registration("default", &id, |r| {
                r.status = InstanceStatus::Draining;
                Ok(())
            })
            .unwrap();
    }

    fn remote(&self, name: &str) -> &Arc<FakeRuntime> {
        &self.remotes[name]
    }

    /// Running containers per engine: `local` first, then each declared one by name.
    fn spread(&self) -> Vec<usize> {
        let mut counts = vec![self.h.fake.running().len()];
        counts.extend(self.remotes.values().map(|f| f.running().len()));
        counts
    }

    fn total_running(&self) -> usize {
        self.spread().iter().sum()
    }

    fn apply(&self, spec: ServiceSpec) {
        self.h
            .catalog()
            .apply_service("default", "web", &spec, &BTreeMap::new())
            .unwrap();
    }

    fn running_count(&self) -> u32 {
        self.h
            .catalog()
            .service_status("default", "web")
            .unwrap()
            .map_or(0, |s| s.running_count)
    }

    async fn until(&self, what: &str, cond: impl Fn(&Self) -> bool) {
        for _ in 0..3000 {
            if cond(self) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("timed out waiting until {what}; spread {:?}", self.spread());
    }
}

/// Local, `a` and `b` connected, and `web` running one task on each.
async fn one_task_on_each_of_three() -> Fleet {
    let f = fleet(&[("a", &[]), ("b", &[])]).await;
    f.h.register("busybox");
    f.apply(replicas(3));
    f.until("one task per instance", |f| f.spread() == vec![1, 1, 1])
        .await;
    f
}

/// Engines `a` and `b` exist, only `a` is declared (and connected); `web` is registered.
async fn a_declared_b_not_yet() -> Fleet {
    let catalog = Catalog::new(Arc::new(MemoryStore::new()));
    declare(&catalog, "a", &[]);
    let remotes: BTreeMap<String, Arc<FakeRuntime>> = ["a", "b"]
        .iter()
        .map(|n| (n.to_string(), Arc::new(FakeRuntime::new())))
        .collect();
    let f = start_fleet(catalog, Arc::new(FakeRuntime::new()), remotes);
    f.until("a is connected", |f| f.connected("a")).await;
    f.h.register("busybox");
    f
}

fn replicas(n: u32) -> ServiceSpec {
    ServiceSpec {
        task_definition: "web".into(),
        desired_count: Some(n),
        ..Default::default()
    }
}

#[tokio::test(start_paused = true)]
async fn a_service_spreads_its_tasks_evenly_over_the_instances() {
    let f = fleet(&[("a", &[]), ("b", &[])]).await;
    f.h.register("busybox");
    f.apply(replicas(6));
    f.until("6 tasks run", |f| {
        f.total_running() == 6 && f.running_count() == 6
    })
    .await;
    assert_eq!(f.spread(), vec![2, 2, 2]);
    f.h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn member_of_keeps_a_service_on_the_matching_instances() {
    let f = fleet(&[("a", &[]), ("b", &[("disk", "ssd")])]).await;
    f.h.register("busybox");
    f.apply(ServiceSpec {
        placement_constraints: vec![PlacementConstraint {
            kind: PlacementConstraintType::MemberOf,
            expression: Some("attribute:disk == ssd".into()),
        }],
        ..replicas(3)
    });
    f.until("3 tasks run", |f| f.running_count() == 3).await;
    assert_eq!(f.spread(), vec![0, 0, 3]);
    f.h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn distinct_instance_leaves_what_does_not_fit_pending_with_an_event() {
    let f = fleet(&[("a", &[])]).await;
    f.h.register("busybox");
    f.apply(ServiceSpec {
        placement_constraints: vec![PlacementConstraint {
            kind: PlacementConstraintType::DistinctInstance,
            expression: None,
        }],
        ..replicas(3)
    });
    f.until("2 tasks run", |f| f.running_count() == 2).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(f.spread(), vec![1, 1], "never a second task on an instance");
    let status = f.h.catalog().service_status("default", "web").unwrap().unwrap();
    let event = status
        .events
        .iter()
        .find(|e| e.message.contains("was unable to place a task"))
        .expect("an unable-to-place event");
    assert!(event.message.contains("DistinctInstance"), "{}", event.message);
    f.h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_draining_instance_hands_its_tasks_over_without_dropping_below_desired() {
    let f = one_task_on_each_of_three().await;
    f.drain("a");
    let mut lowest = usize::MAX;
    for _ in 0..600 {
        lowest = lowest.min(f.total_running());
        if f.remote("a").running().is_empty() && f.total_running() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        f.remote("a").running().is_empty(),
        "a is drained: {:?}",
        f.spread()
    );
    assert_eq!(f.total_running(), 3);
    assert!(
        lowest >= 3,
        "minimum healthy 100%: never fewer than 3 ran ({lowest})"
    );
    f.h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_daemon_runs_one_task_per_instance_and_follows_new_and_draining_ones() {
    let f = a_declared_b_not_yet().await;
    f.apply(ServiceSpec {
        scheduling_strategy: SchedulingStrategy::Daemon,
        desired_count: None,
        ..replicas(0)
    });
    f.until("one task on local and a", |f| f.spread() == vec![1, 1, 0])
        .await;
    declare(f.h.catalog(), "b", &[]);
    f.until("b gets its task", |f| f.spread() == vec![1, 1, 1]).await;
    f.drain("a");
    f.until("a loses its task", |f| f.spread() == vec![1, 0, 1]).await;
    f.h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_short_partition_duplicates_nothing_and_a_lost_engine_is_replaced_once() {
    let f = one_task_on_each_of_three().await;
    let created_before = f.h.fake.count(|c| matches!(c, FakeCall::Create(_)))
        + f.remote("b").count(|c| matches!(c, FakeCall::Create(_)));
    f.remote("a").set_reachable(false);
    f.until("a is disconnected", |f| !f.connected("a")).await;
    // Within the grace: nothing is replaced.
    tokio::time::sleep(Duration::from_secs(20)).await;
    let created_during = f.h.fake.count(|c| matches!(c, FakeCall::Create(_)))
        + f.remote("b").count(|c| matches!(c, FakeCall::Create(_)));
    assert_eq!(
        created_during, created_before,
        "no duplicate during a short partition"
    );
    // Past the grace: a's task is stopped and replaced on another instance.
    f.until("the lost task is replaced", |f| {
        f.h.fake.running().len() + f.remote("b").running().len() == 3 && f.running_count() == 3
    })
    .await;
    f.remote("a").set_reachable(true);
    f.until("a's superseded container is stopped", |f| {
        f.connected("a") && f.remote("a").running().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(f.total_running(), 3, "nothing runs twice: {:?}", f.spread());
    f.h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn every_reopening_of_a_broken_event_stream_counts_as_a_reconnect_of_its_instance() {
    let f = fleet(&[("a", &[])]).await;
    let a = declared_instance_id("default", "a");
    let local = f.h.ctx.engines.local_id().to_string();
    let reconnects = |f: &Fleet, id: &str| f.h.ctx.health.reconnects().get(id).copied();
    f.until("a's event stream is open", |f| reconnects(f, &a) == Some(0))
        .await;
    f.remote("a").set_reachable(false);
    f.until("a's event stream was opened again", |f| {
        reconnects(f, &a).is_some_and(|n| n >= 2)
    })
    .await;
    f.remote("a").set_reachable(true);
    // Within the reconnect backoff's longest wait, the stream is open again and stays so.
    tokio::time::sleep(Duration::from_secs(31)).await;
    let settled = reconnects(&f, &a);
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(reconnects(&f, &a), settled, "an open stream is no reconnect");
    assert_eq!(
        reconnects(&f, &local),
        Some(0),
        "the local engine's stream never broke"
    );
    f.h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_restarted_daemon_adopts_every_instances_containers_without_creating_or_stopping() {
    let f = one_task_on_each_of_three().await;
    let remotes = f.remotes.clone();
    let (catalog, local) = f.h.shutdown().await;
    let calls = |fake: &FakeRuntime| fake.count(|c| matches!(c, FakeCall::Create(_) | FakeCall::Stop(_)));
    let before: Vec<usize> = std::iter::once(calls(&local))
        .chain(remotes.values().map(|f| calls(f)))
        .collect();
    let f = start_fleet(catalog, local, remotes);
    f.until("every instance is connected", |f| {
        f.connected("a") && f.connected("b")
    })
    .await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    let after: Vec<usize> = std::iter::once(calls(&f.h.fake))
        .chain(f.remotes.values().map(|f| calls(f)))
        .collect();
    assert_eq!(after, before, "zero creates, zero stops on every engine");
    assert_eq!(f.spread(), vec![1, 1, 1]);
    f.h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn scaling_in_keeps_the_spread_balanced_not_merely_the_newest() {
    let f = a_declared_b_not_yet().await;
    f.apply(replicas(4));
    f.until("4 tasks run on local and a", |f| f.spread() == vec![2, 2, 0])
        .await;
    declare(f.h.catalog(), "b", &[]);
    f.until("b is connected", |f| f.connected("b")).await;
    f.apply(replicas(6));
    // The two newest tasks are both on b.
    f.until("6 tasks run", |f| f.spread() == vec![2, 2, 2]).await;
    f.apply(replicas(3));
    f.until("3 tasks run", |f| f.total_running() == 3).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(f.spread(), vec![1, 1, 1], "scale-in follows spread");
    f.h.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_flapping_engine_keeps_its_task_and_nothing_is_duplicated() {
    let f = one_task_on_each_of_three().await;
    let creates = |f: &Fleet| {
        f.h.fake.count(|c| matches!(c, FakeCall::Create(_)))
            + f.remotes
                .values()
                .map(|r| r.count(|c| matches!(c, FakeCall::Create(_))))
                .sum::<usize>()
    };
    let before = creates(&f);
    // Down 20 s, up 10 s, six times: disconnected each time, never for the 60 s grace.
    for _ in 0..6 {
        f.remote("a").set_reachable(false);
        tokio::time::sleep(Duration::from_secs(20)).await;
        assert!(!f.connected("a"), "20 s without an answer disconnects");
        f.remote("a").set_reachable(true);
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
    f.until("a is connected again", |f| f.connected("a")).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(creates(&f), before, "no task was replaced while a flapped");
    assert_eq!(f.spread(), vec![1, 1, 1]);
    assert_eq!(f.running_count(), 3);
    f.h.shutdown().await;
}
