//! Interactive exec sessions for `ecsd exec`: a command attached to the caller's terminal.

use super::DockerRuntime;
use crate::runtime::RuntimeError;
use bollard::exec::{CreateExecOptions, ResizeExecOptions, StartExecOptions, StartExecResults};
use futures::StreamExt;
use futures::stream::BoxStream;
use std::pin::Pin;
use tokio::io::AsyncWrite;

/// A running exec: its output, its stdin, and its id (for resizes and the exit code).
pub struct ExecSession {
    /// Raw output bytes (stdout and stderr; one stream with a TTY).
    pub output: BoxStream<'static, Result<(bool, Vec<u8>), RuntimeError>>,
    /// The command's stdin; shutting it down closes the command's stdin.
    pub input: Pin<Box<dyn AsyncWrite + Send>>,
    id: String,
}

impl ExecSession {
    /// The engine's id of this exec.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl DockerRuntime {
    /// Starts `cmd` in container `id`, attached; `stdin` attaches its stdin (without it the
    /// command reads EOF at once, as with `docker exec` without `-i`); `tty` allocates a
    /// terminal of `size`.
    pub async fn exec_session(
        &self,
        id: &str,
        cmd: &[String],
        stdin: bool,
        tty: bool,
        size: Option<(u16, u16)>,
    ) -> Result<ExecSession, RuntimeError> {
        let options = CreateExecOptions {
            cmd: Some(cmd.to_vec()),
            attach_stdin: Some(stdin),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            tty: Some(tty),
            ..Default::default()
        };
        let fail = |e| self.engine_error("exec", id, e);
        let created = self.events_client.create_exec(id, options).await.map_err(fail)?;
        let start = StartExecOptions {
            detach: false,
            tty,
            output_capacity: None,
        };
        let started = self
            .events_client
            .start_exec(&created.id, Some(start))
            .await
            .map_err(fail)?;
        let StartExecResults::Attached { output, input } = started else {
            return Err(RuntimeError::Engine {
                op: "exec",
                id: id.to_string(),
                message: "the engine did not attach the exec session".into(),
            });
        };
        if let (true, Some(size)) = (tty, size) {
            // A failed first resize leaves the engine's default size; the session still works.
            let _ = self.resize_exec_session(&created.id, size).await;
        }
        let owner = id.to_string();
        let output = output
            .map(move |item| match item {
                Ok(out) => {
                    let stderr = matches!(out, bollard::container::LogOutput::StdErr { .. });
                    Ok((stderr, out.into_bytes().to_vec()))
                }
                Err(e) => Err(RuntimeError::Engine {
                    op: "exec",
                    id: owner.clone(),
                    message: e.to_string(),
                }),
            })
            .boxed();
        Ok(ExecSession {
            output,
            input,
            id: created.id,
        })
    }

    /// Resizes the terminal of exec session `exec_id` to (rows, columns).
    pub async fn resize_exec_session(
        &self,
        exec_id: &str,
        (height, width): (u16, u16),
    ) -> Result<(), RuntimeError> {
        self.client
            .resize_exec(exec_id, ResizeExecOptions { height, width })
            .await
            .map_err(|e| self.engine_error("resize exec", exec_id, e))
    }

    /// Exit code of a finished exec session.
    pub async fn exec_exit_code(&self, session: &ExecSession) -> Result<i64, RuntimeError> {
        let inspected = self
            .client
            .inspect_exec(&session.id)
            .await
            .map_err(|e| self.engine_error("exec", &session.id, e))?;
        Ok(inspected.exit_code.unwrap_or(-1))
    }
}
