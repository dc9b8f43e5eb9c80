//! What the service reconciler sees of its tasks: which are live, healthy, or failed.

use super::super::ControllerError;
use super::super::context::Context;
use crate::model::{DesiredStatus, HealthStatus, StopCode, TaskDefinitionRef, TaskState, is_health_failure};
use crate::store::{ServiceRecord, TaskRecord, TaskStatus};
use std::collections::BTreeMap;

/// A task of the service with its observed status.
pub type ServiceTask = (TaskRecord, TaskStatus);

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

/// Which containers failed their health checks and what their last probe said, for the
/// service's event: `failed container health checks: container web: exit 1: connection refused.`
pub fn unhealthy_detail(s: &TaskStatus) -> String {
    let containers: Vec<String> = s
        .containers
        .iter()
        .filter(|c| c.health_status == HealthStatus::Unhealthy)
        .map(|c| match c.health_probes.last() {
            Some(p) if p.output.is_empty() => format!("container {}: exit {}", c.name, p.exit_code),
            Some(p) => {
                let line = p.output.lines().last().unwrap_or_default();
                format!("container {}: exit {}: {line}", c.name, p.exit_code)
            }
            None => format!("container {}", c.name),
        })
        .collect();
    format!("failed container health checks: {}.", containers.join("; "))
}

/// How the restart backoff sees a task the scheduler is stopping for failing its health checks
/// (asked for earlier, or `decided` in this step): as already stopped now, so its replacement
/// waits like a crash's instead of starting while the failed task drains.
pub fn health_failure_as_stopped(
    t: &TaskRecord,
    s: &TaskStatus,
    decided: Option<&str>,
    now: u64,
) -> TaskStatus {
    let (code, reason) = match decided {
        Some(reason) => (
            Some(StopCode::ServiceSchedulerInitiated),
            Some(reason.to_string()),
        ),
        None => (t.stop_code, t.stopped_reason.clone()),
    };
    let failing = code.is_some_and(|c| is_health_failure(c, reason.as_deref()));
    if s.last_status == TaskState::Stopped || !failing {
        return s.clone();
    }
    TaskStatus {
        last_status: TaskState::Stopped,
        stop_code: code,
        stopped_reason: reason,
        stopped_at: Some(now),
        ..s.clone()
    }
}

/// How the service's target groups see a task: whether it is healthy in every one, and the
/// first that reports it unhealthy. A service without target groups: (true, None).
pub fn target_health(ctx: &Context, service: &ServiceRecord, t: &TaskRecord) -> (bool, Option<String>) {
    let mut all_healthy = true;
    let mut failing = None;
    for lb in &service.spec.load_balancers {
        let group = lb.target_group();
        let id = crate::controller::task::targets::target_id(&t.id, &lb.container_name);
        match ctx.lb.target_state(&group, &id) {
            Some(crate::lb::TargetState::Healthy) => {}
            Some(crate::lb::TargetState::Unhealthy) => {
                all_healthy = false;
                failing.get_or_insert(group);
            }
            _ => all_healthy = false,
        }
    }
    (all_healthy, failing)
}

/// Within `healthCheckGracePeriodSeconds` of the task's start: failing checks are ignored.
pub fn in_grace(service: &ServiceRecord, s: &TaskStatus, now: u64) -> bool {
    let grace = service
        .spec
        .health_check_grace_period_seconds
        .map_or(0, |g| g.0.saturating_mul(1000));
    match s.started_at {
        Some(started) => now < started.saturating_add(grace),
        None => true,
    }
}

/// A task that stopped before it was ever healthy, for a reason the circuit breaker counts.
pub fn failed_before_healthy(s: &TaskStatus) -> bool {
    if s.last_status != TaskState::Stopped || s.healthy_at.is_some() {
        return false;
    }
    match s.stop_code {
        Some(StopCode::TaskFailedToStart | StopCode::EssentialContainerExited) => true,
        Some(code) => is_health_failure(code, s.stopped_reason.as_deref()),
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
