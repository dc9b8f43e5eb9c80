//! A recording in-memory engine for controller tests: every call is logged, and tests can
//! make containers exit or vanish to drive the controllers.

use super::*;
use crate::model::NetworkBinding;
use futures::StreamExt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

/// One call made to the fake engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FakeCall {
    /// `create` with this container name.
    Create(String),
    /// `start` of this id.
    Start(String),
    /// `stop` of this id.
    Stop(String),
    /// `remove` of this id.
    Remove(String),
    /// `pull` of this image.
    Pull(String),
    /// `exec` in this id.
    Exec(String),
    /// A volume was created.
    CreateVolume(String),
    /// A volume was removed.
    RemoveVolume(String),
    /// A network was created.
    CreateNetwork(String),
    /// A network was removed.
    RemoveNetwork(String),
}

/// An in-memory `ContainerRuntime`.
pub struct FakeRuntime {
    containers: Mutex<BTreeMap<String, ContainerInfo>>,
    calls: Mutex<Vec<FakeCall>>,
    missing_images: Mutex<Vec<String>>,
    exec_exit_codes: Mutex<BTreeMap<String, i64>>,
    crashing_images: Mutex<BTreeMap<String, i64>>,
    sigterm_ignoring_images: Mutex<Vec<String>>,
    images: Mutex<BTreeMap<String, String>>,
    logs: Mutex<BTreeMap<String, Vec<String>>>,
    volumes: Mutex<Vec<String>>,
    networks: Mutex<Vec<String>>,
    usage: Mutex<BTreeMap<String, ResourceUsage>>,
    /// Answers nothing while true (a partitioned or stopped engine); going down also ends
    /// the open event streams, as a real engine's connection breaks.
    down: tokio::sync::watch::Sender<bool>,
    events: broadcast::Sender<EngineEvent>,
    next_id: AtomicU64,
    clock: crate::clock::Clock,
}

impl Default for FakeRuntime {
    fn default() -> Self {
        Self {
            containers: Mutex::default(),
            calls: Mutex::default(),
            missing_images: Mutex::default(),
            exec_exit_codes: Mutex::default(),
            crashing_images: Mutex::default(),
            sigterm_ignoring_images: Mutex::default(),
            images: Mutex::default(),
            logs: Mutex::default(),
            volumes: Mutex::default(),
            networks: Mutex::default(),
            usage: Mutex::default(),
            down: tokio::sync::watch::Sender::new(false),
            events: broadcast::channel(1024).0,
            next_id: AtomicU64::new(1),
            clock: crate::clock::Clock::new(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl FakeRuntime {
    /// An empty engine.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<FakeCall> {
        lock(&self.calls).clone()
    }

    /// Number of calls matching `pred`.
    pub fn count(&self, pred: impl Fn(&FakeCall) -> bool) -> usize {
        lock(&self.calls).iter().filter(|c| pred(c)).count()
    }

    /// All containers currently known to the engine.
    pub fn containers(&self) -> Vec<ContainerInfo> {
        lock(&self.containers).values().cloned().collect()
    }

    /// Containers in the Running state.
    pub fn running(&self) -> Vec<ContainerInfo> {
        self.containers()
            .into_iter()
            .filter(|c| c.state == ContainerState::Running)
            .collect()
    }

    /// Containers of `image` exit with `code` right after they start (a broken release).
    pub fn set_image_crashes(&self, image: &str, code: i64) {
        lock(&self.crashing_images).insert(image.to_string(), code);
    }

    /// Containers of `image` ignore SIGTERM: a stop waits out its whole timeout, then kills.
    pub fn set_image_ignores_sigterm(&self, image: &str) {
        lock(&self.sigterm_ignoring_images).push(image.to_string());
    }

    /// Makes creates of `image` fail as if the image did not exist.
    pub fn set_image_missing(&self, image: &str) {
        lock(&self.missing_images).push(image.to_string());
    }

    /// Sets what the engine reports as the container's health, and emits a health event.
    pub fn set_health(&self, id: &str, health: Option<HealthState>) {
        let labels = {
            let mut map = lock(&self.containers);
            let Some(c) = map.get_mut(id) else { return };
            c.health = health;
            c.labels.clone()
        };
        self.emit(id, "health_status", labels);
    }

    /// Sets the engine's health check log of the container (oldest first).
    pub fn set_health_log(&self, id: &str, log: Vec<crate::model::HealthProbe>) {
        if let Some(c) = lock(&self.containers).get_mut(id) {
            c.health_log = log;
        }
    }

    /// Volumes that exist.
    pub fn volumes(&self) -> Vec<String> {
        lock(&self.volumes).clone()
    }

    /// Networks that exist.
    pub fn networks(&self) -> Vec<String> {
        lock(&self.networks).clone()
    }

    /// Makes every later `exec` in container `id` exit with `code` (default 0).
    pub fn set_exec_exit_code(&self, id: &str, code: i64) {
        lock(&self.exec_exit_codes).insert(id.to_string(), code);
    }

    /// Appends a line to the container's output.
    pub fn push_log(&self, id: &str, line: &str) {
        lock(&self.logs)
            .entry(id.to_string())
            .or_default()
            .push(line.to_string());
    }

    /// Sets the counters `stats` reports for a container (zero until set).
    pub fn set_usage(&self, id: &str, usage: ResourceUsage) {
        lock(&self.usage).insert(id.to_string(), usage);
    }

    /// The process in container `id` exits with `code` (as if it crashed or finished).
    pub fn exit(&self, id: &str, code: i64) {
        self.die(id, code, false);
    }

    /// The kernel's OOM killer kills container `id` (exit 137, `OOMKilled`).
    pub fn oom_kill(&self, id: &str) {
        self.die(id, 137, true);
    }

    fn die(&self, id: &str, code: i64, oom_killed: bool) {
        let labels = {
            let mut map = lock(&self.containers);
            let Some(c) = map.get_mut(id) else { return };
            c.state = ContainerState::Exited;
            c.exit_code = Some(code);
            c.oom_killed = oom_killed;
            c.finished_at = Some(self.clock.now_millis());
            c.labels.clone()
        };
        self.emit(id, "die", labels);
    }

    /// Someone outside ecsd removed the container (`docker rm -f`).
    pub fn remove_externally(&self, id: &str) {
        if let Some(c) = lock(&self.containers).remove(id) {
            self.emit(id, "destroy", c.labels);
        }
    }

    fn emit(&self, id: &str, action: &str, labels: BTreeMap<String, String>) {
        let _ = self.events.send(EngineEvent {
            container_id: id.to_string(),
            action: action.to_string(),
            labels,
        });
    }

    fn record(&self, call: FakeCall) {
        lock(&self.calls).push(call);
    }

    /// A user-defined network the spec joins that does not exist (as the engine refuses it).
    fn missing_network(&self, spec: &ContainerSpec) -> Option<String> {
        let networks = lock(&self.networks);
        let primary = spec.namespaces.network_mode.iter().filter(|mode| {
            !matches!(mode.as_str(), "host" | "none" | "bridge") && !mode.starts_with("container:")
        });
        let attached = spec.namespaces.attachments.iter().map(|a| &a.network);
        primary.chain(attached).find(|n| !networks.contains(n)).cloned()
    }

    /// Makes the engine stop answering (`false`) or answer again (`true`).
    pub fn set_reachable(&self, reachable: bool) {
        self.down.send_replace(!reachable);
    }

    fn reachable(&self) -> Result<(), RuntimeError> {
        if *self.down.borrow() {
            return Err(RuntimeError::Unreachable {
                endpoint: "fake".into(),
                message: "the fake engine is down".into(),
            });
        }
        Ok(())
    }

    fn not_found(id: &str) -> RuntimeError {
        RuntimeError::NotFound { id: id.to_string() }
    }
}

#[async_trait]
impl ContainerRuntime for FakeRuntime {
    async fn info(&self) -> Result<EngineInfo, RuntimeError> {
        self.reachable()?;
        Ok(EngineInfo {
            name: "fake".into(),
            version: "0".into(),
            api_version: "1.41".into(),
            cpus: 4,
            memory_bytes: 8 << 30,
            architecture: "x86_64".into(),
        })
    }

    async fn create(&self, spec: &ContainerSpec) -> Result<String, RuntimeError> {
        self.reachable()?;
        self.record(FakeCall::Create(spec.name.clone()));
        if lock(&self.missing_images).contains(&spec.image) {
            return Err(RuntimeError::ImageNotFound {
                image: spec.image.clone(),
            });
        }
        if let Some(missing) = self.missing_network(spec) {
            return Err(RuntimeError::NotFound { id: missing });
        }
        let mut map = lock(&self.containers);
        if map.values().any(|c| c.name == spec.name) {
            return Err(RuntimeError::NameConflict {
                name: spec.name.clone(),
            });
        }
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let id = format!("{n:064x}");
        lock(&self.images).insert(id.clone(), spec.image.clone());
        let ports = spec
            .ports
            .iter()
            .enumerate()
            .map(|(i, p)| NetworkBinding {
                bind_ip: p.host_ip.map_or_else(|| "0.0.0.0".into(), |ip| ip.to_string()),
                container_port: p.container_port,
                host_port: p.host_port.unwrap_or(32768 + (n as u16 % 1000) * 10 + i as u16),
                protocol: p.protocol,
            })
            .collect();
        map.insert(
            id.clone(),
            ContainerInfo {
                id: id.clone(),
                name: spec.name.clone(),
                labels: spec.labels.clone(),
                state: ContainerState::Created,
                exit_code: None,
                error: None,
                oom_killed: false,
                ports,
                health: None,
                health_log: Vec::new(),
                started_at: None,
                finished_at: None,
                pid: None,
            },
        );
        Ok(id)
    }

    async fn start(&self, id: &str) -> Result<(), RuntimeError> {
        self.reachable()?;
        self.record(FakeCall::Start(id.to_string()));
        let labels = {
            let mut map = lock(&self.containers);
            let c = map.get_mut(id).ok_or_else(|| Self::not_found(id))?;
            c.state = ContainerState::Running;
            c.started_at = Some(self.clock.now_millis());
            c.labels.clone()
        };
        self.emit(id, "start", labels);
        let image = lock(&self.images).get(id).cloned().unwrap_or_default();
        if let Some(code) = lock(&self.crashing_images).get(&image).copied() {
            self.exit(id, code);
        }
        Ok(())
    }

    async fn stop(&self, id: &str, timeout: Duration) -> Result<(), RuntimeError> {
        self.reachable()?;
        self.record(FakeCall::Stop(id.to_string()));
        let running = lock(&self.containers)
            .get(id)
            .map(|c| c.state == ContainerState::Running)
            .ok_or_else(|| Self::not_found(id))?;
        let image = lock(&self.images).get(id).cloned().unwrap_or_default();
        let killed = lock(&self.sigterm_ignoring_images).contains(&image);
        if running && killed {
            tokio::time::sleep(timeout).await;
        }
        if running {
            self.exit(id, if killed { 137 } else { 143 });
        }
        Ok(())
    }

    async fn remove(&self, id: &str) -> Result<(), RuntimeError> {
        self.reachable()?;
        self.record(FakeCall::Remove(id.to_string()));
        if let Some(c) = lock(&self.containers).remove(id) {
            self.emit(id, "destroy", c.labels);
        }
        Ok(())
    }

    async fn inspect(&self, id_or_name: &str) -> Result<Option<ContainerInfo>, RuntimeError> {
        self.reachable()?;
        Ok(lock(&self.containers)
            .values()
            .find(|c| c.id == id_or_name || c.name == id_or_name)
            .cloned())
    }

    async fn list(&self, labels: &[String]) -> Result<Vec<ContainerInfo>, RuntimeError> {
        self.reachable()?;
        Ok(self
            .containers()
            .into_iter()
            .filter(|c| {
                labels.iter().all(|f| {
                    let (k, v) = f.split_once('=').unwrap_or((f, ""));
                    c.label(k) == Some(v)
                })
            })
            .map(|mut c| {
                c.exit_code = None; // a list, like Docker's, carries no exit code
                c
            })
            .collect())
    }

    async fn image_exists(&self, image: &str) -> Result<bool, RuntimeError> {
        self.reachable()?;
        Ok(!lock(&self.missing_images).iter().any(|m| m == image))
    }

    async fn pull(&self, image: &str) -> Result<(), RuntimeError> {
        self.reachable()?;
        self.record(FakeCall::Pull(image.to_string()));
        if self.image_exists(image).await? {
            Ok(())
        } else {
            Err(RuntimeError::ImageNotFound {
                image: image.to_string(),
            })
        }
    }

    async fn exec(&self, id: &str, cmd: &[String], _timeout: Duration) -> Result<ExecOutput, RuntimeError> {
        self.reachable()?;
        self.record(FakeCall::Exec(id.to_string()));
        let running = lock(&self.containers)
            .get(id)
            .is_some_and(|c| c.state == ContainerState::Running);
        if !running {
            return Err(RuntimeError::Engine {
                op: "exec",
                id: id.to_string(),
                message: "container is not running".into(),
            });
        }
        Ok(ExecOutput {
            exit_code: lock(&self.exec_exit_codes).get(id).copied().unwrap_or(0),
            output: cmd.join(" "),
        })
    }

    fn logs(&self, id: &str, options: &LogOptions) -> BoxStream<'static, Result<LogChunk, RuntimeError>> {
        let lines = lock(&self.logs).get(id).cloned().unwrap_or_default();
        let skip = options.tail.map_or(0, |t| lines.len().saturating_sub(t as usize));
        let chunks: Vec<Result<LogChunk, RuntimeError>> = lines
            .into_iter()
            .skip(skip)
            .map(|text| {
                Ok(LogChunk {
                    stderr: false,
                    text: format!("{text}\n"),
                })
            })
            .collect();
        futures::stream::iter(chunks).boxed()
    }

    async fn ensure_volume(&self, spec: &VolumeSpec) -> Result<bool, RuntimeError> {
        self.reachable()?;
        let mut volumes = lock(&self.volumes);
        if volumes.contains(&spec.name) {
            return Ok(true);
        }
        if !(spec.autoprovision || spec.task_scoped) {
            return Ok(false);
        }
        volumes.push(spec.name.clone());
        self.record(FakeCall::CreateVolume(spec.name.clone()));
        Ok(true)
    }

    async fn remove_volume(&self, name: &str) -> Result<(), RuntimeError> {
        self.reachable()?;
        lock(&self.volumes).retain(|v| v != name);
        self.record(FakeCall::RemoveVolume(name.to_string()));
        Ok(())
    }

    async fn ensure_network(&self, spec: &NetworkSpec) -> Result<(), RuntimeError> {
        self.reachable()?;
        let mut networks = lock(&self.networks);
        if !networks.contains(&spec.name) {
            networks.push(spec.name.clone());
            self.record(FakeCall::CreateNetwork(spec.name.clone()));
        }
        Ok(())
    }

    async fn remove_network(&self, name: &str) -> Result<(), RuntimeError> {
        self.reachable()?;
        lock(&self.networks).retain(|n| n != name);
        self.record(FakeCall::RemoveNetwork(name.to_string()));
        Ok(())
    }

    async fn stats(&self, id: &str) -> Result<Option<ResourceUsage>, RuntimeError> {
        self.reachable()?;
        let running = lock(&self.containers)
            .get(id)
            .is_some_and(|c| c.state == ContainerState::Running);
        Ok(running.then(|| lock(&self.usage).get(id).copied().unwrap_or_default()))
    }

    fn events(&self, _label: &str) -> BoxStream<'static, Result<EngineEvent, RuntimeError>> {
        if let Err(e) = self.reachable() {
            return futures::stream::once(async move { Err(e) }).boxed();
        }
        let mut down = self.down.subscribe();
        let broken = async move {
            let _ = down.wait_for(|down| *down).await;
        };
        BroadcastStream::new(self.events.subscribe())
            .filter_map(|e| async move { e.ok().map(Ok) })
            .take_until(broken)
            .boxed()
    }
}
