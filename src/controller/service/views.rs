//! What the service reconciler sees of its tasks: which are live, healthy, or failed.

use super::super::ControllerError;
use super::super::context::Context;
use crate::model::{DesiredStatus, HealthStatus, StopCode, TaskDefinitionRef, TaskState};
use crate::store::{ServiceRecord, TaskRecord, TaskStatus};
use std::collections::BTreeMap;

/// A task of the service with its observed status.
pub type ServiceTask = (TaskRecord, TaskStatus);

/// Stop reason used when a task fails its container health checks (ECS wording).
pub const UNHEALTHY_REASON: &str = "Task failed container health checks";
/// Stop reason prefix used when a task misses the healthy deadline.
pub const DEADLINE_REASON: &str = "Task did not become healthy within";

/// Every task record of the service with its observed status.
pub fn service_tasks(ctx: &Context, service: &ServiceRecord) -> Result<Vec<ServiceTask>, ControllerError> {
    let mut statuses = ctx.catalog.task_statuses()?;
    Ok(ctx
        .catalog
        .tasks()?
        .into_iter()
        .filter(|t| t.cluster == service.cluster && t.service.as_deref() == Some(service.name.as_str()))
        .map(|t| {
            let status = statuses.remove(&t.id).unwrap_or_default();
            (t, status)
        })
        .collect())
}

/// A task that is meant to run and has not begun stopping.
pub fn is_live(t: &TaskRecord, s: &TaskStatus) -> bool {
    t.desired_status == DesiredStatus::Running && !s.last_status.is_shutting_down() && s.stop_code.is_none()
}

/// Whether each task definition revision has an essential container with a health check.
pub struct HealthRules<'a> {
    ctx: &'a Context,
    checked: BTreeMap<String, bool>,
}

impl<'a> HealthRules<'a> {
    /// Rules backed by the catalog's task definitions.
    pub fn new(ctx: &'a Context) -> Self {
        Self {
            ctx,
            checked: BTreeMap::new(),
        }
    }

    fn has_check(&mut self, reference: &str) -> Result<bool, ControllerError> {
        if let Some(known) = self.checked.get(reference) {
            return Ok(*known);
        }
        let has = match TaskDefinitionRef::parse(reference) {
            Ok(r) => self
                .ctx
                .catalog
                .task_definition(&r.family, r.revision.unwrap_or(0))?
                .is_some_and(|td| {
                    td.spec
                        .container_definitions
                        .iter()
                        .any(|c| c.is_essential() && c.health_check.is_some())
                }),
            Err(_) => false,
        };
        self.checked.insert(reference.to_string(), has);
        Ok(has)
    }

    /// Healthy = RUNNING and HEALTHY, or RUNNING for the minimum healthy time without a check.
    pub fn is_healthy(&mut self, t: &TaskRecord, s: &TaskStatus, now: u64) -> Result<bool, ControllerError> {
        if s.last_status != TaskState::Running {
            return Ok(false);
        }
        Ok(match s.health_status {
            HealthStatus::Healthy => true,
            HealthStatus::Unhealthy => false,
            HealthStatus::Unknown => {
                let min = self.ctx.settings.min_healthy_time.as_millis() as u64;
                !self.has_check(&t.task_definition)?
                    && s.started_at.is_some_and(|at| now >= at.saturating_add(min))
            }
        })
    }
}

/// A task that stopped before it was ever healthy, for a reason the circuit breaker counts.
pub fn failed_before_healthy(s: &TaskStatus) -> bool {
    if s.last_status != TaskState::Stopped || s.healthy_at.is_some() {
        return false;
    }
    match s.stop_code {
        Some(StopCode::TaskFailedToStart | StopCode::EssentialContainerExited) => true,
        Some(StopCode::ServiceSchedulerInitiated) => s
            .stopped_reason
            .as_deref()
            .is_some_and(|r| r.starts_with(UNHEALTHY_REASON) || r.starts_with(DEADLINE_REASON)),
        _ => false,
    }
}

/// The deployment a task counts toward; tasks from before deployments existed (or adopted
/// from labels) count toward the PRIMARY when they run its revision.
pub fn deployment_of(t: &TaskRecord, primary_id: &str, primary_td: &str) -> String {
    match &t.deployment {
        Some(d) => d.clone(),
        None if t.task_definition == primary_td => primary_id.to_string(),
        None => format!("legacy:{}", t.task_definition),
    }
}
