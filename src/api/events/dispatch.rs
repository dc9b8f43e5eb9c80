//! Operation name → the function that serves it.

use super::{EventsError, rules, targets};
use crate::api::ApiState;
use serde_json::Value;

/// An operation's function: decoded input in, output document out.
type Handler = fn(&ApiState, Value) -> Result<Value, EventsError>;

/// Every EventBridge operation ecsd serves, by name.
const OPERATIONS: &[(&str, Handler)] = &[
    ("PutRule", rules::put),
    ("DescribeRule", rules::describe),
    ("ListRules", rules::list),
    ("EnableRule", rules::enable),
    ("DisableRule", rules::disable),
    ("DeleteRule", rules::delete),
    ("PutTargets", targets::put),
    ("RemoveTargets", targets::remove),
    ("ListTargetsByRule", targets::list),
];

/// Names of the operations ecsd serves.
pub fn supported_operations() -> impl Iterator<Item = &'static str> {
    OPERATIONS.iter().map(|(name, _)| *name)
}

/// Runs the EventBridge operation `op` on `input`.
pub fn dispatch(s: &ApiState, op: &str, input: Value) -> Result<Value, EventsError> {
    match OPERATIONS.iter().find(|(name, _)| *name == op) {
        Some((_, handler)) => handler(s, input),
        None => Err(EventsError::UnknownOperation(format!(
            "operation {op} is not supported by ecsd, which serves {}",
            supported_operations().collect::<Vec<_>>().join(", ")
        ))),
    }
}
