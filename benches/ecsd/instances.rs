//! Scenario 11, instances: the control plane itself (store on disk, controllers, placement)
//! with one service of 10,000 tasks over 100 fake container instances (spread over zones,
//! then binpack memory, under `memberOf`): time until every task is RUNNING in the store, and
//! the peak RSS of the process meanwhile. The engines are fakes, so the figures are the
//! control plane's own: no container is started.

use crate::Bench;
use crate::report::{Figure, ScenarioReport};
use anyhow::{Context as _, ensure};
use ecsd::controller::{Backoff, Clock, Context, ControllerSettings, WorkQueue};
use ecsd::fleet::{Connector, Engines};
use ecsd::model::{
    ContainerDefinition, ContainerInstanceSpec, PlacementConstraint, PlacementConstraintType, ServiceSpec,
    TaskDefinitionSpec,
};
use ecsd::runtime::{ContainerRuntime, FakeRuntime};
use ecsd::store::{Catalog, SledStore};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The two services sharing the load (ECS caps one at 5,000 tasks).
const SERVICES: [&str; 2] = ["web-a", "web-b"];

/// Instances whose `disk` attribute is `hdd` (every fifth): the constraint keeps them out.
const HDD_EVERY: usize = 5;

/// Runs one trial per `--trials` (each a fresh store and fleet).
pub async fn run(bench: &Bench, out: &mut ScenarioReport) -> anyhow::Result<()> {
    let (tasks, instances) = if bench.options.smoke {
        (300, 10)
    } else {
        (10_000, 100)
    };
    out.note(format!(
        "{tasks} tasks (16 CPU units, 32 MiB) of two services over {instances} fake instances (4 zones, \
         every {HDD_EVERY}th `disk: hdd`); spread attribute:ecs.availability-zone then binpack memory; \
         memberOf(attribute:disk == ssd); sled on disk, the real controllers"
    ));
    let trials = if bench.options.smoke {
        1
    } else {
        bench.options.trials.min(3)
    };
    let (mut times, mut peaks) = (Vec::new(), Vec::new());
    for trial in 0..trials {
        let reset = super::placement::reset_peak_rss();
        let elapsed = trial_run(tasks, instances).await?;
        times.push(elapsed.as_secs_f64());
        // Only the first trial runs in a fresh process: the allocator keeps what later
        // trials' predecessors freed, so their peaks add up runs rather than measure one.
        if reset && trial == 0 {
            peaks.push(super::placement::peak_rss_mib()?);
        }
        eprintln!(
            "  trial {trial}: {tasks} tasks RUNNING in {:.1} s",
            elapsed.as_secs_f64()
        );
    }
    out.figure(Figure::measured(
        "converge",
        format!("2 services 0->{tasks} RUNNING over {instances} instances"),
        "s",
        &times,
    ));
    if !peaks.is_empty() {
        out.note(
            "peak RSS is the whole bench process's (VmHWM) during the first trial, in a fresh process: \
             store, controllers and the 100 fake engines holding 10,000 containers",
        );
        out.figure(Figure::measured(
            "peak_rss",
            format!("control plane peak RSS with {tasks} tasks"),
            "MiB",
            &peaks,
        ));
    }
    Ok(())
}

async fn trial_run(tasks: u32, instances: usize) -> anyhow::Result<Duration> {
    let dir = tempfile::tempdir().context("temp dir")?;
    let store = SledStore::open(&dir.path().join("db")).context("opening the store")?;
    let catalog = Catalog::new(Arc::new(store));
    let mut fakes: BTreeMap<String, Arc<FakeRuntime>> = BTreeMap::new();
    for i in 1..instances {
        let name = format!("i{i:03}");
        let disk = if i % HDD_EVERY == 0 { "hdd" } else { "ssd" };
        let spec = ContainerInstanceSpec {
            engine: format!("unix:///fake/{name}.sock"),
            attributes: [
                ("ecs.availability-zone".to_string(), format!("zone-{}", i % 4)),
                ("disk".to_string(), disk.to_string()),
            ]
            .into(),
            ..Default::default()
        };
        catalog.apply_declared_instance("default", &name, &spec, &BTreeMap::new())?;
        fakes.insert(spec.engine.clone(), Arc::new(FakeRuntime::new()));
    }
    let connector: Connector = Arc::new(move |_id: &str, spec: &ContainerInstanceSpec| {
        fakes
            .get(&spec.engine)
            .map(|f| f.clone() as Arc<dyn ContainerRuntime>)
            .ok_or_else(|| ecsd::runtime::RuntimeError::Unreachable {
                endpoint: spec.engine.clone(),
                message: "no such fake".into(),
            })
    });
    let ctx = Arc::new(Context {
        engines: Arc::new(Engines::new(
            catalog.container_instance_id()?,
            Arc::new(FakeRuntime::new()),
            connector,
        )),
        catalog: catalog.clone(),
        owner: "bench".into(),
        settings: ControllerSettings::default(),
        queue: WorkQueue::new(Backoff::RECONCILE),
        exits: Default::default(),
        lb: ecsd::lb::LoadBalancers::new(),
        drains: Default::default(),
        news: Default::default(),
        health: Default::default(),
        clock: Clock::new(),
    });
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let controllers = tokio::spawn(ecsd::controller::run(ctx.clone(), async move {
        let _ = stop_rx.await;
    }));
    // Every declared instance connected before the service exists (else all would go local).
    let connected = |c: &Catalog| -> anyhow::Result<usize> {
        let mut n = 0;
        for r in c.declared_instances(None)? {
            n += usize::from(c.engine_facts(&r.id)?.is_some_and(|f| f.connected));
        }
        Ok(n)
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while connected(&catalog)? < instances - 1 {
        ensure!(Instant::now() < deadline, "instances did not connect within 60 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let td = TaskDefinitionSpec {
        container_definitions: vec![ContainerDefinition {
            name: "web".into(),
            image: "busybox".into(),
            cpu: Some(16),
            memory: Some(32),
            ..Default::default()
        }],
        ..Default::default()
    };
    catalog.register_task_definition("web", &td, &BTreeMap::new())?;
    let spec = ServiceSpec {
        task_definition: "web".into(),
        desired_count: None,
        placement_constraints: vec![PlacementConstraint {
            kind: PlacementConstraintType::MemberOf,
            expression: Some("attribute:disk == ssd".into()),
        }],
        placement_strategy: super::placement::zones_then_binpack_memory(),
        ..Default::default()
    };
    // ECS caps a service at 5,000 tasks: the load is two services of half each.
    let started = Instant::now();
    for name in SERVICES {
        let half = ServiceSpec {
            desired_count: Some(tasks / 2),
            ..spec.clone()
        };
        catalog.apply_service("default", name, &half, &BTreeMap::new())?;
    }
    let deadline = started + Duration::from_secs(600);
    loop {
        let mut running = 0;
        for name in SERVICES {
            running += catalog
                .service_status("default", name)?
                .map_or(0, |s| s.running_count);
        }
        if running == tasks {
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "only {running} of {tasks} RUNNING after 600 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let elapsed = started.elapsed();
    let _ = stop_tx.send(());
    let _ = controllers.await;
    Ok(elapsed)
}
