//! `place`: where each of `count` tasks goes, as ECS decides it, and `check` for one named
//! instance (StartTask, a DAEMON's new instance).

use super::choices::Choices;
use super::constraint::{Constraint, satisfies};
use super::fit::fits;
use super::instance::{Demand, Instance};
use super::reason::{Rejection, Unplaced};
use super::strategy::{Direction, narrow};
use crate::model::PlacementStrategy;

/// The outcome of placing several tasks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    /// The instance id chosen for each task placed, in order.
    pub placed: Vec<String>,
    /// Why each task that was not placed could not be.
    pub unplaced: Vec<Unplaced>,
}

/// Whether `instance` may take a task of `demand` under `constraints`: fit (status, CPU,
/// memory, ports), then the constraints; else the first filter it fails.
pub fn check(instance: &Instance, demand: &Demand, constraints: &[Constraint]) -> Result<(), Rejection> {
    fits(instance, demand)?;
    satisfies(instance, demand, constraints)
}

/// Places `count` tasks of `demand` on `instances`, one after the other, each seeing what
/// the earlier ones took: the instances that fit and satisfy every constraint, ranked by
/// `strategies` in order as tie-breakers, a choice seeded by `seed` last. Once a task finds
/// no instance, neither does any after it (nothing changed), so all of them share its
/// reasons. Standalone tasks pass their strategy as given (none: a seeded random choice); a
/// service passes `service_strategies`.
pub fn place(
    instances: &[Instance],
    demand: &Demand,
    constraints: &[Constraint],
    strategies: &[PlacementStrategy],
    count: u32,
    seed: u64,
) -> Placement {
    let mut working = instances.to_vec();
    let mut choices = Choices::new(seed);
    let mut placement = Placement::default();
    for placed in 0..count {
        match place_one(&working, demand, constraints, strategies, &mut choices) {
            Ok(chosen) => {
                working[chosen].take(demand);
                placement.placed.push(working[chosen].id.clone());
            }
            Err(unplaced) => {
                let left = (count - placed) as usize;
                placement.unplaced = vec![unplaced; left];
                break;
            }
        }
    }
    placement
}

/// The position of the instance one task goes on, or why none can take it.
fn place_one(
    instances: &[Instance],
    demand: &Demand,
    constraints: &[Constraint],
    strategies: &[PlacementStrategy],
    choices: &mut Choices,
) -> Result<usize, Unplaced> {
    let mut candidates = Vec::new();
    let mut rejections = Vec::new();
    for (i, instance) in instances.iter().enumerate() {
        match check(instance, demand, constraints) {
            Ok(()) => candidates.push(i),
            Err(rejection) => rejections.push((i, rejection)),
        }
    }
    if candidates.is_empty() {
        let rejections = rejections
            .into_iter()
            .map(|(i, rejection)| (instances[i].id.clone(), rejection))
            .collect();
        return Err(Unplaced { rejections });
    }
    narrow(
        &mut candidates,
        instances,
        &demand.group,
        strategies,
        Direction::Place,
        choices,
    );
    Ok(candidates[choices.below(candidates.len())])
}
