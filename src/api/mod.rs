//! The native HTTP API over the daemon's unix socket (used by the CLI).
//!
//! Handlers are thin: they decode, call `ops` (or `apply`, or read the `Catalog`), and encode
//! ECS shapes. `native/` is the CLI's door, `ecs/` the ECS API's, `events/` EventBridge's
//! (on the ECS API's listener).

pub mod client;
pub mod ecs;
pub mod events;
mod native;
mod paging;
pub mod shapes;

pub use native::{router, top_router};
pub use shapes::ArnScope;

/// What every handler of both doors shares.
pub struct ApiState {
    /// Desired and observed state.
    pub catalog: crate::store::Catalog,
    /// Region and account for ARNs.
    pub scope: ArnScope,
    /// The load balancer's data plane (target health for `describe targetgroup`).
    pub lb: crate::lb::LoadBalancers,
    /// The daemon's own engine URL (the `local` container instance's engine).
    pub engine: String,
    /// Client tokens of recent ECS RunTask calls.
    pub client_tokens: ecs::ClientTokens,
}

impl ApiState {
    /// State over `catalog`, with a load balancer of its own and no engine URL (the ECS door
    /// and tests, which show neither target health nor engine URLs).
    pub fn new(catalog: crate::store::Catalog, scope: ArnScope) -> Self {
        Self {
            catalog,
            scope,
            lb: crate::lb::LoadBalancers::new(),
            engine: String::new(),
            client_tokens: ecs::ClientTokens::default(),
        }
    }
}

use crate::apply::ApplyError;
use crate::ops::OpsError;
use crate::store::StoreError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An API failure, mapped to one HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed or invalid; nothing changed.
    #[error("{}", .0.join("; "))]
    Invalid(Vec<String>),
    /// The named object does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The object's state forbids the request.
    #[error("{0}")]
    Conflict(String),
    /// The daemon failed.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// A single-message invalid-request error.
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::Invalid(vec![message.into()])
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(format!("{what} not found")),
            StoreError::Conflict(why) => ApiError::Conflict(why),
            e @ (StoreError::Open { .. }
            | StoreError::Locked { .. }
            | StoreError::Marker { .. }
            | StoreError::Io { .. }
            | StoreError::Decode { .. }) => ApiError::Internal(e.to_string()),
        }
    }
}

/// The native API's status for each operation error (ECS's wording is the ECS door's).
impl From<OpsError> for ApiError {
    fn from(e: OpsError) -> Self {
        let message = e.to_string();
        match e {
            OpsError::NotFound { .. } => ApiError::NotFound(message),
            OpsError::ServiceDraining { .. }
            | OpsError::ServiceInactive { .. }
            | OpsError::Unplaced { .. }
            | OpsError::LocalInstance { .. }
            | OpsError::InstanceRunsTasks { .. }
            | OpsError::ServiceStillScaled { .. }
            | OpsError::ManagedByFolder { .. } => ApiError::Conflict(message),
            OpsError::DaemonNotScalable { .. }
            | OpsError::OutOfRange { .. }
            | OpsError::AmbiguousTask { .. }
            | OpsError::AmbiguousSchedule { .. }
            | OpsError::InvalidReference { .. }
            | OpsError::InvalidSpec(_)
            | OpsError::AttributeLimit { .. }
            | OpsError::NothingToUndo { .. } => ApiError::invalid(message),
            OpsError::Store(e) => e.into(),
        }
    }
}

impl From<ApplyError> for ApiError {
    fn from(e: ApplyError) -> Self {
        match e {
            ApplyError::Invalid(problems) => ApiError::Invalid(problems),
            ApplyError::Store(e) => e.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            ApiError::Invalid(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let details = match &self {
            ApiError::Invalid(problems) => problems.clone(),
            _ => Vec::new(),
        };
        let error = self.to_string();
        (status, Json(shapes::ErrorReply { error, details })).into_response()
    }
}
