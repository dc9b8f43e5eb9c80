//! Placement, rule by rule: fit, constraints, strategies, reasons, scale-in, DAEMON, and
//! properties over random clusters.

use super::*;
use crate::model::{PlacementConstraint, PlacementConstraintType, PlacementStrategy, PlacementStrategyType};
use std::collections::BTreeMap;

mod constraints;
mod fit;
mod properties;
mod reasons;
mod scale_in;
mod strategies;

/// The group of the tasks placed in these tests.
const WEB: &str = "service:web";

/// A connected, ACTIVE instance offering `cpu` units and `memory` MiB.
fn instance(id: &str, cpu: u64, memory: u64) -> Instance {
    Instance {
        id: id.to_string(),
        registered: Resources {
            cpu,
            memory,
            ..Resources::default()
        },
        connected: true,
        ..Instance::default()
    }
}

/// `instance` with an attribute set.
fn with(mut instance: Instance, name: &str, value: &str) -> Instance {
    instance
        .attributes
        .insert(name.to_string(), Some(value.to_string()));
    instance
}

/// `instance` in availability zone `zone`.
fn in_zone(instance: Instance, zone: &str) -> Instance {
    with(instance, AVAILABILITY_ZONE, zone)
}

/// `instance` already running `n` tasks of `group`, each reserving `demand`.
fn running(mut instance: Instance, n: u32, demand: &Demand) -> Instance {
    for _ in 0..n {
        instance.take(demand);
    }
    instance
}

/// A task of `WEB` reserving `cpu` units and `memory` MiB.
fn demand(cpu: u64, memory: u64) -> Demand {
    Demand {
        cpu,
        memory,
        group: WEB.to_string(),
        ..Demand::default()
    }
}

fn spread(field: &str) -> PlacementStrategy {
    PlacementStrategy {
        kind: PlacementStrategyType::Spread,
        field: Some(field.to_string()),
    }
}

fn binpack(field: &str) -> PlacementStrategy {
    PlacementStrategy {
        kind: PlacementStrategyType::Binpack,
        field: Some(field.to_string()),
    }
}

fn random() -> PlacementStrategy {
    PlacementStrategy {
        kind: PlacementStrategyType::Random,
        field: None,
    }
}

fn member_of(expression: &str) -> Constraint {
    Constraint::compile_all(&[PlacementConstraint {
        kind: PlacementConstraintType::MemberOf,
        expression: Some(expression.to_string()),
    }])
    .unwrap()
    .remove(0)
}

/// Tasks placed per instance id.
fn per_instance(placement: &Placement) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for id in &placement.placed {
        *counts.entry(id.as_str()).or_insert(0) += 1;
    }
    counts
}
