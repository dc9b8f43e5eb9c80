//! Declared container instances: one engine handle and watcher each, liveness by ping
//! (`agentConnected`), and what happens to the tasks of an engine that stays lost.
//!
//! An engine that does not answer for `DISCONNECT_AFTER` is disconnected: nothing new is
//! placed there and its tasks are kept as they are (a short partition duplicates nothing).
//! Once it has been disconnected for the lost-instance grace, its tasks are STOPPED and their
//! services replace them elsewhere. When it answers again, the resync stops whatever of those
//! tasks still runs there (by owner label), so nothing runs twice.

use super::ControllerError;
use super::context::{Context, ObjectKey};
use super::engine_watch::{record_facts, watch_engine};
use super::resync::resync_all;
use crate::model::{StopCode, TaskState};
use crate::runtime::ContainerRuntime;
use crate::store::{EngineFacts, InstanceRecord};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tracing::{info, warn};

/// How often each declared engine is pinged (and declarations are re-read).
pub const PING_INTERVAL: Duration = Duration::from_secs(5);
/// How long a ping may take.
pub const PING_TIMEOUT: Duration = Duration::from_secs(5);
/// An engine that has not answered for this long is disconnected (ECS: `agentConnected` false).
pub const DISCONNECT_AFTER: Duration = Duration::from_secs(15);

/// The watchers of one declared instance's engine.
struct Watch {
    events: JoinHandle<()>,
    liveness: JoinHandle<()>,
}

impl Watch {
    fn stop(self) {
        self.events.abort();
        self.liveness.abort();
    }
}

/// Keeps one engine handle and watcher per declared instance, in step with the store, and
/// applies the lost-instance grace. Runs until aborted.
pub async fn supervise(ctx: Arc<Context>) {
    if let Err(e) = unknown_until_pinged(&ctx) {
        warn!(error = %e, "cannot mark the declared instances unknown until pinged");
    }
    let mut watches: BTreeMap<String, Watch> = BTreeMap::new();
    let mut tick = tokio::time::interval(PING_INTERVAL);
    loop {
        tick.tick().await;
        if let Err(e) = sync(&ctx, &mut watches) {
            warn!(error = %e, "cannot bring the container instances' engines in step");
        }
        if let Err(e) = stop_tasks_of_lost_instances(&ctx) {
            warn!(error = %e, "cannot stop the tasks of lost container instances");
        }
    }
}

/// What a previous daemon recorded may be stale: nothing is placed on a declared instance
/// until this daemon's first ping answers (within `PING_INTERVAL`). Its tasks are kept.
fn unknown_until_pinged(ctx: &Context) -> Result<(), ControllerError> {
    for record in ctx.catalog.declared_instances(None)? {
        if let Some(facts) = ctx.catalog.engine_facts(&record.id)?.filter(|f| f.connected) {
            let unknown = EngineFacts {
                connected: false,
                since: ctx.clock.now_millis(),
                error: Some("not pinged yet since the daemon started".into()),
                ..facts
            };
            ctx.catalog.put_engine_facts(&record.id, &unknown)?;
        }
    }
    Ok(())
}

/// Connects new or changed declarations, forgets removed ones.
fn sync(ctx: &Arc<Context>, watches: &mut BTreeMap<String, Watch>) -> Result<(), ControllerError> {
    let declared = ctx.catalog.declared_instances(None)?;
    for record in &declared {
        match ctx.engines.ensure(&record.id, &record.spec) {
            Ok(true) => {
                info!(instance = %record.name, cluster = %record.cluster, engine = %record.spec.engine, "watching a container instance's engine");
                if let Some(old) = watches.remove(&record.id) {
                    old.stop();
                }
                if let Some(engine) = ctx.engines.get(Some(&record.id)) {
                    watches.insert(record.id.clone(), watch(ctx, record, engine));
                }
            }
            Ok(false) => {}
            Err(e) => {
                // The handle cannot even be made (e.g. a TLS file is missing): disconnected.
                disconnected(ctx, &record.id, &e.to_string(), ctx.clock.now_millis())?;
            }
        }
    }
    for id in ctx.engines.declared_ids() {
        if !declared.iter().any(|r| r.id == id) {
            ctx.engines.remove(&id);
            if let Some(old) = watches.remove(&id) {
                old.stop();
            }
            ctx.health.forget_instance(&id);
        }
    }
    Ok(())
}

fn watch(ctx: &Arc<Context>, record: &InstanceRecord, engine: Arc<dyn ContainerRuntime>) -> Watch {
    Watch {
        events: tokio::spawn(watch_engine(ctx.clone(), record.id.clone(), engine.clone())),
        liveness: tokio::spawn(liveness(ctx.clone(), record.id.clone(), engine)),
    }
}

/// Pings the engine forever: connected while it answers, disconnected once it has not for
/// `DISCONNECT_AFTER`; a reconnect resyncs everything (adopting, stopping what was replaced).
async fn liveness(ctx: Arc<Context>, id: String, engine: Arc<dyn ContainerRuntime>) {
    let mut last_answer: Option<u64> = None;
    let mut first_failure: Option<u64> = None;
    let mut tick = tokio::time::interval(PING_INTERVAL);
    loop {
        tick.tick().await;
        let now = ctx.clock.now_millis();
        let answer = tokio::time::timeout(PING_TIMEOUT, engine.info()).await;
        let result = match answer {
            Ok(Ok(info)) => {
                first_failure = None;
                let was_connected = ctx
                    .catalog
                    .engine_facts(&id)
                    .ok()
                    .flatten()
                    .is_some_and(|f| f.connected);
                last_answer = Some(now);
                let recorded = record_facts(&ctx, &id, &info);
                if recorded.is_ok() && !was_connected {
                    info!(instance = %id, engine = %info.name, "container instance connected");
                    resync_all(&ctx).await
                } else {
                    recorded
                }
            }
            Ok(Err(e)) => failed(&ctx, &id, &e.to_string(), now, &mut first_failure, last_answer),
            Err(_) => failed(
                &ctx,
                &id,
                "no answer to a ping within 5s",
                now,
                &mut first_failure,
                last_answer,
            ),
        };
        if let Err(e) = result {
            warn!(instance = %id, error = %e, "container instance liveness");
        }
    }
}

fn failed(
    ctx: &Context,
    id: &str,
    why: &str,
    now: u64,
    first_failure: &mut Option<u64>,
    last_answer: Option<u64>,
) -> Result<(), ControllerError> {
    let since = *first_failure.get_or_insert(now);
    let limit = u64::try_from(DISCONNECT_AFTER.as_millis()).unwrap_or(u64::MAX);
    // Never answered since the daemon started: disconnected at once (nothing runs there we know of).
    if last_answer.is_none() || now.saturating_sub(since) >= limit {
        disconnected(ctx, id, why, since)?;
    }
    Ok(())
}

/// Records that instance `id` has not answered since `since`.
fn disconnected(ctx: &Context, id: &str, why: &str, since: u64) -> Result<(), ControllerError> {
    let before = ctx.catalog.engine_facts(id)?.unwrap_or_default();
    if !before.connected && before.since != 0 && before.error.as_deref() == Some(why) {
        return Ok(());
    }
    if before.connected {
        warn!(instance = %id, error = %why, "container instance disconnected");
    }
    let facts = EngineFacts {
        connected: false,
        since: if before.connected || before.since == 0 {
            since
        } else {
            before.since
        },
        error: Some(why.to_string()),
        ..before
    };
    ctx.catalog.put_engine_facts(id, &facts)?;
    Ok(())
}

/// Tasks of a declared instance disconnected for longer than the grace are STOPPED (their
/// services replace them); their containers are stopped when the engine answers again.
fn stop_tasks_of_lost_instances(ctx: &Context) -> Result<(), ControllerError> {
    let now = ctx.clock.now_millis();
    let grace = u64::try_from(ctx.settings.instance_lost_grace.as_millis()).unwrap_or(u64::MAX);
    for record in ctx.catalog.declared_instances(None)? {
        let Some(facts) = ctx.catalog.engine_facts(&record.id)? else {
            continue;
        };
        if facts.connected || now.saturating_sub(facts.since) < grace {
            continue;
        }
        for task in ctx.catalog.live_tasks_on(&record.id)? {
            let reason = format!(
                "Container instance {} was lost: its engine has not answered for {}s ({})",
                record.name,
                now.saturating_sub(facts.since) / 1000,
                facts.error.as_deref().unwrap_or("no answer")
            );
            ctx.catalog
                .request_task_stop(&task.id, StopCode::ServiceSchedulerInitiated, &reason)?;
            let mut status = ctx.catalog.task_status(&task.id)?.unwrap_or_default();
            status.last_status = TaskState::Stopped;
            status
                .stop_code
                .get_or_insert(StopCode::ServiceSchedulerInitiated);
            status.stopped_reason.get_or_insert(reason.clone());
            status.stopped_at.get_or_insert(now);
            for c in &mut status.containers {
                c.last_status = TaskState::Stopped;
                c.reason
                    .get_or_insert_with(|| "container instance lost".to_string());
            }
            ctx.catalog.put_task_status(&task.id, &status)?;
            warn!(task = %task.id, instance = %record.name, "task stopped: its container instance is lost");
            if let Some(service) = &task.service {
                ctx.queue.add(ObjectKey::service(&task.cluster, service));
            }
        }
    }
    Ok(())
}
