//! Controllers: the work queue and the reconcilers that make the engine match the store.
//!
//! Level-triggered: store changes, engine events and the resync timer only enqueue keys;
//! each reconcile re-reads intent from the store and facts from the engine.

mod backoff;
mod cluster;
mod context;
mod deployment_plan;
mod engine_watch;
mod exit_hints;
mod instances;
mod load_balancing;
mod queue;
mod restart_backoff;
mod resync;
mod retention;
pub mod schedule_plan;
mod scheduled_task;
mod service;
mod task;

pub use crate::clock::Clock;
pub use backoff::Backoff;
pub use context::{Context, ControllerSettings, ObjectKey};
pub use deployment_plan::{DeploymentPlan, PlanInput, PlanTask, StopWhy, limits, plan_deployment};
pub use exit_hints::ExitHints;
pub use queue::{Action, Reason, WorkQueue};
pub use restart_backoff::{CRASH_LOOP, restart_delay};
pub use resync::{Adoption, adopt_orphans, resync_all};
pub use retention::{KEEP_STOPPED_CONTAINERS, RetentionPlan, plan_retention};
pub use scheduled_task::started_by as schedule_started_by;
pub use service::reconcile_service;
pub use task::{reconcile_task, release_task_resources};

use crate::runtime::RuntimeError;
use crate::store::{Catalog, Change, StoreError};
use std::future::Future;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;
use tracing::{Instrument, debug, info_span, warn};

/// Why a reconcile failed (it is retried with backoff).
#[derive(Debug, thiserror::Error)]
pub enum ControllerError {
    /// Reading or writing state failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The engine failed or is unreachable.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

/// Reconciles one key inside its tracing span.
pub async fn reconcile(ctx: Arc<Context>, key: ObjectKey, reason: Reason) -> Result<Action, ControllerError> {
    let span = info_span!("reconcile", kind = key.kind(), key = %key, reason = reason.as_str());
    let started = tokio::time::Instant::now();
    let result = match &key {
        ObjectKey::Service { cluster, name } => {
            reconcile_service(&ctx, cluster, name)
                .instrument(span.clone())
                .await
        }
        ObjectKey::Task(id) => reconcile_task(&ctx, id).instrument(span.clone()).await,
        ObjectKey::LoadBalancing => {
            load_balancing::reconcile_load_balancing(&ctx)
                .instrument(span.clone())
                .await
        }
        ObjectKey::ScheduledTask { cluster, name } => {
            scheduled_task::reconcile_scheduled_task(&ctx, cluster, name)
                .instrument(span.clone())
                .await
        }
        ObjectKey::Cluster(name) => {
            cluster::reconcile_cluster(&ctx, name)
                .instrument(span.clone())
                .await
        }
    };
    span.in_scope(|| match &result {
        Ok(Action::Done) => debug!(outcome = "done", "reconciled"),
        Ok(Action::RequeueAfter(after)) => debug!(outcome = "requeue", after = ?after, "reconciled"),
        Err(e) => warn!(error = %e, "reconcile failed; will retry"),
    });
    record_health(&ctx.health, key.kind(), &result, started.elapsed());
    result
}

/// Counts a reconcile by kind and outcome (engine calls are counted by the engine's wrapper).
fn record_health(
    health: &crate::metrics::DaemonHealth,
    kind: &'static str,
    result: &Result<Action, ControllerError>,
    elapsed: std::time::Duration,
) {
    use crate::metrics::Outcome;
    let outcome = match result {
        Ok(_) => Outcome::Ok,
        Err(_) => Outcome::Error,
    };
    health.record_reconcile(kind, outcome, elapsed);
}

/// Runs every controller loop until `shutdown` resolves, then gives in-flight reconciles a
/// short drain (see `WorkQueue::run`): a stop grace is left to the engine, not waited out.
pub async fn run(ctx: Arc<Context>, shutdown: impl Future<Output = ()> + Send) {
    let changes = tokio::spawn(follow_changes(ctx.catalog.clone(), ctx.clone()));
    let targets = tokio::spawn(task::targets::follow_targets(ctx.clone()));
    let ready_ctx = ctx.clone();
    let watcher = tokio::spawn(async move {
        engine_watch::wait_until_ready(&ready_ctx).await;
        let local = ready_ctx.local_engine();
        let id = ready_ctx.engines.local_id().to_string();
        engine_watch::watch_engine(ready_ctx, id, local).await;
    });
    let instances = tokio::spawn(instances::supervise(ctx.clone()));
    let resync_ctx = ctx.clone();
    let resync = tokio::spawn(async move {
        let mut tick = tokio::time::interval(resync_ctx.settings.resync_interval);
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = resync_all(&resync_ctx).await {
                warn!(error = %e, "periodic resync failed");
            }
        }
    });
    let work_ctx = ctx.clone();
    ctx.queue
        .clone()
        .run(
            ctx.settings.concurrency,
            move |key, reason| reconcile(work_ctx.clone(), key, reason),
            shutdown,
        )
        .await;
    changes.abort();
    targets.abort();
    watcher.abort();
    instances.abort();
    resync.abort();
}

/// Turns intent changes in the store into queue keys.
async fn follow_changes(catalog: Catalog, ctx: Arc<Context>) {
    let mut rx = catalog.subscribe();
    loop {
        match rx.recv().await {
            Ok(change) => enqueue_change(&ctx, change),
            Err(RecvError::Lagged(_)) => {
                if let Err(e) = resync_all(&ctx).await {
                    warn!(error = %e, "resync after missed changes failed");
                }
            }
            Err(RecvError::Closed) => return,
        }
    }
}

fn enqueue_change(ctx: &Context, change: Change) {
    match change {
        Change::Task(id) => ctx.queue.add(ObjectKey::Task(id)),
        Change::Service { cluster, name } => ctx.queue.add(ObjectKey::Service { cluster, name }),
        Change::LoadBalancing => ctx.queue.add(ObjectKey::LoadBalancing),
        Change::ScheduledTask { cluster, name } => ctx.queue.add(ObjectKey::ScheduledTask { cluster, name }),
        Change::Cluster(name) => {
            ctx.queue.add(ObjectKey::Cluster(name));
            enqueue_every_service(ctx);
        }
        Change::TaskDefinition(_) => enqueue_every_service(ctx),
    }
}

/// A new revision (or cluster) may be what a service tracks; services are few, so look at all.
fn enqueue_every_service(ctx: &Context) {
    match ctx.catalog.services(None) {
        Ok(services) => {
            for s in services {
                ctx.queue.add(ObjectKey::service(&s.cluster, &s.name));
            }
        }
        Err(e) => warn!(error = %e, "cannot list services"),
    }
}

#[cfg(test)]
mod tests;
