//! Where samples come from: the side effect behind a narrow trait. [`EngineUsage`] lists this
//! daemon's running containers (one engine call per tick), reads each one's cgroup where the
//! daemon can see it and asks the engine's one-shot stats otherwise; [`FakeUsage`] hands out
//! set numbers for tests.

use super::MetricsError;
use super::cgroup::CgroupReader;
use crate::runtime::{ContainerInfo, ContainerRuntime, ContainerState, ResourceUsage, labels};
use async_trait::async_trait;
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Engine one-shot stats calls in flight at once, when cgroups cannot be read.
const STATS_CONCURRENCY: usize = 8;

/// Which task, service and cluster a container belongs to (from its labels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerRef {
    /// Engine container id.
    pub id: String,
    /// Container name in the task definition.
    pub name: String,
    /// Task id.
    pub task: String,
    /// Service name, for a service's task.
    pub service: Option<String>,
    /// Cluster name.
    pub cluster: String,
}

impl ContainerRef {
    /// The reference of an ecsd container; None for one without a task label.
    pub fn from_info(info: &ContainerInfo) -> Option<Self> {
        Some(Self {
            id: info.id.clone(),
            name: info.label(labels::CONTAINER).unwrap_or(&info.name).to_string(),
            task: info.label(labels::TASK)?.to_string(),
            service: info.label(labels::SERVICE).map(str::to_string),
            cluster: info
                .label(labels::CLUSTER)
                .unwrap_or(crate::model::DEFAULT_CLUSTER)
                .to_string(),
        })
    }
}

/// One container's counters in one sample.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerUsage {
    /// Whose counters.
    pub container: ContainerRef,
    /// The counters.
    pub usage: ResourceUsage,
}

/// Whether an engine endpoint is on this machine, so that its pids and cgroups are ours to
/// read: a unix socket is, a TCP address is not.
pub fn engine_is_local(endpoint: &str) -> bool {
    !(endpoint.starts_with("tcp://") || endpoint.starts_with("http://") || endpoint.starts_with("https://"))
}

/// Reads the counters of every running container of this daemon.
#[async_trait]
pub trait UsageSource: Send + Sync {
    /// One sample of every running container; a container that vanished meanwhile is left out.
    async fn sample(&self) -> Result<Vec<ContainerUsage>, MetricsError>;
}

/// Samples through the engine's container list and the kernel's cgroup files.
pub struct EngineUsage {
    runtime: Arc<dyn ContainerRuntime>,
    owner: String,
    /// None for an engine on another machine: its pids mean nothing here.
    cgroups: Option<CgroupReader>,
    /// Container id → main pid (None: read through the engine), learnt by one inspect.
    pids: Mutex<HashMap<String, Option<u32>>>,
}

impl EngineUsage {
    /// A source for the containers `owner` runs on `runtime`; `cgroups` only when the engine
    /// runs on this machine.
    pub fn new(runtime: Arc<dyn ContainerRuntime>, owner: String, cgroups: Option<CgroupReader>) -> Self {
        Self {
            runtime,
            owner,
            cgroups,
            pids: Mutex::default(),
        }
    }

    /// Pids of `running`, inspecting only containers not seen before; forgets the rest.
    async fn pids(&self, running: &[ContainerRef]) -> HashMap<String, Option<u32>> {
        let mut known = self.lock().clone();
        known.retain(|id, _| running.iter().any(|c| &c.id == id));
        for c in running {
            if known.contains_key(&c.id) {
                continue;
            }
            let pid = match &self.cgroups {
                Some(_) => match self.runtime.inspect(&c.id).await {
                    Ok(info) => info.and_then(|i| i.pid),
                    // Not remembered: the next sample inspects it again.
                    Err(_) => continue,
                },
                None => None,
            };
            known.insert(c.id.clone(), pid);
        }
        *self.lock() = known.clone();
        known
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<u32>>> {
        self.pids.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn engine_stats(&self, containers: Vec<ContainerRef>) -> Vec<ContainerUsage> {
        futures::stream::iter(containers)
            .map(|container| async move {
                match self.runtime.stats(&container.id).await {
                    Ok(Some(usage)) => Some(ContainerUsage { container, usage }),
                    Ok(None) | Err(_) => None,
                }
            })
            .buffer_unordered(STATS_CONCURRENCY)
            .filter_map(|u| async move { u })
            .collect()
            .await
    }
}

#[async_trait]
impl UsageSource for EngineUsage {
    async fn sample(&self) -> Result<Vec<ContainerUsage>, MetricsError> {
        let owned = [labels::filter(labels::OWNER, &self.owner)];
        let listed = self.runtime.list(&owned).await?;
        let running: Vec<ContainerRef> = listed
            .iter()
            .filter(|c| c.state == ContainerState::Running)
            .filter_map(ContainerRef::from_info)
            .collect();
        let pids = self.pids(&running).await;
        let reader = self.cgroups.clone();
        let (mut read, unread) =
            tokio::task::spawn_blocking(move || read_cgroups(reader.as_ref(), running, &pids))
                .await
                .map_err(|e| MetricsError::Join(e.to_string()))?;
        read.extend(self.engine_stats(unread).await);
        Ok(read)
    }
}

/// Samples every engine of the fleet: the daemon's own through its cgroups (when it runs on
/// this machine), every declared instance's through its engine's one-shot stats. An engine
/// that does not answer is left out of the sample (its containers reappear once it answers).
pub struct FleetUsage {
    engines: Arc<crate::fleet::Engines>,
    owner: String,
    local_cgroups: Option<CgroupReader>,
    sources: Mutex<HashMap<String, EngineSource>>,
}

/// One engine handle and the source sampling it.
type EngineSource = (Arc<dyn ContainerRuntime>, Arc<EngineUsage>);

impl FleetUsage {
    /// A source for the containers `owner` runs on every engine of `engines`.
    pub fn new(
        engines: Arc<crate::fleet::Engines>,
        owner: String,
        local_cgroups: Option<CgroupReader>,
    ) -> Self {
        Self {
            engines,
            owner,
            local_cgroups,
            sources: Mutex::default(),
        }
    }

    /// The source of each engine now, made once per engine handle.
    fn sources(&self) -> Vec<(String, Arc<EngineUsage>)> {
        let mut sources = self.sources.lock().unwrap_or_else(|p| p.into_inner());
        let all = self.engines.all();
        sources.retain(|id, _| all.iter().any(|(i, _)| i == id));
        all.into_iter()
            .map(|(id, engine)| {
                let same = sources.get(&id).is_some_and(|(e, _)| Arc::ptr_eq(e, &engine));
                if !same {
                    let cgroups = (id == self.engines.local_id())
                        .then(|| self.local_cgroups.clone())
                        .flatten();
                    let source = Arc::new(EngineUsage::new(engine.clone(), self.owner.clone(), cgroups));
                    sources.insert(id.clone(), (engine, source));
                }
                let source = sources.get(&id).map(|(_, s)| s.clone());
                (id, source)
            })
            .filter_map(|(id, source)| Some((id, source?)))
            .collect()
    }
}

#[async_trait]
impl UsageSource for FleetUsage {
    async fn sample(&self) -> Result<Vec<ContainerUsage>, MetricsError> {
        let mut all = Vec::new();
        for (id, source) in self.sources() {
            match source.sample().await {
                Ok(sample) => all.extend(sample),
                Err(e) if id == self.engines.local_id() => return Err(e),
                Err(e) => {
                    tracing::debug!(instance = %id, error = %e, "container instance left out of this sample")
                }
            }
        }
        Ok(all)
    }
}

/// The containers whose cgroups could be read, and the rest (for the engine's stats).
fn read_cgroups(
    reader: Option<&CgroupReader>,
    running: Vec<ContainerRef>,
    pids: &HashMap<String, Option<u32>>,
) -> (Vec<ContainerUsage>, Vec<ContainerRef>) {
    let mut read = Vec::with_capacity(running.len());
    let mut unread = Vec::new();
    for container in running {
        let pid = pids.get(&container.id).copied().flatten();
        match (reader, pid) {
            (Some(reader), Some(pid)) => match reader.read(pid) {
                Ok(usage) => read.push(ContainerUsage { container, usage }),
                Err(e) => {
                    tracing::debug!(container = %container.id, error = %e, "cgroup unreadable; asking the engine");
                    unread.push(container);
                }
            },
            _ => unread.push(container),
        }
    }
    (read, unread)
}

/// A source that answers what the test set.
#[cfg(any(test, feature = "test-support"))]
#[derive(Default)]
pub struct FakeUsage {
    samples: Mutex<Vec<ContainerUsage>>,
}

#[cfg(any(test, feature = "test-support"))]
impl FakeUsage {
    /// What the next samples report.
    pub fn set(&self, samples: Vec<ContainerUsage>) {
        *self.samples.lock().unwrap_or_else(|p| p.into_inner()) = samples;
    }
}

#[cfg(any(test, feature = "test-support"))]
#[async_trait]
impl UsageSource for FakeUsage {
    async fn sample(&self) -> Result<Vec<ContainerUsage>, MetricsError> {
        Ok(self.samples.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::{ContainerSpec, FakeRuntime};
    use std::collections::BTreeMap;

    async fn container(fake: &FakeRuntime, name: &str, owner: &str, start: bool) -> String {
        let labels = BTreeMap::from([
            (labels::OWNER.to_string(), owner.to_string()),
            (labels::TASK.to_string(), format!("task-{name}")),
            (labels::SERVICE.to_string(), "web".to_string()),
            (labels::CLUSTER.to_string(), "prod".to_string()),
            (labels::CONTAINER.to_string(), "app".to_string()),
        ]);
        let spec = ContainerSpec {
            name: name.into(),
            image: "busybox".into(),
            labels,
            ..Default::default()
        };
        let id = fake.create(&spec).await.unwrap();
        if start {
            fake.start(&id).await.unwrap();
        }
        id
    }

    #[tokio::test]
    async fn engine_stats_serve_containers_without_a_readable_cgroup() {
        let fake = Arc::new(FakeRuntime::new());
        let busy = container(&fake, "busy", "me", true).await;
        container(&fake, "created", "me", false).await;
        container(&fake, "theirs", "someone-else", true).await;
        let usage = ResourceUsage {
            cpu_ns: 42,
            ..Default::default()
        };
        fake.set_usage(&busy, usage);
        let source = EngineUsage::new(
            fake,
            "me".into(),
            Some(CgroupReader::new("/nonexistent", "/nonexistent")),
        );
        let sample = source.sample().await.unwrap();
        assert_eq!(sample.len(), 1, "only my running container: {sample:?}");
        assert_eq!(sample[0].usage, usage);
        let c = &sample[0].container;
        assert_eq!(
            (
                c.task.as_str(),
                c.service.as_deref(),
                c.cluster.as_str(),
                c.name.as_str()
            ),
            ("task-busy", Some("web"), "prod", "app")
        );
    }

    #[test]
    fn only_a_unix_socket_engine_is_local() {
        assert!(engine_is_local("/var/run/docker.sock"));
        assert!(engine_is_local("unix:///run/podman/podman.sock"));
        assert!(!engine_is_local("tcp://10.0.0.2:2375"));
    }
}
