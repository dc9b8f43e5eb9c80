//! A field type for ECS fields that ecsd knows by name but does not implement yet.
//!
//! Declaring such fields (instead of letting them fall into "unknown field") gives users a
//! precise message: the field is real ECS, ecsd just cannot honour it yet. Empty values
//! (`null`, `[]`, `{}`, `false`) are accepted because they ask for nothing; ECS exports are
//! full of them.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Message used for every field that is ECS but not implemented yet.
pub const NOT_SUPPORTED: &str = "not supported yet by ecsd (remove the field or leave it empty)";

/// An ECS field that parses only when empty; anything else is rejected as not supported yet.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct NotSupported;

impl<'de> Deserialize<'de> for NotSupported {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(EmptyOnly)
    }
}

struct EmptyOnly;

impl<'de> Visitor<'de> for EmptyOnly {
    type Value = NotSupported;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(NOT_SUPPORTED)
    }
    fn visit_unit<E: de::Error>(self) -> Result<NotSupported, E> {
        Ok(NotSupported)
    }
    fn visit_none<E: de::Error>(self) -> Result<NotSupported, E> {
        Ok(NotSupported)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<NotSupported, E> {
        if v {
            Err(E::custom(NOT_SUPPORTED))
        } else {
            Ok(NotSupported)
        }
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NotSupported, A::Error> {
        match seq.next_element::<de::IgnoredAny>()? {
            None => Ok(NotSupported),
            Some(_) => Err(de::Error::custom(NOT_SUPPORTED)),
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NotSupported, A::Error> {
        match map.next_key::<de::IgnoredAny>()? {
            None => Ok(NotSupported),
            Some(_) => Err(de::Error::custom(NOT_SUPPORTED)),
        }
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<NotSupported, E> {
        Err(E::custom(NOT_SUPPORTED))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<NotSupported, E> {
        Err(E::custom(NOT_SUPPORTED))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<NotSupported, E> {
        Err(E::custom(NOT_SUPPORTED))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<NotSupported, E> {
        if v.is_empty() {
            Ok(NotSupported)
        } else {
            Err(E::custom(NOT_SUPPORTED))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_accepted_and_anything_else_is_not_supported() {
        for ok in ["null", "[]", "{}", "false", "\"\""] {
            assert!(serde_json::from_str::<NotSupported>(ok).is_ok(), "{ok}");
        }
        for bad in ["[1]", "{\"a\":1}", "true", "3", "\"x\""] {
            let err = serde_json::from_str::<NotSupported>(bad).unwrap_err();
            assert!(err.to_string().contains("not supported yet"), "{bad}: {err}");
        }
    }
}
