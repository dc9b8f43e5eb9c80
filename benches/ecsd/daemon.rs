//! The real `ecsd` daemon in a temp dir: start, `kill -9` and restart, CLI and API calls, and
//! removal of every container it owns when dropped (also on failure).

use crate::poll::wait_for;
use anyhow::{Context as _, bail};
use ecsd::api::client::{ApiClient, ClientError};
use ecsd::runtime::labels;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;
use tokio::time::Instant;

/// The daemon binary cargo built for this benchmark.
pub const BIN: &str = env!("CARGO_BIN_EXE_ecsd");

/// The engine every daemon (and every baseline) uses.
pub const ENGINE: &str = "unix:///var/run/docker.sock";

/// How a daemon is started beyond the common flags.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Extra `serve` flags, e.g. `--min-healthy-time 0s`.
    pub flags: Vec<String>,
    /// Watch `<temp dir>/deploy` (GitOps).
    pub watch: bool,
}

/// One running `ecsd serve` with its own state dir, socket and daemon id.
pub struct BenchDaemon {
    dir: tempfile::TempDir,
    options: ServeOptions,
    child: Option<Child>,
    spawned_at: Instant,
    client: ApiClient,
    owner: String,
}

impl BenchDaemon {
    /// Starts a daemon and waits until its API answers.
    pub async fn start(options: ServeOptions) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new().prefix("ecsd-bench-").tempdir()?;
        std::fs::create_dir_all(dir.path().join("deploy"))?;
        let client = ApiClient::new(&dir.path().join("ecsd.sock"));
        let mut daemon = Self {
            dir,
            options,
            child: None,
            spawned_at: Instant::now(),
            client,
            owner: String::new(),
        };
        daemon.spawn()?;
        daemon.wait_until_answering().await?;
        daemon.owner = std::fs::read_to_string(daemon.state_dir().join("daemon-id"))
            .context("reading the daemon id")?
            .trim()
            .to_string();
        Ok(daemon)
    }

    fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// The socket the CLI talks to.
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("ecsd.sock")
    }

    /// The watched folder (exists even when not watched).
    pub fn deploy_dir(&self) -> PathBuf {
        self.dir.path().join("deploy")
    }

    /// `ecsd.owner=<daemon id>`: the label on every container this daemon owns.
    pub fn owner_label(&self) -> String {
        labels::filter(labels::OWNER, &self.owner)
    }

    /// The daemon id (the value of its `ecsd.owner` label).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Where the Prometheus endpoint of a daemon started with `--metrics-listen HOST:0` is
    /// bound, as the daemon reports it in its state dir.
    pub fn metrics_endpoint(&self) -> anyhow::Result<SocketAddr> {
        let file = self.state_dir().join(ecsd::app::METRICS_ENDPOINT_FILE);
        let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
        let addr = text.trim().parse();
        addr.with_context(|| format!("{}: not HOST:PORT: {text:?}", file.display()))
    }

    /// Process id of the running daemon.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// When the running process was started (its timers, such as the resync, count from here).
    pub fn spawned_at(&self) -> Instant {
        self.spawned_at
    }

    /// Where the ECS endpoint of a daemon started with `--listen HOST:0` is bound, as the
    /// daemon reports it in its state dir (again after a restart, which may pick another port).
    pub fn ecs_endpoint(&self) -> anyhow::Result<SocketAddr> {
        let file = self.state_dir().join(ecsd::app::ECS_ENDPOINT_FILE);
        let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
        let addr = text.trim().parse();
        addr.with_context(|| format!("{}: not HOST:PORT: {text:?}", file.display()))
    }

    /// Starts the process (again, after `kill_hard`) without waiting for it.
    pub fn spawn(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())?;
        let mut cmd = Command::new(BIN);
        cmd.arg("--socket").arg(self.socket()).arg("serve");
        cmd.arg("--state-dir").arg(self.state_dir());
        cmd.args(["--engine", ENGINE, "--stop-timeout", "2s"]);
        if self.options.watch {
            cmd.arg("--watch").arg(self.deploy_dir());
        }
        cmd.args(&self.options.flags);
        let child = cmd
            .env("ECSD_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {BIN} serve"))?;
        self.child = Some(child);
        self.spawned_at = Instant::now();
        Ok(())
    }

    async fn wait_until_answering(&self) -> anyhow::Result<()> {
        let answered = wait_for(
            "the daemon answers",
            Duration::from_secs(30),
            Duration::from_millis(20),
            async || {
                Ok(self
                    .client
                    .get::<ecsd::api::shapes::Health>("/v1/health")
                    .await
                    .ok()
                    .map(|_| ()))
            },
        )
        .await;
        answered.with_context(|| format!("daemon log:\n{}", self.log_tail(20)))
    }

    /// `kill -9`: no shutdown code runs.
    pub fn kill_hard(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("daemon.log")
    }

    /// The whole daemon log (every start appends to it).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// The last `lines` lines of the daemon log.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = self.log();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Runs the CLI against this daemon; the output whether it succeeded or not.
    pub async fn cli_output(&self, args: &[&str]) -> anyhow::Result<Output> {
        let out = tokio::process::Command::new(BIN)
            .arg("--socket")
            .arg(self.socket())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .await?;
        Ok(out)
    }

    /// Runs a CLI verb that must succeed; its stdout.
    pub async fn cli(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = self.cli_output(args).await?;
        if !out.status.success() {
            bail!(
                "ecsd {} failed: {}\ndaemon log:\n{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim(),
                self.log_tail(20)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Writes `yaml` to `<temp dir>/name` and applies it with the CLI.
    pub async fn apply(&self, name: &str, yaml: &str) -> anyhow::Result<()> {
        let path = self.dir.path().join(name);
        std::fs::write(&path, yaml)?;
        self.cli(&["apply", "-f", path_str(&path)?]).await?;
        Ok(())
    }

    /// GET `path` on the native API; None on 404.
    pub async fn get(&self, path: &str) -> anyhow::Result<Option<Value>> {
        match self.client.get_json(path).await {
            Ok(v) => Ok(Some(v)),
            Err(ClientError::Api { status: 404, .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The service `name` of the default cluster (ECS shape).
    pub async fn service(&self, name: &str) -> anyhow::Result<Value> {
        self.get(&format!("/v1/services/default/{name}"))
            .await?
            .with_context(|| format!("service {name} not found"))
    }

    /// Tasks of service `name` (all, stopped ones included).
    pub async fn service_tasks(&self, name: &str) -> anyhow::Result<Vec<Value>> {
        self.tasks(&format!("service={name}&all=true")).await
    }

    /// `GET /v1/tasks?{query}` items.
    pub async fn tasks(&self, query: &str) -> anyhow::Result<Vec<Value>> {
        let reply = self.get(&format!("/v1/tasks?{query}")).await?.unwrap_or_default();
        Ok(reply["items"].as_array().cloned().unwrap_or_default())
    }

    /// Waits until service `name` has observed its spec and runs `count` tasks.
    pub async fn wait_running(&self, name: &str, count: usize, timeout: Duration) -> anyhow::Result<()> {
        let what = format!("service {name} runs {count} tasks");
        wait_for(&what, timeout, Duration::from_millis(20), async || {
            let s = self.service(name).await?;
            let done = s["specObserved"] == true && s["runningCount"].as_u64() == Some(count as u64);
            Ok(done.then_some(()))
        })
        .await
        .with_context(|| format!("daemon log:\n{}", self.log_tail(20)))
    }
}

impl Drop for BenchDaemon {
    fn drop(&mut self) {
        self.kill_hard();
        if !self.owner.is_empty() {
            remove_labelled_containers(&self.owner_label());
            remove_labelled_networks(&self.owner_label());
        }
    }
}

/// The id of a task from its ECS shape (the last segment of its ARN).
pub fn task_id(task: &Value) -> String {
    task["taskArn"]
        .as_str()
        .and_then(|arn| arn.rsplit('/').next())
        .unwrap_or_default()
        .to_string()
}

/// `path` as UTF-8, for CLI arguments.
pub fn path_str(path: &Path) -> anyhow::Result<&str> {
    path.to_str()
        .with_context(|| format!("{} is not UTF-8", path.display()))
}

/// Force-removes every container carrying `label` (`key=value`), synchronously: used on drop,
/// where nothing async can run.
pub fn remove_labelled_containers(label: &str) {
    remove_labelled(&["ps", "-aq"], &["rm", "-f"], label);
}

/// Removes every network carrying `label` (`key=value`): the cluster networks a daemon made
/// for service discovery outlive its containers. Synchronous, for drop.
pub fn remove_labelled_networks(label: &str) {
    remove_labelled(&["network", "ls", "-q"], &["network", "rm"], label);
}

/// Lists the engine objects `list` finds with `label`, then removes them with `remove`.
fn remove_labelled(list: &[&str], remove: &[&str], label: &str) {
    let filter = format!("label={label}");
    let listed = Command::new("docker")
        .args(list)
        .args(["--filter", &filter])
        .env("DOCKER_HOST", ENGINE)
        .output();
    let Ok(listed) = listed else { return };
    let ids: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if !ids.is_empty() {
        let _ = Command::new("docker")
            .args(remove)
            .args(&ids)
            .env("DOCKER_HOST", ENGINE)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
