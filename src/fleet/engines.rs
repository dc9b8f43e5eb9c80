//! One engine handle per container instance: the daemon's own engine, and a connection to
//! each declared instance's engine, made from its spec.

use crate::model::{ContainerInstanceSpec, EngineEndpoint};
use crate::runtime::{ContainerRuntime, DockerRuntime, RuntimeError};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

/// Makes the engine handle of a declared instance from its id and spec (a real connection,
/// or a fake in tests).
pub type Connector = Arc<
    dyn Fn(&str, &ContainerInstanceSpec) -> Result<Arc<dyn ContainerRuntime>, RuntimeError> + Send + Sync,
>;

/// A connected engine and the spec it was made from.
#[derive(Clone)]
pub struct EngineHandle {
    /// The engine.
    pub runtime: Arc<dyn ContainerRuntime>,
    /// The declaration it was made from (`None` for the daemon's own engine).
    pub spec: Option<ContainerInstanceSpec>,
}

/// Every engine the daemon talks to, by container instance id.
pub struct Engines {
    local_id: String,
    local: Arc<dyn ContainerRuntime>,
    declared: RwLock<BTreeMap<String, EngineHandle>>,
    connector: Connector,
}

impl Engines {
    /// The daemon's own engine as instance `local_id`; declared ones are made by `connector`.
    pub fn new(local_id: String, local: Arc<dyn ContainerRuntime>, connector: Connector) -> Self {
        Self {
            local_id,
            local,
            declared: RwLock::default(),
            connector,
        }
    }

    /// Only the daemon's own engine; declared instances connect through real sockets.
    pub fn local_only(local_id: String, local: Arc<dyn ContainerRuntime>) -> Self {
        Self::new(local_id, local, Arc::new(|_, spec| connect(spec)))
    }

    /// The daemon's own instance id.
    pub fn local_id(&self) -> &str {
        &self.local_id
    }

    /// The daemon's own engine.
    pub fn local(&self) -> Arc<dyn ContainerRuntime> {
        self.local.clone()
    }

    /// The engine of instance `id` (`None` or the own id: the daemon's own engine); `None`
    /// when no such instance is connected.
    pub fn get(&self, id: Option<&str>) -> Option<Arc<dyn ContainerRuntime>> {
        match id {
            None => Some(self.local.clone()),
            Some(id) if id == self.local_id => Some(self.local.clone()),
            Some(id) => self
                .declared
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(id)
                .map(|h| h.runtime.clone()),
        }
    }

    /// Every engine, the daemon's own first: `(instance id, engine)`.
    pub fn all(&self) -> Vec<(String, Arc<dyn ContainerRuntime>)> {
        let mut all = vec![(self.local_id.clone(), self.local.clone())];
        all.extend(
            self.declared
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .map(|(id, h)| (id.clone(), h.runtime.clone())),
        );
        all
    }

    /// The declared instances with a handle.
    pub fn declared_ids(&self) -> Vec<String> {
        self.declared
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect()
    }

    /// Makes (or remakes, when its spec changed) the handle of a declared instance; true when
    /// a new handle was made.
    pub fn ensure(&self, id: &str, spec: &ContainerInstanceSpec) -> Result<bool, RuntimeError> {
        let current = self
            .declared
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .and_then(|h| h.spec.clone());
        if current
            .as_ref()
            .is_some_and(|c| c.engine == spec.engine && c.tls == spec.tls)
        {
            return Ok(false);
        }
        let runtime = (self.connector)(id, spec)?;
        self.declared.write().unwrap_or_else(|p| p.into_inner()).insert(
            id.to_string(),
            EngineHandle {
                runtime,
                spec: Some(spec.clone()),
            },
        );
        Ok(true)
    }

    /// Forgets a declared instance's engine.
    pub fn remove(&self, id: &str) -> bool {
        self.declared
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id)
            .is_some()
    }
}

/// Connects to a declared instance's engine as its spec says.
pub fn connect(spec: &ContainerInstanceSpec) -> Result<Arc<dyn ContainerRuntime>, RuntimeError> {
    let endpoint = spec.endpoint().map_err(|e| RuntimeError::Unreachable {
        endpoint: spec.engine.clone(),
        message: e.to_string(),
    })?;
    let runtime = match &endpoint {
        EngineEndpoint::Unix(path) => DockerRuntime::connect(Some(&format!("unix://{path}")))?,
        EngineEndpoint::Tcp { tls, .. } => DockerRuntime::connect_tls(
            &endpoint.url(),
            Path::new(&tls.ca_file),
            Path::new(&tls.cert_file),
            Path::new(&tls.key_file),
        )?,
    };
    Ok(Arc::new(runtime))
}
