//! The load balancer's data plane: listeners, route tables swapped atomically, targets with
//! ELB's health states, active health checks, HTTP and TCP proxying, and draining.
//!
//! Controllers drive it through [`LoadBalancers`]:
//! 1. `apply(&config)` whenever TargetGroups or LoadBalancers change (binds and unbinds
//!    listeners, swaps route tables; running connections are not disturbed).
//! 2. `register(group, target)` when a task's container is RUNNING with its host port; the
//!    task counts healthy only when `target_health` shows it `healthy` in every group.
//! 3. On stop: `deregister(group, id).await` in every group, and only then SIGTERM. The
//!    future resolves when the target's requests and connections reached zero, or its
//!    deregistration delay ended (remaining connections are then closed).
//! 4. `subscribe()` yields a [`TargetEvent`] on every state change (requeue, service events).
//!
//! `/metrics` reads `traffic()` (requests, answers, response time per load balancer and
//! target group) and `target_states()`.

mod checker;
mod group;
mod listener;
mod proxy_http;
mod proxy_tcp;
pub mod rules;
pub mod target;
mod traffic;

pub use target::{ReasonCode, TargetState};
pub use traffic::{ElbError, TARGET_CLASSES, TrafficCounts};

use crate::model::load_balancing::{LbProtocol, LoadBalancerSpec, TargetGroupSettings};
use group::Group;
use listener::RunningListener;
use rules::RouteTable;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tokio::sync::{Mutex, broadcast};
use traffic::{Forward, TrafficBook};

/// Errors of the load balancer's operations.
#[derive(Debug, thiserror::Error)]
pub enum LbError {
    /// A listener could not bind its address (port in use, permission denied…).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A listener forwards to a target group that the config does not define.
    #[error(
        "load balancer {load_balancer}: listener on port {port} forwards to unknown target group {target_group:?}"
    )]
    UnknownForward {
        /// The load balancer.
        load_balancer: String,
        /// The listener's port.
        port: u16,
        /// The missing target group.
        target_group: String,
    },
    /// A listener forwards to a target group of another protocol.
    #[error(
        "load balancer {load_balancer}: {listener} listener on port {port} cannot forward to {group} target group {target_group:?}"
    )]
    ProtocolMismatch {
        /// The load balancer.
        load_balancer: String,
        /// The listener's port.
        port: u16,
        /// The listener's protocol.
        listener: &'static str,
        /// The target group.
        target_group: String,
        /// The target group's protocol.
        group: &'static str,
    },
    /// Registration into a target group that does not exist.
    #[error("unknown target group {0:?}")]
    UnknownTargetGroup(String),
}

/// Everything the data plane runs: target groups (resolved settings) and load balancers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LbConfig {
    /// Target groups by name (`TargetGroupSpec::settings()`).
    pub target_groups: BTreeMap<String, TargetGroupSettings>,
    /// Load balancers by name.
    pub load_balancers: BTreeMap<String, LoadBalancerSpec>,
}

/// A target to register: a task's container at an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Stable id, e.g. `"{task_id}/{container}"`.
    pub id: String,
    /// Where the container's port is reachable (`127.0.0.1:hostPort`).
    pub addr: SocketAddr,
}

/// One target's health, as `describe targetgroup` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetHealth {
    /// Registration id.
    pub id: String,
    /// Address.
    pub addr: SocketAddr,
    /// ELB state.
    pub state: TargetState,
    /// ELB reason code (none when healthy).
    pub reason: Option<ReasonCode>,
    /// Human description of the reason.
    pub description: String,
    /// HTTP requests in flight.
    pub in_flight: usize,
    /// TCP and upgraded connections open.
    pub connections: usize,
}

/// A target changed state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetEvent {
    /// The target group.
    pub target_group: String,
    /// The target's health after the change.
    pub target: TargetHealth,
}

/// Listeners are keyed by load balancer and bind address.
type ListenerKey = (String, IpAddr, u16);

/// A listener's route table, resolved to running target groups and the counters of the
/// listener's load balancer's traffic to each.
pub(crate) type Routes = RouteTable<Arc<Forward>>;

/// The data plane handle; cheap to clone.
#[derive(Clone)]
pub struct LoadBalancers {
    inner: Arc<Inner>,
}

struct Inner {
    groups: arc_swap::ArcSwap<HashMap<String, Arc<Group>>>,
    listeners: Mutex<BTreeMap<ListenerKey, RunningListener>>,
    events: broadcast::Sender<TargetEvent>,
    traffic: TrafficBook,
    client: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        proxy_http::ProxyBody,
    >,
}

impl Default for LoadBalancers {
    fn default() -> Self {
        Self::new()
    }
}

impl LoadBalancers {
    /// A data plane with nothing configured. Needs a tokio runtime.
    pub fn new() -> LoadBalancers {
        let (events, _) = broadcast::channel(1024);
        LoadBalancers {
            inner: Arc::new(Inner {
                groups: arc_swap::ArcSwap::from_pointee(HashMap::new()),
                listeners: Mutex::new(BTreeMap::new()),
                events,
                traffic: TrafficBook::default(),
                client: proxy_http::new_client(),
            }),
        }
    }

    /// State changes of every target, for controllers and service events.
    pub fn subscribe(&self) -> broadcast::Receiver<TargetEvent> {
        self.inner.events.subscribe()
    }

    /// Makes the running listeners and target groups those of `config`: new listeners are
    /// bound, removed ones closed, kept ones get the new route table atomically. Targets of
    /// kept groups stay registered; removed groups stop their health checks. On an error
    /// (unknown target group, port in use) the running configuration is left as it was,
    /// except a listener whose protocol changed, which is closed before its port is bound.
    pub async fn apply(&self, config: &LbConfig) -> Result<(), LbError> {
        let mut listeners = self.inner.listeners.lock().await;
        let groups = self.next_groups(config);
        let mut tables = compile_all(config, &groups, &self.inner.traffic)?;
        close_changed(&mut listeners, &tables);
        let bound = self.bind_fresh(&listeners, &mut tables).await?;
        self.commit_groups(config, groups);
        self.inner.traffic.keep(&forwarded(config));
        listeners.retain(|key, running| {
            let kept = tables.contains_key(key);
            if !kept {
                running.stop();
            }
            kept
        });
        for (key, (_, table)) in tables {
            if let Some(running) = listeners.get(&key) {
                running.routes.store(Arc::new(table));
            }
        }
        listeners.extend(bound);
        Ok(())
    }

    /// Binds the listeners of `tables` not running yet (taking them out of `tables`); on
    /// an error, closes those it bound.
    async fn bind_fresh(
        &self,
        running: &BTreeMap<ListenerKey, RunningListener>,
        tables: &mut BTreeMap<ListenerKey, (LbProtocol, Routes)>,
    ) -> Result<Vec<(ListenerKey, RunningListener)>, LbError> {
        let fresh: Vec<ListenerKey> = tables
            .keys()
            .filter(|k| !running.contains_key(*k))
            .cloned()
            .collect();
        let mut bound = Vec::with_capacity(fresh.len());
        for key in fresh {
            let Some((protocol, table)) = tables.remove(&key) else {
                continue;
            };
            let addr = SocketAddr::new(key.1, key.2);
            match RunningListener::bind(addr, protocol, table, &self.inner.client).await {
                Ok(listener) => bound.push((key, listener)),
                Err(err) => {
                    bound.iter().for_each(|(_, listener)| listener.stop());
                    return Err(err);
                }
            }
        }
        Ok(bound)
    }

    /// The groups of `config`: existing ones kept, new ones created (not yet visible).
    fn next_groups(&self, config: &LbConfig) -> HashMap<String, Arc<Group>> {
        let current = self.inner.groups.load();
        config
            .target_groups
            .iter()
            .map(|(name, settings)| {
                let group = current.get(name).cloned().unwrap_or_else(|| {
                    Arc::new(Group::new(name, settings.clone(), self.inner.events.clone()))
                });
                (name.clone(), group)
            })
            .collect()
    }

    /// Publishes `groups` with their new settings and stops the removed ones.
    fn commit_groups(&self, config: &LbConfig, groups: HashMap<String, Arc<Group>>) {
        for (name, group) in &groups {
            if let Some(settings) = config.target_groups.get(name) {
                group.settings.store(Arc::new(settings.clone()));
            }
        }
        let old = self.inner.groups.swap(Arc::new(groups));
        let current = self.inner.groups.load();
        for (name, group) in old.iter() {
            if !current.contains_key(name) {
                group.removed.cancel();
            }
        }
    }

    /// The bound addresses of a load balancer's listeners (the real ports for port 0).
    pub async fn listener_addrs(&self, load_balancer: &str) -> Vec<SocketAddr> {
        let listeners = self.inner.listeners.lock().await;
        listeners
            .iter()
            .filter(|((name, _, _), _)| name == load_balancer)
            .map(|(_, running)| running.local_addr)
            .collect()
    }

    /// Registers a target (state `initial`) and starts its health checks. Registering the
    /// same id at the same address again changes nothing.
    pub fn register(&self, target_group: &str, target: Target) -> Result<(), LbError> {
        let group = self.group(target_group)?;
        if let Some(entry) = group.register(&target.id, target.addr) {
            checker::spawn(group, entry);
        }
        Ok(())
    }

    /// Deregisters a target: it turns `draining` at once (no new traffic). The future
    /// resolves when its requests and connections reached zero or the deregistration delay
    /// ended; at the delay's end its remaining connections close and it turns `unused`.
    /// Resolves at once for a target (or group) not registered.
    pub fn deregister(&self, target_group: &str, id: &str) -> impl Future<Output = ()> + Send + use<> {
        let drain = self.group(target_group).ok().and_then(|group| {
            let entry = group.start_draining(id)?;
            Some(group.drain(entry))
        });
        async move {
            if let Some(drain) = drain {
                drain.await;
            }
        }
    }

    /// Every target of a group with its state, reason and counters.
    pub fn target_health(&self, target_group: &str) -> Result<Vec<TargetHealth>, LbError> {
        Ok(self.group(target_group)?.health())
    }

    /// The state of target `id` in a group (a live registration before a draining one);
    /// `None` when it is not registered there. A task counts healthy only when this is
    /// `Healthy` in every target group of its service.
    pub fn target_state(&self, target_group: &str, id: &str) -> Option<TargetState> {
        let targets = self.target_health(target_group).ok()?;
        let registered = targets
            .iter()
            .filter(|t| t.id == id && t.state != TargetState::Unused);
        registered
            .map(|t| t.state)
            .min_by_key(|state| *state == TargetState::Draining)
    }

    /// The traffic counters of every (load balancer, target group) pair a listener forwards.
    pub fn traffic(&self) -> Vec<TrafficCounts> {
        self.inner.traffic.counts()
    }

    /// The state of every target of every group, by group name.
    pub fn target_states(&self) -> BTreeMap<String, Vec<TargetState>> {
        let groups = self.inner.groups.load();
        groups
            .iter()
            .map(|(name, group)| (name.clone(), group.states()))
            .collect()
    }

    /// Closes every listener and stops every health check.
    pub async fn shutdown(&self) {
        let _ = self.apply(&LbConfig::default()).await;
    }

    fn group(&self, name: &str) -> Result<Arc<Group>, LbError> {
        let groups = self.inner.groups.load();
        groups
            .get(name)
            .cloned()
            .ok_or_else(|| LbError::UnknownTargetGroup(name.to_string()))
    }
}

/// Closes the running listeners whose protocol changes: their port is bound again.
fn close_changed(
    listeners: &mut BTreeMap<ListenerKey, RunningListener>,
    tables: &BTreeMap<ListenerKey, (LbProtocol, Routes)>,
) {
    listeners.retain(|key, running| {
        let changed = tables
            .get(key)
            .is_some_and(|(protocol, _)| *protocol != running.protocol);
        if changed {
            running.stop();
        }
        !changed
    });
}

/// The (load balancer, target group) pairs the listeners of `config` forward to.
fn forwarded(config: &LbConfig) -> BTreeSet<(String, String)> {
    config
        .load_balancers
        .iter()
        .flat_map(|(name, spec)| {
            spec.target_group_names()
                .into_iter()
                .map(move |group| (name.clone(), group))
        })
        .collect()
}

/// Compiles every listener's route table, keyed by load balancer and bind address.
fn compile_all(
    config: &LbConfig,
    groups: &HashMap<String, Arc<Group>>,
    traffic: &TrafficBook,
) -> Result<BTreeMap<ListenerKey, (LbProtocol, Routes)>, LbError> {
    let mut tables = BTreeMap::new();
    for (name, spec) in &config.load_balancers {
        for listener in &spec.listeners {
            let table = compile(name, listener, config, groups, traffic)?;
            let key = (name.clone(), listener.bind_address(), listener.port);
            tables.insert(key, (listener.protocol, table));
        }
    }
    Ok(tables)
}

/// Compiles a listener's routes, checking that each target group exists and speaks the
/// listener's protocol.
fn compile(
    load_balancer: &str,
    listener: &crate::model::load_balancing::Listener,
    config: &LbConfig,
    groups: &HashMap<String, Arc<Group>>,
    traffic: &TrafficBook,
) -> Result<Routes, LbError> {
    let resolve = |name: &str| {
        let group = groups.get(name)?.clone();
        let traffic = traffic.of(load_balancer, name);
        Some(Arc::new(Forward { group, traffic }))
    };
    let table = RouteTable::compile(listener, resolve).map_err(|target_group| LbError::UnknownForward {
        load_balancer: load_balancer.to_string(),
        port: listener.port,
        target_group,
    })?;
    let wanted = match listener.protocol {
        LbProtocol::Tcp => LbProtocol::Tcp,
        _ => LbProtocol::Http,
    };
    let rule_actions = listener.rules.iter().flat_map(|r| &r.actions);
    let names = listener
        .default_actions
        .iter()
        .chain(rule_actions)
        .flat_map(|a| a.forward_targets());
    for (name, _) in names {
        let protocol = config.target_groups.get(&name).map_or(wanted, |g| g.protocol);
        if protocol != wanted {
            return Err(LbError::ProtocolMismatch {
                load_balancer: load_balancer.to_string(),
                port: listener.port,
                listener: listener.protocol.as_str(),
                target_group: name,
                group: protocol.as_str(),
            });
        }
    }
    Ok(table)
}

#[cfg(test)]
mod tests;
