//! `ecsd serve`: run the daemon in the foreground.

use crate::api::{ArnScope, ecs};
use crate::app;
use crate::config::{self, Config, default_state_dir};
use crate::controller::ControllerSettings;
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Flags of `ecsd serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// State directory (sled database and daemon id).
    #[arg(long, env = "ECSD_STATE_DIR", default_value_os_t = default_state_dir())]
    state_dir: PathBuf,
    /// Keep ecsd matching the manifests in this folder (repeatable): apply on change, prune
    /// what is removed, keep the last good version of broken files.
    #[arg(long = "watch", value_name = "DIR")]
    watch: Vec<PathBuf>,
    /// Let a watched folder that became empty prune everything it applied (off: an unmounted
    /// disk or a failed checkout must not delete services).
    #[arg(long)]
    watch_prune_empty: bool,
    /// A watched folder takes over objects it declares that were applied by hand (or made
    /// through the ECS API), instead of reporting "already managed by"; nothing running is
    /// replaced unless the spec differs.
    #[arg(long)]
    watch_take_ownership: bool,
    /// Engine endpoint (unix:///path or tcp://host:port); default $DOCKER_HOST, then the
    /// Docker socket, then the Podman socket.
    #[arg(long)]
    engine: Option<String>,
    /// Serve the ECS API (AWS JSON 1.1, for the aws CLI and SDKs) on this address; one that is
    /// not loopback needs --ecs-access-key-id.
    #[arg(long, value_name = "HOST:PORT", value_parser = config::parse_listen)]
    listen: Option<SocketAddr>,
    /// Region in the ECS API's ARNs; SigV4 signatures must be scoped to it.
    #[arg(
        long,
        env = "ECSD_REGION",
        default_value = ecs::DEFAULT_REGION,
        value_parser = config::parse_region
    )]
    region: String,
    /// Account id (12 digits) in the ECS API's ARNs.
    #[arg(
        long,
        env = "ECSD_ACCOUNT_ID",
        default_value = ecs::DEFAULT_ACCOUNT_ID,
        value_parser = config::parse_account_id
    )]
    account_id: String,
    /// Access key id every ECS API request must be signed with (SigV4), also on loopback; its
    /// secret comes from --ecs-secret-access-key-file or $ECSD_ECS_SECRET_ACCESS_KEY.
    #[arg(long, env = "ECSD_ECS_ACCESS_KEY_ID", value_name = "ID")]
    ecs_access_key_id: Option<String>,
    /// File holding the secret access key of --ecs-access-key-id (keep it mode 0600).
    #[arg(long, env = "ECSD_ECS_SECRET_ACCESS_KEY_FILE", value_name = "FILE")]
    ecs_secret_access_key_file: Option<PathBuf>,
    /// Grace period between SIGTERM and SIGKILL when stopping containers.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    stop_timeout: Duration,
    /// Interval of the full resync against the engine.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    resync_interval: Duration,
    /// How long stopped tasks stay visible (`get tasks --all`).
    #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
    task_retention: Duration,
    /// A task without a health check counts as healthy after running this long.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    min_healthy_time: Duration,
    /// A deployment's task not healthy after this long is replaced and counts as failed.
    #[arg(long, default_value = "5m", value_parser = humantime::parse_duration)]
    task_healthy_deadline: Duration,
    /// A deployment without progress for this long fails (and rolls back if its breaker says so).
    #[arg(long, default_value = "10m", value_parser = humantime::parse_duration)]
    progress_deadline: Duration,
    /// A declared container instance whose engine has not answered for this long is lost:
    /// its tasks stop and their services replace them on other instances.
    #[arg(long, default_value = "3m", value_parser = humantime::parse_duration)]
    instance_lost_grace: Duration,
    /// How often the metrics collector samples every running container (CPU, memory,
    /// network, block I/O); an hour of samples is kept in memory.
    #[arg(long, default_value = "15s", value_parser = humantime::parse_duration)]
    metrics_interval: Duration,
    /// Serve Prometheus metrics (`GET /metrics`, read-only, no credentials) on this address;
    /// one that is not loopback exposes service names and resource use to the network.
    #[arg(long, value_name = "HOST:PORT", value_parser = config::parse_listen)]
    metrics_listen: Option<SocketAddr>,
}

/// Runs the daemon until SIGINT or SIGTERM.
pub async fn run(args: ServeArgs, socket: PathBuf) -> anyhow::Result<()> {
    let ecs_credentials = config::ecs_credentials(
        args.ecs_access_key_id,
        args.ecs_secret_access_key_file.as_deref(),
        std::env::var("ECSD_ECS_SECRET_ACCESS_KEY").ok(),
    )?;
    let settings = ControllerSettings {
        stop_timeout: args.stop_timeout,
        resync_interval: args.resync_interval,
        task_retention: args.task_retention,
        min_healthy_time: args.min_healthy_time,
        task_healthy_deadline: args.task_healthy_deadline,
        progress_deadline: args.progress_deadline,
        instance_lost_grace: args.instance_lost_grace,
        ..Default::default()
    };
    config::check_durations(&settings)?;
    config::check_metrics_interval(args.metrics_interval)?;
    let config = Config {
        state_dir: args.state_dir,
        socket,
        engine: args.engine,
        listen: args.listen,
        ecs_scope: ArnScope {
            region: args.region,
            account: args.account_id,
        },
        ecs_credentials,
        settings,
        watch_settings: crate::watch::WatchSettings {
            interval: args.resync_interval,
            allow_empty_prune: args.watch_prune_empty,
            take_ownership: args.watch_take_ownership,
            ..Default::default()
        },
        watch: args.watch,
        metrics_interval: args.metrics_interval,
        metrics_listen: args.metrics_listen,
    };
    app::run(config, shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
