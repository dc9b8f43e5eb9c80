//! EventBridge errors: the codes an AWS JSON client sees, each mapped to its HTTP status in one
//! place, and the conversions from the store and operation errors in EventBridge's words.

use super::mapping::eventbridge_names;
use crate::ops::{ObjectKind, OpsError};
use crate::store::StoreError;
use axum::http::StatusCode;

/// An EventBridge operation failure; the variant is the `__type` a client sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventsError {
    /// A member is missing, malformed or out of range, or asks for what ecsd cannot do.
    #[error("{0}")]
    Validation(String),
    /// The request body is not JSON.
    #[error("{0}")]
    Serialization(String),
    /// The rule or event bus does not exist.
    #[error("{0}")]
    ResourceNotFound(String),
    /// A watched folder manages the rule (EventBridge's managed rules: only DeleteRule and
    /// RemoveTargets with `Force` change one).
    #[error("{0}")]
    ManagedRule(String),
    /// The operation is not one ecsd serves.
    #[error("{0}")]
    UnknownOperation(String),
    /// ecsd itself failed.
    #[error("{0}")]
    Internal(String),
}

impl EventsError {
    /// The HTTP status and the error code (`__type`).
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            EventsError::Validation(_) => (StatusCode::BAD_REQUEST, "ValidationException"),
            EventsError::Serialization(_) => (StatusCode::BAD_REQUEST, "SerializationException"),
            EventsError::ResourceNotFound(_) => (StatusCode::BAD_REQUEST, "ResourceNotFoundException"),
            EventsError::ManagedRule(_) => (StatusCode::BAD_REQUEST, "ManagedRuleException"),
            EventsError::UnknownOperation(_) => (StatusCode::BAD_REQUEST, "UnknownOperationException"),
            EventsError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "InternalException"),
        }
    }

    /// EventBridge's answer for a rule that does not exist.
    pub fn no_rule(name: &str) -> Self {
        EventsError::ResourceNotFound(format!(
            "Rule {name} does not exist on EventBus {}.",
            super::DEFAULT_EVENT_BUS
        ))
    }
}

impl From<StoreError> for EventsError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => EventsError::ResourceNotFound(format!("{what} not found")),
            StoreError::Conflict(why) => EventsError::Validation(why),
            e @ (StoreError::Open { .. }
            | StoreError::Locked { .. }
            | StoreError::Marker { .. }
            | StoreError::Io { .. }
            | StoreError::Decode { .. }) => EventsError::Internal(e.to_string()),
        }
    }
}

/// EventBridge's exception and wording for each operation error.
impl From<OpsError> for EventsError {
    fn from(e: OpsError) -> Self {
        match e {
            OpsError::NotFound { kind, name } => match kind {
                ObjectKind::ScheduledTask => EventsError::no_rule(&name),
                ObjectKind::Cluster => EventsError::Validation(format!(
                    "cluster {name} not found (an ECS target's Arn names a cluster of ecsd)"
                )),
                ObjectKind::TaskDefinition => EventsError::Validation(format!(
                    "EcsParameters.TaskDefinitionArn: task definition {name} not found (register it first)"
                )),
                ObjectKind::Service
                | ObjectKind::Task
                | ObjectKind::TargetGroup
                | ObjectKind::LoadBalancer
                | ObjectKind::ContainerInstance => {
                    EventsError::Validation(format!("{} {name} not found", kind.as_str()))
                }
            },
            OpsError::ManagedByFolder { object, path } => EventsError::ManagedRule(format!(
                "{object} is managed by {path}: change it there. DeleteRule and RemoveTargets with Force \
                 change it anyway (the folder's next sync undoes the change)"
            )),
            OpsError::InvalidSpec(why) => EventsError::Validation(eventbridge_names(&why)),
            OpsError::InvalidReference { why, .. } => {
                EventsError::Validation(format!("EcsParameters.TaskDefinitionArn: {why}"))
            }
            e @ (OpsError::ServiceDraining { .. }
            | OpsError::ServiceInactive { .. }
            | OpsError::DaemonNotScalable { .. }
            | OpsError::ServiceStillScaled { .. }
            | OpsError::OutOfRange { .. }
            | OpsError::Unplaced { .. }
            | OpsError::LocalInstance { .. }
            | OpsError::InstanceRunsTasks { .. }
            | OpsError::AttributeLimit { .. }
            | OpsError::AmbiguousTask { .. }
            | OpsError::AmbiguousSchedule { .. }
            | OpsError::NothingToUndo { .. }) => EventsError::Validation(e.to_string()),
            OpsError::Store(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_internal_exceptions_are_http_500() {
        let all = [
            EventsError::Validation(String::new()),
            EventsError::Serialization(String::new()),
            EventsError::ResourceNotFound(String::new()),
            EventsError::ManagedRule(String::new()),
            EventsError::UnknownOperation(String::new()),
        ];
        for e in all {
            assert_eq!(e.status_and_code().0, StatusCode::BAD_REQUEST, "{e:?}");
        }
        let internal = EventsError::Internal("boom".into()).status_and_code();
        assert_eq!(internal, (StatusCode::INTERNAL_SERVER_ERROR, "InternalException"));
    }

    #[test]
    fn a_missing_schedule_is_a_missing_rule_in_eventbridges_words() {
        let e = EventsError::from(OpsError::NotFound {
            kind: ObjectKind::ScheduledTask,
            name: "nightly".into(),
        });
        assert_eq!(
            e,
            EventsError::ResourceNotFound("Rule nightly does not exist on EventBus default.".into())
        );
    }

    #[test]
    fn a_folders_schedule_is_a_managed_rule_that_names_its_file_and_force() {
        let e = EventsError::from(OpsError::ManagedByFolder {
            object: "scheduled task default/nightly".into(),
            path: "/srv/deploy/nightly.yaml".into(),
        });
        assert_eq!(e.status_and_code().1, "ManagedRuleException");
        assert!(e.to_string().contains("/srv/deploy/nightly.yaml") && e.to_string().contains("Force"));
    }
}
