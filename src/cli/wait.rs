//! Waiting for service rollouts, shared by `rollout status` and `apply --wait`: the pure
//! decision of where a rollout stands, and the polling loop that prints its progress.

use super::ServiceName;
use super::output::{short_arn, text};
use crate::api::client::ApiClient;
use serde_json::Value;
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
pub fn rollout_outcome(service: &Value, started: Option<&str>) -> RolloutOutcome {
    if service["status"] == "DRAINING" {
        return RolloutOutcome::Deleting;
    }
    let Some(primary) = primary(service).filter(|_| observed(service)) else {
        return RolloutOutcome::InProgress;
    };
    let by_id = |id: &str| deployments(service).iter().find(|d| d["id"] == id);
    if let Some(from) = primary["rollbackFrom"].as_str() {
        return RolloutOutcome::RolledBack {
            from: from.to_string(),
            to: short_arn(&primary["taskDefinition"]),
            reason: by_id(from).and_then(failure_reason),
        };
    }
    let watched = [Some(primary), started.and_then(by_id)];
    if let Some(failed) = watched
        .into_iter()
        .flatten()
        .find(|d| d["rolloutState"] == "FAILED")
    {
        return RolloutOutcome::Failed {
            deployment: text(&failed["id"]),
            reason: failure_reason(failed).unwrap_or_else(|| "the deployment failed".into()),
        };
    }
    let others_remain = deployments(service)
        .iter()
        .any(|d| d["id"] != primary["id"] && (d["status"] == "PRIMARY" || d["status"] == "ACTIVE"));
    // A COMPLETED deployment stays COMPLETED through a later scale: the counts say whether the
    // service is steady again.
    let counts_met =
        service["runningCount"] == service["desiredCount"] && service["pendingCount"].as_u64() == Some(0);
    if primary["rolloutState"] == "COMPLETED" && !others_remain && counts_met {
        RolloutOutcome::Completed
    } else {
        RolloutOutcome::InProgress
    }
}

/// Whether the controller has acted on the service's latest change (and on a new revision of a
/// family it follows), so that its deployments are current.
fn observed(service: &Value) -> bool {
    service["specObserved"] == true
}

/// A deployment's `rolloutStateReason`, without the trailing period ECS puts there.
fn failure_reason(deployment: &Value) -> Option<String> {
    let reason = deployment["rolloutStateReason"].as_str()?;
    Some(reason.trim_end_matches('.').to_string())
}

fn deployments(service: &Value) -> &[Value] {
    service["deployments"].as_array().map_or(&[], Vec::as_slice)
}

fn primary(service: &Value) -> Option<&Value> {
    deployments(service).iter().find(|d| d["status"] == "PRIMARY")
}

/// `deployment ecs-svc/… (web:3): 2 of 3 running, IN_PROGRESS` for the PRIMARY deployment.
fn progress(service: &Value) -> Option<String> {
    let d = primary(service)?;
    let failed = match d["failedTasks"].as_u64() {
        Some(n) if n > 0 => format!(", {n} failed"),
        _ => String::new(),
    };
    Some(format!(
        "deployment {} ({}): {} of {} running{failed}, {}",
        text(&d["id"]),
        short_arn(&d["taskDefinition"]),
        d["runningCount"],
        d["desiredCount"],
        text(&d["rolloutState"])
    ))
}

/// `; latest event: …` from the newest service event, if any.
fn latest_event(service: &Value) -> String {
    service["events"][0]["message"]
        .as_str()
        .map(|m| format!("; latest event: {m}"))
        .unwrap_or_default()
}

/// One service being waited for.
struct Watch {
    service: ServiceName,
    started: Option<String>,
    last_line: Option<String>,
    last_seen: Value,
    done: bool,
}

impl Watch {
    fn new(service: ServiceName) -> Self {
        Self {
            service,
            started: None,
            last_line: None,
            last_seen: Value::Null,
            done: false,
        }
    }

    /// Takes one reading: prints changed progress, fails on a failed or rolled-back rollout.
    async fn observe(&mut self, client: &ApiClient, service: Value, labelled: bool) -> anyhow::Result<()> {
        if observed(&service) {
            if self.started.is_none() {
                self.started = primary(&service).map(|d| text(&d["id"]));
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
        let event = latest_event(&service);
        self.last_seen = service;
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
        let history = client
            .get(&format!("{}/deployments", self.service.path()))
            .await?;
        Ok(history["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| d["id"] == id)
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
            latest_event(&self.last_seen)
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
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(id: &str, td: &str, status: &str, state: &str) -> Value {
        json!({
            "id": id,
            "status": status,
            "taskDefinition": format!("arn:aws:ecs:local:000000000000:task-definition/{td}"),
            "desiredCount": 3,
            "runningCount": 2,
            "failedTasks": 0,
            "rolloutState": state,
        })
    }

    fn service(deployments: Vec<Value>) -> Value {
        json!({
            "serviceName": "web",
            "status": "ACTIVE",
            "desiredCount": 3,
            "runningCount": 3,
            "pendingCount": 0,
            "specObserved": true,
            "deployments": deployments,
            "events": [{"message": "(service web) has started 1 tasks."}],
        })
    }

    fn with_reason(mut d: Value, reason: &str) -> Value {
        d["rolloutStateReason"] = json!(reason);
        d
    }

    #[test]
    fn a_completed_primary_with_nothing_else_left_is_completed() {
        let s = service(vec![deployment("d2", "web:2", "PRIMARY", "COMPLETED")]);
        assert_eq!(rollout_outcome(&s, Some("d2")), RolloutOutcome::Completed);
        assert_eq!(rollout_outcome(&s, None), RolloutOutcome::Completed);
    }

    #[test]
    fn inactive_history_does_not_hold_a_completed_rollout_back() {
        let s = service(vec![
            deployment("d2", "web:2", "PRIMARY", "COMPLETED"),
            deployment("d1", "web:1", "INACTIVE", "COMPLETED"),
        ]);
        assert_eq!(rollout_outcome(&s, Some("d2")), RolloutOutcome::Completed);
    }

    #[test]
    fn a_completed_primary_is_in_progress_until_the_service_runs_its_desired_count() {
        let mut s = service(vec![deployment("d2", "web:2", "PRIMARY", "COMPLETED")]);
        s["desiredCount"] = json!(5);
        assert_eq!(rollout_outcome(&s, Some("d2")), RolloutOutcome::InProgress);
        s["runningCount"] = json!(5);
        s["pendingCount"] = json!(1);
        assert_eq!(rollout_outcome(&s, Some("d2")), RolloutOutcome::InProgress);
        s["pendingCount"] = json!(0);
        assert_eq!(rollout_outcome(&s, Some("d2")), RolloutOutcome::Completed);
    }

    #[test]
    fn a_primary_in_progress_is_in_progress() {
        let s = service(vec![deployment("d2", "web:2", "PRIMARY", "IN_PROGRESS")]);
        assert_eq!(rollout_outcome(&s, Some("d2")), RolloutOutcome::InProgress);
    }

    #[test]
    fn a_completed_primary_is_in_progress_while_an_old_deployment_is_still_active() {
        let s = service(vec![
            deployment("d2", "web:2", "PRIMARY", "COMPLETED"),
            deployment("d1", "web:1", "ACTIVE", "COMPLETED"),
        ]);
        assert_eq!(rollout_outcome(&s, Some("d2")), RolloutOutcome::InProgress);
    }

    #[test]
    fn nothing_counts_until_the_controller_has_seen_the_latest_change() {
        let mut s = service(vec![deployment("d1", "web:1", "PRIMARY", "FAILED")]);
        s["specObserved"] = json!(false);
        assert_eq!(rollout_outcome(&s, None), RolloutOutcome::InProgress);
        s["deployments"] = json!([deployment("d1", "web:1", "PRIMARY", "COMPLETED")]);
        assert_eq!(rollout_outcome(&s, None), RolloutOutcome::InProgress);
    }

    #[test]
    fn a_service_without_a_primary_is_in_progress() {
        assert_eq!(
            rollout_outcome(&service(vec![]), None),
            RolloutOutcome::InProgress
        );
    }

    #[test]
    fn a_failed_primary_fails_with_its_reason() {
        let failed = with_reason(
            deployment("d2", "web:2", "PRIMARY", "FAILED"),
            "tasks failed to start",
        );
        let s = service(vec![failed, deployment("d1", "web:1", "ACTIVE", "COMPLETED")]);
        assert_eq!(
            rollout_outcome(&s, Some("d2")),
            RolloutOutcome::Failed {
                deployment: "d2".into(),
                reason: "tasks failed to start".into()
            }
        );
    }

    #[test]
    fn a_failure_without_a_reason_still_says_it_failed() {
        let s = service(vec![deployment("d2", "web:2", "PRIMARY", "FAILED")]);
        assert!(matches!(
            rollout_outcome(&s, None),
            RolloutOutcome::Failed { reason, .. } if reason == "the deployment failed"
        ));
    }

    #[test]
    fn the_watched_deployment_failing_fails_even_after_another_took_over() {
        let s = service(vec![
            deployment("d3", "web:3", "PRIMARY", "IN_PROGRESS"),
            deployment("d2", "web:2", "ACTIVE", "FAILED"),
        ]);
        assert!(matches!(
            rollout_outcome(&s, Some("d2")),
            RolloutOutcome::Failed { deployment, .. } if deployment == "d2"
        ));
    }

    #[test]
    fn an_old_failed_deployment_that_is_not_watched_does_not_fail_the_wait() {
        let s = service(vec![
            deployment("d3", "web:3", "PRIMARY", "IN_PROGRESS"),
            deployment("d2", "web:2", "ACTIVE", "FAILED"),
        ]);
        assert_eq!(rollout_outcome(&s, Some("d3")), RolloutOutcome::InProgress);
    }

    #[test]
    fn a_rollback_primary_means_rolled_back_with_the_failed_deployments_reason() {
        let mut rollback = deployment("d3", "web:1", "PRIMARY", "IN_PROGRESS");
        rollback["rollbackFrom"] = json!("d2");
        let failed = with_reason(
            deployment("d2", "web:2", "ACTIVE", "FAILED"),
            "tasks failed to start.",
        );
        let s = service(vec![rollback, failed]);
        assert_eq!(
            rollout_outcome(&s, Some("d2")),
            RolloutOutcome::RolledBack {
                from: "d2".into(),
                to: "web:1".into(),
                reason: Some("tasks failed to start".into())
            }
        );
    }

    #[test]
    fn a_completed_rollback_is_still_a_rolled_back_rollout_without_its_own_reason() {
        let mut rollback = with_reason(
            deployment("d3", "web:1", "PRIMARY", "COMPLETED"),
            "ECS deployment completed.",
        );
        rollback["rollbackFrom"] = json!("d2");
        let s = service(vec![rollback]);
        assert_eq!(
            rollout_outcome(&s, Some("d3")),
            RolloutOutcome::RolledBack {
                from: "d2".into(),
                to: "web:1".into(),
                reason: None
            }
        );
    }

    #[test]
    fn a_draining_service_is_being_deleted() {
        let mut s = service(vec![deployment("d2", "web:2", "PRIMARY", "IN_PROGRESS")]);
        s["status"] = json!("DRAINING");
        assert_eq!(rollout_outcome(&s, Some("d2")), RolloutOutcome::Deleting);
    }

    #[test]
    fn progress_names_the_primary_its_revision_and_counts() {
        let mut primary = deployment("ecs-svc/1", "web:3", "PRIMARY", "IN_PROGRESS");
        let s = service(vec![primary.clone()]);
        assert_eq!(
            progress(&s).as_deref(),
            Some("deployment ecs-svc/1 (web:3): 2 of 3 running, IN_PROGRESS")
        );
        primary["failedTasks"] = json!(2);
        assert_eq!(
            progress(&service(vec![primary])).as_deref(),
            Some("deployment ecs-svc/1 (web:3): 2 of 3 running, 2 failed, IN_PROGRESS")
        );
        assert_eq!(progress(&service(vec![])), None);
    }

    #[test]
    fn the_latest_event_is_the_first_one() {
        let s = service(vec![]);
        assert_eq!(
            latest_event(&s),
            "; latest event: (service web) has started 1 tasks."
        );
        assert_eq!(latest_event(&json!({"events": []})), "");
    }
}
