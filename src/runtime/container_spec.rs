//! Pure mapping from a task's container definition to what the engine should create.

use super::labels;
use crate::model::{ContainerDefinition, Protocol};
use crate::store::TaskRecord;
use std::collections::BTreeMap;

/// Everything the engine needs to create one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSpec {
    /// Deterministic container name.
    pub name: String,
    /// Image reference.
    pub image: String,
    /// `Cmd`.
    pub command: Option<Vec<String>>,
    /// `Entrypoint`.
    pub entry_point: Option<Vec<String>>,
    /// `KEY=value` pairs.
    pub env: Vec<String>,
    /// Ownership and identity labels.
    pub labels: BTreeMap<String, String>,
    /// Published ports.
    pub ports: Vec<PortSpec>,
    /// CPU shares.
    pub cpu_shares: Option<i64>,
    /// Hard memory limit in bytes.
    pub memory_bytes: Option<i64>,
    /// Soft memory limit in bytes.
    pub memory_reservation_bytes: Option<i64>,
}

/// One port to publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortSpec {
    /// Port inside the container.
    pub container_port: u16,
    /// Fixed host port, or None for an ephemeral one.
    pub host_port: Option<u16>,
    /// tcp or udp.
    pub protocol: Protocol,
}

/// `ecsd-<family>-<container>-<first 12 hex of the task id>`: stable across restarts, so a
/// repeated create after a crash collides and is adopted instead of duplicated.
pub fn container_name(family: &str, container: &str, task_id: &str) -> String {
    let prefix: String = task_id.chars().take(12).collect();
    format!("ecsd-{family}-{container}-{prefix}")
}

/// The engine spec for container `def` of `task`, owned by daemon `owner`.
pub fn container_spec(def: &ContainerDefinition, task: &TaskRecord, owner: &str) -> ContainerSpec {
    let family = task
        .task_definition
        .split_once(':')
        .map_or(task.task_definition.as_str(), |(f, _)| f);
    let mut labels = BTreeMap::from([
        (labels::OWNER.to_string(), owner.to_string()),
        (labels::CLUSTER.to_string(), task.cluster.clone()),
        (labels::TASK.to_string(), task.id.clone()),
        (labels::CONTAINER.to_string(), def.name.clone()),
        (labels::TASK_DEFINITION.to_string(), task.task_definition.clone()),
    ]);
    if let Some(service) = &task.service {
        labels.insert(labels::SERVICE.to_string(), service.clone());
    }
    const MIB: i64 = 1 << 20;
    ContainerSpec {
        name: container_name(family, &def.name, &task.id),
        image: def.image.clone(),
        command: def.command.clone(),
        entry_point: def.entry_point.clone(),
        env: def
            .environment
            .iter()
            .map(|kv| format!("{}={}", kv.name, kv.value))
            .collect(),
        labels,
        ports: def
            .port_mappings
            .iter()
            .map(|p| PortSpec {
                container_port: p.container_port,
                host_port: p.fixed_host_port(),
                protocol: p.protocol,
            })
            .collect(),
        // ECS agent behaviour: 0 or absent CPU becomes the minimum of 2 shares.
        cpu_shares: Some(i64::from(def.cpu.unwrap_or(0).max(2))),
        memory_bytes: def.memory.map(|m| i64::from(m) * MIB),
        memory_reservation_bytes: def.memory_reservation.map(|m| i64::from(m) * MIB),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DesiredStatus, KeyValuePair, PortMapping};

    fn task(service: Option<&str>) -> TaskRecord {
        TaskRecord {
            id: "0123456789abcdef0123456789abcdef".into(),
            cluster: "default".into(),
            task_definition: "web:3".into(),
            service: service.map(str::to_string),
            group: "service:web".into(),
            started_by: None,
            desired_status: DesiredStatus::Running,
            stop_code: None,
            stopped_reason: None,
            created_at: 0,
        }
    }

    #[test]
    fn names_are_deterministic_from_family_container_and_task_id() {
        let def = ContainerDefinition {
            name: "app".into(),
            image: "busybox".into(),
            ..Default::default()
        };
        let spec = container_spec(&def, &task(None), "owner1");
        assert_eq!(spec.name, "ecsd-web-app-0123456789ab");
    }

    #[test]
    fn every_container_carries_the_ownership_labels() {
        let def = ContainerDefinition {
            name: "app".into(),
            image: "busybox".into(),
            ..Default::default()
        };
        let spec = container_spec(&def, &task(Some("web")), "owner1");
        let get = |k: &str| spec.labels.get(k).map(String::as_str);
        assert_eq!(get(labels::OWNER), Some("owner1"));
        assert_eq!(get(labels::CLUSTER), Some("default"));
        assert_eq!(get(labels::TASK), Some("0123456789abcdef0123456789abcdef"));
        assert_eq!(get(labels::CONTAINER), Some("app"));
        assert_eq!(get(labels::TASK_DEFINITION), Some("web:3"));
        assert_eq!(get(labels::SERVICE), Some("web"));
        assert!(
            !container_spec(&def, &task(None), "o")
                .labels
                .contains_key(labels::SERVICE)
        );
    }

    #[test]
    fn ecs_fields_map_to_engine_units() {
        let def = ContainerDefinition {
            name: "app".into(),
            image: "busybox".into(),
            environment: vec![KeyValuePair {
                name: "A".into(),
                value: "1".into(),
            }],
            port_mappings: vec![
                PortMapping {
                    container_port: 80,
                    host_port: Some(0),
                    ..Default::default()
                },
                PortMapping {
                    container_port: 53,
                    host_port: Some(5353),
                    protocol: Protocol::Udp,
                    ..Default::default()
                },
            ],
            memory: Some(64),
            memory_reservation: Some(32),
            ..Default::default()
        };
        let spec = container_spec(&def, &task(None), "o");
        assert_eq!(spec.env, vec!["A=1"]);
        assert_eq!(spec.ports[0].host_port, None, "hostPort 0 is ephemeral");
        assert_eq!(spec.ports[1].host_port, Some(5353));
        assert_eq!(spec.memory_bytes, Some(64 << 20));
        assert_eq!(spec.memory_reservation_bytes, Some(32 << 20));
        assert_eq!(spec.cpu_shares, Some(2));
    }
}
