use super::*;

const MINUTE: u64 = 60_000;
/// 2026-01-01T00:00:00Z.
const T0: u64 = 1_767_225_600_000;

fn facts<'a>(schedule: &'a Schedule) -> ScheduleFacts<'a> {
    ScheduleFacts {
        schedule,
        state: ScheduleState::Enabled,
        policy: ConcurrencyPolicy::Allow,
        deadline_millis: None,
        anchor: T0,
        last_tick: None,
        active: false,
    }
}

fn every_five_minutes() -> Schedule {
    Schedule::parse("rate(5 minutes)", None).unwrap()
}

#[test]
fn a_rate_runs_at_its_start_and_then_waits_for_the_next_period() {
    let schedule = every_five_minutes();
    let run = Decision::Run {
        tick: T0,
        replace: false,
        passed_over: 0,
    };
    assert_eq!(decide(T0, &facts(&schedule)), run);
    let after = ScheduleFacts {
        last_tick: Some(T0),
        ..facts(&schedule)
    };
    assert_eq!(
        decide(T0 + MINUTE, &after),
        Decision::Wait {
            next: Some(T0 + 5 * MINUTE)
        }
    );
}

#[test]
fn a_cron_waits_for_its_first_due_time_after_the_anchor() {
    let schedule = Schedule::parse("cron(0 3 * * ? *)", None).unwrap();
    assert_eq!(
        decide(T0 + MINUTE, &facts(&schedule)),
        Decision::Wait {
            next: Some(T0 + 180 * MINUTE)
        }
    );
}

#[test]
fn a_handled_due_time_is_never_handled_again() {
    let schedule = every_five_minutes();
    let handled = ScheduleFacts {
        last_tick: Some(T0 + 5 * MINUTE),
        ..facts(&schedule)
    };
    assert!(matches!(decide(T0 + 5 * MINUTE, &handled), Decision::Wait { .. }));
}

#[test]
fn forbid_skips_a_due_time_while_the_previous_run_is_active() {
    let schedule = every_five_minutes();
    let busy = ScheduleFacts {
        policy: ConcurrencyPolicy::Forbid,
        active: true,
        last_tick: Some(T0),
        ..facts(&schedule)
    };
    assert_eq!(
        decide(T0 + 5 * MINUTE, &busy),
        Decision::Skip {
            tick: T0 + 5 * MINUTE
        }
    );
    let idle = ScheduleFacts {
        active: false,
        ..busy
    };
    assert!(matches!(
        decide(T0 + 5 * MINUTE, &idle),
        Decision::Run { replace: false, .. }
    ));
}

#[test]
fn replace_stops_the_active_run_and_allow_overlaps_it() {
    let schedule = every_five_minutes();
    let busy = ScheduleFacts {
        active: true,
        last_tick: Some(T0),
        ..facts(&schedule)
    };
    let replace = ScheduleFacts {
        policy: ConcurrencyPolicy::Replace,
        ..busy.clone()
    };
    assert!(matches!(
        decide(T0 + 5 * MINUTE, &replace),
        Decision::Run { replace: true, .. }
    ));
    assert!(matches!(
        decide(T0 + 5 * MINUTE, &busy),
        Decision::Run { replace: false, .. }
    ));
}

#[test]
fn after_downtime_only_the_most_recent_missed_due_time_runs_within_the_deadline() {
    let schedule = every_five_minutes();
    let down = ScheduleFacts {
        last_tick: Some(T0),
        deadline_millis: Some(2 * MINUTE),
        ..facts(&schedule)
    };
    // Down for an hour: due times at 5, 10, … 60 minutes passed; it is now 61 minutes.
    assert_eq!(
        decide(T0 + 61 * MINUTE, &down),
        Decision::Run {
            tick: T0 + 60 * MINUTE,
            replace: false,
            passed_over: 11
        }
    );
}

#[test]
fn after_downtime_beyond_the_deadline_the_due_times_are_missed_not_run() {
    let schedule = every_five_minutes();
    let down = ScheduleFacts {
        last_tick: Some(T0),
        deadline_millis: Some(MINUTE),
        ..facts(&schedule)
    };
    assert_eq!(
        decide(T0 + 63 * MINUTE, &down),
        Decision::Miss {
            tick: T0 + 60 * MINUTE,
            count: 12
        }
    );
}

#[test]
fn a_long_downtime_of_a_busy_schedule_finds_the_latest_due_time() {
    let schedule = Schedule::parse("rate(1 second)", None).unwrap();
    let down = ScheduleFacts {
        last_tick: Some(T0),
        ..facts(&schedule)
    };
    let now = T0 + 200_000_000;
    assert!(matches!(decide(now, &down), Decision::Run { tick, .. } if tick == now));
}

#[test]
fn a_disabled_schedule_never_fires() {
    let schedule = every_five_minutes();
    let disabled = ScheduleFacts {
        state: ScheduleState::Disabled,
        ..facts(&schedule)
    };
    assert_eq!(decide(T0 + 60 * MINUTE, &disabled), Decision::Wait { next: None });
}

#[test]
fn a_cron_enabled_again_waits_for_its_next_due_time_instead_of_catching_up() {
    let schedule = Schedule::parse("cron(0 3 * * ? *)", None).unwrap();
    let enabled_again = ScheduleFacts {
        last_tick: Some(T0 + 180 * MINUTE),
        anchor: T0 + 3 * 1_440 * MINUTE,
        ..facts(&schedule)
    };
    assert_eq!(
        decide(T0 + 3 * 1_440 * MINUTE + MINUTE, &enabled_again),
        Decision::Wait {
            next: Some(T0 + 3 * 1_440 * MINUTE + 180 * MINUTE)
        }
    );
}

#[test]
fn a_one_time_schedule_that_has_fired_waits_forever() {
    let schedule = Schedule::parse("at(2026-01-01T00:10:00)", None).unwrap();
    let f = facts(&schedule);
    assert!(matches!(decide(T0 + 10 * MINUTE, &f), Decision::Run { tick, .. } if tick == T0 + 10 * MINUTE));
    let fired = ScheduleFacts {
        last_tick: Some(T0 + 10 * MINUTE),
        ..f
    };
    assert_eq!(decide(T0 + 20 * MINUTE, &fired), Decision::Wait { next: None });
}
