//! Schedule expressions as EventBridge Scheduler defines them — `cron(...)`, `rate(...)`,
//! `at(...)` — in an IANA time zone, and when they fire next.
//!
//! Pure: text in, a validated `Schedule` or EventBridge's validation message out; instants
//! (Unix milliseconds) in, the next firing out. `rate(N seconds)` is an ecsd extension (AWS's
//! smallest rate is one minute) so short schedules can be tried and tested.

mod cron;
mod next;
mod values;

pub use cron::{CronExpression, DayRule, MAX_YEAR, MIN_YEAR};
pub use values::Values;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// The time zone of a schedule that names none.
pub const DEFAULT_TIMEZONE: &str = "UTC";
/// The longest expression EventBridge takes (`ScheduleExpression`, at most 256 characters).
pub const MAX_EXPRESSION_LEN: usize = 256;
/// The longest zone name EventBridge Scheduler takes (`ScheduleExpressionTimezone`).
pub const MAX_TIMEZONE_LEN: usize = 50;
/// How much of an over-long expression or zone a refusal repeats.
const ECHOED_CHARS: usize = 40;

/// Why a schedule expression or time zone was refused, in EventBridge's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The expression does not parse or breaks one of EventBridge's rules.
    #[error("Parameter ScheduleExpression is not valid: {expression}: {reason}")]
    InvalidExpression {
        /// The expression as written.
        expression: String,
        /// Which rule it breaks.
        reason: String,
    },
    /// The time zone is not an IANA name ecsd knows.
    #[error("Parameter ScheduleExpressionTimezone is not valid: {zone:?} is not an IANA time zone name")]
    InvalidTimezone {
        /// The name as written.
        zone: String,
    },
}

/// What an expression says, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleExpression {
    /// `cron(min hour day-of-month month day-of-week year)`.
    Cron(CronExpression),
    /// `rate(value unit)`: every so many milliseconds from the schedule's start.
    Rate {
        /// The period in milliseconds.
        every_millis: u64,
    },
    /// `at(yyyy-mm-ddThh:mm:ss)`: once, at that wall time.
    At(DateTime),
}

/// A validated expression in its time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    expression: ScheduleExpression,
    zone: TimeZone,
}

impl Schedule {
    /// Parses `expression` in the IANA time zone `zone` (`UTC` when `None`).
    pub fn parse(expression: &str, zone: Option<&str>) -> Result<Self, ScheduleError> {
        let zone_name = zone.unwrap_or(DEFAULT_TIMEZONE);
        let zone = (zone_name.chars().count() <= MAX_TIMEZONE_LEN)
            .then(|| TimeZone::get(zone_name).ok())
            .flatten()
            .ok_or_else(|| ScheduleError::InvalidTimezone {
                zone: echoed(zone_name),
            })?;
        let length = expression.chars().count();
        if length > MAX_EXPRESSION_LEN {
            return Err(ScheduleError::InvalidExpression {
                expression: echoed(expression),
                reason: format!("expected at most {MAX_EXPRESSION_LEN} characters, got {length}"),
            });
        }
        let expression = parse_expression(expression).map_err(|reason| ScheduleError::InvalidExpression {
            expression: expression.to_string(),
            reason,
        })?;
        Ok(Self { expression, zone })
    }

    /// What the expression says.
    pub fn expression(&self) -> &ScheduleExpression {
        &self.expression
    }

    /// Whether the schedule fires at most once (`at(...)`).
    pub fn is_one_time(&self) -> bool {
        matches!(self.expression, ScheduleExpression::At(_))
    }

    /// The first firing strictly after `after_millis`; `anchor_millis` is when a `rate`
    /// schedule started (its first firing). `None` when the schedule never fires again.
    pub fn next_after(&self, after_millis: u64, anchor_millis: u64) -> Option<u64> {
        match &self.expression {
            ScheduleExpression::Rate { every_millis } => {
                if after_millis < anchor_millis {
                    return Some(anchor_millis);
                }
                let periods = (after_millis - anchor_millis) / every_millis + 1;
                anchor_millis.checked_add(periods.checked_mul(*every_millis)?)
            }
            ScheduleExpression::Cron(cron) => {
                let found = next::next_cron(cron, timestamp(after_millis)?, &self.zone)?;
                u64::try_from(found.as_millisecond()).ok()
            }
            ScheduleExpression::At(wall) => {
                let at = next::first_occurrence(*wall, &self.zone)?;
                u64::try_from(at.as_millisecond())
                    .ok()
                    .filter(|at| *at > after_millis)
            }
        }
    }

    /// The next `count` firings after `after_millis` (fewer if the schedule ends).
    pub fn upcoming(&self, after_millis: u64, anchor_millis: u64, count: usize) -> Vec<u64> {
        let mut fires = Vec::with_capacity(count);
        let mut cursor = after_millis;
        while fires.len() < count {
            let Some(next) = self.next_after(cursor, anchor_millis) else {
                break;
            };
            fires.push(next);
            cursor = next;
        }
        fires
    }
}

/// `text` as a refusal repeats it: whole, or its start when it is longer than anything valid.
fn echoed(text: &str) -> String {
    match text.char_indices().nth(ECHOED_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// `millis` as a wall-clock time in the IANA zone `zone` with the zone's abbreviation, as a
/// person reads a due time (`2026-10-25 02:30:00 CEST`); UTC when the zone is unknown.
pub fn wall_clock(millis: u64, zone: &str) -> String {
    let zone = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    timestamp(millis)
        .and_then(|at| jiff::fmt::strtime::format("%Y-%m-%d %H:%M:%S %Z", &at.to_zoned_datetime(zone)).ok())
        .unwrap_or_else(|| format!("{millis} ms after the Unix epoch"))
}

fn timestamp(millis: u64) -> Option<Timestamp> {
    Timestamp::from_millisecond(i64::try_from(millis).ok()?).ok()
}

/// Parses the text of an expression; the error says which rule it breaks.
fn parse_expression(text: &str) -> Result<ScheduleExpression, String> {
    let inner = |prefix: &str| text.strip_prefix(prefix).and_then(|rest| rest.strip_suffix(')'));
    if let Some(fields) = inner("cron(") {
        cron::parse_cron(fields).map(ScheduleExpression::Cron)
    } else if let Some(rate) = inner("rate(") {
        parse_rate(rate).map(|every_millis| ScheduleExpression::Rate { every_millis })
    } else if let Some(at) = inner("at(") {
        parse_at(at).map(ScheduleExpression::At)
    } else {
        Err("expected cron(...), rate(...) or at(...)".into())
    }
}

/// `value unit`, singular unit for 1 and plural otherwise; returns the period in milliseconds.
fn parse_rate(text: &str) -> Result<u64, String> {
    let parts: Vec<&str> = text.split(' ').collect();
    let [value, unit] = parts.as_slice() else {
        return Err("expected rate(value unit), e.g. rate(5 minutes)".into());
    };
    let value: u64 = value
        .parse()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("rate value {value:?} is not a positive integer"))?;
    let (singular, seconds) = match *unit {
        "second" | "seconds" => ("second", 1),
        "minute" | "minutes" => ("minute", 60),
        "hour" | "hours" => ("hour", 3_600),
        "day" | "days" => ("day", 86_400),
        other => {
            return Err(format!(
                "rate unit {other:?} is not one of minute(s), hour(s), day(s) (or the ecsd extension second(s))"
            ));
        }
    };
    let plural = *unit != singular;
    if plural == (value == 1) {
        let expected = if value == 1 {
            singular.to_string()
        } else {
            format!("{singular}s")
        };
        return Err(format!(
            "rate({value} {unit}) must be written rate({value} {expected})"
        ));
    }
    value
        .checked_mul(seconds * 1_000)
        .ok_or_else(|| format!("rate value {value} is too large"))
}

/// `yyyy-mm-ddThh:mm:ss`, exactly.
fn parse_at(text: &str) -> Result<DateTime, String> {
    let shape_ok = text.len() == 19
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(format!("at({text}): expected at(yyyy-mm-ddThh:mm:ss)"));
    }
    text.parse::<DateTime>().map_err(|e| format!("at({text}): {e}"))
}

#[cfg(test)]
mod tests;
