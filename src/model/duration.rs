//! Durations that ECS gives in integer seconds, also accepted as humantime strings (`30s`, `2m`).

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::time::Duration;

/// Whole seconds; reads `30` or `"30s"`, writes `30`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Seconds(pub u64);

impl Seconds {
    /// As a `Duration`.
    pub fn duration(self) -> Duration {
        Duration::from_secs(self.0)
    }
}

impl Serialize for Seconds {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SecondsVisitor)
    }
}

struct SecondsVisitor;

impl Visitor<'_> for SecondsVisitor {
    type Value = Seconds;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("whole seconds (e.g. 30) or a duration such as \"30s\" or \"2m\"")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Seconds, E> {
        Ok(Seconds(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Seconds, E> {
        u64::try_from(v)
            .map(Seconds)
            .map_err(|_| E::custom("expected a duration of zero seconds or more"))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Seconds, E> {
        if let Ok(n) = v.trim().parse::<u64>() {
            return Ok(Seconds(n));
        }
        let d = humantime::parse_duration(v.trim())
            .map_err(|e| E::custom(format!("invalid duration {v:?}: {e} (e.g. 30 or \"30s\")")))?;
        if d.subsec_nanos() != 0 {
            return Err(E::custom(format!("{v:?} is not a whole number of seconds")));
        }
        Ok(Seconds(d.as_secs()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_humantime_strings_are_both_seconds() {
        assert_eq!(serde_json::from_str::<Seconds>("30").unwrap(), Seconds(30));
        assert_eq!(serde_json::from_str::<Seconds>("\"2m\"").unwrap(), Seconds(120));
        assert_eq!(serde_json::from_str::<Seconds>("\"45\"").unwrap(), Seconds(45));
        assert!(serde_json::from_str::<Seconds>("\"1500ms\"").is_err());
        assert!(serde_json::from_str::<Seconds>("-1").is_err());
        assert_eq!(serde_json::to_string(&Seconds(5)).unwrap(), "5");
    }
}
