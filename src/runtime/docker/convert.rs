//! Engine responses (list, inspect, events) as ecsd's engine-neutral types.

use super::super::{ContainerInfo, ContainerState, HealthState};
use crate::model::NetworkBinding;
use crate::model::{HealthProbe, Protocol};
use bollard::models::{ContainerInspectResponse, ContainerSummary, PortMap};

/// Docker timestamps (RFC 3339, nanoseconds) as ms since the epoch; the zero time is None.
pub(super) fn epoch_millis(text: Option<&str>) -> Option<u64> {
    let t = humantime::parse_rfc3339_weak(text?.trim()).ok()?;
    let ms = t.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis() as u64;
    (ms > 0).then_some(ms)
}

/// One vocabulary for both engines: older Podman says `died` and Podman says `remove` where
/// Docker says `die` and `destroy`; Docker's health events carry a `: healthy` suffix.
pub(super) fn normalize_action(action: &str) -> String {
    match action {
        "died" => "die".to_string(),
        "remove" => "destroy".to_string(),
        a if a.starts_with("health_status") => "health_status".to_string(),
        a => a.to_string(),
    }
}

pub(super) fn from_summary(c: ContainerSummary) -> ContainerInfo {
    use bollard::models::ContainerSummaryStateEnum as S;
    let state = match c.state {
        // Podman's `stopping`: in its stop grace, the process still runs.
        Some(S::RUNNING | S::PAUSED | S::RESTARTING | S::STOPPING) => ContainerState::Running,
        Some(S::CREATED) => ContainerState::Created,
        Some(S::REMOVING) => ContainerState::Removing,
        _ => ContainerState::Exited,
    };
    let ports = c
        .ports
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| {
            Some(NetworkBinding {
                bind_ip: p.ip.unwrap_or_default(),
                container_port: p.private_port,
                host_port: p.public_port?,
                protocol: match p.typ {
                    Some(bollard::models::PortSummaryTypeEnum::UDP) => Protocol::Udp,
                    _ => Protocol::Tcp,
                },
            })
        })
        .collect();
    ContainerInfo {
        id: c.id.unwrap_or_default(),
        name: c
            .names
            .and_then(|n| n.into_iter().next())
            .map(|n| n.trim_start_matches('/').to_string())
            .unwrap_or_default(),
        labels: c.labels.unwrap_or_default().into_iter().collect(),
        state,
        exit_code: None,
        error: None,
        oom_killed: false,
        ports,
        health: None,
        health_log: Vec::new(),
        started_at: None,
        finished_at: None,
        pid: None,
    }
}

pub(super) fn from_inspect(c: ContainerInspectResponse) -> ContainerInfo {
    use bollard::models::ContainerStateStatusEnum as S;
    let st = c.state.unwrap_or_default();
    let state = match st.status {
        // Podman's `stopping`: in its stop grace, the process still runs.
        Some(S::RUNNING | S::PAUSED | S::RESTARTING | S::STOPPING) => ContainerState::Running,
        Some(S::CREATED) => ContainerState::Created,
        Some(S::REMOVING) => ContainerState::Removing,
        _ => ContainerState::Exited,
    };
    let exited = state == ContainerState::Exited;
    ContainerInfo {
        id: c.id.unwrap_or_default(),
        name: c.name.unwrap_or_default().trim_start_matches('/').to_string(),
        labels: c
            .config
            .and_then(|cfg| cfg.labels)
            .unwrap_or_default()
            .into_iter()
            .collect(),
        state,
        exit_code: if exited { st.exit_code } else { None },
        error: st.error.filter(|e| !e.is_empty()),
        oom_killed: st.oom_killed.unwrap_or(false),
        ports: bindings(c.network_settings.and_then(|n| n.ports).unwrap_or_default()),
        health_log: st
            .health
            .as_ref()
            .and_then(|h| h.log.as_deref())
            .map(health_log)
            .unwrap_or_default(),
        health: st.health.and_then(|h| h.status).and_then(|status| {
            use bollard::models::HealthStatusEnum as H;
            match status {
                H::STARTING => Some(HealthState::Starting),
                H::HEALTHY => Some(HealthState::Healthy),
                H::UNHEALTHY => Some(HealthState::Unhealthy),
                _ => None,
            }
        }),
        started_at: epoch_millis(st.started_at.as_deref()),
        finished_at: epoch_millis(st.finished_at.as_deref()),
        // The engine reports 0 for a container that does not run.
        pid: st
            .pid
            .filter(|_| state == ContainerState::Running)
            .and_then(|p| u32::try_from(p).ok())
            .filter(|p| *p > 0),
    }
}

/// The engine's last health check runs, newest kept, each output bounded.
fn health_log(log: &[bollard::models::HealthcheckResult]) -> Vec<HealthProbe> {
    let probes: Vec<HealthProbe> = log
        .iter()
        .map(|r| {
            HealthProbe::new(
                r.exit_code.unwrap_or(-1),
                r.output.as_deref().unwrap_or_default(),
                epoch_millis(r.end.as_deref()),
            )
        })
        .collect();
    HealthProbe::newest(&probes)
}

fn bindings(ports: PortMap) -> Vec<NetworkBinding> {
    let mut out = Vec::new();
    for (key, binds) in ports {
        let (port, proto) = key.split_once('/').unwrap_or((&key, "tcp"));
        let Ok(container_port) = port.parse() else {
            continue;
        };
        let protocol = if proto == "udp" {
            Protocol::Udp
        } else {
            Protocol::Tcp
        };
        for b in binds.unwrap_or_default() {
            if let Some(host_port) = b.host_port.and_then(|p| p.parse().ok()) {
                out.push(NetworkBinding {
                    bind_ip: b.host_ip.unwrap_or_default(),
                    container_port,
                    host_port,
                    protocol,
                });
            }
        }
    }
    out.sort_by_key(|b| (b.container_port, b.host_port, b.bind_ip.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{
        ContainerState as EngineState, ContainerStateStatusEnum, ContainerSummaryStateEnum,
    };

    #[test]
    fn a_podman_container_in_its_stop_grace_still_runs() {
        let listed = from_summary(ContainerSummary {
            state: Some(ContainerSummaryStateEnum::STOPPING),
            ..Default::default()
        });
        let inspected = from_inspect(ContainerInspectResponse {
            state: Some(EngineState {
                status: Some(ContainerStateStatusEnum::STOPPING),
                ..Default::default()
            }),
            ..Default::default()
        });
        assert_eq!(listed.state, ContainerState::Running);
        assert_eq!(inspected.state, ContainerState::Running);
        assert_eq!(inspected.exit_code, None);
    }
}
