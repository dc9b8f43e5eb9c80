//! The EventBridge API — scheduled rules with ECS targets — on the ECS endpoint's listener:
//! AWS JSON 1.1 on `POST /` with `X-Amz-Target: AWSEvents.<Op>`, signed (when credentials
//! are configured) for the `events` service. Each rule and its target are one
//! `ScheduledTask`, the same record manifests make, so `aws events` and `ecsd get
//! scheduledtasks` see the same schedules.
//!
//! `dispatch` maps operation names to functions in `rules` (Put/Describe/List/Enable/
//! Disable/DeleteRule) and `targets` (PutTargets, RemoveTargets, ListTargetsByRule);
//! `shapes` holds botocore's members; `mapping` turns a rule and its target into a spec and
//! back; every failure is an `EventsError`.
//!
//! How rules are kept:
//! - A rule is found by its name alone (EventBridge has one namespace per event bus, and
//!   ecsd one bus, `default`), whichever cluster its schedule is in.
//! - A rule without targets is a schedule without `taskDefinition` in the cluster `default`:
//!   it is listed everywhere and never runs. PutTargets moves it to the cluster its target's
//!   ARN names.
//! - A rule takes one ECS target (its schedule has one target). A second target with another
//!   `Id` is a failed entry of PutTargets naming the target it would have to replace; the same
//!   `Id` replaces the target.
//! - A watched folder's schedule is a managed rule: changed only by DeleteRule and
//!   RemoveTargets with `Force`, as EventBridge does for managed rules.

mod dispatch;
mod errors;
mod mapping;
mod rules;
mod shapes;
mod targets;

#[cfg(test)]
mod conformance_tests;
#[cfg(test)]
mod tests;

pub use dispatch::{dispatch, supported_operations};
pub use errors::EventsError;

use super::ApiState;
use super::ecs::{decode, error_reply, parse_json, reply};
use super::paging::PageError;
use crate::ops;
use crate::store::ScheduledTaskRecord;
use axum::http::StatusCode;
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// `X-Amz-Target` prefix of every EventBridge operation.
pub const TARGET_PREFIX: &str = "AWSEvents.";

/// The service name in an EventBridge request's SigV4 credential scope.
pub const SIGNING_SERVICE: &str = "events";

/// The one event bus ecsd has.
pub const DEFAULT_EVENT_BUS: &str = "default";

/// Runs the EventBridge operation `op` (the part of `X-Amz-Target` after the prefix) on the
/// request body and answers in AWS JSON 1.1.
pub(crate) fn handle(s: &ApiState, op: &str, body: &[u8]) -> Response {
    let result = parse_json(body)
        .map_err(|e| EventsError::Serialization(format!("request body is not JSON: {e}")))
        .and_then(|input| dispatch(s, op, input));
    match result {
        Ok(output) => reply(StatusCode::OK, output),
        Err(e) => {
            let (status, code) = e.status_and_code();
            tracing::debug!(operation = op, code, error = %e, "events request failed");
            error_reply(status, code, &e.to_string())
        }
    }
}

/// Decodes an operation's input, naming the offending member on failure.
fn input<T: DeserializeOwned>(body: Value) -> Result<T, EventsError> {
    decode(body).map_err(EventsError::Validation)
}

/// The event bus a request names must be ecsd's one, `default` (by name or ARN).
fn check_event_bus(s: &ApiState, name: Option<&str>) -> Result<(), EventsError> {
    match name {
        None | Some(DEFAULT_EVENT_BUS) => Ok(()),
        Some(arn) if arn == s.scope.event_bus_arn(DEFAULT_EVENT_BUS) => Ok(()),
        Some(other) => Err(EventsError::ResourceNotFound(format!(
            "Event bus {other} does not exist. (ecsd has one event bus, {DEFAULT_EVENT_BUS})"
        ))),
    }
}

/// The rule called `name` on the bus the request names.
fn find_rule(s: &ApiState, bus: Option<&str>, name: &str) -> Result<ScheduledTaskRecord, EventsError> {
    check_event_bus(s, bus)?;
    Ok(ops::scheduled_tasks::find_named(&s.catalog, name)?)
}

/// Refuses to change a watched folder's schedule (a managed rule) unless `force`.
fn guard(s: &ApiState, record: &ScheduledTaskRecord, force: bool) -> Result<(), EventsError> {
    let key = ops::ownership::schedule_key(&record.cluster, &record.name);
    let what = format!("scheduled task {}/{}", record.cluster, record.name);
    Ok(ops::ownership::check_cli_change(&s.catalog, &key, &what, force)?)
}

/// The manifest file of the watched folder that manages the rule's schedule, if one does.
fn managed_by(s: &ApiState, record: &ScheduledTaskRecord) -> Result<Option<String>, EventsError> {
    let key = ops::ownership::schedule_key(&record.cluster, &record.name);
    Ok(ops::ownership::managing_file(&s.catalog, &key)?)
}

/// An output document.
fn to_json(output: &impl serde::Serialize) -> Result<Value, EventsError> {
    serde_json::to_value(output).map_err(|e| EventsError::Internal(format!("encoding the response: {e}")))
}

/// One page of `items` (`Limit`, `NextToken`), with the token of the next page.
fn page<T>(
    items: Vec<T>,
    next_token: Option<&str>,
    limit: Option<u32>,
) -> Result<(Vec<T>, Option<String>), EventsError> {
    super::paging::page(items, next_token, limit, 100).map_err(|e| match e {
        PageError::Size(n) => EventsError::Validation(format!("Limit: expected 1 to 100, got {n}")),
        PageError::Token => EventsError::Validation("NextToken: not a token this endpoint handed out".into()),
    })
}
