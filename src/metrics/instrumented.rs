//! An engine wrapped to time every call: latency and failures by container instance and
//! operation, for the daemon's own health on `/metrics`. Streams (events, logs) pass through
//! untimed.

use super::health::DaemonHealth;
use crate::runtime::{
    ContainerInfo, ContainerRuntime, ContainerSpec, EngineEvent, EngineInfo, ExecOutput, LogChunk,
    LogOptions, NetworkSpec, ResourceUsage, RuntimeError, VolumeSpec,
};
use async_trait::async_trait;
use futures::stream::BoxStream;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// A `ContainerRuntime` that records each call's latency and outcome.
pub struct InstrumentedRuntime {
    inner: Arc<dyn ContainerRuntime>,
    health: Arc<DaemonHealth>,
    instance: Arc<str>,
}

impl InstrumentedRuntime {
    /// Wraps `inner`, the engine of container instance `instance`, recording into `health`.
    pub fn new(inner: Arc<dyn ContainerRuntime>, health: Arc<DaemonHealth>, instance: &str) -> Self {
        Self {
            inner,
            health,
            instance: Arc::from(instance),
        }
    }

    async fn timed<T>(
        &self,
        op: &'static str,
        call: impl Future<Output = Result<T, RuntimeError>>,
    ) -> Result<T, RuntimeError> {
        let started = tokio::time::Instant::now();
        let result = call.await;
        self.health
            .record_engine_call(&self.instance, op, started.elapsed(), result.is_err());
        result
    }
}

#[async_trait]
impl ContainerRuntime for InstrumentedRuntime {
    async fn info(&self) -> Result<EngineInfo, RuntimeError> {
        self.timed("info", self.inner.info()).await
    }
    async fn create(&self, spec: &ContainerSpec) -> Result<String, RuntimeError> {
        self.timed("create", self.inner.create(spec)).await
    }
    async fn start(&self, id: &str) -> Result<(), RuntimeError> {
        self.timed("start", self.inner.start(id)).await
    }
    async fn stop(&self, id: &str, timeout: Duration) -> Result<(), RuntimeError> {
        self.timed("stop", self.inner.stop(id, timeout)).await
    }
    async fn remove(&self, id: &str) -> Result<(), RuntimeError> {
        self.timed("remove", self.inner.remove(id)).await
    }
    async fn inspect(&self, id_or_name: &str) -> Result<Option<ContainerInfo>, RuntimeError> {
        self.timed("inspect", self.inner.inspect(id_or_name)).await
    }
    async fn list(&self, labels: &[String]) -> Result<Vec<ContainerInfo>, RuntimeError> {
        self.timed("list", self.inner.list(labels)).await
    }
    fn events(&self, label: &str) -> BoxStream<'static, Result<EngineEvent, RuntimeError>> {
        self.inner.events(label)
    }
    async fn image_exists(&self, image: &str) -> Result<bool, RuntimeError> {
        self.timed("image_exists", self.inner.image_exists(image)).await
    }
    async fn pull(&self, image: &str) -> Result<(), RuntimeError> {
        self.timed("pull", self.inner.pull(image)).await
    }
    async fn exec(&self, id: &str, cmd: &[String], timeout: Duration) -> Result<ExecOutput, RuntimeError> {
        self.timed("exec", self.inner.exec(id, cmd, timeout)).await
    }
    fn logs(&self, id: &str, options: &LogOptions) -> BoxStream<'static, Result<LogChunk, RuntimeError>> {
        self.inner.logs(id, options)
    }
    async fn ensure_volume(&self, spec: &VolumeSpec) -> Result<bool, RuntimeError> {
        self.timed("ensure_volume", self.inner.ensure_volume(spec)).await
    }
    async fn remove_volume(&self, name: &str) -> Result<(), RuntimeError> {
        self.timed("remove_volume", self.inner.remove_volume(name)).await
    }
    async fn ensure_network(&self, spec: &NetworkSpec) -> Result<(), RuntimeError> {
        self.timed("ensure_network", self.inner.ensure_network(spec))
            .await
    }
    async fn remove_network(&self, name: &str) -> Result<(), RuntimeError> {
        self.timed("remove_network", self.inner.remove_network(name))
            .await
    }
    async fn stats(&self, id: &str) -> Result<Option<ResourceUsage>, RuntimeError> {
        self.timed("stats", self.inner.stats(id)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::FakeRuntime;

    #[tokio::test]
    async fn every_call_is_timed_and_failures_are_counted_by_instance_and_operation() {
        let health = Arc::new(DaemonHealth::default());
        let local = InstrumentedRuntime::new(Arc::new(FakeRuntime::new()), health.clone(), "local-id");
        let remote = InstrumentedRuntime::new(Arc::new(FakeRuntime::new()), health.clone(), "remote-id");
        local.list(&[]).await.unwrap();
        local.start("missing").await.unwrap_err();
        remote.list(&[]).await.unwrap();
        let key = |instance: &str, op: &'static str| (Arc::<str>::from(instance), op);
        let calls = health.engine_calls();
        assert_eq!(calls[&key("local-id", "list")].count, 1);
        assert_eq!(calls[&key("local-id", "start")].count, 1);
        assert_eq!(calls[&key("remote-id", "list")].count, 1);
        let errors = health.engine_errors();
        assert_eq!(errors.get(&key("local-id", "start")), Some(&1));
        assert_eq!(errors.get(&key("local-id", "list")), None);
        assert_eq!(errors.get(&key("remote-id", "start")), None);
    }
}
