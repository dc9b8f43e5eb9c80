//! The engine create request for a `ContainerSpec` (pure).

use super::super::ContainerSpec;
use bollard::models::{
    ContainerCreateBody, HostConfig, PortBinding, PortMap, RestartPolicy, RestartPolicyNameEnum,
};

/// Builds the Docker Engine API create body.
pub(super) fn create_body(spec: &ContainerSpec) -> ContainerCreateBody {
    let mut port_bindings = PortMap::new();
    let mut exposed = Vec::new();
    for p in &spec.ports {
        let key = format!("{}/{}", p.container_port, p.protocol.as_str());
        exposed.push(key.clone());
        let binding = PortBinding {
            host_ip: None,
            // An empty host port asks the engine for an ephemeral one.
            host_port: Some(p.host_port.map(|h| h.to_string()).unwrap_or_default()),
        };
        port_bindings
            .entry(key)
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(binding);
    }
    ContainerCreateBody {
        image: Some(spec.image.clone()),
        cmd: spec.command.clone(),
        entrypoint: spec.entry_point.clone(),
        env: Some(spec.env.clone()),
        labels: Some(spec.labels.clone().into_iter().collect()),
        exposed_ports: Some(exposed),
        host_config: Some(HostConfig {
            port_bindings: Some(port_bindings),
            cpu_shares: spec.cpu_shares,
            memory: spec.memory_bytes,
            memory_reservation: spec.memory_reservation_bytes,
            // ecsd owns restarts; the engine must never restart behind its back.
            restart_policy: Some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::NO),
                maximum_retry_count: None,
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Protocol;
    use crate::runtime::PortSpec;
    use std::collections::BTreeMap;

    #[test]
    fn ephemeral_ports_ask_the_engine_for_any_host_port_and_restart_policy_is_no() {
        let spec = ContainerSpec {
            name: "n".into(),
            image: "busybox".into(),
            command: None,
            entry_point: None,
            env: vec![],
            labels: BTreeMap::new(),
            ports: vec![PortSpec {
                container_port: 80,
                host_port: None,
                protocol: Protocol::Tcp,
            }],
            cpu_shares: None,
            memory_bytes: None,
            memory_reservation_bytes: None,
        };
        let body = create_body(&spec);
        let host = body.host_config.unwrap();
        let binding = &host.port_bindings.unwrap()["80/tcp"].clone().unwrap()[0];
        assert_eq!(binding.host_port.as_deref(), Some(""));
        assert_eq!(host.restart_policy.unwrap().name, Some(RestartPolicyNameEnum::NO));
    }
}
