//! `GET /v1/events`: what `ecsd events` shows — service events, the events of scheduled
//! tasks (due times skipped, missed or not started), folder sync events and the state
//! database's recovery — oldest first, each under the source it came from.

use super::{Reply, Shared, items};
use crate::api::shapes::{EventEntry, Items};
use crate::api::{ApiError, ApiState, shapes};
use axum::extract::{Query, State};
use serde::Deserialize;

#[derive(Deserialize)]
pub(super) struct EventFilter {
    cluster: Option<String>,
    /// Only this service's events.
    service: Option<String>,
    /// Only this scheduled task's events.
    schedule: Option<String>,
}

impl EventFilter {
    /// `kind NAME not found`, naming the cluster when one was given.
    fn not_found(&self, kind: &str, name: &str) -> ApiError {
        let cluster = self
            .cluster
            .as_deref()
            .map(|c| format!("{c}/"))
            .unwrap_or_default();
        ApiError::NotFound(format!("{kind} {cluster}{name} not found"))
    }
}

type Timed = Vec<(u64, EventEntry)>;

/// Events of every source (or of the one service or schedule named), oldest first.
pub(super) async fn list_events(State(s): Shared, Query(q): Query<EventFilter>) -> Reply<Items<EventEntry>> {
    let mut out = Vec::new();
    if q.schedule.is_none() {
        service_events(&s, &q, &mut out)?;
    }
    if q.service.is_none() {
        schedule_events(&s, &q, &mut out)?;
    }
    if q.service.is_none() && q.schedule.is_none() {
        daemon_events(&s, &mut out)?;
    }
    // Stable: events of one source at the same millisecond keep their order.
    out.sort_by_key(|(at, _)| *at);
    Ok(items(out.into_iter().map(|(_, v)| v).collect()))
}

fn service_events(s: &ApiState, q: &EventFilter, out: &mut Timed) -> Result<(), ApiError> {
    let mut found = false;
    for svc in s.catalog.services(q.cluster.as_deref())? {
        if q.service.as_ref().is_some_and(|wanted| *wanted != svc.name) {
            continue;
        }
        found = true;
        let status = s
            .catalog
            .service_status(&svc.cluster, &svc.name)?
            .unwrap_or_default();
        for e in shapes::service_events(&svc, &status).iter().rev() {
            out.push((e.created_at, EventEntry::new(e, &svc.name, &svc.cluster)));
        }
    }
    match (&q.service, found) {
        (Some(name), false) => Err(q.not_found("service", name)),
        _ => Ok(()),
    }
}

/// A schedule's events come under `scheduled:NAME`, the group its tasks have.
fn schedule_events(s: &ApiState, q: &EventFilter, out: &mut Timed) -> Result<(), ApiError> {
    let mut found = false;
    for record in s.catalog.scheduled_tasks(q.cluster.as_deref())? {
        if q.schedule.as_ref().is_some_and(|wanted| *wanted != record.name) {
            continue;
        }
        found = true;
        let source = format!("scheduled:{}", record.name);
        let status = s.catalog.schedule_status(&record.cluster, &record.name)?;
        for e in status.events.iter().rev() {
            out.push((e.created_at, EventEntry::new(e, &source, &record.cluster)));
        }
    }
    match (&q.schedule, found) {
        (Some(name), false) => Err(q.not_found("scheduled task", name)),
        _ => Ok(()),
    }
}

/// Folder sync events (under the folder's path) and the state database's recovery.
fn daemon_events(s: &ApiState, out: &mut Timed) -> Result<(), ApiError> {
    for folder in s.catalog.folder_syncs()? {
        let source = format!("sync:{}", folder.root);
        for e in folder.events.iter().rev() {
            out.push((e.created_at, EventEntry::new(e, &source, "-")));
        }
    }
    if let Some(r) = s.catalog.recovery()? {
        out.push((r.detected_at, shapes::state_recovery_event(&r)));
    }
    Ok(())
}
