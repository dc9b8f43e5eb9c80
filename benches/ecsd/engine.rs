//! The engine directly through bollard: the baselines (create and start, stop) with the
//! daemon's concurrency, kills, engine event queries, and removal of what the run created.

use crate::daemon::ENGINE;
use crate::manifests::{IMAGE, LOOP_COMMAND};
use anyhow::Context as _;
use bollard::Docker;
use bollard::models::{
    ContainerCreateBody, EventMessage, HostConfig, HostConfigLogConfig, RestartPolicy, RestartPolicyNameEnum,
};
use bollard::query_parameters::{
    CreateContainerOptions, EventsOptions, KillContainerOptions, ListContainersOptions,
    RemoveContainerOptions, StopContainerOptions,
};
use futures::{StreamExt, TryStreamExt};
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Label on every container the baselines create: `ecsd-bench.run=<run id>`.
pub const RUN_LABEL: &str = "ecsd-bench.run";

/// Engine filters (`label`, `type`, `event`, …), as the Engine API takes them.
pub type Filters = HashMap<String, Vec<String>>;

/// Builds filters from `(name, value)` pairs; a name may repeat.
pub fn filters(pairs: &[(&str, &str)]) -> Filters {
    let mut out = Filters::new();
    for (name, value) in pairs {
        out.entry((*name).to_string())
            .or_default()
            .push((*value).to_string());
    }
    out
}

/// The Docker engine, reached directly.
#[derive(Clone)]
pub struct Engine {
    docker: Docker,
    run_id: String,
}

impl Engine {
    /// Connects to the Docker socket and negotiates the API version.
    pub async fn connect(run_id: String) -> anyhow::Result<Self> {
        Self::connect_to(ENGINE, run_id).await
    }

    /// Connects to the engine at `endpoint` (`unix://…`: Docker, or Podman's compatible
    /// socket) and negotiates the API version.
    pub async fn connect_to(endpoint: &str, run_id: String) -> anyhow::Result<Self> {
        let path = endpoint.trim_start_matches("unix://");
        let docker = Docker::connect_with_unix(path, 120, bollard::API_DEFAULT_VERSION)?
            .negotiate_version()
            .await
            .with_context(|| format!("the engine at {endpoint} does not answer: run scripts/setup-engine"))?;
        Ok(Self { docker, run_id })
    }

    /// The bollard client, for what this type does not wrap (Swarm tasks).
    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// This run's id (value of `RUN_LABEL`).
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// `docker <version> (API <api>)`.
    pub async fn describe(&self) -> anyhow::Result<String> {
        let v = self.docker.version().await?;
        Ok(format!(
            "docker {} (API {})",
            v.version.unwrap_or_default(),
            self.docker.client_version()
        ))
    }

    /// The id (`sha256:…`) of the benchmark image; fails with the fix when it is missing.
    pub async fn image_id(&self) -> anyhow::Result<String> {
        let image = self.docker.inspect_image(IMAGE).await;
        let image = image.with_context(|| format!("image {IMAGE} is missing: run scripts/setup-engine"))?;
        image.id.context("the engine reported an image without id")
    }

    fn create_body(&self) -> ContainerCreateBody {
        // The same log rotation and restart policy ecsd asks for, so both create the same thing.
        let log = HostConfigLogConfig {
            typ: Some("json-file".into()),
            config: Some(HashMap::from([
                ("max-size".to_string(), "10m".to_string()),
                ("max-file".to_string(), "3".to_string()),
            ])),
        };
        ContainerCreateBody {
            image: Some(IMAGE.into()),
            cmd: Some(LOOP_COMMAND.iter().map(|s| s.to_string()).collect()),
            labels: Some(HashMap::from([(RUN_LABEL.to_string(), self.run_id.clone())])),
            host_config: Some(HostConfig {
                log_config: Some(log),
                restart_policy: Some(RestartPolicy {
                    name: Some(RestartPolicyNameEnum::NO),
                    maximum_retry_count: None,
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// Creates and starts one container per name, `concurrency` at a time; their ids.
    pub async fn create_and_start(
        &self,
        names: &[String],
        concurrency: usize,
    ) -> anyhow::Result<Vec<String>> {
        futures::stream::iter(names.iter().cloned())
            .map(|name| async move {
                let options = CreateContainerOptions {
                    name: Some(name),
                    ..Default::default()
                };
                let created = self
                    .docker
                    .create_container(Some(options), self.create_body())
                    .await?;
                self.docker.start_container(&created.id, None).await?;
                Ok::<_, anyhow::Error>(created.id)
            })
            .buffer_unordered(concurrency)
            .try_collect()
            .await
    }

    /// Stops containers (SIGTERM, SIGKILL after `timeout_secs`), `concurrency` at a time.
    pub async fn stop(&self, ids: &[String], timeout_secs: i32, concurrency: usize) -> anyhow::Result<()> {
        futures::stream::iter(ids.iter())
            .map(|id| async move {
                let options = StopContainerOptions {
                    t: Some(timeout_secs),
                    ..Default::default()
                };
                self.docker.stop_container(id, Some(options)).await
            })
            .buffer_unordered(concurrency)
            .try_collect::<Vec<()>>()
            .await?;
        Ok(())
    }

    /// `docker kill` (SIGKILL).
    pub async fn kill(&self, id: &str) -> anyhow::Result<()> {
        let options = KillContainerOptions {
            signal: "SIGKILL".into(),
        };
        self.docker.kill_container(id, Some(options)).await?;
        Ok(())
    }

    /// Ids of containers matching `filters` (stopped ones too when `all`).
    pub async fn containers(&self, filters: Filters, all: bool) -> anyhow::Result<Vec<String>> {
        let options = ListContainersOptions {
            all,
            filters: Some(filters),
            ..Default::default()
        };
        let listed = self.docker.list_containers(Some(options)).await?;
        Ok(listed.into_iter().filter_map(|c| c.id).collect())
    }

    /// Force-removes every container matching `filters`, 16 at a time.
    pub async fn remove(&self, filters: Filters) -> anyhow::Result<()> {
        let ids = self.containers(filters, true).await?;
        futures::stream::iter(ids.iter())
            .map(|id| async move {
                let options = RemoveContainerOptions {
                    force: true,
                    ..Default::default()
                };
                // A container another remover got to first is gone, which is all we want.
                let _ = self.docker.remove_container(id, Some(options)).await;
            })
            .buffer_unordered(16)
            .collect::<Vec<()>>()
            .await;
        Ok(())
    }

    /// Removes every container this run created directly.
    pub async fn remove_run_containers(&self) -> anyhow::Result<()> {
        let label = format!("{RUN_LABEL}={}", self.run_id);
        self.remove(filters(&[("label", &label)])).await
    }

    /// The first event matching `filters` at or after `since`, waiting up to `timeout`.
    pub async fn first_event(
        &self,
        since: SystemTime,
        filters: Filters,
        timeout: Duration,
    ) -> anyhow::Result<EventMessage> {
        let options = EventsOptions {
            // `since` replays what happened before the stream was open: no race with the cause.
            since: Some(engine_time(since)),
            until: None,
            filters: Some(filters),
        };
        let mut events = self.docker.events(Some(options));
        let next = tokio::time::timeout(timeout, events.next()).await;
        match next {
            Ok(Some(event)) => Ok(event?),
            Ok(None) => anyhow::bail!("the engine closed its event stream"),
            Err(_) => anyhow::bail!("no matching engine event within {timeout:?}"),
        }
    }

    /// Every event matching `filters` between `since` and `until` (both in the past).
    pub async fn events_between(
        &self,
        since: SystemTime,
        until: SystemTime,
        filters: Filters,
    ) -> anyhow::Result<Vec<EventMessage>> {
        let options = EventsOptions {
            since: Some(engine_time(since)),
            until: Some(engine_time(until)),
            filters: Some(filters),
        };
        let events = self.docker.events(Some(options)).try_collect().await?;
        Ok(events)
    }
}

/// A wall-clock time as the Engine API takes it: `seconds.nanoseconds`.
fn engine_time(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    format!("{}.{:09}", d.as_secs(), d.subsec_nanos())
}

/// Nanoseconds since the epoch, to compare with an event's `timeNano`.
pub fn epoch_nanos(t: SystemTime) -> i64 {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}
