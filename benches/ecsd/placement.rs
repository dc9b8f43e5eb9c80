//! Scenario 9, placement: 10,000 task placements over 100 fake container instances with
//! spread over availability zones, then binpack on memory, under a `memberOf` constraint;
//! decision time and the peak RSS of the process while deciding. Pure computation: no daemon
//! and no engine.

use crate::Bench;
use crate::report::{Figure, ScenarioReport};
use anyhow::{Context as _, ensure};
use ecsd::model::{PlacementConstraint, PlacementConstraintType, PlacementStrategy, PlacementStrategyType};
use ecsd::placement::{self, Constraint, Demand, Instance, Placement, Resources};
use std::time::Instant;

/// Instances whose `disk` attribute is `hdd` (every fifth): the constraint keeps them out.
const HDD_EVERY: usize = 5;

/// Zones the instances are spread over.
const ZONES: usize = 4;

/// Runs the trials: all tasks in one `place` call, then in RunTask-sized calls of 10.
pub fn run(bench: &Bench, out: &mut ScenarioReport) -> anyhow::Result<()> {
    let (tasks, instances) = if bench.options.smoke {
        (1_000, 10)
    } else {
        (10_000, 100)
    };
    out.note(format!(
        "{tasks} tasks (256 CPU units, 256 MiB, group service:web) over {instances} instances \
         (64 cores, 64 GiB, {ZONES} zones, every {HDD_EVERY}th `disk: hdd`); strategy spread \
         attribute:ecs.availability-zone then binpack memory; constraint memberOf(attribute:disk == ssd)"
    ));
    let cluster = cluster(instances);
    let (demand, constraints, strategies) = rules()?;
    let (mut one_call, mut batched, mut peaks) = (Vec::new(), Vec::new(), Vec::new());
    for trial in 0..bench.options.trials {
        let reset = reset_peak_rss();
        let started = Instant::now();
        let placement = placement::place(&cluster, &demand, &constraints, &strategies, tasks, trial as u64);
        one_call.push(started.elapsed().as_secs_f64());
        check(&placement, tasks)?;
        let started = Instant::now();
        let placed = in_batches(&cluster, &demand, &constraints, &strategies, tasks, trial as u64);
        batched.push(started.elapsed().as_secs_f64());
        ensure!(
            placed == tasks as usize,
            "only {placed} of {tasks} placed in batches"
        );
        if reset {
            peaks.push(peak_rss_mib()?);
        }
        eprintln!(
            "  trial {trial}: one call {:.3} s, in calls of 10 {:.3} s",
            one_call[trial], batched[trial]
        );
    }
    out.figure(Figure::measured(
        "decide",
        format!("{tasks} placements in one call"),
        "s",
        &one_call,
    ));
    out.figure(Figure::measured(
        "decide_batched",
        format!("{tasks} placements, 10 per call"),
        "s",
        &batched,
    ));
    if peaks.is_empty() {
        out.note("the kernel refused to reset the peak RSS (/proc/self/clear_refs): no RSS figure");
    } else {
        out.note("peak RSS is the whole bench process's (VmHWM, reset before each trial), harness included");
        out.figure(Figure::measured(
            "peak_rss",
            "peak RSS while deciding (VmHWM)",
            "MiB",
            &peaks,
        ));
    }
    Ok(())
}

/// `n` instances: 64 cores and 64 GiB each, in `ZONES` zones, every `HDD_EVERY`th on hdd.
fn cluster(n: usize) -> Vec<Instance> {
    (0..n)
        .map(|i| {
            let disk = if i % HDD_EVERY == 0 { "hdd" } else { "ssd" };
            Instance {
                id: format!("instance-{i:03}"),
                attributes: [
                    (
                        "ecs.availability-zone".to_string(),
                        Some(format!("zone-{}", i % ZONES)),
                    ),
                    ("disk".to_string(), Some(disk.to_string())),
                ]
                .into(),
                registered: Resources {
                    cpu: 64 * 1024,
                    memory: 64 * 1024,
                    ..Resources::default()
                },
                connected: true,
                ..Instance::default()
            }
        })
        .collect()
}

/// Spread over availability zones, then binpack memory: the strategy both placement
/// scenarios use.
pub fn zones_then_binpack_memory() -> Vec<PlacementStrategy> {
    vec![
        PlacementStrategy {
            kind: PlacementStrategyType::Spread,
            field: Some("attribute:ecs.availability-zone".into()),
        },
        PlacementStrategy {
            kind: PlacementStrategyType::Binpack,
            field: Some("memory".into()),
        },
    ]
}

/// The task, the constraint and the strategy.
fn rules() -> anyhow::Result<(Demand, Vec<Constraint>, Vec<PlacementStrategy>)> {
    let demand = Demand {
        cpu: 256,
        memory: 256,
        group: "service:web".into(),
        ..Demand::default()
    };
    let constraints = Constraint::compile_all(&[PlacementConstraint {
        kind: PlacementConstraintType::MemberOf,
        expression: Some("attribute:disk == ssd".into()),
    }])
    .context("compiling the memberOf constraint")?;
    Ok((demand, constraints, zones_then_binpack_memory()))
}

/// Every task placed, none on an hdd instance.
fn check(placement: &Placement, tasks: u32) -> anyhow::Result<()> {
    ensure!(
        placement.placed.len() == tasks as usize,
        "{} of {tasks} placed; first reason: {:?}",
        placement.placed.len(),
        placement.unplaced.first().and_then(|u| u.closest())
    );
    let on_hdd = placement
        .placed
        .iter()
        .filter_map(|id| id.strip_prefix("instance-")?.parse::<usize>().ok())
        .filter(|i| i % HDD_EVERY == 0)
        .count();
    ensure!(on_hdd == 0, "{on_hdd} tasks placed on hdd instances");
    Ok(())
}

/// Places `tasks` in calls of 10 (RunTask's largest count), each call seeing the tasks the
/// earlier ones placed; how many were placed.
fn in_batches(
    cluster: &[Instance],
    demand: &Demand,
    constraints: &[Constraint],
    strategies: &[PlacementStrategy],
    tasks: u32,
    seed: u64,
) -> usize {
    let mut state = cluster.to_vec();
    let mut placed = 0;
    for call in 0..tasks.div_ceil(10) {
        let count = (tasks - call * 10).min(10);
        let placement = placement::place(
            &state,
            demand,
            constraints,
            strategies,
            count,
            seed + u64::from(call),
        );
        for id in &placement.placed {
            if let Some(instance) = state.iter_mut().find(|i| &i.id == id) {
                instance.take(demand);
            }
        }
        placed += placement.placed.len();
    }
    placed
}

/// Resets the process's peak RSS (Linux ≥ 4.0); whether the kernel allowed it.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The process's peak RSS since the last reset, in MiB.
pub fn peak_rss_mib() -> anyhow::Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .context("no VmHWM in /proc/self/status")?
        .parse()?;
    Ok(kib / 1024.0)
}
