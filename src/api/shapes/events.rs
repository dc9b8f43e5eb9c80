//! `ecsd events` entries (ecsd's own shape): service events, scheduled tasks' events, folder
//! sync events and the state database's recovery, each under the source it came from.

use super::seconds;
use crate::store::{ServiceEvent, StateRecovery};
use serde::{Deserialize, Serialize};

/// One line of `ecsd events`: an ECS `ServiceEvent` and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventEntry {
    /// Unique id.
    pub id: String,
    /// When.
    pub created_at: f64,
    /// What happened.
    pub message: String,
    /// Service name, `scheduled:<name>` for a scheduled task, `sync:<folder>` for folder sync,
    /// or `state` for the state database.
    pub service: String,
    /// Cluster of the service or scheduled task, `-` for the others.
    pub cluster: String,
}

impl EventEntry {
    /// `e` from `service` in `cluster`.
    pub fn new(e: &ServiceEvent, service: &str, cluster: &str) -> Self {
        Self {
            id: e.id.clone(),
            created_at: seconds(e.created_at),
            message: e.message.clone(),
            service: service.to_string(),
            cluster: cluster.to_string(),
        }
    }
}

/// The damage found when the state database was replaced (ecsd's own shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateRecoveryShape {
    /// When it was found.
    pub detected_at: f64,
    /// What was wrong.
    pub reason: String,
    /// Where the damaged database was moved, if it existed.
    #[serde(default)]
    pub moved_to: Option<String>,
}

/// The damage found when the state database was replaced.
pub fn state_recovery(r: &StateRecovery) -> StateRecoveryShape {
    StateRecoveryShape {
        detected_at: seconds(r.detected_at),
        reason: r.reason.clone(),
        moved_to: r.moved_to.clone(),
    }
}

/// The damage as an entry of `ecsd events`, under the source `state`.
pub fn state_recovery_event(r: &StateRecovery) -> EventEntry {
    let event = ServiceEvent {
        id: format!("state-{}", r.detected_at),
        created_at: r.detected_at,
        message: format!(
            "state database damaged ({}); moved to {}; running containers adopted and kept running",
            r.reason,
            r.moved_to.as_deref().unwrap_or("-")
        ),
    };
    EventEntry::new(&event, "state", "-")
}
