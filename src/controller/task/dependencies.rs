//! Pure `dependsOn` decisions: may a container start yet, and in which order to stop.

use crate::model::{ContainerDefinition, DependencyCondition};
use crate::runtime::{ContainerInfo, ContainerState, HealthState};
use std::collections::BTreeMap;
use std::time::Duration;

/// Whether a container's dependencies allow it to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// Every condition holds: start it.
    Ready,
    /// Some condition may still come true.
    Waiting,
    /// A condition can never come true (or timed out): the task cannot start.
    Failed(String),
}

/// Checks `def`'s dependencies against the observed containers. `waited` is how long the
/// task has been trying to start; a dependency's `startTimeout` bounds it.
pub fn readiness(
    def: &ContainerDefinition,
    defs: &[ContainerDefinition],
    observed: &BTreeMap<String, ContainerInfo>,
    waited: Duration,
) -> Readiness {
    let mut waiting = false;
    for dep in &def.depends_on {
        let target = observed.get(&dep.container_name);
        let exited = target.is_some_and(|c| c.state == ContainerState::Exited);
        let started = target.is_some_and(|c| c.state != ContainerState::Created) || exited;
        let verdict = match dep.condition {
            DependencyCondition::Start => started.then_some(Ok(())),
            DependencyCondition::Complete => exited.then_some(Ok(())),
            DependencyCondition::Success => target.filter(|_| exited).map(|c| match c.exit_code {
                Some(0) => Ok(()),
                code => Err(format!(
                    "dependency {} exited with code {} (condition SUCCESS)",
                    dep.container_name,
                    code.map_or_else(|| "unknown".to_string(), |c| c.to_string())
                )),
            }),
            DependencyCondition::Healthy => match target.and_then(|c| c.health) {
                Some(HealthState::Healthy) => Some(Ok(())),
                Some(HealthState::Unhealthy) => Some(Err(format!(
                    "dependency {} is UNHEALTHY (condition HEALTHY)",
                    dep.container_name
                ))),
                _ if exited => Some(Err(format!(
                    "dependency {} exited before it was HEALTHY",
                    dep.container_name
                ))),
                _ => None,
            },
        };
        match verdict {
            Some(Ok(())) => {}
            Some(Err(reason)) => return Readiness::Failed(reason),
            None => {
                let timeout = defs
                    .iter()
                    .find(|d| d.name == dep.container_name)
                    .and_then(|d| d.start_timeout)
                    .map(|s| s.duration());
                if let Some(limit) = timeout.filter(|limit| waited > *limit) {
                    return Readiness::Failed(format!(
                        "DependencyTimeout: {} did not reach {:?} within its startTimeout of {}s",
                        dep.container_name,
                        dep.condition,
                        limit.as_secs()
                    ));
                }
                waiting = true;
            }
        }
    }
    if waiting {
        Readiness::Waiting
    } else {
        Readiness::Ready
    }
}

/// Whether `other` needs `target` running: an explicit `dependsOn`, a link, or `target` holds
/// the namespaces `other` joins.
fn needs(other: &ContainerDefinition, target: &str, holder: Option<&str>) -> bool {
    other.name != target
        && (other.depends_on.iter().any(|dep| dep.container_name == target)
            || other.links.iter().any(|l| l.split(':').next() == Some(target))
            || holder == Some(target))
}

/// Containers that may be stopped now: running ones that no other running container needs
/// (dependents stop before what they depend on; the namespace holder stops last).
pub fn stoppable_now<'a>(
    defs: &'a [ContainerDefinition],
    running: &[&str],
    holder: Option<&str>,
) -> Vec<&'a str> {
    defs.iter()
        .filter(|d| running.contains(&d.name.as_str()))
        .filter(|d| {
            !defs
                .iter()
                .any(|other| running.contains(&other.name.as_str()) && needs(other, &d.name, holder))
        })
        .map(|d| d.name.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ContainerDependency, Seconds};

    fn def(name: &str, deps: &[(&str, DependencyCondition)]) -> ContainerDefinition {
        ContainerDefinition {
            name: name.into(),
            image: "busybox".into(),
            depends_on: deps
                .iter()
                .map(|(n, c)| ContainerDependency {
                    container_name: n.to_string(),
                    condition: *c,
                })
                .collect(),
            ..Default::default()
        }
    }

    fn info(state: ContainerState, exit: Option<i64>, health: Option<HealthState>) -> ContainerInfo {
        ContainerInfo {
            id: "x".into(),
            name: "x".into(),
            labels: Default::default(),
            state,
            exit_code: exit,
            error: None,
            oom_killed: false,
            ports: vec![],
            health,
            health_log: Vec::new(),
            started_at: None,
            finished_at: None,
            pid: None,
        }
    }

    fn observed(entries: &[(&str, ContainerInfo)]) -> BTreeMap<String, ContainerInfo> {
        entries.iter().map(|(n, i)| (n.to_string(), i.clone())).collect()
    }

    const ZERO: Duration = Duration::ZERO;

    #[test]
    fn start_waits_for_the_dependency_to_run() {
        use DependencyCondition::Start;
        let app = def("app", &[("db", Start)]);
        let defs = [def("db", &[]), app.clone()];
        let created = observed(&[("db", info(ContainerState::Created, None, None))]);
        assert_eq!(readiness(&app, &defs, &created, ZERO), Readiness::Waiting);
        let running = observed(&[("db", info(ContainerState::Running, None, None))]);
        assert_eq!(readiness(&app, &defs, &running, ZERO), Readiness::Ready);
    }

    #[test]
    fn success_needs_exit_zero_and_fails_the_task_otherwise() {
        use DependencyCondition::Success;
        let app = def("app", &[("init", Success)]);
        let defs = [def("init", &[]), app.clone()];
        let ok = observed(&[("init", info(ContainerState::Exited, Some(0), None))]);
        assert_eq!(readiness(&app, &defs, &ok, ZERO), Readiness::Ready);
        let bad = observed(&[("init", info(ContainerState::Exited, Some(2), None))]);
        assert!(matches!(readiness(&app, &defs, &bad, ZERO), Readiness::Failed(r) if r.contains("code 2")));
    }

    #[test]
    fn complete_accepts_any_exit_code() {
        use DependencyCondition::Complete;
        let app = def("app", &[("init", Complete)]);
        let defs = [def("init", &[]), app.clone()];
        let done = observed(&[("init", info(ContainerState::Exited, Some(9), None))]);
        assert_eq!(readiness(&app, &defs, &done, ZERO), Readiness::Ready);
    }

    #[test]
    fn healthy_waits_for_health_and_fails_on_unhealthy() {
        use DependencyCondition::Healthy;
        let app = def("app", &[("db", Healthy)]);
        let defs = [def("db", &[]), app.clone()];
        let starting = observed(&[(
            "db",
            info(ContainerState::Running, None, Some(HealthState::Starting)),
        )]);
        assert_eq!(readiness(&app, &defs, &starting, ZERO), Readiness::Waiting);
        let healthy = observed(&[(
            "db",
            info(ContainerState::Running, None, Some(HealthState::Healthy)),
        )]);
        assert_eq!(readiness(&app, &defs, &healthy, ZERO), Readiness::Ready);
        let sick = observed(&[(
            "db",
            info(ContainerState::Running, None, Some(HealthState::Unhealthy)),
        )]);
        assert!(matches!(
            readiness(&app, &defs, &sick, ZERO),
            Readiness::Failed(_)
        ));
    }

    #[test]
    fn the_dependency_start_timeout_bounds_the_wait() {
        use DependencyCondition::Healthy;
        let app = def("app", &[("db", Healthy)]);
        let mut db = def("db", &[]);
        db.start_timeout = Some(Seconds(30));
        let defs = [db, app.clone()];
        let starting = observed(&[(
            "db",
            info(ContainerState::Running, None, Some(HealthState::Starting)),
        )]);
        assert_eq!(
            readiness(&app, &defs, &starting, Duration::from_secs(29)),
            Readiness::Waiting
        );
        let late = readiness(&app, &defs, &starting, Duration::from_secs(31));
        assert!(matches!(late, Readiness::Failed(r) if r.starts_with("DependencyTimeout")));
    }

    #[test]
    fn the_namespace_holder_stops_after_the_containers_that_join_it() {
        let defs = [def("holder", &[]), def("side", &[])];
        assert_eq!(
            stoppable_now(&defs, &["holder", "side"], Some("holder")),
            vec!["side"]
        );
        assert_eq!(
            stoppable_now(&defs, &["holder", "side"], None),
            vec!["holder", "side"]
        );
    }

    #[test]
    fn dependents_stop_before_what_they_depend_on() {
        use DependencyCondition::{Healthy, Start};
        let defs = [
            def("db", &[]),
            def("app", &[("db", Healthy)]),
            def("proxy", &[("app", Start)]),
        ];
        assert_eq!(stoppable_now(&defs, &["db", "app", "proxy"], None), vec!["proxy"]);
        assert_eq!(stoppable_now(&defs, &["db", "app"], None), vec!["app"]);
        assert_eq!(stoppable_now(&defs, &["db"], None), vec!["db"]);
    }
}
