//! `ContainerRuntime` over the Docker Engine API (Docker or Podman's compatible socket) via bollard.

mod convert;
mod create;
mod credentials;
mod session;
mod stats;

pub use session::ExecSession;

use super::*;
use bollard::container::LogOutput;
use bollard::errors::Error as BollardError;
use bollard::exec::{CreateExecOptions, StartExecResults};
use bollard::models::{NetworkConnectRequest, NetworkCreateRequest, VolumeCreateRequest};
use bollard::query_parameters::{
    CreateContainerOptions, CreateImageOptions, EventsOptions, ListContainersOptions, LogsOptions,
    RemoveContainerOptions, RemoveVolumeOptions, StopContainerOptions,
};
use bollard::{API_DEFAULT_VERSION, Docker};
use convert::{from_inspect, from_summary, normalize_action};
use create::create_body;
use futures::StreamExt;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Seconds bollard waits for a response; above any stop timeout ecsd uses.
const REQUEST_TIMEOUT_SECS: u64 = 300;
/// The event stream is long-lived and Podman sends no headers until the first event.
const EVENTS_TIMEOUT_SECS: u64 = 60 * 60 * 24 * 365;

/// A Docker or Podman engine reached through its Docker-compatible API.
#[derive(Clone)]
pub struct DockerRuntime {
    endpoint: String,
    client: Docker,
    events_client: Docker,
    /// One network create at a time (see `ensure_network`).
    network_creation: Arc<tokio::sync::Mutex<()>>,
}

impl DockerRuntime {
    /// Connects lazily to `endpoint` (`unix:///path`, a socket path, or `tcp://host:port`);
    /// `None` picks `$DOCKER_HOST`, the Docker socket, then the Podman socket.
    pub fn connect(endpoint: Option<&str>) -> Result<Self, RuntimeError> {
        let endpoint = endpoint.map(str::to_string).unwrap_or_else(default_endpoint);
        let connect = |timeout| -> Result<Docker, BollardError> {
            if let Some(addr) = endpoint
                .strip_prefix("tcp://")
                .or_else(|| endpoint.strip_prefix("http://"))
            {
                Docker::connect_with_http(&format!("http://{addr}"), timeout, API_DEFAULT_VERSION)
            } else {
                Docker::connect_with_unix(&endpoint, timeout, API_DEFAULT_VERSION)
            }
        };
        let unreachable = |e: BollardError| RuntimeError::Unreachable {
            endpoint: endpoint.clone(),
            message: explain(&endpoint, &e.to_string()),
        };
        let client = connect(REQUEST_TIMEOUT_SECS).map_err(unreachable)?;
        let events_client = connect(EVENTS_TIMEOUT_SECS).map_err(unreachable)?;
        Ok(Self {
            endpoint,
            client,
            events_client,
            network_creation: Arc::default(),
        })
    }

    /// Connects lazily to a remote engine at `tcp://HOST:PORT` with mutual TLS (the engine's
    /// `--tlsverify`): `ca` signed its server certificate, `cert`/`key` are the client's.
    pub fn connect_tls(endpoint: &str, ca: &Path, cert: &Path, key: &Path) -> Result<Self, RuntimeError> {
        for file in [ca, cert, key] {
            if let Err(e) = std::fs::metadata(file) {
                return Err(RuntimeError::Unreachable {
                    endpoint: endpoint.to_string(),
                    message: format!("TLS file {}: {e}", file.display()),
                });
            }
        }
        let connect = |timeout| {
            Docker::connect_with_ssl(endpoint, key, cert, ca, timeout, API_DEFAULT_VERSION).map_err(|e| {
                RuntimeError::Unreachable {
                    endpoint: endpoint.to_string(),
                    message: e.to_string(),
                }
            })
        };
        Ok(Self {
            endpoint: endpoint.to_string(),
            client: connect(REQUEST_TIMEOUT_SECS)?,
            events_client: connect(EVENTS_TIMEOUT_SECS)?,
            network_creation: Arc::default(),
        })
    }

    /// The endpoint this runtime talks to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Joins the networks the container needs beyond the one it was created on. A failure
    /// removes the container again, so that the caller's retry creates it whole rather than
    /// adopting a container missing a network.
    async fn attach(&self, spec: &ContainerSpec, id: String) -> Result<String, RuntimeError> {
        for attachment in &spec.namespaces.attachments {
            let request = NetworkConnectRequest {
                container: id.clone(),
                endpoint_config: Some(create::endpoint(&attachment.aliases)),
            };
            if let Err(e) = self.client.connect_network(&attachment.network, request).await {
                let err = self.engine_error("connect network", &attachment.network, e);
                self.remove(&id).await?;
                return Err(err);
            }
        }
        Ok(id)
    }

    fn engine_error(&self, op: &'static str, id: &str, err: BollardError) -> RuntimeError {
        match err {
            BollardError::DockerResponseServerError { status_code: 404, .. } => {
                RuntimeError::NotFound { id: id.to_string() }
            }
            BollardError::DockerResponseServerError { message, .. } => RuntimeError::Engine {
                op,
                id: id.to_string(),
                message,
            },
            other => RuntimeError::Unreachable {
                endpoint: self.endpoint.clone(),
                message: format!("{op} {id}: {}", explain(&self.endpoint, &other.to_string())),
            },
        }
    }
}

/// The engine client's error, with the cause a user can act on when the endpoint is a unix
/// socket that cannot be opened (hyper only says "client error (Connect)").
fn explain(endpoint: &str, message: &str) -> String {
    let path = endpoint.strip_prefix("unix://").unwrap_or(endpoint);
    if !path.starts_with('/') {
        return message.to_string();
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => message.to_string(),
        Err(e) => socket_hint(path, e.kind()).unwrap_or_else(|| format!("{message} ({path}: {e})")),
    }
}

/// What to do about a socket that refuses us, by the error opening it gave.
fn socket_hint(path: &str, kind: std::io::ErrorKind) -> Option<String> {
    use std::io::ErrorKind;
    Some(match kind {
        ErrorKind::PermissionDenied => format!(
            "permission denied on {path}: run ecsd as root, or add its user to the group that owns the socket (`docker` for Docker)"
        ),
        ErrorKind::NotFound => format!(
            "no engine socket at {path}: is the engine running? (`systemctl start docker` or `podman system service`), or pass --engine"
        ),
        ErrorKind::ConnectionRefused => {
            format!("nothing listens on {path}: the engine is stopped (`systemctl start docker`)")
        }
        _ => return None,
    })
}

fn default_endpoint() -> String {
    if let Ok(host) = std::env::var("DOCKER_HOST")
        && !host.is_empty()
    {
        return host;
    }
    let mut candidates = vec![
        "/var/run/docker.sock".to_string(),
        "/run/podman/podman.sock".to_string(),
    ];
    if let Ok(dir) = std::env::var("XDG_RUNTIME_DIR") {
        candidates.push(format!("{dir}/podman/podman.sock"));
    }
    candidates
        .iter()
        .find(|p| Path::new(p).exists())
        .cloned()
        .unwrap_or_else(|| candidates[0].clone())
}

#[cfg(test)]
mod explain_tests {
    use super::{explain, socket_hint};
    use std::io::ErrorKind;

    #[test]
    fn a_socket_that_cannot_be_opened_is_explained_with_what_to_do() {
        let denied = socket_hint("/var/run/docker.sock", ErrorKind::PermissionDenied).unwrap();
        assert!(
            denied.starts_with("permission denied on /var/run/docker.sock"),
            "{denied}"
        );
        let missing = explain("unix:///nonexistent/engine.sock", "client error (Connect)");
        assert!(
            missing.contains("no engine socket at /nonexistent/engine.sock"),
            "{missing}"
        );
        assert_eq!(explain("tcp://1.2.3.4:2375", "timed out"), "timed out");
    }
}

#[async_trait]
impl ContainerRuntime for DockerRuntime {
    async fn info(&self) -> Result<EngineInfo, RuntimeError> {
        let unreachable = |e: BollardError| RuntimeError::Unreachable {
            endpoint: self.endpoint.clone(),
            message: explain(&self.endpoint, &e.to_string()),
        };
        // Negotiation stores the agreed version in state shared by every clone of the client.
        self.client
            .clone()
            .negotiate_version()
            .await
            .map_err(unreachable)?;
        self.events_client
            .clone()
            .negotiate_version()
            .await
            .map_err(unreachable)?;
        let version = self.client.version().await.map_err(unreachable)?;
        let is_podman = version
            .components
            .iter()
            .flatten()
            .any(|c| c.name.to_lowercase().contains("podman"));
        let system = self.client.info().await.map_err(unreachable)?;
        let architecture = match system.architecture.as_deref().unwrap_or(std::env::consts::ARCH) {
            "aarch64" => "arm64",
            "amd64" => "x86_64",
            other => other,
        }
        .to_string();
        Ok(EngineInfo {
            name: if is_podman { "podman" } else { "docker" }.to_string(),
            version: version.version.unwrap_or_default(),
            api_version: self.client.client_version().to_string(),
            cpus: system.ncpu.and_then(|n| u64::try_from(n).ok()).unwrap_or(0),
            memory_bytes: system.mem_total.and_then(|n| u64::try_from(n).ok()).unwrap_or(0),
            architecture,
        })
    }

    async fn create(&self, spec: &ContainerSpec) -> Result<String, RuntimeError> {
        let options = CreateContainerOptions {
            name: Some(spec.name.clone()),
            ..Default::default()
        };
        match self
            .client
            .create_container(Some(options), create_body(spec))
            .await
        {
            Ok(created) => self.attach(spec, created.id).await,
            // Docker answers 409; Podman answers 500 "… that name is already in use".
            Err(BollardError::DockerResponseServerError { status_code, message })
                if status_code == 409 || message.contains("already in use") =>
            {
                Err(RuntimeError::NameConflict {
                    name: spec.name.clone(),
                })
            }
            Err(BollardError::DockerResponseServerError { status_code: 404, .. }) => {
                Err(RuntimeError::ImageNotFound {
                    image: spec.image.clone(),
                })
            }
            Err(e) => Err(self.engine_error("create", &spec.name, e)),
        }
    }

    async fn start(&self, id: &str) -> Result<(), RuntimeError> {
        match self.client.start_container(id, None).await {
            // 304: already started; starting is idempotent for ecsd.
            Ok(()) | Err(BollardError::DockerResponseServerError { status_code: 304, .. }) => Ok(()),
            Err(e) => Err(self.engine_error("start", id, e)),
        }
    }

    async fn stop(&self, id: &str, timeout: Duration) -> Result<(), RuntimeError> {
        let options = StopContainerOptions {
            t: Some(i32::try_from(timeout.as_secs()).unwrap_or(i32::MAX)),
            ..Default::default()
        };
        match self.client.stop_container(id, Some(options)).await {
            Ok(()) | Err(BollardError::DockerResponseServerError { status_code: 304, .. }) => Ok(()),
            Err(e) => Err(self.engine_error("stop", id, e)),
        }
    }

    async fn remove(&self, id: &str) -> Result<(), RuntimeError> {
        let options = RemoveContainerOptions {
            force: true,
            v: true,
            ..Default::default()
        };
        match self.client.remove_container(id, Some(options)).await {
            Ok(()) | Err(BollardError::DockerResponseServerError { status_code: 404, .. }) => Ok(()),
            // 409: removal already in progress.
            Err(BollardError::DockerResponseServerError { status_code: 409, .. }) => Ok(()),
            Err(e) => Err(self.engine_error("remove", id, e)),
        }
    }

    async fn inspect(&self, id_or_name: &str) -> Result<Option<ContainerInfo>, RuntimeError> {
        let found = past_transient_states(|| self.client.inspect_container(id_or_name, None)).await;
        match found {
            Ok(found) => Ok(Some(from_inspect(found))),
            Err(BollardError::DockerResponseServerError { status_code: 404, .. }) => Ok(None),
            Err(e) => Err(self.engine_error("inspect", id_or_name, e)),
        }
    }

    async fn list(&self, labels: &[String]) -> Result<Vec<ContainerInfo>, RuntimeError> {
        let options = ListContainersOptions {
            all: true,
            filters: Some(HashMap::from([("label".to_string(), labels.to_vec())])),
            ..Default::default()
        };
        let found = past_transient_states(|| self.client.list_containers(Some(options.clone())))
            .await
            .map_err(|e| self.engine_error("list", &labels.join(","), e))?;
        Ok(found.into_iter().map(from_summary).collect())
    }

    async fn image_exists(&self, image: &str) -> Result<bool, RuntimeError> {
        match self.client.inspect_image(image).await {
            Ok(_) => Ok(true),
            Err(BollardError::DockerResponseServerError { status_code: 404, .. }) => Ok(false),
            Err(e) => Err(self.engine_error("inspect image", image, e)),
        }
    }

    async fn pull(&self, image: &str) -> Result<(), RuntimeError> {
        let (name, tag) = split_tag(image);
        let options = CreateImageOptions {
            from_image: Some(name.to_string()),
            tag: Some(tag.to_string()),
            ..Default::default()
        };
        let mut progress = self
            .client
            .create_image(Some(options), None, credentials::credentials_for(image));
        while let Some(item) = progress.next().await {
            match item {
                Ok(_) => {}
                Err(BollardError::DockerResponseServerError { message, .. })
                | Err(BollardError::DockerStreamError { error: message }) => {
                    return Err(RuntimeError::Engine {
                        op: "pull",
                        id: image.to_string(),
                        message,
                    });
                }
                Err(e) => return Err(self.engine_error("pull", image, e)),
            }
        }
        Ok(())
    }

    async fn exec(&self, id: &str, cmd: &[String], timeout: Duration) -> Result<ExecOutput, RuntimeError> {
        let options = CreateExecOptions {
            cmd: Some(cmd.to_vec()),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            ..Default::default()
        };
        let created = self
            .client
            .create_exec(id, options)
            .await
            .map_err(|e| self.engine_error("exec", id, e))?;
        let started = self
            .client
            .start_exec(&created.id, None)
            .await
            .map_err(|e| self.engine_error("exec", id, e))?;
        let mut output = String::new();
        if let StartExecResults::Attached {
            output: mut stream, ..
        } = started
        {
            let collect = async {
                while let Some(Ok(chunk)) = stream.next().await {
                    if output.len() < 4096 {
                        output.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
                    }
                }
            };
            if tokio::time::timeout(timeout, collect).await.is_err() {
                return Ok(ExecOutput {
                    exit_code: -1,
                    output: format!("timed out after {}s", timeout.as_secs()),
                });
            }
        }
        let inspected = self
            .client
            .inspect_exec(&created.id)
            .await
            .map_err(|e| self.engine_error("exec", id, e))?;
        Ok(ExecOutput {
            exit_code: inspected.exit_code.unwrap_or(-1),
            output,
        })
    }

    fn logs(&self, id: &str, options: &LogOptions) -> BoxStream<'static, Result<LogChunk, RuntimeError>> {
        let query = LogsOptions {
            follow: options.follow,
            stdout: true,
            stderr: true,
            since: options.since.map_or(0, |s| i32::try_from(s).unwrap_or(i32::MAX)),
            tail: options.tail.map_or_else(|| "all".to_string(), |t| t.to_string()),
            ..Default::default()
        };
        let client = if options.follow {
            &self.events_client
        } else {
            &self.client
        };
        let id = id.to_string();
        client
            .logs(&id, Some(query))
            .map(move |item| match item {
                Ok(out) => Ok(LogChunk {
                    stderr: matches!(out, LogOutput::StdErr { .. }),
                    text: String::from_utf8_lossy(&out.into_bytes()).into_owned(),
                }),
                Err(e) => Err(RuntimeError::Engine {
                    op: "logs",
                    id: id.clone(),
                    message: e.to_string(),
                }),
            })
            .boxed()
    }

    async fn ensure_volume(&self, spec: &VolumeSpec) -> Result<bool, RuntimeError> {
        match self.client.inspect_volume(&spec.name).await {
            Ok(_) => return Ok(true),
            Err(BollardError::DockerResponseServerError { status_code: 404, .. }) => {}
            Err(e) => return Err(self.engine_error("inspect volume", &spec.name, e)),
        }
        if !(spec.autoprovision || spec.task_scoped) {
            return Ok(false);
        }
        let request = VolumeCreateRequest {
            name: Some(spec.name.clone()),
            driver: spec.driver.clone(),
            driver_opts: Some(spec.driver_opts.clone().into_iter().collect()),
            labels: Some(spec.labels.clone().into_iter().collect()),
            ..Default::default()
        };
        self.client
            .create_volume(request)
            .await
            .map_err(|e| self.engine_error("create volume", &spec.name, e))?;
        Ok(true)
    }

    async fn remove_volume(&self, name: &str) -> Result<(), RuntimeError> {
        match self.client.remove_volume(name, None::<RemoveVolumeOptions>).await {
            Ok(()) | Err(BollardError::DockerResponseServerError { status_code: 404, .. }) => Ok(()),
            Err(e) => Err(self.engine_error("remove volume", name, e)),
        }
    }

    /// Docker before API 1.44 creates a second network of the same name unless asked to
    /// `CheckDuplicate`, which bollard's request type cannot carry, and then refuses to attach
    /// containers to the ambiguous name: so look first, and let one create run at a time.
    async fn ensure_network(&self, spec: &NetworkSpec) -> Result<(), RuntimeError> {
        let _one_at_a_time = self.network_creation.lock().await;
        match self.client.inspect_network(&spec.name, None).await {
            Ok(_) => return Ok(()),
            Err(BollardError::DockerResponseServerError { status_code: 404, .. }) => {}
            Err(e) => return Err(self.engine_error("inspect network", &spec.name, e)),
        }
        let request = NetworkCreateRequest {
            name: spec.name.clone(),
            driver: Some("bridge".into()),
            labels: Some(spec.labels.clone().into_iter().collect()),
            ..Default::default()
        };
        match self.client.create_network(request).await {
            Ok(_) => Ok(()),
            // Docker answers 409, Podman 500 "network already exists".
            Err(BollardError::DockerResponseServerError { status_code, message })
                if status_code == 409 || message.contains("already exists") =>
            {
                Ok(())
            }
            Err(e) => Err(self.engine_error("create network", &spec.name, e)),
        }
    }

    async fn remove_network(&self, name: &str) -> Result<(), RuntimeError> {
        match self.client.remove_network(name).await {
            Ok(()) | Err(BollardError::DockerResponseServerError { status_code: 404, .. }) => Ok(()),
            Err(e) => Err(self.engine_error("remove network", name, e)),
        }
    }

    async fn stats(&self, id: &str) -> Result<Option<ResourceUsage>, RuntimeError> {
        let options = bollard::query_parameters::StatsOptionsBuilder::new()
            .stream(false)
            .one_shot(true)
            .build();
        // Docker 20.10 answers the first one-shot call for a container at once and later ones
        // only at its collector's next 1 s tick: hence cgroups first, and 8 calls at a time.
        let mut answers = self.client.stats(id, Some(options));
        match answers.next().await {
            Some(Ok(stats)) => Ok(Some(stats::usage_from_stats(&stats))),
            Some(Err(BollardError::DockerResponseServerError { status_code: 404, .. })) | None => Ok(None),
            Some(Err(e)) => Err(self.engine_error("stats", id, e)),
        }
    }

    fn events(&self, label: &str) -> BoxStream<'static, Result<EngineEvent, RuntimeError>> {
        let options = EventsOptions {
            filters: Some(HashMap::from([
                ("type".to_string(), vec!["container".to_string()]),
                ("label".to_string(), vec![label.to_string()]),
            ])),
            ..Default::default()
        };
        let endpoint = self.endpoint.clone();
        self.events_client
            .events(Some(options))
            .filter_map(move |item| {
                let endpoint = endpoint.clone();
                async move {
                    match item {
                        Ok(msg) => {
                            let actor = msg.actor?;
                            Some(Ok(EngineEvent {
                                container_id: actor.id?,
                                action: normalize_action(&msg.action.unwrap_or_default()),
                                labels: actor.attributes.unwrap_or_default().into_iter().collect(),
                            }))
                        }
                        Err(e) => Some(Err(RuntimeError::Unreachable {
                            endpoint,
                            message: format!("event stream: {e}"),
                        })),
                    }
                }
            })
            .boxed()
    }
}

/// Podman briefly reports a container state (`stopped`, between exit and cleanup) that the
/// Docker API does not define, so the response does not decode; it settles within moments.
async fn past_transient_states<T, F, Fut>(call: F) -> Result<T, BollardError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, BollardError>>,
{
    let mut attempt = 0;
    loop {
        match call().await {
            Err(BollardError::JsonDataError { message, .. })
                if message.contains("unknown variant") && attempt < 20 =>
            {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => return other,
        }
    }
}

/// `repo:tag` split for the pull API (`latest` when no tag; digests kept whole).
fn split_tag(image: &str) -> (&str, &str) {
    if image.contains('@') {
        return (image, "");
    }
    match image.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, tag),
        _ => (image, "latest"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_split_into_name_and_tag_for_pulls() {
        assert_eq!(split_tag("busybox"), ("busybox", "latest"));
        assert_eq!(split_tag("busybox:1.36"), ("busybox", "1.36"));
        assert_eq!(split_tag("localhost:5000/app"), ("localhost:5000/app", "latest"));
        assert_eq!(split_tag("localhost:5000/app:2"), ("localhost:5000/app", "2"));
    }

    use super::convert::epoch_millis;

    #[test]
    fn engine_timestamps_become_epoch_milliseconds_and_the_zero_time_is_none() {
        assert_eq!(epoch_millis(Some("1970-01-01T00:00:01.5Z")), Some(1500));
        assert_eq!(epoch_millis(Some("0001-01-01T00:00:00Z")), None);
        assert_eq!(
            epoch_millis(Some("2026-11-21T05:43:16.333388123Z")).map(|m| m > 0),
            Some(true)
        );
    }

    #[test]
    fn podman_and_docker_event_names_normalize_to_one_vocabulary() {
        assert_eq!(normalize_action("died"), "die");
        assert_eq!(normalize_action("remove"), "destroy");
        assert_eq!(normalize_action("die"), "die");
        assert_eq!(normalize_action("health_status: healthy"), "health_status");
    }
}
