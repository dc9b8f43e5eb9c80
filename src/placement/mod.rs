//! ECS's task placement engine, as pure functions over values: which container instance
//! each task goes on, which tasks a service stops when it scales in, and where a DAEMON
//! service runs. Placement follows ECS's steps:
//!
//! 1. **Fit** (`fit`): ACTIVE, connected instances with the CPU units, memory and host ports
//!    the task needs, counting every task not STOPPED and those placed earlier in the call.
//! 2. **Constraints** (`constraint`): `distinctInstance`, and `memberOf` with the cluster
//!    query language (`crate::model::query`).
//! 3. **Strategies** (`strategy`), in order, each a tie-breaker for the one before:
//!    `binpack` (least CPU or memory left), `spread` (fewest tasks of the group per value of
//!    `instanceId` or `attribute:NAME`), `random`.
//! 4. **A seeded choice** (`choices`) among the instances still tied.
//!
//! When no instance is left, `Unplaced` says, in ECS's words, what stopped each one. Nothing
//! here reads the store or talks to an engine: the caller builds `Instance`s and `Demand`s.

mod choices;
mod constraint;
mod daemon;
mod fit;
mod instance;
mod place;
mod reason;
mod scale_in;
mod strategy;

pub use choices::{Choices, seed_of};
pub use constraint::{Constraint, ConstraintError, satisfies};
pub use daemon::daemon_targets;
pub use fit::{fits, fits_resources, fixed_ports, reservation};
pub use instance::{Demand, Instance, InstanceStatus, Resources};
pub use place::{Placement, check, place};
pub use reason::{Rejection, Unplaced};
pub use scale_in::{PlacedTask, choose_for_scale_in};
pub use strategy::{AVAILABILITY_ZONE, service_strategies};

#[cfg(test)]
mod tests;
