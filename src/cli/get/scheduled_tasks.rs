//! The `ecsd get scheduledtasks` table.

use super::{Listing, Row};
use crate::api::shapes::ScheduledTaskShape;
use crate::cli::output::{or_dash, timestamp, wire};
use serde_json::Value;

/// NAME, EXPRESSION, TZ, STATE, NEXT (due time), LAST (the latest run's due time) and RESULT
/// (its outcome); wide adds the task definition and how many of its tasks have not stopped.
pub(super) fn scheduled_tasks(items: &[ScheduledTaskShape], wide: bool) -> Listing {
    let rows = items
        .iter()
        .map(|st| {
            let last = st.runs.last();
            let mut cells = vec![
                st.name.clone(),
                st.spec.schedule_expression.clone(),
                st.spec.timezone().to_string(),
                wire(&st.spec.state),
                or_dash(st.next_runs.first().map(|at| timestamp(*at))),
                or_dash(last.map(|r| timestamp(r.scheduled_at))),
                or_dash(last.map(|r| wire(&r.outcome))),
            ];
            if wide {
                cells.extend([
                    or_dash(st.spec.task_definition.as_ref()),
                    st.active_tasks.to_string(),
                ]);
            }
            Row {
                document: Value::Null,
                cluster: Some(st.cluster.clone()),
                name: st.name.clone(),
                created: st.created_at,
                labels: Some(st.labels.clone()),
                cells,
            }
        })
        .collect();
    let mut headers = vec!["NAME", "EXPRESSION", "TZ", "STATE", "NEXT", "LAST", "RESULT"];
    if wide {
        headers.extend(["TASK DEFINITION", "ACTIVE"]);
    }
    Listing { headers, rows }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::shapes::ScheduleRunShape;
    use crate::model::fixtures::schedule;
    use crate::store::RunOutcome;

    fn backup() -> ScheduledTaskShape {
        ScheduledTaskShape {
            name: "backup".into(),
            cluster: "default".into(),
            spec: schedule("cron(0 3 * * ? *)", "backup"),
            labels: Default::default(),
            next_runs: vec![1_767_236_400.0],
            runs: vec![ScheduleRunShape {
                scheduled_at: 1_767_150_000.0,
                handled_at: 1_767_150_000.0,
                outcome: RunOutcome::Failed,
                task_ids: vec!["a".into()],
                exit_codes: vec![Some(1)],
                message: None,
            }],
            active_tasks: 0,
            created_at: 0.0,
        }
    }

    #[test]
    fn the_table_shows_expression_zone_state_next_last_and_result() {
        let listing = scheduled_tasks(&[backup()], false);
        assert_eq!(
            listing.headers,
            ["NAME", "EXPRESSION", "TZ", "STATE", "NEXT", "LAST", "RESULT"]
        );
        assert_eq!(
            listing.rows[0].cells,
            [
                "backup",
                "cron(0 3 * * ? *)",
                "UTC",
                "ENABLED",
                "2026-01-01T03:00:00Z",
                "2025-12-31T03:00:00Z",
                "FAILED"
            ]
        );
        let wide = scheduled_tasks(&[backup()], true);
        assert_eq!(wide.headers[7..], ["TASK DEFINITION", "ACTIVE"]);
        assert_eq!(wide.rows[0].cells[7..], ["backup", "0"]);
    }

    #[test]
    fn a_schedule_that_never_ran_and_never_will_shows_dashes() {
        let idle = ScheduledTaskShape {
            next_runs: Vec::new(),
            runs: Vec::new(),
            ..backup()
        };
        assert_eq!(
            scheduled_tasks(&[idle], false).rows[0].cells[4..],
            ["-", "-", "-"]
        );
    }
}
