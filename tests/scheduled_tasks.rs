//! Scheduled tasks against a real engine: a short `rate` schedule runs its task again and
//! again with each outcome recorded; `Forbid` skips a due time while a run is still going,
//! and `ecsd events` says so; DISABLED and delete stop the runs.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{Daemon, manifest};
use ecsd::model::fixtures::{Manifests, schedule, shell_container, with_containers};
use ecsd::model::{ConcurrencyPolicy, ScheduleState, ScheduledTaskSpec};
use serde_json::Value;
use std::time::Duration;

/// A task definition `job` running `script`, and the schedule `every` running it.
fn job_and_schedule(script: &str, spec: ScheduledTaskSpec) -> String {
    Manifests::new()
        .task_definition(
            "job",
            with_containers(vec![shell_container("main", "busybox:latest", script)]),
        )
        .scheduled_task("every", spec)
        .yaml()
}

fn runs(d: &Daemon) -> Vec<Value> {
    d.json(&["get", "scheduledtask", "every"])["runs"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn count(runs: &[Value], outcome: &str) -> usize {
    runs.iter().filter(|r| r["outcome"] == outcome).count()
}

on_both_engines! {
    fn a_rate_schedule_runs_its_task_repeatedly_until_disabled_then_deleted(d) {
        let path = manifest(d, "every.yaml", &job_and_schedule("exit 3", schedule("rate(2 seconds)", "job")));
        d.apply(&path);
        d.wait_until("three finished runs", 60, |d| count(&runs(d), "FAILED") >= 3);
        let failed: Vec<Value> = runs(d).into_iter().filter(|r| r["outcome"] == "FAILED").collect();
        assert_eq!(failed[0]["exitCodes"], serde_json::json!([3]), "{failed:?}");
        let table = d.ok(&["get", "st"]);
        assert!(table.contains("rate(2 seconds)") && table.contains("ENABLED"), "{table}");
        // RESULT is the latest run's: finished, or the next one already going.
        assert!(table.contains("FAILED") || table.contains("RUNNING"), "{table}");
        let described = d.ok(&["describe", "scheduledtask", "every"]);
        assert!(described.contains("Next runs:") && described.contains("FAILED"), "{described}");

        let disabled = ScheduledTaskSpec {
            state: ScheduleState::Disabled,
            ..schedule("rate(2 seconds)", "job")
        };
        std::fs::write(&path, job_and_schedule("exit 3", disabled)).unwrap();
        d.apply(&path);
        let before = runs(d).len();
        // A negative: nothing may start within a window of several periods.
        std::thread::sleep(Duration::from_secs(6));
        assert_eq!(runs(d).len(), before, "a DISABLED schedule started a run");

        d.ok(&["delete", "scheduledtask", "every"]);
        let (code, _) = d.exit_and_stdout(&["get", "scheduledtask", "every"]);
        assert_ne!(code, 0, "the schedule is still there after delete");
    }

    fn forbid_skips_a_due_time_while_the_previous_run_is_still_going(d) {
        let spec = ScheduledTaskSpec {
            concurrency_policy: ConcurrencyPolicy::Forbid,
            ..schedule("rate(2 seconds)", "job")
        };
        d.apply(&manifest(d, "every.yaml", &job_and_schedule("sleep 5", spec)));
        d.wait_until("a skipped due time", 60, |d| count(&runs(d), "SKIPPED") >= 1);
        let runs = runs(d);
        let skipped = runs.iter().find(|r| r["outcome"] == "SKIPPED").unwrap();
        assert!(skipped["message"].as_str().unwrap().contains("Forbid"), "{skipped}");
        let started: usize = runs.iter().map(|r| r["taskIds"].as_array().map_or(0, Vec::len)).sum();
        assert_eq!(started, runs.len() - count(&runs, "SKIPPED"), "{runs:?}");
        // The skip is an event, under the schedule, with its due time and why.
        let said = "(scheduled task every) skipped the run due at ";
        let events = d.ok(&["events", "scheduledtask/every"]);
        let line = events.lines().find(|l| l.contains(said)).unwrap_or_else(|| panic!("{events}"));
        assert!(line.contains("scheduled:every") && line.contains("UTC: the previous run is still active (concurrencyPolicy Forbid)."), "{line}");
        assert!(d.ok(&["events"]).contains(said), "every source's events include the schedule's");
        let (code, _) = d.exit_and_stdout(&["events", "st/nope"]);
        assert_ne!(code, 0, "events of an unknown schedule are an error");
        d.ok(&["delete", "scheduledtask", "every"]);
    }

    fn schedule_run_fires_now_even_when_disabled_and_enable_disable_switch_the_state(d) {
        let spec = ScheduledTaskSpec {
            state: ScheduleState::Disabled,
            ..schedule("rate(1 hour)", "job")
        };
        d.apply(&manifest(d, "every.yaml", &job_and_schedule("exit 0", spec)));
        let out = d.ok(&["schedule", "run", "every"]);
        assert!(out.contains("run requested"), "{out}");
        d.wait_until("the requested run succeeded", 60, |d| count(&runs(d), "SUCCEEDED") == 1);
        assert_eq!(runs(d).len(), 1, "exactly one run for one request");
        assert!(d.ok(&["schedule", "enable", "every"]).contains("enabled"));
        assert_eq!(d.json(&["get", "scheduledtask", "every"])["spec"]["state"], "ENABLED");
        assert!(d.ok(&["schedule", "disable", "scheduledtask/every"]).contains("disabled"));
        assert_eq!(d.json(&["get", "scheduledtask", "every"])["spec"]["state"], "DISABLED");
        let (code, _) = d.exit_and_stdout(&["schedule", "run", "nope"]);
        assert_ne!(code, 0, "an unknown schedule is an error");
        d.ok(&["delete", "scheduledtask", "every"]);
    }
}
