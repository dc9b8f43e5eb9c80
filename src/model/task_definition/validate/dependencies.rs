//! `dependsOn` and `healthCheck` rules: known targets, ECS condition rules, no cycles, and
//! health check commands and timings within ECS bounds.

use super::{at, other_container};
use crate::model::task_definition::{
    ContainerDefinition, DependencyCondition, HealthCheck, TaskDefinitionSpec,
};
use crate::model::validation::FieldError;
use std::collections::BTreeMap;

pub(super) fn check(spec: &TaskDefinitionSpec, errors: &mut Vec<FieldError>) {
    for (i, def) in spec.container_definitions.iter().enumerate() {
        for (j, dep) in def.depends_on.iter().enumerate() {
            let path = at(i, &format!("dependsOn[{j}]"));
            match other_container(spec, i, &dep.container_name, "depend on") {
                Err(why) => errors.push(FieldError::new(format!("{path}.containerName"), why)),
                Ok(target) => check_condition(dep.condition, target, &path, errors),
            }
        }
        if let Some(check) = &def.health_check {
            check_health(check, &at(i, "healthCheck"), errors);
        }
    }
    CycleSearch::new(&spec.container_definitions).run(errors);
}

fn check_condition(
    condition: DependencyCondition,
    target: &ContainerDefinition,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    let problem = match condition {
        // An essential container exiting stops the task, so waiting for its exit is a deadlock.
        DependencyCondition::Complete | DependencyCondition::Success if target.is_essential() => {
            Some(format!(
                "cannot be COMPLETE or SUCCESS: container {} is essential",
                target.name
            ))
        }
        DependencyCondition::Healthy if target.health_check.is_none() => Some(format!(
            "cannot be HEALTHY: container {} has no healthCheck",
            target.name
        )),
        _ => None,
    };
    if let Some(message) = problem {
        errors.push(FieldError::new(format!("{path}.condition"), message));
    }
}

fn check_health(check: &HealthCheck, path: &str, errors: &mut Vec<FieldError>) {
    let has_form = matches!(
        check.command.first().map(String::as_str),
        Some("CMD" | "CMD-SHELL")
    );
    let has_body = check.command.iter().skip(1).any(|part| !part.trim().is_empty());
    if !has_form || !has_body {
        errors.push(FieldError::new(
            format!("{path}.command"),
            "expected [\"CMD\", executable, args…] or [\"CMD-SHELL\", \"shell command\"]",
        ));
    }
    let bounds = [
        ("interval", check.interval.map(|s| s.0), 5, 300, "seconds"),
        ("timeout", check.timeout.map(|s| s.0), 2, 60, "seconds"),
        ("retries", check.retries.map(u64::from), 1, 10, "retries"),
        ("startPeriod", check.start_period.map(|s| s.0), 0, 300, "seconds"),
    ];
    for (field, value, min, max, unit) in bounds {
        if let Some(v) = value
            && !(min..=max).contains(&v)
        {
            errors.push(FieldError::new(
                format!("{path}.{field}"),
                format!("expected {min} to {max} {unit}, got {v}"),
            ));
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    OnPath,
    Done,
}

/// Depth-first search over `dependsOn` edges; every edge that closes a cycle is reported once.
struct CycleSearch<'a> {
    defs: &'a [ContainerDefinition],
    index: BTreeMap<&'a str, usize>,
    visit: Vec<Visit>,
    path: Vec<usize>,
}

impl<'a> CycleSearch<'a> {
    fn new(defs: &'a [ContainerDefinition]) -> Self {
        let mut index = BTreeMap::new();
        for (i, def) in defs.iter().enumerate() {
            index.entry(def.name.as_str()).or_insert(i);
        }
        Self {
            defs,
            index,
            visit: vec![Visit::New; defs.len()],
            path: Vec::new(),
        }
    }

    fn run(mut self, errors: &mut Vec<FieldError>) {
        for start in 0..self.defs.len() {
            if self.visit[start] == Visit::New {
                self.visit_from(start, errors);
            }
        }
    }

    fn visit_from(&mut self, i: usize, errors: &mut Vec<FieldError>) {
        self.visit[i] = Visit::OnPath;
        self.path.push(i);
        for (j, dep) in self.defs[i].depends_on.iter().enumerate() {
            let Some(&k) = self.index.get(dep.container_name.as_str()) else {
                continue;
            };
            match self.visit[k] {
                Visit::New => self.visit_from(k, errors),
                // Self-dependency is reported on its own; here it would be a one-node cycle.
                Visit::OnPath if k != i => errors.push(FieldError::new(
                    at(i, &format!("dependsOn[{j}].containerName")),
                    format!("dependency cycle: {}", self.describe_cycle_to(k)),
                )),
                Visit::OnPath | Visit::Done => {}
            }
        }
        self.path.pop();
        self.visit[i] = Visit::Done;
    }

    /// `a -> b -> a`, from `k` along the current path and back to `k`.
    fn describe_cycle_to(&self, k: usize) -> String {
        let from = self.path.iter().position(|&p| p == k).unwrap_or(0);
        let mut names: Vec<&str> = self.path[from..]
            .iter()
            .map(|&p| self.defs[p].name.as_str())
            .collect();
        names.push(self.defs[k].name.as_str());
        names.join(" -> ")
    }
}
