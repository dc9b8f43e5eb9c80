//! ecsd: Amazon ECS for one machine.
pub mod model;
