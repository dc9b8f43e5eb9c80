//! Task-level sizes as ECS writes them: CPU units (`"256"`, `"0.25 vCPU"`) and memory
//! (`"512"`, `"1GB"`), read from strings or numbers and written back as ECS strings.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// CPU units, 1024 per core.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CpuUnits(pub u32);

/// Memory in MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mebibytes(pub u32);

/// Unit suffixes of task `cpu` (lowercase, without spaces) and how many CPU units each is.
const CPU_SUFFIXES: [(&str, f64); 2] = [("vcpu", 1024.0), ("cpu", 1024.0)];
/// Unit suffixes of task `memory`; ECS reads `GB` as GiB.
const MEMORY_SUFFIXES: [(&str, f64); 6] = [
    ("gib", 1024.0),
    ("gb", 1024.0),
    ("g", 1024.0),
    ("mib", 1.0),
    ("mb", 1.0),
    ("m", 1.0),
];

/// Parses `text` as a whole number, or a decimal followed by one of `suffixes`, into whole units.
fn parse_quantity(text: &str, suffixes: &[(&str, f64)], what: &str) -> Result<u32, String> {
    let trimmed = text.trim();
    if let Ok(n) = trimmed.parse::<u32>() {
        return Ok(n);
    }
    let compact: String = trimmed.to_lowercase().split_whitespace().collect();
    let invalid = || format!("invalid {what} {text:?}");
    let (number, scale) = suffixes
        .iter()
        .find_map(|(suffix, scale)| compact.strip_suffix(suffix).map(|n| (n, *scale)))
        .ok_or_else(invalid)?;
    let value = number.parse::<f64>().map_err(|_| invalid())? * scale;
    if !value.is_finite() || value < 0.0 || value > f64::from(u32::MAX) {
        return Err(invalid());
    }
    if value.fract() != 0.0 {
        return Err(format!("{text:?} is not a whole number of {what} units"));
    }
    // Checked above: finite, non-negative, integral and within u32.
    Ok(value as u32)
}

impl Serialize for CpuUnits {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl Serialize for Mebibytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CpuUnits {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let expecting = "CPU units such as 256 or \"256\", or vCPUs such as \"0.25 vCPU\"";
        deserializer
            .deserialize_any(QuantityVisitor {
                expecting,
                suffixes: &CPU_SUFFIXES,
                what: "cpu",
            })
            .map(CpuUnits)
    }
}

impl<'de> Deserialize<'de> for Mebibytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let expecting = "MiB such as 512 or \"512\", or \"1GB\"";
        deserializer
            .deserialize_any(QuantityVisitor {
                expecting,
                suffixes: &MEMORY_SUFFIXES,
                what: "memory",
            })
            .map(Mebibytes)
    }
}

struct QuantityVisitor {
    expecting: &'static str,
    suffixes: &'static [(&'static str, f64)],
    what: &'static str,
}

impl Visitor<'_> for QuantityVisitor {
    type Value = u32;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u32, E> {
        u32::try_from(v).map_err(|_| E::custom(format!("{} {v} is too large", self.what)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u32, E> {
        u32::try_from(v).map_err(|_| E::custom(format!("expected {}", self.expecting)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<u32, E> {
        parse_quantity(v, self.suffixes, self.what)
            .map_err(|why| E::custom(format!("{why}; expected {}", self.expecting)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(json: &str) -> Result<u32, String> {
        serde_json::from_str::<CpuUnits>(json)
            .map(|c| c.0)
            .map_err(|e| e.to_string())
    }

    fn memory(json: &str) -> Result<u32, String> {
        serde_json::from_str::<Mebibytes>(json)
            .map(|m| m.0)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn task_cpu_reads_units_as_numbers_or_strings_and_vcpus() {
        assert_eq!(cpu("256"), Ok(256));
        assert_eq!(cpu("\"512\""), Ok(512));
        assert_eq!(cpu("\"0.25 vCPU\""), Ok(256));
        assert_eq!(cpu("\"1 vCPU\""), Ok(1024));
        assert_eq!(cpu("\"2vcpu\""), Ok(2048));
    }

    #[test]
    fn task_cpu_rejects_fractions_of_a_unit_and_garbage() {
        assert!(cpu("\"0.0001 vCPU\"").unwrap_err().contains("not a whole number"));
        assert!(cpu("\"lots\"").unwrap_err().contains("invalid cpu"));
        assert!(cpu("-1").is_err());
    }

    #[test]
    fn task_memory_reads_mib_and_gb_as_gib() {
        assert_eq!(memory("512"), Ok(512));
        assert_eq!(memory("\"512\""), Ok(512));
        assert_eq!(memory("\"1GB\""), Ok(1024));
        assert_eq!(memory("\"0.5 GB\""), Ok(512));
        assert_eq!(memory("\"2 GiB\""), Ok(2048));
        assert_eq!(memory("\"300 MiB\""), Ok(300));
        assert!(memory("\"1 TB\"").is_err());
        assert!(
            memory("\"0.0001 GB\"")
                .unwrap_err()
                .contains("not a whole number")
        );
    }

    #[test]
    fn task_sizes_are_written_back_as_ecs_strings() {
        assert_eq!(serde_json::to_string(&CpuUnits(256)).unwrap(), "\"256\"");
        assert_eq!(serde_json::to_string(&Mebibytes(1024)).unwrap(), "\"1024\"");
    }
}
