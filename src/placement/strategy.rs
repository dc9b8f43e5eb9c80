//! Placement strategies as tie-breakers (the third step of ECS placement): each rule keeps
//! the candidates that rank best under it, the next rule ranks what is left, and a seeded
//! choice picks last. Scale-in ranks the other way round.

use super::choices::Choices;
use super::instance::Instance;
use crate::model::{PlacementStrategy, PlacementStrategyType};
use std::collections::BTreeMap;

/// The availability-zone attribute a service spreads over by default.
pub const AVAILABILITY_ZONE: &str = "ecs.availability-zone";

/// A service's strategy: the one given, or ECS's default when none is (spread over
/// `attribute:ecs.availability-zone`, then over instances).
pub fn service_strategies(given: &[PlacementStrategy]) -> Vec<PlacementStrategy> {
    if !given.is_empty() {
        return given.to_vec();
    }
    let spread = |field: &str| PlacementStrategy {
        kind: PlacementStrategyType::Spread,
        field: Some(field.to_string()),
    };
    vec![
        spread(&format!("attribute:{AVAILABILITY_ZONE}")),
        spread("instanceId"),
    ]
}

/// Which way a rule ranks: placing a task, or choosing one to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    /// Placement: binpack keeps the least remaining, spread the emptiest value.
    Place,
    /// Scale-in: binpack keeps the most remaining, spread the fullest value.
    ScaleIn,
}

/// Narrows `candidates` (positions in `instances`) rule by rule; `group` is the task group
/// spread counts.
pub(super) fn narrow(
    candidates: &mut Vec<usize>,
    instances: &[Instance],
    group: &str,
    strategies: &[PlacementStrategy],
    direction: Direction,
    choices: &mut Choices,
) {
    for rule in strategies {
        if candidates.len() <= 1 {
            return;
        }
        match rule.kind {
            PlacementStrategyType::Random => {
                let kept = candidates[choices.below(candidates.len())];
                *candidates = vec![kept];
            }
            PlacementStrategyType::Binpack => {
                let memory = rule
                    .field
                    .as_deref()
                    .is_some_and(|f| f.eq_ignore_ascii_case("memory"));
                let remaining = |i: usize| match memory {
                    true => instances[i].remaining_memory(),
                    false => instances[i].remaining_cpu(),
                };
                keep_best(candidates, remaining, direction == Direction::ScaleIn);
            }
            PlacementStrategyType::Spread => {
                let field = rule.field.as_deref().unwrap_or("instanceId");
                let counts = tasks_per_value(instances, group, field);
                let count = |i: usize| {
                    counts
                        .get(&spread_value(&instances[i], field))
                        .copied()
                        .unwrap_or(0)
                };
                keep_best(candidates, count, direction == Direction::ScaleIn);
            }
        }
    }
}

/// Keeps the candidates whose key is the least (or, with `most`, the greatest).
fn keep_best<K: Ord>(candidates: &mut Vec<usize>, key: impl Fn(usize) -> K, most: bool) {
    let best = match most {
        true => candidates.iter().map(|&i| key(i)).max(),
        false => candidates.iter().map(|&i| key(i)).min(),
    };
    if let Some(best) = best {
        candidates.retain(|&i| key(i) == best);
    }
}

/// The value of a spread field on an instance: its id for `instanceId`/`host`, an
/// attribute's value for `attribute:NAME` (`None` when unset, a value of its own).
fn spread_value<'a>(instance: &'a Instance, field: &str) -> Option<&'a str> {
    match field.strip_prefix("attribute:") {
        Some(name) => instance.attributes.get(name).and_then(Option::as_deref),
        None => Some(&instance.id),
    }
}

/// Tasks of `group` per value of `field`, over every instance (not only the candidates: an
/// availability zone's full instances still hold its share).
fn tasks_per_value<'a>(
    instances: &'a [Instance],
    group: &str,
    field: &str,
) -> BTreeMap<Option<&'a str>, u32> {
    let mut counts = BTreeMap::new();
    for instance in instances {
        *counts.entry(spread_value(instance, field)).or_insert(0) += instance.tasks_of(group);
    }
    counts
}
