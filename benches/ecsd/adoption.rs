//! Scenario 4, adoption: with the fleet running, `kill -9` the daemon and start it again; time
//! until the CLI answers and `get tasks` shows every task RUNNING, and the containers created
//! or stopped in the meantime (engine events for the daemon's owner label; must be 0).

use crate::Bench;
use crate::engine::filters;
use crate::fleet::Fleet;
use crate::report::{Figure, ScenarioReport};
use bollard::models::EventMessage;
use serde_json::Value;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

/// After "ready", changes are still counted for this long: a late reconcile could still
/// create or stop something, and that must show up in the count.
const SETTLE: Duration = Duration::from_secs(3);

/// Restarts the fleet's daemon `trials` times.
pub async fn run(bench: &Bench, fleet: &mut Fleet, out: &mut ScenarioReport) -> anyhow::Result<()> {
    out.note(format!(
        "{} tasks; ready = `ecsd get tasks -o json` answers with all RUNNING (polled every 10 ms); \
         changes = create/die events counted from the kill until {} s after ready",
        fleet.size,
        SETTLE.as_secs()
    ));
    let (mut ready, mut listed, mut changes) = (Vec::new(), Vec::new(), Vec::new());
    let mut other_actions = Vec::new();
    for trial in 0..bench.options.trials {
        let restart = restart_once(bench, fleet).await?;
        eprintln!(
            "  trial {trial}: ready {:.3} s, engine listed {:.3} s, changes {}",
            restart.ready, restart.listed, restart.changes
        );
        ready.push(restart.ready);
        listed.push(restart.listed);
        changes.push(restart.changes as f64);
        other_actions.extend(restart.other_actions);
    }
    out.figure(Figure::measured(
        "ready",
        "kill -9, restart -> CLI shows all RUNNING",
        "s",
        &ready,
    ));
    out.figure(Figure::measured(
        "engine_listed",
        "restart -> log \"engine ready\" (listing done)",
        "s",
        &listed,
    ));
    out.figure(Figure::measured(
        "changes",
        "containers created or stopped meanwhile",
        "count",
        &changes,
    ));
    if !other_actions.is_empty() {
        other_actions.sort();
        other_actions.dedup();
        out.note(format!(
            "other engine events in the window: {}",
            other_actions.join(", ")
        ));
    }
    Ok(())
}

struct Restart {
    ready: f64,
    listed: f64,
    changes: usize,
    other_actions: Vec<String>,
}

async fn restart_once(bench: &Bench, fleet: &mut Fleet) -> anyhow::Result<Restart> {
    let listed_before = fleet.daemon.log().matches("engine ready").count();
    let since = SystemTime::now();
    fleet.daemon.kill_hard();
    let started = Instant::now();
    fleet.daemon.spawn()?;
    let (mut ready, mut listed) = (None, None);
    let deadline = started + Duration::from_secs(120);
    while ready.is_none() || listed.is_none() {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the restarted daemon was not ready within 120 s"
        );
        if ready.is_none() && all_running(fleet).await {
            ready = Some(started.elapsed().as_secs_f64());
        }
        if listed.is_none() && fleet.daemon.log().matches("engine ready").count() > listed_before {
            listed = Some(started.elapsed().as_secs_f64());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(SETTLE).await;
    let owner = fleet.daemon.owner_label();
    let wanted = filters(&[("type", "container"), ("label", &owner)]);
    let events = bench
        .engine
        .events_between(since, SystemTime::now(), wanted)
        .await?;
    let action = |e: &EventMessage| e.action.clone().unwrap_or_default();
    let changes = events
        .iter()
        .filter(|e| matches!(action(e).as_str(), "create" | "die"))
        .count();
    let other_actions = events
        .iter()
        .map(action)
        .filter(|a| !matches!(a.as_str(), "create" | "die"))
        .collect();
    Ok(Restart {
        ready: ready.unwrap_or_default(),
        listed: listed.unwrap_or_default(),
        changes,
        other_actions,
    })
}

/// Whether the CLI answers and lists exactly the fleet, every task RUNNING.
async fn all_running(fleet: &Fleet) -> bool {
    let Ok(out) = fleet.daemon.cli_output(&["get", "tasks", "-o", "json"]).await else {
        return false;
    };
    if !out.status.success() {
        return false;
    }
    let Ok(reply) = serde_json::from_slice::<Value>(&out.stdout) else {
        return false;
    };
    let items = reply["items"].as_array().cloned().unwrap_or_default();
    items.len() == fleet.size && items.iter().all(|t| t["lastStatus"] == "RUNNING")
}
