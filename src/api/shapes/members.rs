//! Test support: asserts that a serialised shape carries each member ECS always returns, with
//! the JSON type botocore's ECS model gives it.

use serde_json::Value;

/// JSON types of botocore members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Json {
    /// `string` (and string enums).
    Str,
    /// `integer` and `long`.
    Int,
    /// `timestamp`: epoch seconds, possibly fractional.
    Num,
    /// `boolean`.
    Bool,
    /// `list`.
    List,
    /// `structure`.
    Object,
}

fn is(value: &Value, ty: Json) -> bool {
    match ty {
        Json::Str => value.is_string(),
        Json::Int => value.is_u64() || value.is_i64(),
        Json::Num => value.is_number(),
        Json::Bool => value.is_boolean(),
        Json::List => value.is_array(),
        Json::Object => value.is_object(),
    }
}

/// Panics naming every member of `table` that `shape` lacks or carries with the wrong type.
pub(crate) fn assert_members(what: &str, shape: &impl serde::Serialize, table: &[(&str, Json)]) {
    let value = serde_json::to_value(shape).expect("shapes serialise");
    let wrong: Vec<String> = table
        .iter()
        .filter(|(name, ty)| !value.get(name).is_some_and(|v| is(v, *ty)))
        .map(|(name, ty)| format!("{name} ({ty:?}): {:?}", value.get(name)))
        .collect();
    assert!(wrong.is_empty(), "{what} lacks or mistypes {wrong:?} in {value}");
}
