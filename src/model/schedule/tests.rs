use super::*;
use proptest::prelude::*;

fn ms(rfc3339: &str) -> u64 {
    let at: Timestamp = rfc3339.parse().unwrap();
    u64::try_from(at.as_millisecond()).unwrap()
}

fn text(millis: u64) -> String {
    timestamp(millis).unwrap().to_string()
}

/// The next five firings of `expression` in `zone` after `after`, as RFC 3339 UTC text.
fn next_five(expression: &str, zone: &str, after: &str) -> Vec<String> {
    let schedule = Schedule::parse(expression, Some(zone)).unwrap();
    schedule
        .upcoming(ms(after), ms(after), 5)
        .into_iter()
        .map(text)
        .collect()
}

fn refusal(expression: &str) -> String {
    match Schedule::parse(expression, None) {
        Err(ScheduleError::InvalidExpression { reason, .. }) => reason,
        other => panic!("{expression} was not refused: {other:?}"),
    }
}

const JAN_2026: &str = "2026-01-01T00:00:00Z";

#[test]
fn weekday_evenings_fire_monday_to_friday_with_one_as_sunday() {
    assert_eq!(
        next_five("cron(0 18 ? * MON-FRI *)", "UTC", JAN_2026),
        [
            "2026-01-01T18:00:00Z",
            "2026-01-02T18:00:00Z",
            "2026-01-05T18:00:00Z",
            "2026-01-06T18:00:00Z",
            "2026-01-07T18:00:00Z"
        ]
    );
    assert_eq!(
        next_five("cron(0 18 ? * 2-6 *)", "UTC", JAN_2026),
        next_five("cron(0 18 ? * MON-FRI *)", "UTC", JAN_2026)
    );
}

#[test]
fn first_of_the_month_fires_monthly() {
    assert_eq!(
        next_five("cron(0 8 1 * ? *)", "UTC", JAN_2026),
        [
            "2026-01-01T08:00:00Z",
            "2026-02-01T08:00:00Z",
            "2026-03-01T08:00:00Z",
            "2026-04-01T08:00:00Z",
            "2026-05-01T08:00:00Z"
        ]
    );
}

#[test]
fn a_step_from_zero_fires_every_quarter_hour_strictly_after_the_start() {
    assert_eq!(
        next_five("cron(0/15 * * * ? *)", "UTC", JAN_2026),
        [
            "2026-01-01T00:15:00Z",
            "2026-01-01T00:30:00Z",
            "2026-01-01T00:45:00Z",
            "2026-01-01T01:00:00Z",
            "2026-01-01T01:15:00Z"
        ]
    );
}

#[test]
fn a_step_from_one_fires_at_one_eleven_twenty_one() {
    assert_eq!(
        next_five("cron(1/10 * * * ? *)", "UTC", JAN_2026)[..3],
        [
            "2026-01-01T00:01:00Z",
            "2026-01-01T00:11:00Z",
            "2026-01-01T00:21:00Z"
        ]
    );
}

#[test]
fn last_friday_of_the_month_within_a_year_range() {
    assert_eq!(
        next_five("cron(15 10 ? * 6L 2026-2027)", "UTC", JAN_2026),
        [
            "2026-01-30T10:15:00Z",
            "2026-02-27T10:15:00Z",
            "2026-03-27T10:15:00Z",
            "2026-04-24T10:15:00Z",
            "2026-05-29T10:15:00Z"
        ]
    );
    let schedule = Schedule::parse("cron(15 10 ? * 6L 2026-2027)", None).unwrap();
    assert_eq!(schedule.next_after(ms("2027-12-31T10:15:00Z"), 0), None);
}

#[test]
fn hash_names_the_nth_weekday_of_the_month() {
    assert_eq!(
        next_five("cron(0 9 ? * 2#1 *)", "UTC", JAN_2026),
        [
            "2026-01-05T09:00:00Z",
            "2026-02-02T09:00:00Z",
            "2026-03-02T09:00:00Z",
            "2026-04-06T09:00:00Z",
            "2026-05-04T09:00:00Z"
        ]
    );
    assert_eq!(
        next_five("cron(0 9 ? * TUE#5 *)", "UTC", JAN_2026)[..2],
        ["2026-03-31T09:00:00Z", "2026-06-30T09:00:00Z"]
    );
}

#[test]
fn w_moves_to_the_nearest_weekday_without_leaving_the_month() {
    // 2026-01-03 is a Saturday, 2026-05-03 a Sunday, 2026-08-01 a Saturday.
    assert_eq!(
        next_five("cron(0 12 3W * ? *)", "UTC", JAN_2026),
        [
            "2026-01-02T12:00:00Z",
            "2026-02-03T12:00:00Z",
            "2026-03-03T12:00:00Z",
            "2026-04-03T12:00:00Z",
            "2026-05-04T12:00:00Z"
        ]
    );
    assert_eq!(
        next_five("cron(0 12 1W 8 ? *)", "UTC", JAN_2026)[0],
        "2026-08-03T12:00:00Z"
    );
    // 2026-05-31 is a Sunday: the nearest weekday inside May is Friday the 29th.
    assert_eq!(
        next_five("cron(0 12 31W 5 ? *)", "UTC", JAN_2026)[0],
        "2026-05-29T12:00:00Z"
    );
}

#[test]
fn l_is_the_last_day_and_lw_the_last_weekday_of_the_month() {
    assert_eq!(
        next_five("cron(0 0 L * ? *)", "UTC", JAN_2026),
        [
            "2026-01-31T00:00:00Z",
            "2026-02-28T00:00:00Z",
            "2026-03-31T00:00:00Z",
            "2026-04-30T00:00:00Z",
            "2026-05-31T00:00:00Z"
        ]
    );
    assert_eq!(
        next_five("cron(0 0 LW * ? *)", "UTC", JAN_2026),
        [
            "2026-01-30T00:00:00Z",
            "2026-02-27T00:00:00Z",
            "2026-03-31T00:00:00Z",
            "2026-04-30T00:00:00Z",
            "2026-05-29T00:00:00Z"
        ]
    );
}

#[test]
fn l_alone_in_day_of_week_is_saturday() {
    assert_eq!(
        next_five("cron(0 10 ? * L *)", "UTC", JAN_2026)[..2],
        ["2026-01-03T10:00:00Z", "2026-01-10T10:00:00Z"]
    );
}

#[test]
fn the_29th_of_february_waits_for_a_leap_year() {
    assert_eq!(
        next_five("cron(0 0 29 FEB ? *)", "UTC", JAN_2026)[..2],
        ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"]
    );
}

#[test]
fn names_are_case_insensitive_and_ranges_may_wrap() {
    assert_eq!(
        next_five("cron(0 0 1 nov-feb ? *)", "UTC", JAN_2026)[..3],
        [
            "2026-02-01T00:00:00Z",
            "2026-11-01T00:00:00Z",
            "2026-12-01T00:00:00Z"
        ]
    );
    assert_eq!(
        next_five("cron(0 0 ? * FRI-MON *)", "UTC", JAN_2026)[..4],
        [
            "2026-01-02T00:00:00Z",
            "2026-01-03T00:00:00Z",
            "2026-01-04T00:00:00Z",
            "2026-01-05T00:00:00Z"
        ]
    );
}

#[test]
fn a_schedule_past_its_last_year_never_fires() {
    let schedule = Schedule::parse("cron(0 0 1 1 ? 2026-2027)", None).unwrap();
    assert_eq!(
        schedule
            .upcoming(ms(JAN_2026), 0, 5)
            .into_iter()
            .map(text)
            .collect::<Vec<_>>(),
        ["2027-01-01T00:00:00Z"]
    );
    let never = Schedule::parse("cron(0 0 31 2 ? *)", None).unwrap();
    assert_eq!(never.next_after(ms(JAN_2026), 0), None);
}

#[test]
fn the_time_zone_places_wall_clock_times() {
    assert_eq!(
        next_five("cron(0 3 * * ? *)", "Europe/Berlin", JAN_2026)[..2],
        ["2026-01-01T02:00:00Z", "2026-01-02T02:00:00Z"]
    );
}

#[test]
fn berlin_spring_forward_skips_the_wall_time_that_does_not_exist() {
    assert_eq!(
        next_five("cron(30 2 * * ? *)", "Europe/Berlin", "2026-03-28T00:00:00Z")[..2],
        ["2026-03-28T01:30:00Z", "2026-03-30T00:30:00Z"]
    );
}

#[test]
fn berlin_fall_back_runs_a_repeated_wall_time_once() {
    assert_eq!(
        next_five("cron(30 2 * * ? *)", "Europe/Berlin", "2026-10-24T12:00:00Z")[..2],
        ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]
    );
    // Every half hour: the repeated hour (02:00 and 02:30 CET) does not run a second time.
    assert_eq!(
        next_five("cron(0/30 * * * ? *)", "Europe/Berlin", "2026-10-24T23:45:00Z")[..4],
        [
            "2026-10-25T00:00:00Z",
            "2026-10-25T00:30:00Z",
            "2026-10-25T02:00:00Z",
            "2026-10-25T02:30:00Z"
        ]
    );
}

#[test]
fn new_york_skips_the_spring_gap_and_runs_the_fall_fold_once() {
    assert_eq!(
        next_five("cron(30 2 * * ? *)", "America/New_York", "2026-03-07T00:00:00Z")[..2],
        ["2026-03-07T07:30:00Z", "2026-03-09T06:30:00Z"]
    );
    assert_eq!(
        next_five("cron(30 1 * * ? *)", "America/New_York", "2026-10-31T12:00:00Z")[..2],
        ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]
    );
}

#[test]
fn rate_fires_at_its_start_then_every_period() {
    let schedule = Schedule::parse("rate(5 minutes)", None).unwrap();
    let start = ms(JAN_2026);
    assert_eq!(
        schedule
            .upcoming(start - 1, start, 3)
            .into_iter()
            .map(text)
            .collect::<Vec<_>>(),
        [
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:05:00Z",
            "2026-01-01T00:10:00Z"
        ]
    );
    assert_eq!(
        schedule.next_after(start + 7 * 60_000, start),
        Some(start + 10 * 60_000)
    );
    let day = Schedule::parse("rate(1 day)", Some("Europe/Berlin")).unwrap();
    assert_eq!(day.next_after(start, start), Some(start + 86_400_000));
}

#[test]
fn rate_in_seconds_is_an_ecsd_extension() {
    let schedule = Schedule::parse("rate(2 seconds)", None).unwrap();
    assert_eq!(schedule.next_after(10_500, 10_000), Some(12_000));
    assert!(Schedule::parse("rate(1 second)", None).is_ok());
}

#[test]
fn at_fires_once_at_its_wall_time() {
    let schedule = Schedule::parse("at(2026-12-24T18:00:00)", Some("Europe/Berlin")).unwrap();
    assert!(schedule.is_one_time());
    let at = ms("2026-12-24T17:00:00Z");
    assert_eq!(schedule.next_after(ms(JAN_2026), 0), Some(at));
    assert_eq!(schedule.next_after(at, 0), None);
    let skipped = Schedule::parse("at(2026-03-29T02:30:00)", Some("Europe/Berlin")).unwrap();
    assert_eq!(skipped.next_after(0, 0), None);
}

#[test]
fn day_of_month_and_day_of_week_cannot_both_be_set() {
    assert!(refusal("cron(0 18 * * MON-FRI *)").contains("one of them must be '?'"));
    assert!(refusal("cron(* * * * * *)").contains("one of them must be '?'"));
    assert!(refusal("cron(0 18 ? * ? *)").contains("only one"));
}

#[test]
fn every_broken_rule_is_refused_with_its_reason() {
    let cases = [
        ("cron(0 9 ? * 3#1,6#3 *)", "'#' allows only one expression"),
        ("cron(0 18 * * ?)", "expected 6 fields"),
        ("cron(0 18 * * ? * *)", "expected 6 fields"),
        (
            "cron(0 0 1 1 ? 2200)",
            "year value 2200 is out of range 1970-2199",
        ),
        ("cron(0 0 1 1 ? 1969)", "out of range"),
        ("cron(60 0 * * ? *)", "minutes value 60 is out of range 0-59"),
        ("cron(0 24 * * ? *)", "hours value 24"),
        ("cron(*/60 * * * ? *)", "minutes step 60"),
        ("cron(0/0 * * * ? *)", "minutes step 0"),
        ("cron(0/x * * * ? *)", "minutes step \"x\" is not a number"),
        ("cron(0 0 ? * 8 *)", "day-of-week value 8"),
        ("cron(0 0 ? * 0 *)", "day-of-week value 0"),
        ("cron(0 0 ? * 2#6 *)", "must be 1-5"),
        ("cron(0 0 32W * ? *)", "day-of-month value 32"),
        ("cron(0 0 1,LW * ? *)", "stand alone"),
        ("cron(0 0 ? * 1-6L *)", "stands alone"),
        ("cron(0 0 ? 13 ? *)", "only one"),
        ("cron(0 0 1 13 ? *)", "month value 13"),
        ("cron(0 0 1 JANUARY ? *)", "not a number or a name JAN-DEC"),
        ("cron(0 0 1 1 ? 2027-2026)", "runs backwards"),
        ("cron(a 0 1 1 ? *)", "minutes value \"a\" is not a number"),
        ("rate(1 minutes)", "must be written rate(1 minute)"),
        ("rate(5 minute)", "must be written rate(5 minutes)"),
        ("rate(0 minutes)", "not a positive integer"),
        ("rate(-1 minutes)", "not a positive integer"),
        ("rate(5 weeks)", "rate unit \"weeks\""),
        (
            "rate(18446744073709551615 days)",
            "rate value 18446744073709551615 is too large",
        ),
        ("rate(18446744073709551616 days)", "not a positive integer"),
        ("rate(5  minutes)", "expected rate(value unit)"),
        ("rate(5)", "expected rate(value unit)"),
        ("at(2026-12-24 18:00:00)", "expected at(yyyy-mm-ddThh:mm:ss)"),
        ("at(2026-02-30T00:00:00)", "at(2026-02-30T00:00:00)"),
        ("every 5 minutes", "expected cron(...), rate(...) or at(...)"),
        ("cron(0 0 * * ? *", "expected cron(...), rate(...) or at(...)"),
    ];
    for (expression, reason) in cases {
        let got = refusal(expression);
        assert!(got.contains(reason), "{expression}: {got:?} lacks {reason:?}");
    }
}

#[test]
fn an_expression_or_zone_longer_than_eventbridge_takes_is_refused_without_repeating_it_all() {
    // Fields may be set apart by several spaces: the length alone decides here.
    let padded = |spaces: usize| format!("cron(0{}0 * * ? *)", " ".repeat(spaces));
    assert_eq!(padded(240).chars().count(), MAX_EXPRESSION_LEN);
    assert!(Schedule::parse(&padded(240), None).is_ok());
    let err = Schedule::parse(&padded(241), None).unwrap_err().to_string();
    assert!(
        err.ends_with(": expected at most 256 characters, got 257"),
        "{err}"
    );
    assert!(err.len() < 150, "{err}");
    let zone = format!("Europe/{}", "B".repeat(60));
    let err = Schedule::parse("rate(5 minutes)", Some(&zone))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("Parameter ScheduleExpressionTimezone is not valid: \"Europe/BBB"),
        "{err}"
    );
    assert!(err.len() < 150, "{err}");
}

#[test]
fn refusals_use_eventbridges_wording() {
    let err = Schedule::parse("rate(5 minute)", None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Parameter ScheduleExpression is not valid: rate(5 minute): rate(5 minute) must be written rate(5 minutes)"
    );
    let err = Schedule::parse("rate(5 minutes)", Some("Mars/Olympus")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Parameter ScheduleExpressionTimezone is not valid: \"Mars/Olympus\" is not an IANA time zone name"
    );
}

#[test]
fn a_due_time_reads_as_wall_clock_time_in_its_zone() {
    assert_eq!(
        wall_clock(ms("2026-01-01T03:00:00Z"), "UTC"),
        "2026-01-01 03:00:00 UTC"
    );
    // The repeated hour of the fall-back is told apart by its abbreviation.
    assert_eq!(
        wall_clock(ms("2026-10-25T00:30:00Z"), "Europe/Berlin"),
        "2026-10-25 02:30:00 CEST"
    );
    assert_eq!(
        wall_clock(ms("2026-10-25T01:30:00Z"), "Europe/Berlin"),
        "2026-10-25 02:30:00 CET"
    );
    assert_eq!(wall_clock(1_500, "Mars/Olympus"), "1970-01-01 00:00:01 UTC");
}

const EXPRESSIONS: [&str; 10] = [
    "cron(0 18 ? * MON-FRI *)",
    "cron(0/15 * * * ? *)",
    "cron(30 2 * * ? *)",
    "cron(15 10 ? * 6L *)",
    "cron(0 9 ? * 2#1 *)",
    "cron(0 12 3W * ? *)",
    "cron(0 0 LW * ? *)",
    "cron(*/7 1-3 L * ? *)",
    "rate(7 minutes)",
    "rate(3 seconds)",
];
const ZONES: [&str; 4] = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"];

proptest! {
    #[test]
    fn next_firing_is_later_monotonic_and_stable(
        expression in 0..EXPRESSIONS.len(),
        zone in 0..ZONES.len(),
        after in 946_684_800_000u64..4_102_444_800_000,
        gap in 0u64..90 * 86_400_000,
    ) {
        let schedule = Schedule::parse(EXPRESSIONS[expression], Some(ZONES[zone])).unwrap();
        let anchor = 946_684_800_000;
        let next = schedule.next_after(after, anchor).unwrap();
        prop_assert!(next > after);
        // Nothing fires between `after` and `next`: asking from just before `next` finds it.
        prop_assert_eq!(schedule.next_after(next - 1, anchor), Some(next));
        let later = schedule.next_after(after + gap, anchor).unwrap();
        prop_assert!(later >= next);
    }
}
