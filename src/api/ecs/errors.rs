//! ECS errors: the codes botocore's ECS model declares, each mapped to its HTTP status in one
//! place, and the conversions from the store, apply and native-API errors.

use crate::api::ApiError;
use crate::apply::ApplyError;
use crate::ops::{ObjectKind, OpsError};
use crate::store::StoreError;
use axum::http::StatusCode;

/// An ECS operation failure; the variant is the `__type` a client sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EcsError {
    /// The caller asked for something in a wrong state or referenced a bad object.
    #[error("{0}")]
    Client(String),
    /// A parameter is malformed or out of range.
    #[error("{0}")]
    InvalidParameter(String),
    /// The named cluster does not exist.
    #[error("{0}")]
    ClusterNotFound(String),
    /// The named service does not exist.
    #[error("{0}")]
    ServiceNotFound(String),
    /// The named service is being deleted.
    #[error("{0}")]
    ServiceNotActive(String),
    /// DeleteCluster while services remain.
    #[error("{0}")]
    ClusterContainsServices(String),
    /// DeleteCluster while tasks remain.
    #[error("{0}")]
    ClusterContainsTasks(String),
    /// DeleteCluster while declared container instances remain.
    #[error("{0}")]
    ClusterContainsContainerInstances(String),
    /// An attribute's target does not exist.
    #[error("{0}")]
    TargetNotFound(String),
    /// A resource would have more custom attributes than allowed.
    #[error("{0}")]
    AttributeLimitExceeded(String),
    /// The tagged resource does not exist.
    #[error("{0}")]
    ResourceNotFound(String),
    /// A resource would have more tags than allowed.
    #[error("{0}")]
    LimitExceeded(String),
    /// The operation or feature is not implemented by ecsd.
    #[error("{0}")]
    UnsupportedFeature(String),
    /// ecsd itself failed.
    #[error("{0}")]
    Server(String),
}

impl EcsError {
    /// The HTTP status and the ECS error code (`__type`).
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            EcsError::Client(_) => (StatusCode::BAD_REQUEST, "ClientException"),
            EcsError::InvalidParameter(_) => (StatusCode::BAD_REQUEST, "InvalidParameterException"),
            EcsError::ClusterNotFound(_) => (StatusCode::BAD_REQUEST, "ClusterNotFoundException"),
            EcsError::ServiceNotFound(_) => (StatusCode::BAD_REQUEST, "ServiceNotFoundException"),
            EcsError::ServiceNotActive(_) => (StatusCode::BAD_REQUEST, "ServiceNotActiveException"),
            EcsError::ClusterContainsServices(_) => {
                (StatusCode::BAD_REQUEST, "ClusterContainsServicesException")
            }
            EcsError::ClusterContainsTasks(_) => (StatusCode::BAD_REQUEST, "ClusterContainsTasksException"),
            EcsError::ClusterContainsContainerInstances(_) => (
                StatusCode::BAD_REQUEST,
                "ClusterContainsContainerInstancesException",
            ),
            EcsError::TargetNotFound(_) => (StatusCode::BAD_REQUEST, "TargetNotFoundException"),
            EcsError::AttributeLimitExceeded(_) => {
                (StatusCode::BAD_REQUEST, "AttributeLimitExceededException")
            }
            EcsError::ResourceNotFound(_) => (StatusCode::BAD_REQUEST, "ResourceNotFoundException"),
            EcsError::LimitExceeded(_) => (StatusCode::BAD_REQUEST, "LimitExceededException"),
            EcsError::UnsupportedFeature(_) => (StatusCode::BAD_REQUEST, "UnsupportedFeatureException"),
            EcsError::Server(_) => (StatusCode::INTERNAL_SERVER_ERROR, "ServerException"),
        }
    }
}

impl From<StoreError> for EcsError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => EcsError::Client(format!("{what} not found")),
            StoreError::Conflict(why) => EcsError::Client(why),
            e @ (StoreError::Open { .. }
            | StoreError::Locked { .. }
            | StoreError::Marker { .. }
            | StoreError::Io { .. }
            | StoreError::Decode { .. }) => EcsError::Server(e.to_string()),
        }
    }
}

impl From<ApplyError> for EcsError {
    fn from(e: ApplyError) -> Self {
        match e {
            ApplyError::Invalid(problems) => EcsError::Client(problems.join("; ")),
            ApplyError::Store(e) => e.into(),
        }
    }
}

/// ECS's exception and wording for each operation error.
impl From<OpsError> for EcsError {
    fn from(e: OpsError) -> Self {
        match e {
            OpsError::NotFound { kind, .. } => match kind {
                ObjectKind::Cluster => EcsError::ClusterNotFound("Cluster not found.".into()),
                ObjectKind::Service => EcsError::ServiceNotFound("Service not found.".into()),
                ObjectKind::Task => EcsError::InvalidParameter("The referenced task was not found.".into()),
                ObjectKind::TaskDefinition => EcsError::Client("Unable to describe task definition.".into()),
                ObjectKind::TargetGroup => EcsError::InvalidParameter(
                    "The target group specified in loadBalancers does not exist.".into(),
                ),
                ObjectKind::LoadBalancer => {
                    EcsError::InvalidParameter("The load balancer does not exist.".into())
                }
                ObjectKind::ScheduledTask => {
                    EcsError::InvalidParameter("The schedule does not exist.".into())
                }
                ObjectKind::ContainerInstance => {
                    EcsError::InvalidParameter("The referenced container instance was not found.".into())
                }
            },
            OpsError::ServiceDraining { .. } | OpsError::ServiceInactive { .. } => {
                EcsError::ServiceNotActive("Service was not ACTIVE.".into())
            }
            OpsError::DaemonNotScalable { .. } => {
                EcsError::InvalidParameter("The desired count of a DAEMON service cannot be changed.".into())
            }
            OpsError::ServiceStillScaled { .. } => {
                EcsError::InvalidParameter("The service cannot be stopped while it is scaled above 0.".into())
            }
            e @ (OpsError::LocalInstance { .. } | OpsError::InstanceRunsTasks { .. }) => {
                EcsError::Client(e.to_string())
            }
            e @ OpsError::AttributeLimit { .. } => EcsError::AttributeLimitExceeded(e.to_string()),
            e @ (OpsError::OutOfRange { .. }
            | OpsError::AmbiguousTask { .. }
            | OpsError::AmbiguousSchedule { .. }
            | OpsError::Unplaced { .. }
            | OpsError::NothingToUndo { .. }
            | OpsError::ManagedByFolder { .. }
            | OpsError::InvalidSpec(_)) => EcsError::InvalidParameter(e.to_string()),
            OpsError::InvalidReference { why, .. } => EcsError::Client(why),
            OpsError::Store(e) => e.into(),
        }
    }
}

impl From<ApiError> for EcsError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Invalid(problems) => EcsError::InvalidParameter(problems.join("; ")),
            ApiError::NotFound(what) | ApiError::Conflict(what) => EcsError::Client(what),
            ApiError::Internal(why) => EcsError::Server(why),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_server_exceptions_are_http_500() {
        let all = [
            EcsError::Client(String::new()),
            EcsError::InvalidParameter(String::new()),
            EcsError::ClusterNotFound(String::new()),
            EcsError::ServiceNotFound(String::new()),
            EcsError::ServiceNotActive(String::new()),
            EcsError::ClusterContainsServices(String::new()),
            EcsError::ClusterContainsTasks(String::new()),
            EcsError::ClusterContainsContainerInstances(String::new()),
            EcsError::TargetNotFound(String::new()),
            EcsError::AttributeLimitExceeded(String::new()),
            EcsError::ResourceNotFound(String::new()),
            EcsError::LimitExceeded(String::new()),
            EcsError::UnsupportedFeature(String::new()),
        ];
        for e in all {
            assert_eq!(e.status_and_code().0, StatusCode::BAD_REQUEST, "{e:?}");
        }
        let server = EcsError::Server("boom".into()).status_and_code();
        assert_eq!(server, (StatusCode::INTERNAL_SERVER_ERROR, "ServerException"));
    }

    #[test]
    fn a_store_failure_is_a_server_exception_and_a_conflict_a_client_exception() {
        let decode = StoreError::Decode {
            tree: "tasks",
            key: "t1".into(),
            source: serde_json::from_str::<u8>("x").unwrap_err(),
        };
        assert_eq!(EcsError::from(decode).status_and_code().1, "ServerException");
        let conflict = StoreError::Conflict("busy".into());
        assert_eq!(EcsError::from(conflict), EcsError::Client("busy".into()));
    }
}
