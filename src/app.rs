//! Wiring: open state, connect the engine, start the controllers and the API, and shut
//! everything down gracefully.

use crate::api;
use crate::config::Config;
use crate::controller::{self, Backoff, Clock, Context, WorkQueue};
use crate::metrics::{
    self, CgroupReader, DaemonHealth, FleetUsage, InstrumentedRuntime, MetricsView, UsageHistory, collector,
};
use crate::runtime::{DockerRuntime, RuntimeError};
use crate::store::integrity::{self, Integrity};
use crate::store::{Catalog, SledStore, StateRecovery, StoreError};
use std::future::Future;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::UnixListener;
use tracing::{error, info, warn};

/// The file in the state directory naming the address the ECS endpoint is bound to
/// (`HOST:PORT` and a newline), so that `--listen 127.0.0.1:0` can be found; written once
/// bound, removed on a clean shutdown.
pub const ECS_ENDPOINT_FILE: &str = "ecs-endpoint.addr";

/// The file in the state directory naming the address the Prometheus endpoint
/// (`--metrics-listen`) is bound to, like [`ECS_ENDPOINT_FILE`].
pub const METRICS_ENDPOINT_FILE: &str = "metrics-endpoint.addr";

/// Why the daemon could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The state directory could not be prepared.
    #[error("state directory {path}: {source}")]
    StateDir {
        /// Directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The database could not be opened even after moving a broken one aside.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The engine endpoint is malformed.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// The ECS endpoint may not or could not listen on its address.
    #[error("ecs endpoint {addr}: {message}")]
    Listen {
        /// `--listen` address.
        addr: std::net::SocketAddr,
        /// Why.
        message: String,
    },
    /// The Prometheus endpoint could not listen on its address.
    #[error("metrics endpoint {addr}: {message}")]
    MetricsListen {
        /// `--metrics-listen` address.
        addr: std::net::SocketAddr,
        /// Why.
        message: String,
    },
    /// The API socket could not be bound.
    #[error("socket {path}: {message}")]
    Socket {
        /// Socket path.
        path: String,
        /// Why.
        message: String,
    },
}

/// The daemon's own engine as its container instance, and connections to declared ones,
/// each engine's calls counted in the daemon's health.
fn engines(
    catalog: &Catalog,
    local: DockerRuntime,
    health: &Arc<DaemonHealth>,
) -> Result<crate::fleet::Engines, AppError> {
    let local_id = catalog.container_instance_id()?;
    let counted = health.clone();
    let connector: crate::fleet::Connector = Arc::new(move |id, spec| {
        let engine = crate::fleet::connect(spec)?;
        Ok(Arc::new(InstrumentedRuntime::new(engine, counted.clone(), id))
            as Arc<dyn crate::runtime::ContainerRuntime>)
    });
    let local = InstrumentedRuntime::new(Arc::new(local), health.clone(), &local_id);
    Ok(crate::fleet::Engines::new(local_id, Arc::new(local), connector))
}

/// Runs the daemon until `shutdown` resolves.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AppError> {
    let state_err = |source| AppError::StateDir {
        path: config.state_dir.display().to_string(),
        source,
    };
    check_listen(&config)?;
    std::fs::create_dir_all(&config.state_dir).map_err(state_err)?;
    let owner = daemon_id(&config.state_dir).map_err(state_err)?;
    let (store, recovery) = open_store(&config.state_dir)?;
    let catalog = Catalog::new(Arc::new(store));
    let runtime = DockerRuntime::connect(config.engine.as_deref())?;
    let engine = runtime.endpoint().to_string();
    info!(owner = %owner, engine = %runtime.endpoint(), state = %config.state_dir.display(), "starting ecsd");
    let endpoint_file = config.state_dir.join(ECS_ENDPOINT_FILE);
    let metrics_file = config.state_dir.join(METRICS_ENDPOINT_FILE);
    // A file left by a daemon that died must not name a port this one never bound.
    remove_if_present(&endpoint_file).map_err(state_err)?;
    remove_if_present(&metrics_file).map_err(state_err)?;
    let ecs_listener = match config.listen {
        Some(addr) => Some(bind_ecs(addr, &config).await?),
        None => None,
    };
    let metrics_listener = match config.metrics_listen {
        Some(addr) => Some(bind_metrics(addr, &metrics_file).await?),
        None => None,
    };
    let listener = bind_socket(&config.socket)?;
    let lb = crate::lb::LoadBalancers::new();
    let health = Arc::new(DaemonHealth::default());
    let ctx = Arc::new(Context {
        catalog: catalog.clone(),
        engines: Arc::new(engines(&catalog, runtime, &health)?),
        owner,
        settings: config.settings.clone(),
        queue: WorkQueue::new(Backoff::RECONCILE),
        exits: Default::default(),
        lb: lb.clone(),
        drains: Default::default(),
        news: Default::default(),
        health: health.clone(),
        clock: Clock::new(),
    });
    if let Some(recovery) = &recovery {
        recover(&ctx, recovery).await?;
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let wait = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let history = Arc::new(UsageHistory::new(collector::history_capacity(
        config.metrics_interval,
    )));
    let cgroups = metrics::engine_is_local(&engine).then(CgroupReader::default);
    let source = Arc::new(FleetUsage::new(ctx.engines.clone(), ctx.owner.clone(), cgroups));
    let sampler = tokio::spawn(collector::run(
        source,
        history.clone(),
        health.clone(),
        config.metrics_interval,
        wait(stop_rx.clone()),
    ));
    let view = Arc::new(MetricsView {
        catalog: catalog.clone(),
        history: history.clone(),
        health: health.clone(),
        queue: ctx.queue.clone(),
        store_dir: config.state_dir.join("db"),
        lb: lb.clone(),
    });
    let metrics_server = metrics_listener.map(|tcp| {
        let stop = wait(stop_rx.clone());
        let router = metrics::view::router(view.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(tcp, router).with_graceful_shutdown(stop).await {
                error!(error = %e, "metrics endpoint failed");
            }
        })
    });
    let controllers = tokio::spawn(controller::run(ctx, wait(stop_rx.clone())));
    let mut watchers = Vec::new();
    for dir in &config.watch {
        let task = crate::watch::watch_folder(
            catalog.clone(),
            dir.clone(),
            config.watch_settings.clone(),
            wait(stop_rx.clone()),
        );
        watchers.push(tokio::spawn(task));
    }
    let ecs_server = ecs_listener.map(|tcp| {
        let ecs = api::ecs::router(
            catalog.clone(),
            config.ecs_scope.clone(),
            config.ecs_credentials.clone(),
        );
        let stop = wait(stop_rx.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(tcp, ecs).with_graceful_shutdown(stop).await {
                error!(error = %e, "ecs endpoint failed");
            }
        })
    });
    let app = api::router(catalog, config.ecs_scope.clone(), engine, lb.clone()).merge(api::top_router(view));
    info!(socket = %config.socket.display(), "api listening");
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(wait(stop_rx))
        .await;
    let _ = controllers.await;
    for w in watchers
        .into_iter()
        .chain(ecs_server)
        .chain(metrics_server)
        .chain([sampler])
    {
        let _ = w.await;
    }
    let _ = std::fs::remove_file(&config.socket);
    let _ = std::fs::remove_file(&endpoint_file);
    let _ = std::fs::remove_file(&metrics_file);
    served.map_err(|e| AppError::Socket {
        path: config.socket.display().to_string(),
        message: e.to_string(),
    })?;
    info!("ecsd stopped");
    Ok(())
}

/// The daemon's id, kept in a plain file beside the database so that losing the database
/// does not orphan the containers it owns.
fn daemon_id(state_dir: &Path) -> std::io::Result<String> {
    let path = state_dir.join("daemon-id");
    match std::fs::read_to_string(&path) {
        Ok(id) if !id.trim().is_empty() => Ok(id.trim().to_string()),
        _ => {
            let id = crate::model::new_task_id()[..16].to_string();
            std::fs::write(&path, format!("{id}\n"))?;
            Ok(id)
        }
    }
}

/// Opens the database. One that is unreadable, or that opens without the integrity marker
/// its id file names (sled reads an overwritten or truncated database as empty), is moved
/// aside (never deleted) and a new one is started, which records the damage; running
/// containers are then adopted from their labels and left running until intent returns.
fn open_store(state_dir: &Path) -> Result<(SledStore, Option<StateRecovery>), AppError> {
    let path = state_dir.join("db");
    let id_file = state_dir.join("db.id");
    let existed = path.exists();
    let why = match SledStore::open(&path) {
        Ok(store) => match integrity::check(&store, &id_file)? {
            Integrity::Damaged(_) if !existed => {
                "the database is missing (its id file says it existed)".into()
            }
            Integrity::Damaged(why) => why,
            Integrity::Intact | Integrity::Unsealed => {
                integrity::seal(&store, &id_file)?;
                return Ok((store, None));
            }
        },
        // In use is not broken: never move a live database aside.
        Err(e @ StoreError::Locked { .. }) => return Err(e.into()),
        Err(e) => e.to_string(),
    };
    let moved_to = if existed { Some(move_aside(&path)?) } else { None };
    error!(
        error = %why,
        moved_to = moved_to.as_deref().unwrap_or("-"),
        "state database is damaged; moved it aside and starting a new one. Running containers are adopted and keep running (ORPHANED) until you re-apply your manifests (or the watched folders sync); `ecsd get tasks` shows them"
    );
    let store = SledStore::open(&path)?;
    integrity::seal(&store, &id_file)?;
    let recovery = StateRecovery {
        detected_at: crate::model::now_millis(),
        reason: why,
        moved_to,
    };
    Ok((store, Some(recovery)))
}

/// Renames a damaged database to `<path>.broken-<ms>`; returns the new path.
fn move_aside(path: &Path) -> Result<String, AppError> {
    let aside = PathBuf::from(format!(
        "{}.broken-{}",
        path.display(),
        crate::model::now_millis()
    ));
    std::fs::rename(path, &aside).map_err(|source| AppError::StateDir {
        path: path.display().to_string(),
        source,
    })?;
    Ok(aside.display().to_string())
}

/// Records the damage in the new database and adopts what runs before any manifest is
/// applied, so that re-applied specs find the revisions the containers carry.
async fn recover(ctx: &Context, recovery: &StateRecovery) -> Result<(), AppError> {
    ctx.catalog.record_recovery(recovery)?;
    match controller::adopt_orphans(ctx).await {
        Ok(adopted) => info!(
            tasks = adopted.running,
            "adopted running containers after the database loss"
        ),
        // The first resync adopts them once the engine answers.
        Err(e) => warn!(error = %e, "cannot list containers yet; they are adopted once the engine answers"),
    }
    Ok(())
}

/// Refuses an ECS endpoint address that needs credentials when none are configured, before
/// any state is touched.
fn check_listen(config: &Config) -> Result<(), AppError> {
    match config.listen {
        Some(addr) => match api::ecs::refuse_listen_address(addr, config.ecs_credentials.as_ref()) {
            Some(message) => Err(AppError::Listen { addr, message }),
            None => Ok(()),
        },
        None => Ok(()),
    }
}

/// Binds the ECS endpoint (`check_listen` has allowed the address) and publishes the bound
/// address, which differs from `addr` when its port is 0, on a log line and in
/// [`ECS_ENDPOINT_FILE`].
async fn bind_ecs(addr: std::net::SocketAddr, config: &Config) -> Result<tokio::net::TcpListener, AppError> {
    let file = config.state_dir.join(ECS_ENDPOINT_FILE);
    let listen_err = |message| AppError::Listen { addr, message };
    let (listener, bound) = bind_published(addr, &file, listen_err).await?;
    info!(
        addr = %bound,
        region = %config.ecs_scope.region,
        account = %config.ecs_scope.account,
        sigv4 = config.ecs_credentials.is_some(),
        "ecs endpoint listening"
    );
    Ok(listener)
}

/// Binds the Prometheus endpoint (any address: it is read-only) and publishes the bound
/// address on a log line and in `file` ([`METRICS_ENDPOINT_FILE`]).
async fn bind_metrics(addr: std::net::SocketAddr, file: &Path) -> Result<tokio::net::TcpListener, AppError> {
    let listen_err = |message| AppError::MetricsListen { addr, message };
    let (listener, bound) = bind_published(addr, file, listen_err).await?;
    if !bound.ip().is_loopback() {
        warn!(addr = %bound, "metrics endpoint listens beyond loopback: anyone who reaches it reads service names and resource use (read-only)");
    }
    info!(addr = %bound, "metrics endpoint listening (GET /metrics)");
    Ok(listener)
}

/// Binds `addr` and writes the bound address (`HOST:PORT` and a newline) to `file`.
async fn bind_published(
    addr: std::net::SocketAddr,
    file: &Path,
    listen_err: impl Fn(String) -> AppError,
) -> Result<(tokio::net::TcpListener, std::net::SocketAddr), AppError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| listen_err(e.to_string()))?;
    let bound = listener.local_addr().map_err(|e| listen_err(e.to_string()))?;
    write_atomically(file, &format!("{bound}\n")).map_err(|source| AppError::StateDir {
        path: file.display().to_string(),
        source,
    })?;
    Ok((listener, bound))
}

/// Writes `text` to a temporary file beside `path`, then renames it over `path`: a reader
/// sees the whole old content or the whole new one, never a partial line.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn bind_socket(path: &Path) -> Result<UnixListener, AppError> {
    let fail = |message: String| AppError::Socket {
        path: path.display().to_string(),
        message,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
    }
    if path.exists() {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(fail("another ecsd is already serving on this socket".into()));
        }
        std::fs::remove_file(path).map_err(|e| fail(format!("cannot remove stale socket: {e}")))?;
    }
    let listener = UnixListener::bind(path).map_err(|e| fail(e.to_string()))?;
    // Whoever can write to the socket can run containers: owner only, like the Docker socket.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| fail(e.to_string()))?;
    Ok(listener)
}
