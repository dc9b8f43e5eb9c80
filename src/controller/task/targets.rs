//! A task of a load-balanced service as the load balancer sees it: its container ports are
//! published on loopback (traffic goes through the balancer), registered as targets once the
//! task runs, and deregistered and drained before any container is sent SIGTERM.

use super::super::ControllerError;
use super::super::ObjectKey;
use super::super::context::Context;
use crate::lb::Target;
use crate::model::ServiceLoadBalancer;
use crate::runtime::PortSpec;
use crate::store::{ContainerStatus, TaskRecord};
use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use tracing::debug;

/// The target id of a task's container (`{task}/{container}`).
pub fn target_id(task: &str, container: &str) -> String {
    format!("{task}/{container}")
}

/// The load balancer entries of the task's service (none for a standalone task).
pub fn load_balancers(ctx: &Context, task: &TaskRecord) -> Result<Vec<ServiceLoadBalancer>, ControllerError> {
    let Some(service) = &task.service else {
        return Ok(Vec::new());
    };
    Ok(ctx
        .catalog
        .service(&task.cluster, service)?
        .map(|s| s.spec.load_balancers)
        .unwrap_or_default())
}

/// Ports that only the balancer should reach are published on loopback: those a target
/// group takes, on an ephemeral host port (ECS's dynamic port mapping).
pub fn publish_privately(ports: &mut [PortSpec], container: &str, lbs: &[ServiceLoadBalancer]) {
    for p in ports.iter_mut() {
        let balanced = lbs
            .iter()
            .any(|lb| lb.container_name == container && lb.container_port == p.container_port);
        if balanced && p.host_port.is_none() {
            p.host_ip = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
        }
    }
}

/// Where the balancer reaches `lb`'s container port: the engine's binding; one bound to
/// every interface (or to a remote engine's loopback) is reached at `host`, the instance's
/// address (loopback for the daemon's own engine).
pub fn target_addr(
    containers: &[ContainerStatus],
    lb: &ServiceLoadBalancer,
    host: IpAddr,
) -> Option<SocketAddr> {
    let container = containers.iter().find(|c| c.name == lb.container_name)?;
    let binding = container
        .network_bindings
        .iter()
        .find(|b| b.container_port == lb.container_port)?;
    let ip = match binding.bind_ip.parse::<IpAddr>() {
        Ok(ip) if !ip.is_unspecified() && (!ip.is_loopback() || host.is_loopback()) => ip,
        _ => host,
    };
    Some(SocketAddr::new(ip, binding.host_port))
}

/// The address a task's published ports are reached at: loopback for the daemon's own
/// engine, the declared instance's `address` otherwise (resolved when it is a host name).
pub fn instance_address(ctx: &Context, task: &TaskRecord) -> Option<IpAddr> {
    let id = match &task.container_instance {
        Some(id) if id != ctx.engines.local_id() => id,
        _ => return Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
    };
    let record = ctx
        .catalog
        .declared_instances(Some(&task.cluster))
        .ok()?
        .into_iter()
        .find(|r| &r.id == id)?;
    let address = record.spec.address();
    address.parse().ok().or_else(|| {
        std::net::ToSocketAddrs::to_socket_addrs(&(address.as_str(), 0))
            .ok()?
            .next()
            .map(|a| a.ip())
    })
}

/// Registers every target of a RUNNING task (idempotent); false while a target group is not
/// known to the data plane yet (the caller looks again soon).
pub fn register(
    ctx: &Context,
    task: &TaskRecord,
    containers: &[ContainerStatus],
    lbs: &[ServiceLoadBalancer],
) -> bool {
    let mut all = true;
    let Some(host) = instance_address(ctx, task) else {
        return false;
    };
    for lb in lbs {
        let Some(addr) = target_addr(containers, lb, host) else {
            all = false;
            continue;
        };
        let target = Target {
            id: target_id(&task.id, &lb.container_name),
            addr,
        };
        if let Err(e) = ctx.lb.register(&lb.target_group(), target) {
            debug!(task = %task.id, error = %e, "target not registered yet");
            all = false;
        }
    }
    all
}

/// Events waiting for each `(cluster, service)`.
type PendingEvents = std::collections::HashMap<(String, String), Vec<String>>;

/// Target state changes waiting to become service events, by `(cluster, service)`.
#[derive(Debug, Clone, Default)]
pub struct TargetNews {
    pending: Arc<Mutex<PendingEvents>>,
}

impl TargetNews {
    /// Queues an event for the service.
    pub fn push(&self, cluster: &str, service: &str, message: String) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        let list = pending
            .entry((cluster.to_string(), service.to_string()))
            .or_default();
        if list.len() < 100 {
            list.push(message);
        }
    }

    /// Takes the service's queued events, oldest first.
    pub fn take(&self, cluster: &str, service: &str) -> Vec<String> {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        pending
            .remove(&(cluster.to_string(), service.to_string()))
            .unwrap_or_default()
    }
}

/// Turns target state changes into work: the task and its service are looked at again, and
/// the service gets an event in ELB's words.
pub async fn follow_targets(ctx: Arc<Context>) {
    let mut rx = ctx.lb.subscribe();
    loop {
        match rx.recv().await {
            Ok(event) => note_target_event(&ctx, &event),
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                if let Ok(services) = ctx.catalog.services(None) {
                    for s in services {
                        ctx.queue.add(ObjectKey::service(&s.cluster, &s.name));
                    }
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

fn note_target_event(ctx: &Context, event: &crate::lb::TargetEvent) {
    let task_id = event.target.id.split('/').next().unwrap_or_default().to_string();
    ctx.queue.add(ObjectKey::Task(task_id.clone()));
    let Ok(Some(task)) = ctx.catalog.task(&task_id) else {
        return;
    };
    let Some(service) = &task.service else { return };
    let t = &event.target;
    let why = t
        .reason
        .map(|r| format!(" ({}: {})", r.as_str(), t.description))
        .unwrap_or_default();
    ctx.news.push(
        &task.cluster,
        service,
        format!(
            "(service {service}) (task {task_id}) target {} is {} in (target-group {}){why}.",
            t.addr,
            t.state.as_str(),
            event.target_group
        ),
    );
    ctx.queue.add(ObjectKey::service(&task.cluster, service));
}

/// Tasks whose targets finished draining (in this daemon's life; a restarted daemon has no
/// registrations, so there is nothing to drain).
#[derive(Debug, Clone, Default)]
pub struct Drains {
    done: Arc<Mutex<HashSet<String>>>,
    started: Arc<Mutex<HashSet<String>>>,
}

impl Drains {
    fn lock(set: &Mutex<HashSet<String>>) -> std::sync::MutexGuard<'_, HashSet<String>> {
        set.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets a task that has stopped.
    pub fn forget(&self, task: &str) {
        Self::lock(&self.done).remove(task);
        Self::lock(&self.started).remove(task);
    }
}

/// Whether the task may be sent SIGTERM: its targets are deregistered and drained (in-flight
/// requests done, or the deregistration delay over). The first call starts the drain; the
/// task is enqueued again when it ends.
pub fn drained(ctx: &Context, task: &TaskRecord, lbs: &[ServiceLoadBalancer]) -> bool {
    if lbs.is_empty() || Drains::lock(&ctx.drains.done).contains(&task.id) {
        return true;
    }
    let registered: Vec<(String, String)> = lbs
        .iter()
        .map(|lb| (lb.target_group(), target_id(&task.id, &lb.container_name)))
        .filter(|(group, id)| ctx.lb.target_state(group, id).is_some())
        .collect();
    if registered.is_empty() && !Drains::lock(&ctx.drains.started).contains(&task.id) {
        return true;
    }
    if Drains::lock(&ctx.drains.started).insert(task.id.clone()) {
        let waits: Vec<_> = registered
            .iter()
            .map(|(group, id)| ctx.lb.deregister(group, id))
            .collect();
        let (drains, queue, id) = (ctx.drains.clone(), ctx.queue.clone(), task.id.clone());
        tokio::spawn(async move {
            futures::future::join_all(waits).await;
            Drains::lock(&drains.done).insert(id.clone());
            queue.add(ObjectKey::Task(id));
        });
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NetworkBinding, Protocol};

    fn lb(container: &str, port: u16) -> ServiceLoadBalancer {
        ServiceLoadBalancer {
            target_group_arn: "web".into(),
            container_name: container.into(),
            container_port: port,
            ..Default::default()
        }
    }

    #[test]
    fn only_balanced_ephemeral_ports_are_published_on_loopback() {
        let port = |container_port, host_port| PortSpec {
            container_port,
            host_port,
            host_ip: None,
            protocol: Protocol::Tcp,
        };
        let mut ports = vec![port(8080, None), port(9090, None), port(8443, Some(443))];
        publish_privately(
            &mut ports,
            "app",
            &[lb("app", 8080), lb("app", 8443), lb("other", 9090)],
        );
        let loopback = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(ports[0].host_ip, loopback);
        assert_eq!(ports[1].host_ip, None, "another container's port");
        assert_eq!(ports[2].host_ip, None, "a fixed host port stays public");
    }

    #[test]
    fn a_target_is_reached_on_loopback_when_bound_to_every_interface() {
        let containers = vec![ContainerStatus {
            name: "app".into(),
            network_bindings: vec![NetworkBinding {
                bind_ip: "0.0.0.0".into(),
                container_port: 8080,
                host_port: 32768,
                protocol: Protocol::Tcp,
            }],
            ..Default::default()
        }];
        assert_eq!(
            target_addr(&containers, &lb("app", 8080), IpAddr::V4(Ipv4Addr::LOCALHOST)),
            Some("127.0.0.1:32768".parse().unwrap())
        );
        assert_eq!(
            target_addr(&containers, &lb("app", 9090), IpAddr::V4(Ipv4Addr::LOCALHOST)),
            None
        );
        assert_eq!(
            target_addr(&containers, &lb("app", 8080), "10.213.0.2".parse().unwrap()),
            Some("10.213.0.2:32768".parse().unwrap()),
            "a remote engine's port bound everywhere is reached at the instance's address"
        );
    }
}
