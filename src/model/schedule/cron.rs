//! Parsing EventBridge's six-field `cron(min hour day-of-month month day-of-week year)`.
//!
//! The grammar is EventBridge's (Quartz-derived): `,` `-` `*` `/` in every field, `?` `L` `W`
//! in day-of-month, `?` `L` `#` in day-of-week, 1 = Sunday, JAN–DEC and SUN–SAT names.

use super::values::Values;

/// The days a cron expression fires on: exactly one of day-of-month and day-of-week is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayRule {
    /// Day-of-month values (1–31); day-of-week is `?`.
    MonthDays(Values),
    /// `L` in day-of-month: the last day of the month.
    LastDayOfMonth,
    /// `LW` in day-of-month: the last weekday (Monday–Friday) of the month.
    LastWeekdayOfMonth,
    /// `nW` in day-of-month: the weekday nearest day n, within the month.
    NearestWeekday(u8),
    /// Day-of-week values (1 = Sunday … 7 = Saturday); day-of-month is `?`.
    WeekDays(Values),
    /// `nL` in day-of-week: the last such weekday of the month.
    LastWeekdayInMonth(u8),
    /// `n#k` in day-of-week: the k-th such weekday of the month.
    NthWeekdayInMonth {
        /// 1 = Sunday … 7 = Saturday.
        weekday: u8,
        /// 1–5.
        nth: u8,
    },
}

/// A parsed, validated cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronExpression {
    /// Minutes 0–59.
    pub minutes: Values,
    /// Hours 0–23.
    pub hours: Values,
    /// Which days of a month fire.
    pub days: DayRule,
    /// Months 1–12.
    pub months: Values,
    /// Years 1970–2199.
    pub years: Values,
}

/// Lowest year a cron expression may name.
pub const MIN_YEAR: u16 = 1970;
/// Highest year a cron expression may name.
pub const MAX_YEAR: u16 = 2199;

const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// How one field reads its values.
struct FieldSpec {
    name: &'static str,
    min: u16,
    max: u16,
    names: &'static [&'static str],
    ranges_wrap: bool,
}

const MINUTES: FieldSpec = FieldSpec::plain("minutes", 0, 59);
const HOURS: FieldSpec = FieldSpec::plain("hours", 0, 23);
const DAY_OF_MONTH: FieldSpec = FieldSpec::plain("day-of-month", 1, 31);
const MONTH: FieldSpec = FieldSpec {
    names: &MONTH_NAMES,
    ..FieldSpec::plain("month", 1, 12)
};
const DAY_OF_WEEK: FieldSpec = FieldSpec {
    names: &DAY_NAMES,
    ..FieldSpec::plain("day-of-week", 1, 7)
};
const YEAR: FieldSpec = FieldSpec {
    ranges_wrap: false,
    ..FieldSpec::plain("year", MIN_YEAR, MAX_YEAR)
};

impl FieldSpec {
    const fn plain(name: &'static str, min: u16, max: u16) -> Self {
        Self {
            name,
            min,
            max,
            names: &[],
            ranges_wrap: true,
        }
    }

    fn value(&self, text: &str) -> Result<u16, String> {
        let upper = text.to_ascii_uppercase();
        let named = self.names.iter().position(|n| *n == upper);
        let value = match named {
            Some(index) => u16::try_from(index).map_err(|e| e.to_string())? + self.min,
            None => text
                .parse::<u16>()
                .map_err(|_| format!("{} value {text:?} is not a number{}", self.name, self.name_hint()))?,
        };
        if value < self.min || value > self.max {
            return Err(format!(
                "{} value {value} is out of range {}-{}",
                self.name, self.min, self.max
            ));
        }
        Ok(value)
    }

    fn name_hint(&self) -> String {
        match (self.names.first(), self.names.last()) {
            (Some(first), Some(last)) => format!(" or a name {first}-{last}"),
            _ => String::new(),
        }
    }

    /// One comma-separated item: `*`, `a`, `a-b`, each optionally `/step`.
    fn item(&self, item: &str, values: &mut Values) -> Result<(), String> {
        let (base, step) = match item.split_once('/') {
            Some((base, step)) => (base, Some(self.step(step)?)),
            None => (item, None),
        };
        let (start, end) = if base == "*" {
            (self.min, self.max)
        } else if let Some((a, b)) = base.split_once('-') {
            (self.value(a)?, self.value(b)?)
        } else {
            let start = self.value(base)?;
            // `a/step` runs from a to the end of the field; a lone value is just itself.
            (start, if step.is_some() { self.max } else { start })
        };
        if start > end && !self.ranges_wrap {
            return Err(format!("{} range {start}-{end} runs backwards", self.name));
        }
        let span = if start <= end {
            end - start
        } else {
            self.max - start + 1 + end - self.min
        };
        let step = step.unwrap_or(1);
        let mut offset = 0;
        while offset <= span {
            let value = start + offset;
            values.insert(if value > self.max {
                value - self.max - 1 + self.min
            } else {
                value
            });
            offset += step;
        }
        Ok(())
    }

    fn step(&self, text: &str) -> Result<u16, String> {
        let step: u16 = text
            .parse()
            .map_err(|_| format!("{} step {text:?} is not a number", self.name))?;
        if step == 0 || step > self.max - self.min {
            return Err(format!(
                "{} step {step} is out of range 1-{}",
                self.name,
                self.max - self.min
            ));
        }
        Ok(step)
    }

    fn list(&self, text: &str) -> Result<Values, String> {
        let mut values = Values::default();
        for item in text.split(',') {
            self.item(item, &mut values)?;
        }
        Ok(values)
    }
}

/// Parses the six fields inside `cron(...)`; the error says which rule was broken.
pub fn parse_cron(fields: &str) -> Result<CronExpression, String> {
    let parts: Vec<&str> = fields.split_whitespace().collect();
    let [minutes, hours, dom, month, dow, year] = parts.as_slice() else {
        return Err(format!(
            "expected 6 fields (minutes hours day-of-month month day-of-week year), got {}",
            parts.len()
        ));
    };
    Ok(CronExpression {
        minutes: MINUTES.list(minutes)?,
        hours: HOURS.list(hours)?,
        days: parse_days(dom, dow)?,
        months: MONTH.list(month)?,
        years: YEAR.list(year)?,
    })
}

fn parse_days(dom: &str, dow: &str) -> Result<DayRule, String> {
    match (dom == "?", dow == "?") {
        (true, true) => Err("only one of day-of-month and day-of-week may be '?'".into()),
        (false, false) => {
            Err("day-of-month and day-of-week cannot both be specified: one of them must be '?'".into())
        }
        (false, true) => parse_day_of_month(dom),
        (true, false) => parse_day_of_week(dow),
    }
}

fn parse_day_of_month(text: &str) -> Result<DayRule, String> {
    match text.to_ascii_uppercase().as_str() {
        "L" => Ok(DayRule::LastDayOfMonth),
        "LW" => Ok(DayRule::LastWeekdayOfMonth),
        upper if upper.contains(['L', 'W']) && upper.contains([',', '-', '/', '*']) => Err(format!(
            "day-of-month {text:?}: 'L', 'LW' and 'nW' stand alone, not in a list or range"
        )),
        upper => match upper.strip_suffix('W') {
            Some(day) => Ok(DayRule::NearestWeekday(small(DAY_OF_MONTH.value(day)?))),
            None => Ok(DayRule::MonthDays(DAY_OF_MONTH.list(text)?)),
        },
    }
}

fn parse_day_of_week(text: &str) -> Result<DayRule, String> {
    if text.contains('#') {
        if text.contains(',') {
            return Err(format!(
                "day-of-week {text:?}: '#' allows only one expression, not a list"
            ));
        }
        let (day, nth) = text.split_once('#').unwrap_or((text, ""));
        let nth: u8 = nth
            .parse()
            .ok()
            .filter(|n| (1..=5).contains(n))
            .ok_or_else(|| format!("day-of-week {text:?}: the number after '#' must be 1-5"))?;
        return Ok(DayRule::NthWeekdayInMonth {
            weekday: small(DAY_OF_WEEK.value(day)?),
            nth,
        });
    }
    let upper = text.to_ascii_uppercase();
    if upper == "L" {
        // `L` alone is the last day of the week: Saturday.
        return Ok(DayRule::WeekDays(DAY_OF_WEEK.list("7")?));
    }
    if let Some(day) = upper.strip_suffix('L') {
        if day.contains([',', '-', '/', '*']) {
            return Err(format!(
                "day-of-week {text:?}: 'nL' stands alone, not in a list or range"
            ));
        }
        return Ok(DayRule::LastWeekdayInMonth(small(DAY_OF_WEEK.value(day)?)));
    }
    Ok(DayRule::WeekDays(DAY_OF_WEEK.list(text)?))
}

/// Day numbers are at most 31, so they fit a byte.
fn small(value: u16) -> u8 {
    u8::try_from(value).unwrap_or(u8::MAX)
}
