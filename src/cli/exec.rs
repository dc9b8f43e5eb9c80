//! `ecsd exec TASK [-c CONTAINER] [-it] -- CMD…`: run a command in a task's container; the
//! command's exit code becomes ecsd's.

use super::engine::{engine, targets};
use super::terminal::RawMode;
use crate::api::client::ApiClient;
use clap::Args;
use futures::StreamExt;
use std::io::Write;
use tokio::io::AsyncWriteExt;

/// Flags of `ecsd exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Task id or unique prefix.
    task: String,
    /// Container (default: the first one of the task).
    #[arg(short = 'c', long)]
    container: Option<String>,
    /// Keep stdin open and forward it.
    #[arg(short = 'i', long)]
    interactive: bool,
    /// Allocate a terminal.
    #[arg(short = 't', long)]
    tty: bool,
    /// The command and its arguments.
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

/// Runs `exec`; returns the command's exit code.
pub async fn run(client: &ApiClient, args: ExecArgs) -> anyhow::Result<i32> {
    let found = targets(client, &args.task, None, args.container.as_deref()).await?;
    let target = &found[0];
    if target.last_status != "RUNNING" {
        anyhow::bail!(
            "container {} of task {} is {}, not RUNNING",
            target.container,
            target.task,
            target.last_status
        );
    }
    let engine = engine(client).await?;
    let raw = if args.tty { RawMode::enter() } else { None };
    let size = raw.as_ref().and_then(|_| super::terminal::size());
    let mut session = engine
        .exec_session(&target.runtime_id, &args.command, args.tty, size)
        .await?;
    let mut input = std::mem::replace(&mut session.input, Box::pin(tokio::io::sink()));
    let forward = args.interactive.then(|| {
        tokio::spawn(async move {
            let mut stdin = tokio::io::stdin();
            let _ = tokio::io::copy(&mut stdin, &mut input).await;
            let _ = input.shutdown().await;
        })
    });
    while let Some(item) = session.output.next().await {
        let (is_err, bytes) = item?;
        if is_err {
            std::io::stderr().write_all(&bytes)?;
        } else {
            let mut out = std::io::stdout();
            out.write_all(&bytes)?;
            out.flush()?;
        }
    }
    if let Some(task) = forward {
        task.abort();
    }
    drop(raw);
    let code = engine.exec_exit_code(&session).await?;
    Ok(i32::try_from(code).unwrap_or(1))
}
