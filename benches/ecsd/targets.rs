//! The targets of issues 7, 13 and 15, judged against this run's figures: met, missed, or not measured.

use crate::options::Scenario;
use crate::report::Report;
use crate::stats::Summary;
use serde_json::{Value, json};

/// Which statistic of a figure a target bounds.
#[derive(Debug, Clone, Copy)]
enum Stat {
    Median,
    P99,
    Max,
}

/// How a statistic must compare with its limit.
#[derive(Debug, Clone, Copy)]
enum Bound {
    AtMost,
    Below,
    AtLeast,
}

/// One target: a figure's statistic must stay within `limit` as `bound` says.
struct Target {
    text: &'static str,
    scenario: Scenario,
    key: &'static str,
    stat: Stat,
    limit: f64,
    bound: Bound,
}

const TARGETS: [Target; 21] = [
    Target::at_most(
        "scale-up: ecsd/direct ratio (median) <= 1.15",
        Scenario::ScaleUp,
        "ratio",
        Stat::Median,
        1.15,
    ),
    Target {
        bound: Bound::Below,
        ..Target::at_most(
            "scale-up: below Swarm, ecsd/Swarm (median) < 1",
            Scenario::Peer,
            "ratio",
            Stat::Median,
            1.0,
        )
    },
    Target::at_most(
        "reaction: watched save -> create, p99 beyond the debounce <= 250 ms",
        Scenario::Reaction,
        "watch_beyond_debounce",
        Stat::P99,
        250.0,
    ),
    Target::at_most(
        // The engine alone needs about 200 ms to create and start the replacement (the
        // `direct_one` floor, reported beside it), so the target is on ecsd's own share.
        "reaction: container `die` -> replacement `create` (ecsd's part), p99 <= 250 ms",
        Scenario::Reaction,
        "die_create",
        Stat::P99,
        250.0,
    ),
    Target::at_most(
        "adoption: ready after restart (median) <= 1 s",
        Scenario::Adoption,
        "ready",
        Stat::Median,
        1.0,
    ),
    Target::at_most(
        "adoption: 0 containers created or stopped (max)",
        Scenario::Adoption,
        "changes",
        Stat::Max,
        0.0,
    ),
    Target::at_most(
        "footprint: idle CPU <= 0.5 %",
        Scenario::Footprint,
        "cpu",
        Stat::Median,
        0.5,
    ),
    Target::at_most(
        "footprint: peak RSS <= 40 MiB",
        Scenario::Footprint,
        "peak_rss",
        Stat::Max,
        40.0,
    ),
    Target::at_most(
        "api: `get tasks -o json` p99 <= 20 ms",
        Scenario::Api,
        "cli_get",
        Stat::P99,
        20.0,
    ),
    Target::at_most(
        "api (stretch: all 1,000 listed): `get tasks --all -o json` p99 <= 20 ms",
        Scenario::Api,
        "cli_get_all",
        Stat::P99,
        20.0,
    ),
    Target::at_most(
        "api: DescribeTasks (100 per call) p99 <= 20 ms",
        Scenario::Api,
        "describe",
        Stat::P99,
        20.0,
    ),
    Target {
        bound: Bound::AtLeast,
        ..Target::at_most(
            "lb keep-alive: requests/s ecsd/HAProxy (median) >= 0.9",
            Scenario::Lb,
            "ka_rps_vs_haproxy",
            Stat::Median,
            0.9,
        )
    },
    Target::at_most(
        "lb keep-alive: p99 ecsd/HAProxy (median) <= 1.2",
        Scenario::Lb,
        "ka_p99_vs_haproxy",
        Stat::Median,
        1.2,
    ),
    Target {
        bound: Bound::AtLeast,
        ..Target::at_most(
            "lb new conn: requests/s ecsd/HAProxy (median) >= 0.9",
            Scenario::Lb,
            "close_rps_vs_haproxy",
            Stat::Median,
            0.9,
        )
    },
    Target::at_most(
        "lb new conn: p99 ecsd/HAProxy (median) <= 1.2",
        Scenario::Lb,
        "close_p99_vs_haproxy",
        Stat::Median,
        1.2,
    ),
    Target::at_most(
        "placement: 10,000 tasks over 100 instances decided (max of one call) <= 1 s",
        Scenario::Placement,
        "decide",
        Stat::Max,
        1.0,
    ),
    Target::at_most(
        "metrics: one sample of 100 containers, CPU share of one core at 15 s (median) <= 1 %",
        Scenario::Metrics,
        "sample_share",
        Stat::Median,
        1.0,
    ),
    Target::at_most(
        "metrics: collector with an hour of history of 100 containers, extra RSS <= 10 MiB",
        Scenario::Metrics,
        "collector_rss",
        Stat::Max,
        10.0,
    ),
    Target::at_most(
        "metrics: GET /metrics with 100 tasks, p99 <= 20 ms",
        Scenario::Metrics,
        "scrape",
        Stat::P99,
        20.0,
    ),
    Target::at_most(
        "placement: peak RSS while deciding <= 200 MiB",
        Scenario::Placement,
        "peak_rss",
        Stat::Max,
        200.0,
    ),
    Target::at_most(
        "instances: control plane with 10,000 tasks, peak RSS <= 200 MiB",
        Scenario::Instances,
        "peak_rss",
        Stat::Max,
        200.0,
    ),
];

impl Target {
    const fn at_most(
        text: &'static str,
        scenario: Scenario,
        key: &'static str,
        stat: Stat,
        limit: f64,
    ) -> Self {
        Self {
            text,
            scenario,
            key,
            stat,
            limit,
            bound: Bound::AtMost,
        }
    }

    fn met(&self, v: f64) -> bool {
        match self.bound {
            Bound::AtMost => v <= self.limit,
            Bound::Below => v < self.limit,
            Bound::AtLeast => v >= self.limit,
        }
    }

    fn value(&self, s: Summary) -> f64 {
        match self.stat {
            Stat::Median => s.median,
            Stat::P99 => s.p99,
            Stat::Max => s.max,
        }
    }
}

/// One target's verdict.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The target as the issue words it.
    pub target: &'static str,
    /// The bounded statistic with its unit, or why there is none.
    pub measured: String,
    /// None when it was not measured in this run.
    pub met: Option<bool>,
}

/// Judges every target against `report`.
pub fn judge(report: &Report) -> Vec<Verdict> {
    TARGETS
        .iter()
        .map(|t| {
            let scenario = report.scenario(t.scenario);
            let figure = scenario.and_then(|s| s.figures.iter().find(|f| f.key == t.key));
            match figure.and_then(|f| f.summary.map(|s| (f, s))) {
                Some((f, s)) => {
                    let v = t.value(s);
                    Verdict {
                        target: t.text,
                        measured: format!("{v:.3} {}", f.unit).trim_end().to_string(),
                        met: Some(t.met(v)),
                    }
                }
                None => Verdict {
                    target: t.text,
                    measured: "not measured in this run".into(),
                    met: None,
                },
            }
        })
        .collect()
}

/// The verdicts as a table.
pub fn table(verdicts: &[Verdict]) -> String {
    let width = verdicts
        .iter()
        .map(|v| v.target.chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    let mut out = format!("{:<width$} {:<10} {}\n", "target", "verdict", "measured");
    for v in verdicts {
        out.push_str(&format!(
            "{:<width$} {:<10} {}\n",
            v.target,
            word(v.met),
            v.measured
        ));
    }
    out
}

/// The verdicts as JSON.
pub fn to_json(verdicts: &[Verdict]) -> Value {
    verdicts
        .iter()
        .map(|v| json!({"target": v.target, "verdict": word(v.met), "measured": v.measured}))
        .collect()
}

fn word(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "MISSED",
        None => "n/a",
    }
}
