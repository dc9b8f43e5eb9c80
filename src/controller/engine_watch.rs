//! Follows the engines: waits for the daemon's own at start (the readiness gate), turns
//! container events of every engine into queue keys, and reconnects with backoff, resyncing
//! after every reconnect.

use super::ControllerError;
use super::backoff::Backoff;
use super::context::{Context, ObjectKey};
use super::resync::resync_all;
use crate::runtime::{ContainerRuntime, EngineEvent, EngineInfo, labels};
use crate::store::EngineFacts;
use futures::StreamExt;
use std::sync::Arc;
use tracing::{debug, info, warn};

/// Blocks until the engine answers and a first full listing has been loaded, then opens the
/// queue's readiness gate.
pub async fn wait_until_ready(ctx: &Context) {
    let mut failures = 0;
    loop {
        match ctx.local_engine().info().await {
            Ok(info) => match record_facts(ctx, ctx.engines.local_id(), &info).and(resync_all(ctx).await) {
                Ok(()) => {
                    info!(engine = %info.name, version = %info.version, api = %info.api_version, "engine ready");
                    ctx.queue.set_ready();
                    return;
                }
                Err(e) => warn!(error = %e, "initial listing failed"),
            },
            Err(e) => warn!(error = %e, "waiting for the container engine"),
        }
        failures += 1;
        warn!(failures, "engine event stream ended; reconnecting");
        tokio::time::sleep(Backoff::RECONNECT.delay(failures)).await;
    }
}

/// Keys an event concerns: its task, and its service when it has one.
pub fn event_keys(event: &EngineEvent) -> Vec<ObjectKey> {
    let mut keys = Vec::new();
    if let Some(task) = event.labels.get(labels::TASK) {
        keys.push(ObjectKey::Task(task.clone()));
    }
    keys
}

/// Records what an engine reports about itself (it answered: connected).
pub fn record_facts(ctx: &Context, id: &str, info: &EngineInfo) -> Result<(), ControllerError> {
    let before = ctx.catalog.engine_facts(id)?;
    let since = match &before {
        Some(b) if b.connected => b.since,
        _ => ctx.clock.now_millis(),
    };
    let facts = EngineFacts {
        connected: true,
        since,
        engine: info.name.clone(),
        version: info.version.clone(),
        cpu: info.cpus * 1024,
        memory: info.memory_bytes / (1024 * 1024),
        architecture: info.architecture.clone(),
        error: None,
    };
    if before.as_ref() != Some(&facts) {
        ctx.catalog.put_engine_facts(id, &facts)?;
    }
    Ok(())
}

/// Runs forever for the engine of container instance `instance`: subscribe, forward events,
/// and on a broken stream wait, reconnect (counted in the daemon's health), resync.
pub async fn watch_engine(ctx: Arc<Context>, instance: String, engine: Arc<dyn ContainerRuntime>) {
    let filter = labels::filter(labels::OWNER, &ctx.owner);
    let mut failures = 0;
    let mut opened = false;
    loop {
        let mut events = engine.events(&filter);
        ctx.health.record_event_stream(&instance, opened);
        opened = true;
        if failures > 0 {
            // Events may have been missed while disconnected: look at everything again.
            if let Err(e) = resync_all(&ctx).await {
                warn!(error = %e, "resync after reconnect failed");
            }
        }
        while let Some(item) = events.next().await {
            match item {
                Ok(event) => {
                    failures = 0;
                    debug!(container = %event.container_id, action = %event.action, "engine event");
                    if event.action == "die" {
                        ctx.exits.died(&event.container_id);
                    }
                    for key in event_keys(&event) {
                        ctx.queue.add_event(key);
                    }
                }
                Err(e) => {
                    warn!(instance = %instance, error = %e, "engine event stream broke");
                    break;
                }
            }
        }
        failures += 1;
        warn!(instance = %instance, failures, "engine event stream ended; reconnecting");
        tokio::time::sleep(Backoff::RECONNECT.delay(failures)).await;
    }
}
