//! `ecsd logs TASK|service/NAME`: container output, interleaved with a prefix when several
//! containers are shown.

use super::engine::{Target, engine, targets};
use crate::api::client::ApiClient;
use crate::runtime::{ContainerRuntime, DockerRuntime, LogOptions};
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

/// How often `logs -f service/NAME` looks for the service's new tasks.
const NEW_TASKS_EVERY: Duration = Duration::from_secs(1);

/// Whether the target names a service (`service/NAME`, `svc/NAME`).
fn is_service(target: &str) -> bool {
    matches!(target.split_once('/'), Some(("service" | "svc" | "services", _)))
}

/// A container's output as whole lines, each with `label` in front.
fn labelled_lines(
    engine: &DockerRuntime,
    t: &Target,
    label: String,
    options: &LogOptions,
) -> futures::stream::BoxStream<'static, Result<String, crate::runtime::RuntimeError>> {
    let mut pending = String::new();
    engine
        .logs(&t.runtime_id, options)
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
}

/// `logs -f service/NAME`: follows every task of the service as they come and go (a
/// `rollout restart`, a replaced task), each line prefixed with its task, until Ctrl-C, as
/// `docker service logs -f` does.
async fn follow_service(client: &ApiClient, args: &LogsArgs, options: LogOptions) -> anyhow::Result<()> {
    let engine = engine(client).await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<String>(256);
    let mut followed = std::collections::HashSet::new();
    let mut ticker = tokio::time::interval(NEW_TASKS_EVERY);
    let mut stdout = std::io::stdout();
    loop {
        tokio::select! {
            Some(text) = rx.recv() => {
                stdout.write_all(text.as_bytes())?;
                stdout.flush()?;
            }
            _ = ticker.tick() => {
                let found = targets(client, &args.target, args.cluster.as_deref(), args.container.as_deref()).await?;
                for t in found.into_iter().filter(|t| !t.runtime_id.is_empty()) {
                    if !followed.insert(t.runtime_id.clone()) {
                        continue;
                    }
                    let mut lines = labelled_lines(&engine, &t, prefix(&t, true, true), &options);
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        while let Some(item) = lines.next().await {
                            let text = match item {
                                Ok(text) => text,
                                Err(e) => format!("warning: {e}\n"),
                            };
                            if tx.send(text).await.is_err() {
                                return;
                            }
                        }
                    });
                }
            }
        }
    }
}

/// Runs `logs`.
pub async fn run(client: &ApiClient, args: LogsArgs) -> anyhow::Result<()> {
    if args.follow && is_service(&args.target) {
        let since = args.since.map(|d| {
            let now = crate::model::now_millis() / 1000;
            now.saturating_sub(d.as_secs()) as i64
        });
        let options = LogOptions {
            follow: true,
            tail: args.tail,
            since,
        };
        return follow_service(client, &args, options).await;
    }
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
    let streams = found
        .iter()
        .map(|t| labelled_lines(&engine, t, prefix(t, many_tasks, many_containers), &options));
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
