//! `ecsd rollout status|history|undo|restart service/NAME`: follow, list, revert or repeat a
//! service's deployments.

use super::ServiceTarget;
use super::output::{age, print_table, short_arn, text};
use super::wait::wait_for_rollouts;
use crate::api::client::ApiClient;
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use std::time::Duration;

/// Flags of `ecsd rollout`.
#[derive(Debug, Args)]
pub struct RolloutArgs {
    /// What to do.
    #[command(subcommand)]
    action: RolloutAction,
}

/// The `rollout` sub-verbs.
#[derive(Debug, Subcommand)]
enum RolloutAction {
    /// Follow the PRIMARY deployment until it completes (exit 0), fails or is rolled back (exit 1).
    Status {
        #[command(flatten)]
        service: ServiceTarget,
        /// Give up after this long.
        #[arg(long, default_value = "10m", value_parser = humantime::parse_duration)]
        timeout: Duration,
    },
    /// List deployments, current and past.
    History {
        #[command(flatten)]
        service: ServiceTarget,
    },
    /// Go back to the previous completed revision (or to --to-revision).
    Undo {
        #[command(flatten)]
        service: ServiceTarget,
        /// Revision of the service's task definition family to go back to.
        #[arg(long)]
        to_revision: Option<u32>,
    },
    /// Replace every task with a new deployment of the same revision (ECS forceNewDeployment).
    Restart {
        #[command(flatten)]
        service: ServiceTarget,
    },
}

/// Runs `rollout`.
pub async fn run(client: &ApiClient, args: RolloutArgs) -> anyhow::Result<()> {
    match args.action {
        RolloutAction::Status { service, timeout } => {
            wait_for_rollouts(client, &[service.service()?], timeout).await
        }
        RolloutAction::History { service } => history(client, &service).await,
        RolloutAction::Undo { service, to_revision } => {
            let service = service.service()?;
            let reply = client
                .post(
                    &format!("{}/undo", service.path()),
                    &json!({"toRevision": to_revision}),
                )
                .await?;
            println!("{service} rolled back to {}", text(&reply["taskDefinition"]));
            Ok(())
        }
        RolloutAction::Restart { service } => {
            let service = service.service()?;
            client
                .post(&format!("{}/restart", service.path()), &json!({}))
                .await?;
            println!("{service} restarted");
            Ok(())
        }
    }
}

async fn history(client: &ApiClient, target: &ServiceTarget) -> anyhow::Result<()> {
    let service = target.service()?;
    let reply = client.get(&format!("{}/deployments", service.path())).await?;
    let mut deployments: Vec<Value> = reply["items"].as_array().cloned().unwrap_or_default();
    deployments.sort_by(|a, b| {
        let at = |d: &Value| d["createdAt"].as_f64().unwrap_or(0.0);
        at(b).total_cmp(&at(a))
    });
    let rows: Vec<Vec<String>> = deployments.iter().map(history_row).collect();
    print_table(
        &["ID", "TASK DEFINITION", "STATUS", "ROLLOUT", "CREATED", "REASON"],
        &rows,
    );
    Ok(())
}

fn history_row(d: &Value) -> Vec<String> {
    let mut reason: Vec<String> = Vec::new();
    if let Some(from) = d["rollbackFrom"].as_str() {
        reason.push(format!("rollback from {from}"));
    }
    if let Some(why) = d["rolloutStateReason"].as_str() {
        reason.push(why.to_string());
    }
    vec![
        text(&d["id"]),
        short_arn(&d["taskDefinition"]),
        text(&d["status"]),
        text(&d["rolloutState"]),
        age(&d["createdAt"]),
        if reason.is_empty() {
            "-".into()
        } else {
            reason.join("; ")
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_history_row_shows_the_short_revision_and_why_it_is_a_rollback() {
        let d = json!({
            "id": "ecs-svc/2",
            "taskDefinition": "arn:aws:ecs:local:000000000000:task-definition/web:1",
            "status": "PRIMARY",
            "rolloutState": "IN_PROGRESS",
            "rolloutStateReason": "ECS deployment circuit breaker: rolling back",
            "rollbackFrom": "ecs-svc/1",
        });
        let row = history_row(&d);
        assert_eq!(row[..4], ["ecs-svc/2", "web:1", "PRIMARY", "IN_PROGRESS"]);
        assert_eq!(
            row[5],
            "rollback from ecs-svc/1; ECS deployment circuit breaker: rolling back"
        );
    }

    #[test]
    fn a_history_row_without_a_reason_shows_a_dash() {
        let row = history_row(&json!({"id": "ecs-svc/1", "status": "INACTIVE"}));
        assert_eq!(row[5], "-");
    }
}
