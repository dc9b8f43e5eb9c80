//! Where a DAEMON service runs: one task on each ACTIVE, connected instance that satisfies
//! its constraints.

use super::constraint::Constraint;
use super::instance::{Instance, InstanceStatus};
use crate::model::query::ClusterQuery;

/// The ids of the instances a DAEMON service should have a task on: ACTIVE, connected, and
/// matched by every `memberOf` (`distinctInstance` holds by construction). Resources are not
/// checked here, since an instance already running the daemon's task has it in its use:
/// the caller checks a new task with `check` before starting it.
pub fn daemon_targets(instances: &[Instance], constraints: &[Constraint]) -> Vec<String> {
    let queries: Vec<&ClusterQuery> = constraints
        .iter()
        .filter_map(|c| match c {
            Constraint::MemberOf(query) => Some(query),
            Constraint::DistinctInstance => None,
        })
        .collect();
    instances
        .iter()
        .filter(|i| i.status == InstanceStatus::Active && i.connected)
        .filter(|i| queries.iter().all(|q| q.matches(*i)))
        .map(|i| i.id.clone())
        .collect()
}
