//! The engine health check of a container: ECS `healthCheck` with its defaults written out,
//! or explicitly none so that an image HEALTHCHECK is ignored, as ECS does.

use crate::model::ContainerDefinition;
use std::time::Duration;

/// What the engine should probe.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum HealthSpec {
    /// No health check, even if the image declares one (Docker `Test: ["NONE"]`).
    #[default]
    Disabled,
    /// Run `test` on a schedule.
    Command {
        /// `["CMD", …]` or `["CMD-SHELL", "…"]`, as given.
        test: Vec<String>,
        /// Between probes.
        interval: Duration,
        /// Probe timeout.
        timeout: Duration,
        /// Grace period after start.
        start_period: Duration,
        /// Consecutive failures before unhealthy.
        retries: u32,
    },
}

/// The container's health check with ECS defaults (30 s, 5 s, 0 s, 3 retries) applied.
pub(super) fn health(def: &ContainerDefinition) -> HealthSpec {
    match &def.health_check {
        None => HealthSpec::Disabled,
        Some(check) => HealthSpec::Command {
            test: check.command.clone(),
            interval: check.interval().duration(),
            timeout: check.timeout().duration(),
            start_period: check.start_period().duration(),
            retries: check.retries(),
        },
    }
}
