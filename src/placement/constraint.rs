//! Placement constraints, compiled once: `distinctInstance` and `memberOf` with its parsed
//! expression (the second step of ECS placement).

use super::instance::{Demand, Instance};
use super::reason::Rejection;
use crate::model::query::{self, ClusterQuery, QueryError};
use crate::model::{PlacementConstraint, PlacementConstraintType};

/// Why constraints could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConstraintError {
    /// A `memberOf` without an expression.
    #[error("memberOf constraint {index} has no expression")]
    MissingExpression {
        /// Its position in the list.
        index: usize,
    },
    /// A `memberOf` expression that does not parse.
    #[error("memberOf constraint {index}: expression {error}")]
    Expression {
        /// Its position in the list.
        index: usize,
        /// What is wrong with it.
        error: QueryError,
    },
}

/// A constraint ready to be checked against instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Constraint {
    /// No other task of the group on the instance.
    DistinctInstance,
    /// The instance matches the query.
    MemberOf(ClusterQuery),
}

impl Constraint {
    /// Compiles the constraints as written (a service's, a task definition's, RunTask's).
    pub fn compile_all(rules: &[PlacementConstraint]) -> Result<Vec<Constraint>, ConstraintError> {
        rules
            .iter()
            .enumerate()
            .map(|(index, rule)| match (rule.kind, rule.expression.as_deref()) {
                (PlacementConstraintType::DistinctInstance, _) => Ok(Constraint::DistinctInstance),
                (PlacementConstraintType::MemberOf, None) => {
                    Err(ConstraintError::MissingExpression { index })
                }
                (PlacementConstraintType::MemberOf, Some(text)) => query::parse(text)
                    .map(Constraint::MemberOf)
                    .map_err(|error| ConstraintError::Expression { index, error }),
            })
            .collect()
    }
}

/// Whether a task of `demand` may go on `instance` under every constraint: `distinctInstance`
/// first, then each `memberOf`.
pub fn satisfies(instance: &Instance, demand: &Demand, constraints: &[Constraint]) -> Result<(), Rejection> {
    let distinct = constraints
        .iter()
        .any(|c| matches!(c, Constraint::DistinctInstance));
    if distinct && instance.tasks_of(&demand.group) > 0 {
        return Err(Rejection::DistinctInstance);
    }
    let members = constraints.iter().all(|c| match c {
        Constraint::DistinctInstance => true,
        Constraint::MemberOf(query) => query.matches(instance),
    });
    if !members {
        return Err(Rejection::MemberOf);
    }
    Ok(())
}
