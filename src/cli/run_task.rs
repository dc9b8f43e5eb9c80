//! `ecsd run-task TD [--count N]`: start standalone tasks.

use super::output::task_id;
use crate::api::client::ApiClient;
use crate::api::shapes::{RunTaskReply, RunTaskRequest};
use clap::Args;

/// Flags of `ecsd run-task`.
#[derive(Debug, Args)]
pub struct RunTaskArgs {
    /// `family` (latest ACTIVE revision) or `family:revision`.
    task_definition: String,
    /// Number of tasks (1–10).
    #[arg(long, default_value_t = 1)]
    count: u32,
    /// Cluster to run in.
    #[arg(long)]
    cluster: Option<String>,
    /// Free-form tag recorded as `startedBy`.
    #[arg(long)]
    started_by: Option<String>,
}

/// Runs `run-task`, printing one task id per line (and, on stderr, why any task asked for
/// could not be placed).
pub async fn run(client: &ApiClient, args: RunTaskArgs) -> anyhow::Result<()> {
    let request = RunTaskRequest {
        task_definition: args.task_definition,
        count: Some(args.count),
        cluster: args.cluster,
        started_by: args.started_by,
    };
    let reply: RunTaskReply = client.post("/v1/tasks", &request).await?;
    for task in &reply.items {
        println!("{}", task_id(task));
    }
    for failure in &reply.failures {
        eprintln!(
            "warning: a task was not placed: container instance {} ({})",
            failure.instance, failure.reason
        );
    }
    Ok(())
}
