//! The values ordered subjects are compared with: `registeredAt` dates and `agentVersion`
//! version numbers.

use std::time::UNIX_EPOCH;

/// Milliseconds since the epoch of a date in one of the forms ECS documents for
/// `registeredAt`: `2018-06-18T22:28:28+00:00`, `2018-06-18T22:28:28Z`, `2018-06-18T22:28:28`
/// (UTC) or `2018-06-18` (midnight UTC).
pub fn parse_instant(text: &str) -> Option<u64> {
    let (local, offset_minutes) = split_offset(text)?;
    let full = if local.contains('T') {
        local.to_string()
    } else {
        format!("{local}T00:00:00")
    };
    let at = humantime::parse_rfc3339_weak(&full).ok()?;
    let millis = i64::try_from(at.duration_since(UNIX_EPOCH).ok()?.as_millis()).ok()?;
    u64::try_from(millis - offset_minutes * 60_000).ok()
}

/// The local part of a timestamp and its UTC offset in minutes (`Z` or none: 0).
fn split_offset(text: &str) -> Option<(&str, i64)> {
    if let Some(local) = text.strip_suffix('Z') {
        return Some((local, 0));
    }
    let Some((_, time)) = text.split_once('T') else {
        return Some((text, 0));
    };
    let Some(at) = time.rfind(['+', '-']) else {
        return Some((text, 0));
    };
    let (hours, minutes) = time[at + 1..].split_once(':')?;
    let magnitude = hours.parse::<i64>().ok()? * 60 + minutes.parse::<i64>().ok()?;
    let sign = if time[at..].starts_with('-') { -1 } else { 1 };
    Some((&text[..text.len() - time.len() + at], sign * magnitude))
}

/// The numbers of a dotted version (`1.4.0` → `[1, 4, 0]`), a leading `v` allowed.
pub fn parse_version(text: &str) -> Option<Vec<u64>> {
    text.trim_start_matches('v')
        .split('.')
        .map(|part| part.parse().ok())
        .collect()
}
