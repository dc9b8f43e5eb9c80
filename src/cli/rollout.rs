//! `ecsd rollout status|history|undo|restart service/NAME`: follow, list, revert or repeat a
//! service's deployments.

use super::ServiceTarget;
use super::output::{age, or_dash, print_table, short_arn, wire};
use super::wait::wait_for_rollouts;
use crate::api::client::ApiClient;
use crate::api::shapes::{DeploymentShape, Items, Service, UndoReply, UndoRequest};
use clap::{Args, Subcommand};
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
        /// Revision to go back to: `N` or `family:N` (the service's family).
        #[arg(long, value_parser = parse_revision)]
        to_revision: Option<RevisionArg>,
        /// Even if a watched folder manages the service (its next sync undoes the change).
        #[arg(long)]
        force: bool,
    },
    /// Replace every task with a new deployment of the same revision (ECS forceNewDeployment).
    Restart {
        #[command(flatten)]
        service: ServiceTarget,
    },
}

/// `--to-revision`: a revision number, optionally with its family (`web:3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionArg {
    /// The family, when given.
    pub family: Option<String>,
    /// The revision.
    pub revision: u32,
}

/// Parses `3` or `web:3`.
fn parse_revision(text: &str) -> Result<RevisionArg, String> {
    let (family, number) = match text.rsplit_once(':') {
        Some((family, number)) => (Some(family.to_string()), number),
        None => (None, text),
    };
    let revision = number
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("expected a revision: N or family:N (e.g. web:3), got {text:?}"))?;
    Ok(RevisionArg { family, revision })
}

/// Runs `rollout`.
pub async fn run(client: &ApiClient, args: RolloutArgs) -> anyhow::Result<()> {
    match args.action {
        RolloutAction::Status { service, timeout } => {
            wait_for_rollouts(client, &[service.service()?], timeout).await
        }
        RolloutAction::History { service } => history(client, &service).await,
        RolloutAction::Undo {
            service,
            to_revision,
            force,
        } => {
            let service = service.service()?;
            if let Some(RevisionArg {
                family: Some(family), ..
            }) = &to_revision
            {
                let current: Service = client.get(&service.path()).await?;
                let reference = current.task_definition.rsplit('/').next().unwrap_or_default();
                let own = reference.split(':').next().unwrap_or_default();
                if own != family {
                    anyhow::bail!(
                        "{service} runs task definition family {own}, not {family}: use --to-revision {own}:N"
                    );
                }
            }
            let to_revision = to_revision.map(|r| r.revision);
            let reply: UndoReply = client
                .post(
                    &format!("{}/undo{}", service.path(), super::force_query(force)),
                    &UndoRequest { to_revision },
                )
                .await?;
            println!("{service} rolled back to {}", reply.task_definition);
            Ok(())
        }
        RolloutAction::Restart { service } => {
            let service = service.service()?;
            let _: Service = client
                .post(&format!("{}/restart", service.path()), &serde_json::Map::new())
                .await?;
            println!("{service} restarted");
            Ok(())
        }
    }
}

async fn history(client: &ApiClient, target: &ServiceTarget) -> anyhow::Result<()> {
    let service = target.service()?;
    let reply: Items<DeploymentShape> = client.get(&format!("{}/deployments", service.path())).await?;
    let mut deployments = reply.items;
    deployments.sort_by(|a, b| b.created_at.total_cmp(&a.created_at));
    let rows: Vec<Vec<String>> = deployments.iter().map(history_row).collect();
    print_table(
        &["ID", "TASK DEFINITION", "STATUS", "ROLLOUT", "CREATED", "REASON"],
        &rows,
    );
    Ok(())
}

fn history_row(d: &DeploymentShape) -> Vec<String> {
    let mut reason: Vec<String> = Vec::new();
    if let Some(from) = &d.rollback_from {
        reason.push(format!("rollback from {from}"));
    }
    if let Some(why) = &d.rollout_state_reason {
        reason.push(why.clone());
    }
    vec![
        d.id.clone(),
        or_dash(d.task_definition.as_deref().map(short_arn)),
        wire(&d.status),
        wire(&d.rollout_state),
        age(d.created_at),
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
    fn to_revision_takes_a_number_or_family_colon_number() {
        assert_eq!(
            parse_revision("3").unwrap(),
            RevisionArg {
                family: None,
                revision: 3
            }
        );
        let full = parse_revision("web:2").unwrap();
        assert_eq!((full.family.as_deref(), full.revision), (Some("web"), 2));
        assert!(parse_revision("web:x").unwrap_err().contains("family:N"));
        assert!(parse_revision("0").is_err());
    }

    #[test]
    fn a_history_row_shows_the_short_revision_and_why_it_is_a_rollback() {
        let d = DeploymentShape {
            rollout_state_reason: Some("ECS deployment circuit breaker: rolling back".into()),
            rollback_from: Some("ecs-svc/1".into()),
            ..DeploymentShape::example("ecs-svc/2", "web:1")
        };
        let row = history_row(&d);
        assert_eq!(row[..4], ["ecs-svc/2", "web:1", "PRIMARY", "IN_PROGRESS"]);
        assert_eq!(
            row[5],
            "rollback from ecs-svc/1; ECS deployment circuit breaker: rolling back"
        );
    }

    #[test]
    fn a_history_row_without_a_reason_shows_a_dash() {
        let row = history_row(&DeploymentShape::example("ecs-svc/1", "web:1"));
        assert_eq!(row[5], "-");
    }
}
