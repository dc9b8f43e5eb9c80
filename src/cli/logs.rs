//! `ecsd logs TASK|service/NAME`: container output, interleaved with a prefix when several
//! containers are shown.

use super::engine::{Target, engine, targets};
use crate::api::client::ApiClient;
use crate::runtime::{ContainerRuntime, LogOptions};
use clap::Args;
use futures::StreamExt;
use std::io::Write;
use std::time::Duration;

/// Flags of `ecsd logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// A task id (or unique prefix), or `service/NAME`.
    target: String,
    /// Only this container.
    #[arg(short = 'c', long)]
    container: Option<String>,
    /// Keep streaming new output.
    #[arg(short = 'f', long)]
    follow: bool,
    /// Only the last N lines of each container.
    #[arg(long)]
    tail: Option<u64>,
    /// Only output newer than this (e.g. 10m).
    #[arg(long, value_parser = humantime::parse_duration)]
    since: Option<Duration>,
    /// Cluster of the service.
    #[arg(long)]
    cluster: Option<String>,
}

fn prefix(t: &Target, many_tasks: bool, many_containers: bool) -> String {
    match (many_tasks, many_containers) {
        (true, _) => format!("[{}/{}] ", &t.task[..8.min(t.task.len())], t.container),
        (false, true) => format!("[{}] ", t.container),
        (false, false) => String::new(),
    }
}

/// Runs `logs`.
pub async fn run(client: &ApiClient, args: LogsArgs) -> anyhow::Result<()> {
    let found = targets(
        client,
        &args.target,
        args.cluster.as_deref(),
        args.container.as_deref(),
    )
    .await?;
    let engine = engine(client).await?;
    let many_tasks = found.iter().any(|t| t.task != found[0].task);
    let many_containers = found.len() > 1;
    let since = args.since.map(|d| {
        let now = crate::model::now_millis() / 1000;
        now.saturating_sub(d.as_secs()) as i64
    });
    let options = LogOptions {
        follow: args.follow,
        tail: args.tail,
        since,
    };
    let streams = found.iter().map(|t| {
        let label = prefix(t, many_tasks, many_containers);
        let mut pending = String::new();
        engine
            .logs(&t.runtime_id, &options)
            .map(move |chunk| match chunk {
                Ok(chunk) => {
                    pending.push_str(&chunk.text);
                    let mut lines = String::new();
                    while let Some(end) = pending.find('\n') {
                        let line: String = pending.drain(..=end).collect();
                        lines.push_str(&label);
                        lines.push_str(&line);
                    }
                    Ok(lines)
                }
                Err(e) => Err(e),
            })
            .boxed()
    });
    let mut merged = futures::stream::select_all(streams);
    let mut stdout = std::io::stdout();
    while let Some(item) = merged.next().await {
        match item {
            Ok(text) => {
                stdout.write_all(text.as_bytes())?;
                stdout.flush()?;
            }
            Err(e) => eprintln!("warning: {e}"),
        }
    }
    Ok(())
}
