//! Why an instance cannot take a task, in ECS's words, and the service event that says so.

use std::fmt::Write;

/// Why an instance cannot take a task: the first filter it fails, in the order placement
/// applies them (status, resources, constraints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rejection {
    /// Its engine does not answer (ECS `AGENT`).
    Disconnected,
    /// It is DRAINING: nothing new is placed there.
    Draining,
    /// Too few CPU units left.
    Cpu,
    /// Too little memory left.
    Memory,
    /// A TCP host port the task binds is taken.
    Ports,
    /// A UDP host port the task binds is taken.
    PortsUdp,
    /// It already runs a task of the group, and the task must be on an instance of its own.
    DistinctInstance,
    /// A `memberOf` expression does not match it.
    MemberOf,
}

impl Rejection {
    /// ECS's failure reason (RunTask and StartTask `failures[].reason`).
    pub fn ecs_reason(self) -> &'static str {
        match self {
            Rejection::Disconnected => "AGENT",
            Rejection::Draining => "DRAINING",
            Rejection::Cpu => "RESOURCE:CPU",
            Rejection::Memory => "RESOURCE:MEMORY",
            Rejection::Ports => "RESOURCE:PORTS",
            Rejection::PortsUdp => "RESOURCE:PORTS_UDP",
            Rejection::DistinctInstance => "DistinctInstance placement constraint unsatisfied.",
            Rejection::MemberOf => "MemberOf placement constraint unsatisfied.",
        }
    }

    /// How the service event says what the closest instance lacks.
    fn lacks(self) -> String {
        match self {
            Rejection::Cpu => "has insufficient CPU units available.".into(),
            Rejection::Memory => "has insufficient memory available.".into(),
            Rejection::Ports | Rejection::PortsUdp => "is already using a port required by your task.".into(),
            other => format!("encountered error \"{}\".", other.ecs_reason()),
        }
    }
}

/// Why one task was not placed: each instance with the filter it failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unplaced {
    /// Every instance considered, by id, with its rejection.
    pub rejections: Vec<(String, Rejection)>,
}

/// At most this many instances are named one by one in a service event.
const NAMED_INSTANCES: usize = 10;

impl Unplaced {
    /// The instance that got furthest through the filters (the first of those when several
    /// tie), and what stopped it; `None` when there are no instances.
    pub fn closest(&self) -> Option<&(String, Rejection)> {
        self.rejections
            .iter()
            .rev()
            .max_by_key(|(_, rejection)| *rejection)
    }

    /// The service event, in ECS's words, followed by the filter that rejected each instance:
    /// `(service web) was unable to place a task because no container instance met all of
    /// its requirements. The closest matching container-instance ID has insufficient memory
    /// available. Rejected: ID (RESOURCE:MEMORY), …`
    pub fn service_event(&self, service: &str) -> String {
        let mut event = format!(
            "(service {service}) was unable to place a task because no container instance met all of its requirements."
        );
        let Some((id, rejection)) = self.closest() else {
            event.push_str(" Reason: No Container Instances were found in your cluster.");
            return event;
        };
        let _ = write!(
            event,
            " The closest matching container-instance {id} {}",
            rejection.lacks()
        );
        let named: Vec<String> = self
            .rejections
            .iter()
            .take(NAMED_INSTANCES)
            .map(|(id, rejection)| format!("{id} ({})", rejection.ecs_reason()))
            .collect();
        let _ = write!(event, " Rejected: {}", named.join(", "));
        if self.rejections.len() > NAMED_INSTANCES {
            let _ = write!(event, " and {} more", self.rejections.len() - NAMED_INSTANCES);
        }
        event.push('.');
        event
    }
}
