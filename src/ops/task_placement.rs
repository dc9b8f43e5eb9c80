//! Where standalone tasks go: RunTask places them over the cluster's instances with the
//! definition's and the request's constraints and strategies (none: ECS's seeded random
//! choice); StartTask puts one on each instance it names, if that instance can take it.

use super::OpsError;
use crate::fleet;
use crate::model::{
    PlacementConstraint, PlacementStrategy, TaskDefinitionSpec, new_task_id, validate_placement_constraints,
    validate_placement_strategy,
};
use crate::placement::{self, Constraint, Demand};
use crate::store::Catalog;

/// The most instances one StartTask names (ECS's limit).
pub const MAX_START_TASK_INSTANCES: usize = 10;

/// Where the tasks of a run go.
#[derive(Debug, Clone, PartialEq)]
pub enum Where {
    /// Placed over the cluster's instances (RunTask): these constraints on top of the task
    /// definition's, and these strategies as tie-breakers.
    Placed {
        /// `placementConstraints` of the request.
        constraints: Vec<PlacementConstraint>,
        /// `placementStrategy` of the request.
        strategies: Vec<PlacementStrategy>,
    },
    /// One task on each of these instances (StartTask's `containerInstances`: names, ids or ARNs).
    On(Vec<String>),
}

impl Default for Where {
    fn default() -> Self {
        Where::Placed {
            constraints: Vec::new(),
            strategies: Vec::new(),
        }
    }
}

/// A task that was not started, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unstarted {
    /// The instance that came closest (or the one named): its id, or the reference given
    /// when no instance has it.
    pub instance: String,
    /// Its name (`local`, a declared name, or the reference given).
    pub name: String,
    /// ECS's reason: `MISSING`, `DRAINING`, `AGENT`, `RESOURCE:MEMORY`, …
    pub reason: &'static str,
}

/// The instance id for each task to start (in order) and a failure for each one that cannot.
pub(super) fn choose(
    catalog: &Catalog,
    cluster: &str,
    spec: &TaskDefinitionSpec,
    group: &str,
    count: u32,
    place: &Where,
) -> Result<(Vec<String>, Vec<Unstarted>), OpsError> {
    let instances = fleet::placement_view(catalog, cluster, true)?;
    let named = |id: &str| -> Result<String, OpsError> {
        Ok(fleet::find_instance(catalog, cluster, id)?.map_or_else(|| id.to_string(), |f| f.name))
    };
    let demand = Demand::of(spec, group);
    match place {
        Where::Placed {
            constraints,
            strategies,
        } => {
            let rules = compile(spec, constraints, strategies)?;
            let seed = placement::seed_of(&new_task_id());
            let placed = placement::place(&instances, &demand, &rules, strategies, count, seed);
            let mut failures = Vec::new();
            for unplaced in &placed.unplaced {
                if let Some((id, rejection)) = unplaced.closest() {
                    failures.push(Unstarted {
                        name: named(id)?,
                        instance: id.clone(),
                        reason: rejection.ecs_reason(),
                    });
                }
            }
            Ok((placed.placed, failures))
        }
        Where::On(given) => on_named(catalog, cluster, instances, spec, &demand, given),
    }
}

/// The definition's constraints and the request's, compiled, after ECS's checks of both lists.
fn compile(
    spec: &TaskDefinitionSpec,
    constraints: &[PlacementConstraint],
    strategies: &[PlacementStrategy],
) -> Result<Vec<Constraint>, OpsError> {
    let problems = validate_placement_strategy(strategies, "placementStrategy")
        .into_iter()
        .chain(validate_placement_constraints(
            constraints,
            "placementConstraints",
        ));
    if let Some(problem) = problems.into_iter().next() {
        return Err(OpsError::InvalidSpec(problem.to_string()));
    }
    let rules: Vec<PlacementConstraint> = spec
        .placement_constraints
        .iter()
        .chain(constraints)
        .cloned()
        .collect();
    Constraint::compile_all(&rules).map_err(|e| OpsError::InvalidSpec(format!("placementConstraints: {e}")))
}

/// StartTask: one task on each named instance that can take it now (ACTIVE, connected, with
/// the resources and ports, and meeting the definition's constraints), each seeing what the
/// ones before it took.
fn on_named(
    catalog: &Catalog,
    cluster: &str,
    mut instances: Vec<placement::Instance>,
    spec: &TaskDefinitionSpec,
    demand: &Demand,
    given: &[String],
) -> Result<(Vec<String>, Vec<Unstarted>), OpsError> {
    if given.is_empty() || given.len() > MAX_START_TASK_INSTANCES {
        return Err(OpsError::OutOfRange {
            field: "containerInstances",
            why: format!("name between 1 and {MAX_START_TASK_INSTANCES} container instances"),
        });
    }
    let rules = compile(spec, &[], &[])?;
    let (mut chosen, mut failures) = (Vec::new(), Vec::new());
    for reference in given {
        let found = fleet::find_instance(catalog, cluster, reference)?;
        let slot = found
            .as_ref()
            .and_then(|f| instances.iter().position(|i| i.id == f.id));
        let (Some(facts), Some(slot)) = (found, slot) else {
            let short = reference.rsplit('/').next().unwrap_or(reference);
            failures.push(Unstarted {
                instance: short.to_string(),
                name: short.to_string(),
                reason: "MISSING",
            });
            continue;
        };
        match placement::check(&instances[slot], demand, &rules) {
            Ok(()) => {
                instances[slot].take(demand);
                chosen.push(facts.id);
            }
            Err(rejection) => failures.push(Unstarted {
                instance: facts.id,
                name: facts.name,
                reason: rejection.ecs_reason(),
            }),
        }
    }
    Ok((chosen, failures))
}
