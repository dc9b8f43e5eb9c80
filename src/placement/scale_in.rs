//! Which tasks a service stops when it scales in: its strategies ranked the other way round,
//! so what is left stays balanced (spread: the fullest value first; binpack: the instance
//! with the most left after the task stops), a seeded choice last.

use super::choices::Choices;
use super::instance::{Demand, Instance};
use super::strategy::{Direction, narrow};
use crate::model::PlacementStrategy;

/// A task that may be stopped, and where it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedTask {
    /// The task id.
    pub id: String,
    /// The id of the instance it runs on.
    pub instance: String,
    /// What it reserves there, and its group.
    pub demand: Demand,
}

/// The ids of `count` tasks to stop among `tasks`, in the order to stop them. Counts of the
/// group per spread value come from `instances` (every task of the service, not only those
/// offered), updated as each choice is made. Tasks on an instance not in `instances`
/// (deregistered, or its engine gone) are stopped first, in the order given; among the tasks
/// of a chosen instance, the first given goes first, so callers list the ones they would
/// rather lose (an old deployment's, unhealthy ones) first.
pub fn choose_for_scale_in(
    instances: &[Instance],
    tasks: &[PlacedTask],
    strategies: &[PlacementStrategy],
    count: usize,
    seed: u64,
) -> Vec<String> {
    let known = |t: &&PlacedTask| instances.iter().any(|i| i.id == t.instance);
    let mut chosen: Vec<String> = tasks
        .iter()
        .filter(|t| !known(t))
        .take(count)
        .map(|t| t.id.clone())
        .collect();
    let mut left: Vec<&PlacedTask> = tasks.iter().filter(known).collect();
    let mut working = instances.to_vec();
    let mut choices = Choices::new(seed);
    while chosen.len() < count && !left.is_empty() {
        let mut candidates: Vec<usize> = (0..working.len())
            .filter(|&i| left.iter().any(|t| t.instance == working[i].id))
            .collect();
        let group = &left[0].demand.group;
        narrow(
            &mut candidates,
            &working,
            group,
            strategies,
            Direction::ScaleIn,
            &mut choices,
        );
        let instance = candidates[choices.below(candidates.len())];
        let Some(at) = left.iter().position(|t| t.instance == working[instance].id) else {
            break;
        };
        let task = left.remove(at);
        working[instance].give_back(&task.demand);
        chosen.push(task.id.clone());
    }
    chosen
}
