//! `ecsd stop-task ID`: stop a task (SIGTERM, then SIGKILL after the stop timeout).

use super::output::task_id;
use crate::api::client::ApiClient;
use crate::api::shapes::{StopTaskRequest, Task};
use clap::Args;

/// Flags of `ecsd stop-task`.
#[derive(Debug, Args)]
pub struct StopTaskArgs {
    /// Task id or unique id prefix.
    id: String,
    /// Reason recorded as `stoppedReason`.
    #[arg(long)]
    reason: Option<String>,
}

/// Runs `stop-task`.
pub async fn run(client: &ApiClient, args: StopTaskArgs) -> anyhow::Result<()> {
    let request = StopTaskRequest { reason: args.reason };
    let reply: Task = client
        .post(&format!("/v1/tasks/{}/stop", args.id), &request)
        .await?;
    println!("task/{} stopping", task_id(&reply));
    Ok(())
}
