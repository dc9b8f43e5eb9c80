//! Waiting for service rollouts, shared by `rollout status` and `apply --wait`: the pure
//! decision of where a rollout stands, and the polling loop that prints its progress.

use super::ServiceName;
use super::output::{or_dash, short_arn};
use crate::api::client::ApiClient;
use crate::api::shapes::{DeploymentShape, Items, Service};
use crate::store::{DeploymentStatus, RolloutState};
use std::time::Duration;
use tokio::time::Instant;

/// How often a service is read while waiting.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Where a service's rollout stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolloutOutcome {
    /// Still rolling out, or the controller has not acted on the latest change yet.
    InProgress,
    /// Steady: the PRIMARY deployment is COMPLETED, no other deployment is PRIMARY or ACTIVE,
    /// and the service runs its desired count with nothing pending.
    Completed,
    /// A watched deployment failed.
    Failed {
        /// Its id.
        deployment: String,
        /// Its `rolloutStateReason`.
        reason: String,
    },
    /// The rollout was rolled back: the PRIMARY is a rollback.
    RolledBack {
        /// The deployment rolled back from.
        from: String,
        /// The revision (`family:revision`) rolled back to.
        to: String,
        /// Why `from` failed, while it is still listed (it leaves the service's deployments,
        /// for the history, once the rollback completes).
        reason: Option<String>,
    },
    /// The service is being deleted.
    Deleting,
}

/// Where the rollout of `service` (an ECS `Service` shape) stands. `started` is the id of the
/// deployment that was PRIMARY when the wait began: its failure fails the wait even after
/// another deployment has taken over.
pub fn rollout_outcome(service: &Service, started: Option<&str>) -> RolloutOutcome {
    if service.status == "DRAINING" {
        return RolloutOutcome::Deleting;
    }
    let Some(primary) = primary(service).filter(|_| service.spec_observed) else {
        return RolloutOutcome::InProgress;
    };
    let by_id = |id: &str| service.deployments.iter().find(|d| d.id == id);
    if let Some(from) = &primary.rollback_from {
        return RolloutOutcome::RolledBack {
            from: from.clone(),
            to: revision(primary),
            reason: by_id(from).and_then(failure_reason),
        };
    }
    let watched = [Some(primary), started.and_then(by_id)];
    if let Some(failed) = watched
        .into_iter()
        .flatten()
        .find(|d| d.rollout_state == RolloutState::Failed)
    {
        return RolloutOutcome::Failed {
            deployment: failed.id.clone(),
            reason: failure_reason(failed).unwrap_or_else(|| "the deployment failed".into()),
        };
    }
    let others_remain = service
        .deployments
        .iter()
        .any(|d| d.id != primary.id && d.status != DeploymentStatus::Inactive);
    // A COMPLETED deployment stays COMPLETED through a later scale: the counts say whether the
    // service is steady again.
    let counts_met = service.running_count == service.desired_count && service.pending_count == 0;
    if primary.rollout_state == RolloutState::Completed && !others_remain && counts_met {
        RolloutOutcome::Completed
    } else {
        RolloutOutcome::InProgress
    }
}

/// A deployment's `rolloutStateReason`, without the trailing period ECS puts there.
fn failure_reason(deployment: &DeploymentShape) -> Option<String> {
    let reason = deployment.rollout_state_reason.as_deref()?;
    Some(reason.trim_end_matches('.').to_string())
}

/// `family:revision` a deployment runs.
fn revision(deployment: &DeploymentShape) -> String {
    or_dash(deployment.task_definition.as_deref().map(short_arn))
}

fn primary(service: &Service) -> Option<&DeploymentShape> {
    service
        .deployments
        .iter()
        .find(|d| d.status == DeploymentStatus::Primary)
}

/// `deployment ecs-svc/… (web:3): 2 of 3 running, IN_PROGRESS` for the PRIMARY deployment.
fn progress(service: &Service) -> Option<String> {
    let d = primary(service)?;
    let failed = match d.failed_tasks {
        0 => String::new(),
        n => format!(", {n} failed"),
    };
    Some(format!(
        "deployment {} ({}): {} of {} running{failed}, {}",
        d.id,
        revision(d),
        d.running_count,
        d.desired_count,
        super::output::wire(&d.rollout_state)
    ))
}

/// `; latest event: …` from the newest service event, if any.
fn latest_event(service: Option<&Service>) -> String {
    service
        .and_then(|s| s.events.first())
        .map(|e| format!("; latest event: {}", e.message))
        .unwrap_or_default()
}

/// One service being waited for.
struct Watch {
    service: ServiceName,
    started: Option<String>,
    last_line: Option<String>,
    last_seen: Option<Service>,
    done: bool,
}

impl Watch {
    fn new(service: ServiceName) -> Self {
        Self {
            service,
            started: None,
            last_line: None,
            last_seen: None,
            done: false,
        }
    }

    /// Takes one reading: prints changed progress, fails on a failed or rolled-back rollout.
    async fn observe(&mut self, client: &ApiClient, service: Service, labelled: bool) -> anyhow::Result<()> {
        if service.spec_observed {
            if self.started.is_none() {
                self.started = primary(&service).map(|d| d.id.clone());
            }
            let line = progress(&service);
            if line.is_some() && line != self.last_line {
                let prefix = if labelled {
                    format!("{}: ", self.service)
                } else {
                    String::new()
                };
                println!("{prefix}{}", line.as_deref().unwrap_or_default());
                self.last_line = line;
            }
        }
        let outcome = rollout_outcome(&service, self.started.as_deref());
        let event = latest_event(Some(&service));
        self.last_seen = Some(service);
        let name = &self.service;
        match outcome {
            RolloutOutcome::InProgress => {}
            RolloutOutcome::Completed => {
                println!("{name} successfully rolled out");
                self.done = true;
            }
            RolloutOutcome::Failed { deployment, reason } => {
                anyhow::bail!("{name}: deployment {deployment} failed: {reason}{event}")
            }
            RolloutOutcome::RolledBack { from, to, reason } => {
                let reason = match reason {
                    Some(reason) => reason,
                    None => self.past_failure_reason(client, &from).await?,
                };
                anyhow::bail!("{name}: deployment {from} failed and was rolled back to {to}: {reason}{event}")
            }
            RolloutOutcome::Deleting => anyhow::bail!("{name} is being deleted"),
        }
        Ok(())
    }

    /// Why deployment `id`, no longer among the service's current ones, failed.
    async fn past_failure_reason(&self, client: &ApiClient, id: &str) -> anyhow::Result<String> {
        let history: Items<DeploymentShape> = client
            .get(&format!("{}/deployments", self.service.path()))
            .await?;
        Ok(history
            .items
            .iter()
            .find(|d| d.id == id)
            .and_then(failure_reason)
            .unwrap_or_else(|| "the deployment failed".into()))
    }

    fn timed_out(&self, timeout: Duration, others: usize) -> anyhow::Error {
        let state = self
            .last_line
            .as_ref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default();
        let others = match others {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        anyhow::anyhow!(
            "timed out after {} waiting for {}{others} to roll out{state}{}",
            humantime::format_duration(timeout),
            self.service,
            latest_event(self.last_seen.as_ref())
        )
    }
}

/// Waits until the rollout of every service in `services` completes, printing progress; fails,
/// naming the service, on a failed or rolled-back rollout, or once `timeout` has passed.
pub async fn wait_for_rollouts(
    client: &ApiClient,
    services: &[ServiceName],
    timeout: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    let labelled = services.len() > 1;
    let mut watches: Vec<Watch> = services.iter().cloned().map(Watch::new).collect();
    loop {
        for watch in watches.iter_mut().filter(|w| !w.done) {
            let service = client.get(&watch.service.path()).await?;
            watch.observe(client, service, labelled).await?;
        }
        let pending: Vec<&Watch> = watches.iter().filter(|w| !w.done).collect();
        let Some(first) = pending.first() else {
            return Ok(());
        };
        if Instant::now() >= deadline {
            return Err(first.timed_out(timeout, pending.len() - 1));
        }
        tokio::time::sleep_until(deadline.min(Instant::now() + POLL_INTERVAL)).await;
    }
}

#[cfg(test)]
mod tests;
