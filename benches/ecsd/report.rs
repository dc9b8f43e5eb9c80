//! What a run measured: figures per scenario, the printed table and `target/bench/results.json`.

use crate::options::Scenario;
use crate::stats::Summary;
use serde_json::{Value, json};
use std::path::Path;

/// One measured quantity of a scenario.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Stable name inside its scenario (JSON key, target lookup).
    pub key: &'static str,
    /// What a person reads in the table.
    pub label: String,
    /// `s`, `ms`, `x`, `%`, `MiB` or `count`.
    pub unit: &'static str,
    /// None when there were no samples.
    pub summary: Option<Summary>,
    /// Whether the p99 is meaningful (latency distributions).
    pub with_p99: bool,
}

impl Figure {
    /// A figure summarized by median, min and max.
    pub fn measured(
        key: &'static str,
        label: impl Into<String>,
        unit: &'static str,
        samples: &[f64],
    ) -> Self {
        Self {
            key,
            label: label.into(),
            unit,
            summary: Summary::of(samples),
            with_p99: false,
        }
    }

    /// A latency distribution: median (p50), p99, min and max.
    pub fn latency(key: &'static str, label: impl Into<String>, unit: &'static str, samples: &[f64]) -> Self {
        Self {
            with_p99: true,
            ..Self::measured(key, label, unit, samples)
        }
    }
}

/// How a scenario ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Ran to the end.
    Measured,
    /// Could not run here, for the given reason (not a failure of ecsd).
    Skipped(String),
    /// Stopped by an error.
    Failed(String),
}

/// The figures and notes of one scenario (kept even when it fails half-way).
#[derive(Debug, Clone)]
pub struct ScenarioReport {
    /// Which scenario.
    pub scenario: Scenario,
    /// What it measured.
    pub figures: Vec<Figure>,
    /// Conditions a reader needs (sizes, settings, caveats).
    pub notes: Vec<String>,
    /// How it ended.
    pub outcome: Outcome,
}

impl ScenarioReport {
    /// An empty report for `scenario`.
    pub fn new(scenario: Scenario) -> Self {
        Self {
            scenario,
            figures: Vec::new(),
            notes: Vec::new(),
            outcome: Outcome::Measured,
        }
    }

    /// Adds a figure and shows it on stderr at once (long runs show progress).
    pub fn figure(&mut self, figure: Figure) {
        eprintln!("  {}", row(self.scenario.name(), &figure).trim_end());
        self.figures.push(figure);
    }

    /// Adds a note.
    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        eprintln!("  note: {note}");
        self.notes.push(note);
    }
}

/// The machine and settings a run measured on.
#[derive(Debug, Clone)]
pub struct Machine {
    /// Logical CPUs.
    pub cpus: usize,
    /// `PRETTY_NAME` of /etc/os-release.
    pub os: String,
    /// Kernel release.
    pub kernel: String,
    /// Engine name, version and API version.
    pub engine: String,
    /// Cargo profile the daemon was built with.
    pub profile: &'static str,
}

/// Everything one run measured.
#[derive(Debug, Clone)]
pub struct Report {
    /// Where.
    pub machine: Machine,
    /// The flags, as given.
    pub args: String,
    /// Wall-clock start, seconds since the epoch.
    pub started_at: u64,
    /// Per scenario.
    pub scenarios: Vec<ScenarioReport>,
}

fn number(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn row(scenario: &str, f: &Figure) -> String {
    let cells = match f.summary {
        Some(s) => {
            let p99 = if f.with_p99 { number(s.p99) } else { "-".into() };
            format!(
                "{:>9} {:>9} {:>9} {:>9} {:<5} {:>4}",
                number(s.median),
                number(s.min),
                number(s.max),
                p99,
                f.unit,
                s.samples
            )
        }
        None => format!(
            "{:>9} {:>9} {:>9} {:>9} {:<5} {:>4}",
            "-", "-", "-", "-", f.unit, 0
        ),
    };
    format!("{scenario:<15} {:<44} {cells}", f.label)
}

impl Report {
    /// The report of `scenario`, if it ran.
    pub fn scenario(&self, scenario: Scenario) -> Option<&ScenarioReport> {
        self.scenarios.iter().find(|s| s.scenario == scenario)
    }

    /// Whether a scenario failed.
    pub fn failed(&self) -> bool {
        self.scenarios
            .iter()
            .any(|s| matches!(s.outcome, Outcome::Failed(_)))
    }

    /// The table a person reads (also pasted into BENCHMARKS.md).
    pub fn table(&self) -> String {
        let mut out = format!(
            "{:<15} {:<44} {:>9} {:>9} {:>9} {:>9} {:<5} {:>4}\n",
            "scenario", "figure", "median", "min", "max", "p99", "unit", "n"
        );
        for s in &self.scenarios {
            for f in &s.figures {
                out.push_str(&row(s.scenario.name(), f));
                out.push('\n');
            }
            match &s.outcome {
                Outcome::Measured => {}
                Outcome::Skipped(why) => out.push_str(&format!("{:<15} skipped: {why}\n", s.scenario.name())),
                Outcome::Failed(why) => out.push_str(&format!("{:<15} FAILED: {why}\n", s.scenario.name())),
            }
        }
        out
    }

    /// Every scenario's notes, one line each.
    pub fn notes(&self) -> String {
        let mut out = String::new();
        for s in &self.scenarios {
            for n in &s.notes {
                out.push_str(&format!("- {}: {n}\n", s.scenario.name()));
            }
        }
        out
    }

    /// The JSON document: machine, flags, and per scenario its figures (median, min, max, p99, unit).
    pub fn to_json(&self, targets: Value) -> Value {
        let scenarios: Vec<Value> = self.scenarios.iter().map(scenario_json).collect();
        json!({
            "startedAt": self.started_at,
            "args": self.args,
            "machine": {
                "cpus": self.machine.cpus,
                "os": self.machine.os,
                "kernel": self.machine.kernel,
                "engine": self.machine.engine,
                "profile": self.machine.profile,
            },
            "scenarios": scenarios,
            "targets": targets,
        })
    }
}

fn scenario_json(s: &ScenarioReport) -> Value {
    let figures: Vec<Value> = s
        .figures
        .iter()
        .map(|f| {
            let mut v = json!({"key": f.key, "label": f.label, "unit": f.unit});
            if let Some(sum) = f.summary {
                v["median"] = json!(sum.median);
                v["min"] = json!(sum.min);
                v["max"] = json!(sum.max);
                v["samples"] = json!(sum.samples);
                if f.with_p99 {
                    v["p99"] = json!(sum.p99);
                }
            }
            v
        })
        .collect();
    let (outcome, reason) = match &s.outcome {
        Outcome::Measured => ("measured", None),
        Outcome::Skipped(why) => ("skipped", Some(why.as_str())),
        Outcome::Failed(why) => ("failed", Some(why.as_str())),
    };
    json!({
        "name": s.scenario.name(),
        "outcome": outcome,
        "reason": reason,
        "figures": figures,
        "notes": s.notes,
    })
}

/// Writes `value` pretty-printed to `path`, creating its folder.
pub fn write_json(path: &Path, value: &Value) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, serde_json::to_string_pretty(value)? + "\n")?;
    Ok(())
}
