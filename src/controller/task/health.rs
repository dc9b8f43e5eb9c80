//! Pure health decisions: believe the engine when it probes, probe ourselves when it stays
//! silent (Podman without systemd never runs its timers), and aggregate task health as ECS does.

use crate::model::{ContainerDefinition, HealthCheck, HealthStatus};
use crate::runtime::{ContainerInfo, ContainerState, HealthState};
use crate::store::ContainerStatus;

/// Extra time past the first expected probe before ecsd decides the engine is not probing.
const ENGINE_GRACE_MS: u64 = 5_000;

/// What ecsd believes about one container's health now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthView {
    /// The container's health as ECS reports it.
    pub status: HealthStatus,
    /// ecsd must run the probe itself now.
    pub probe_due: bool,
    /// When the next own probe is due (ms since epoch), if ecsd is probing.
    pub next_probe_at: Option<u64>,
}

/// The health of one container given the engine's view and ecsd's own probe record.
pub fn container_health(
    hc: Option<&HealthCheck>,
    info: Option<&ContainerInfo>,
    own: &ContainerStatus,
    now: u64,
) -> HealthView {
    let quiet = HealthView {
        status: HealthStatus::Unknown,
        probe_due: false,
        next_probe_at: None,
    };
    let (Some(hc), Some(info)) = (hc, info) else {
        return quiet;
    };
    if info.state != ContainerState::Running {
        return HealthView {
            status: own.health_status,
            ..quiet
        };
    }
    match info.health {
        Some(HealthState::Healthy) => HealthView {
            status: HealthStatus::Healthy,
            ..quiet
        },
        Some(HealthState::Unhealthy) => HealthView {
            status: HealthStatus::Unhealthy,
            ..quiet
        },
        _ => {
            let Some(started) = info.started_at else {
                return quiet;
            };
            let first_probe_by =
                started + (hc.start_period().0 + hc.interval().0 + hc.timeout().0) * 1000 + ENGINE_GRACE_MS;
            if now < first_probe_by && own.last_probe_at.is_none() {
                return HealthView {
                    next_probe_at: Some(first_probe_by),
                    ..quiet
                };
            }
            let next = own.last_probe_at.map_or(now, |t| t + hc.interval().0 * 1000);
            HealthView {
                status: own.health_status,
                probe_due: now >= next,
                next_probe_at: Some(next.max(now)),
            }
        }
    }
}

/// Records the outcome of a probe ecsd ran itself (Docker's rules: failures inside the start
/// period do not count; `retries` consecutive failures mean UNHEALTHY; a success resets).
pub fn record_probe(own: &mut ContainerStatus, hc: &HealthCheck, passed: bool, started_at: u64, now: u64) {
    own.last_probe_at = Some(now);
    if passed {
        own.probe_failures = 0;
        own.health_status = HealthStatus::Healthy;
        return;
    }
    if now < started_at + hc.start_period().0 * 1000 && own.health_status != HealthStatus::Healthy {
        return;
    }
    own.probe_failures += 1;
    if own.probe_failures >= hc.retries() {
        own.health_status = HealthStatus::Unhealthy;
    }
}

/// The exec form of a health check command (`CMD-SHELL x` runs `/bin/sh -c x`).
pub fn probe_command(hc: &HealthCheck) -> Vec<String> {
    match hc.command.split_first() {
        Some((kind, rest)) if kind == "CMD-SHELL" => {
            vec!["/bin/sh".into(), "-c".into(), rest.join(" ")]
        }
        Some((kind, rest)) if kind == "CMD" => rest.to_vec(),
        _ => hc.command.clone(),
    }
}

/// ECS task health: UNHEALTHY if any essential container with a health check is, HEALTHY if
/// all of them are, UNKNOWN otherwise (including when none has a health check).
pub fn task_health(defs: &[ContainerDefinition], containers: &[ContainerStatus]) -> HealthStatus {
    let checked: Vec<HealthStatus> = defs
        .iter()
        .filter(|d| d.is_essential() && d.health_check.is_some())
        .map(|d| {
            containers
                .iter()
                .find(|c| c.name == d.name)
                .map_or(HealthStatus::Unknown, |c| c.health_status)
        })
        .collect();
    if checked.contains(&HealthStatus::Unhealthy) {
        HealthStatus::Unhealthy
    } else if !checked.is_empty() && checked.iter().all(|h| *h == HealthStatus::Healthy) {
        HealthStatus::Healthy
    } else {
        HealthStatus::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Seconds;

    fn hc() -> HealthCheck {
        HealthCheck {
            command: vec!["CMD-SHELL".into(), "wget -q -O- localhost || exit 1".into()],
            interval: Some(Seconds(5)),
            timeout: Some(Seconds(2)),
            retries: Some(2),
            start_period: Some(Seconds(10)),
        }
    }

    fn running(health: Option<HealthState>, started_at: u64) -> ContainerInfo {
        ContainerInfo {
            id: "x".into(),
            name: "x".into(),
            labels: Default::default(),
            state: ContainerState::Running,
            exit_code: None,
            error: None,
            oom_killed: false,
            ports: vec![],
            health,
            health_log: Vec::new(),
            started_at: Some(started_at),
            finished_at: None,
            pid: None,
        }
    }

    #[test]
    fn the_engines_verdict_wins_when_it_has_one() {
        let own = ContainerStatus::default();
        let view = container_health(
            Some(&hc()),
            Some(&running(Some(HealthState::Healthy), 0)),
            &own,
            1,
        );
        assert_eq!((view.status, view.probe_due), (HealthStatus::Healthy, false));
    }

    #[test]
    fn a_silent_engine_is_given_its_first_probe_window_then_ecsd_probes() {
        let own = ContainerStatus::default();
        let info = running(Some(HealthState::Starting), 0);
        // start period 10 s + interval 5 s + timeout 2 s + grace 5 s = 22 s.
        let early = container_health(Some(&hc()), Some(&info), &own, 21_000);
        assert!(!early.probe_due);
        assert_eq!(early.next_probe_at, Some(22_000));
        let late = container_health(Some(&hc()), Some(&info), &own, 22_000);
        assert!(late.probe_due);
    }

    #[test]
    fn own_probes_follow_the_interval() {
        let own = ContainerStatus {
            last_probe_at: Some(30_000),
            ..Default::default()
        };
        let info = running(None, 0);
        assert!(!container_health(Some(&hc()), Some(&info), &own, 34_000).probe_due);
        assert!(container_health(Some(&hc()), Some(&info), &own, 35_000).probe_due);
    }

    #[test]
    fn retries_consecutive_failures_make_a_container_unhealthy_and_a_success_resets() {
        let mut own = ContainerStatus::default();
        record_probe(&mut own, &hc(), false, 0, 5_000);
        assert_eq!(
            own.probe_failures, 0,
            "inside the start period failures do not count"
        );
        record_probe(&mut own, &hc(), false, 0, 20_000);
        assert_eq!(own.health_status, HealthStatus::Unknown);
        record_probe(&mut own, &hc(), false, 0, 25_000);
        assert_eq!(own.health_status, HealthStatus::Unhealthy);
        record_probe(&mut own, &hc(), true, 0, 30_000);
        assert_eq!(
            (own.health_status, own.probe_failures),
            (HealthStatus::Healthy, 0)
        );
    }

    #[test]
    fn shell_and_exec_forms_become_exec_commands() {
        assert_eq!(
            probe_command(&hc())[..2],
            ["/bin/sh".to_string(), "-c".to_string()]
        );
        let exec = HealthCheck {
            command: vec!["CMD".into(), "true".into()],
            ..hc()
        };
        assert_eq!(probe_command(&exec), vec!["true".to_string()]);
    }

    #[test]
    fn task_health_aggregates_essential_containers_with_checks_only() {
        let with_check = ContainerDefinition {
            name: "web".into(),
            health_check: Some(hc()),
            ..Default::default()
        };
        let helper = ContainerDefinition {
            name: "helper".into(),
            essential: Some(false),
            health_check: Some(hc()),
            ..Default::default()
        };
        let status = |name: &str, h| ContainerStatus {
            name: name.into(),
            health_status: h,
            ..Default::default()
        };
        let defs = [with_check.clone(), helper];
        let healthy = [
            status("web", HealthStatus::Healthy),
            status("helper", HealthStatus::Unhealthy),
        ];
        assert_eq!(
            task_health(&defs, &healthy),
            HealthStatus::Healthy,
            "non-essential ignored"
        );
        let sick = [status("web", HealthStatus::Unhealthy)];
        assert_eq!(task_health(&defs, &sick), HealthStatus::Unhealthy);
        let none = [ContainerDefinition {
            name: "web".into(),
            ..Default::default()
        }];
        assert_eq!(task_health(&none, &healthy), HealthStatus::Unknown);
    }
}
