//! ecsd: Amazon ECS for one machine.
pub mod controller;
pub mod model;
pub mod runtime;
pub mod store;
