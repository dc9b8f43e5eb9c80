//! `ecsd exec TASK [-c CONTAINER] [-it] -- CMD…`: run a command in a task's container; the
//! command's exit code becomes ecsd's.

use super::engine::{Target, engine, targets};
use super::terminal::{self, RawMode};
use crate::api::client::ApiClient;
use crate::runtime::{DockerRuntime, ExecSession};
use clap::Args;
use futures::StreamExt;
use std::io::{Read, Write};
use std::pin::Pin;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc;

/// Flags of `ecsd exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Task id or unique prefix.
    task: String,
    /// Container (default: the first one of the task).
    #[arg(short = 'c', long)]
    container: Option<String>,
    /// Forward stdin to the command (its end closes the command's stdin); without it the
    /// command gets no stdin.
    #[arg(short = 'i', long)]
    interactive: bool,
    /// Allocate a terminal (resized with the caller's).
    #[arg(short = 't', long)]
    tty: bool,
    /// The command and its arguments.
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

/// Runs `exec`; returns the command's exit code.
pub async fn run(client: &ApiClient, args: ExecArgs) -> anyhow::Result<i32> {
    let target = running_target(client, &args).await?;
    let engine = engine(client).await?;
    // Listen before the session starts, so no resize in between is lost.
    let winch = match args.tty {
        true => Some(signal(SignalKind::window_change())?),
        false => None,
    };
    let raw = if args.tty { RawMode::enter() } else { None };
    let size = raw.as_ref().and_then(|_| terminal::size());
    let command = &args.command;
    let mut session = engine
        .exec_session(&target.runtime_id, command, args.interactive, args.tty, size)
        .await?;
    let input = std::mem::replace(&mut session.input, Box::pin(tokio::io::sink()));
    let forward = args.interactive.then(|| tokio::spawn(forward_stdin(input)));
    let resizes = winch.map(|w| tokio::spawn(forward_resizes(w, engine.clone(), session.id().to_string())));
    let copied = copy_output(&mut session).await;
    for task in forward.into_iter().chain(resizes) {
        task.abort();
    }
    drop(raw);
    copied?;
    let code = engine.exec_exit_code(&session).await?;
    Ok(i32::try_from(code).unwrap_or(1))
}

/// The container to exec into; it must be running.
async fn running_target(client: &ApiClient, args: &ExecArgs) -> anyhow::Result<Target> {
    let found = targets(client, &args.task, None, args.container.as_deref()).await?;
    let Some(target) = found.into_iter().next() else {
        anyhow::bail!("{} has no containers (yet)", args.task);
    };
    if target.last_status != "RUNNING" {
        anyhow::bail!(
            "container {} of task {} is {}, not RUNNING",
            target.container,
            target.task,
            target.last_status
        );
    }
    Ok(target)
}

/// Prints the command's output until it ends.
async fn copy_output(session: &mut ExecSession) -> anyhow::Result<()> {
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
    Ok(())
}

/// Copies the caller's stdin to the command's, then closes the command's stdin (a
/// half-close, as `docker exec -i`), so `echo x | ecsd exec -i TASK -- cat` ends.
async fn forward_stdin(mut input: Pin<Box<dyn AsyncWrite + Send>>) {
    let mut chunks = read_stdin();
    while let Some(chunk) = chunks.recv().await {
        if input.write_all(&chunk).await.is_err() || input.flush().await.is_err() {
            return;
        }
    }
    let _ = input.shutdown().await;
}

/// Chunks of the caller's stdin until its end. Read on a plain thread: a read blocked on a
/// terminal cannot be cancelled, and must not hold up the exit once the command is done.
fn read_stdin() -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel(4);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = vec![0u8; 8192];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) => return,
                Ok(n) if tx.blocking_send(buf[..n].to_vec()).is_ok() => {}
                Ok(_) => return,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    });
    rx
}

/// Passes every resize of the caller's terminal (SIGWINCH) on to the exec's terminal.
async fn forward_resizes(mut winch: Signal, engine: DockerRuntime, exec_id: String) {
    while winch.recv().await.is_some() {
        if let Some(size) = terminal::size() {
            // A lost resize only leaves the old size; the next one corrects it.
            let _ = engine.resize_exec_session(&exec_id, size).await;
        }
    }
}
