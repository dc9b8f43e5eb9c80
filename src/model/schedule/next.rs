//! When a cron expression fires next, in a time zone, with EventBridge Scheduler's DST rules.
//!
//! Candidates are walked in local wall-clock order. A wall time that does not exist (the hour
//! skipped when clocks spring forward) is skipped; a wall time that happens twice (the hour
//! repeated when clocks fall back) fires once, at its first occurrence. Mapping each wall time
//! to its first occurrence keeps the instants ascending, so the first candidate later than
//! `after` is the answer.

use super::cron::{CronExpression, DayRule, MAX_YEAR};
use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};

/// The first firing strictly after `after`, or `None` when there is none before 2200.
pub fn next_cron(cron: &CronExpression, after: Timestamp, zone: &TimeZone) -> Option<Timestamp> {
    let start = after.to_zoned_datetime(zone.clone()).datetime();
    let mut date = start.date();
    let mut first_day = true;
    loop {
        let year = u16::try_from(date.year()).ok()?;
        if year > MAX_YEAR {
            return None;
        }
        let month = u16::try_from(date.month()).ok()?;
        if !cron.years.contains(year) {
            date = jiff::civil::date(date.year().checked_add(1)?, 1, 1);
        } else if !cron.months.contains(month) {
            date = date.last_of_month().tomorrow().ok()?;
        } else {
            if days_match(&cron.days, date) {
                let from = first_day.then(|| start.time());
                if let Some(found) = first_in_day(cron, date, from, after, zone) {
                    return Some(found);
                }
            }
            date = date.tomorrow().ok()?;
        }
        first_day = false;
    }
}

/// The first firing on `date` (from the wall time `from`, if given) later than `after`.
fn first_in_day(
    cron: &CronExpression,
    date: Date,
    from: Option<jiff::civil::Time>,
    after: Timestamp,
    zone: &TimeZone,
) -> Option<Timestamp> {
    let (from_hour, from_minute) = from.map_or((0, 0), |t| (t.hour(), t.minute()));
    for hour in cron.hours.from(u16::try_from(from_hour).unwrap_or(0)) {
        let minute_floor = if i8::try_from(hour).ok() == Some(from_hour) {
            u16::try_from(from_minute).unwrap_or(0)
        } else {
            0
        };
        for minute in cron.minutes.from(minute_floor) {
            let wall = date.at(i8::try_from(hour).ok()?, i8::try_from(minute).ok()?, 0, 0);
            match first_occurrence(wall, zone) {
                Some(at) if at > after => return Some(at),
                _ => {}
            }
        }
    }
    None
}

/// The instant a wall time first happens in `zone`; `None` when the wall time is skipped.
pub fn first_occurrence(wall: DateTime, zone: &TimeZone) -> Option<Timestamp> {
    let offset = match zone.to_ambiguous_timestamp(wall).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset,
        AmbiguousOffset::Fold { before, .. } => before,
        AmbiguousOffset::Gap { .. } => return None,
    };
    offset.to_timestamp(wall).ok()
}

/// Whether `date` is one of the days `rule` fires on.
pub fn days_match(rule: &DayRule, date: Date) -> bool {
    let day = date.day();
    let last = date.days_in_month();
    let weekday = date.weekday();
    match rule {
        DayRule::MonthDays(days) => days.contains(u16::try_from(day).unwrap_or(0)),
        DayRule::LastDayOfMonth => day == last,
        DayRule::LastWeekdayOfMonth => day == nearest_weekday(date, last),
        DayRule::NearestWeekday(target) => {
            let target = i8::try_from(*target).unwrap_or(i8::MAX);
            target <= last && day == nearest_weekday(date, target)
        }
        DayRule::WeekDays(days) => days.contains(sunday_one(weekday)),
        DayRule::LastWeekdayInMonth(wanted) => sunday_one(weekday) == u16::from(*wanted) && day + 7 > last,
        DayRule::NthWeekdayInMonth { weekday: wanted, nth } => {
            sunday_one(weekday) == u16::from(*wanted) && (day - 1) / 7 + 1 == i8::try_from(*nth).unwrap_or(0)
        }
    }
}

/// The Monday–Friday day of `date`'s month nearest day `target`, never crossing into another
/// month (Quartz's `W`: a Saturday 1st moves to Monday 3rd, a Sunday last day to Friday).
fn nearest_weekday(date: Date, target: i8) -> i8 {
    let last = date.days_in_month();
    let Ok(at) = date.with().day(target).build() else {
        return target;
    };
    match at.weekday() {
        Weekday::Saturday if target == 1 => 3,
        Weekday::Saturday => target - 1,
        Weekday::Sunday if target == last => target - 2,
        Weekday::Sunday => target + 1,
        _ => target,
    }
}

fn sunday_one(weekday: Weekday) -> u16 {
    u16::try_from(weekday.to_sunday_one_offset()).unwrap_or(0)
}
