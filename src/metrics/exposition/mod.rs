//! The Prometheus text exposition format (version 0.0.4), written by hand: a few gauge,
//! counter and histogram families need no dependency. Built at scrape time from a snapshot,
//! so a task that stopped has no series at the next scrape. Pure. The load balancer's
//! families are in `lb`.

mod lb;

use super::health::{DaemonHealth, Histogram};
use super::insights::{Level, Metric, MetricName};
use super::inventory::ClusterInventory;
use crate::lb::{TargetState, TrafficCounts};
use crate::model::RestartCause;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Content type of the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The daemon's own figures at scrape time, beside its counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DaemonGauges {
    /// Keys waiting in the work queue.
    pub queue_depth: usize,
    /// Keys being reconciled.
    pub queue_in_flight: usize,
    /// Bytes the state database takes on disk.
    pub store_bytes: u64,
    /// Containers the collector sampled last time.
    pub sampled_containers: usize,
}

/// The Prometheus name of a Container Insights metric, without the level, and the factor from
/// ECS's unit to the exported one (base units: bytes, not MiB).
pub fn prometheus_name(name: MetricName) -> (&'static str, f64) {
    use MetricName::*;
    match name {
        CpuUtilized => ("cpu_utilized_units", 1.0),
        CpuReserved => ("cpu_reserved_units", 1.0),
        MemoryUtilized => ("memory_utilized_bytes", 1024.0 * 1024.0),
        MemoryReserved => ("memory_reserved_bytes", 1024.0 * 1024.0),
        NetworkRxBytes => ("network_rx_bytes_per_second", 1.0),
        NetworkTxBytes => ("network_tx_bytes_per_second", 1.0),
        StorageReadBytes => ("storage_read_bytes_per_second", 1.0),
        StorageWriteBytes => ("storage_write_bytes_per_second", 1.0),
        RunningTaskCount => ("running_tasks", 1.0),
        PendingTaskCount => ("pending_tasks", 1.0),
        DesiredTaskCount => ("desired_tasks", 1.0),
        DeploymentCount => ("deployments", 1.0),
        TaskCount => ("tasks", 1.0),
        ServiceCount => ("services", 1.0),
        ContainerInstanceCount => ("container_instances", 1.0),
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Cluster => "cluster",
        Level::Service => "service",
        Level::Task => "task",
        Level::Container => "container",
    }
}

/// What one scrape shows.
pub struct Scrape<'a> {
    /// Container Insights' data points.
    pub insights: &'a [Metric],
    /// What the store says exists (restart counts).
    pub clusters: &'a [ClusterInventory],
    /// The load balancer's traffic per (load balancer, target group).
    pub traffic: &'a [TrafficCounts],
    /// The states of every target group's targets.
    pub targets: &'a BTreeMap<String, Vec<TargetState>>,
    /// The daemon's own counters.
    pub health: &'a DaemonHealth,
    /// The daemon's own figures now.
    pub gauges: DaemonGauges,
}

/// The whole `/metrics` page.
pub fn render(scrape: &Scrape) -> String {
    let mut out = String::new();
    render_insights(&mut out, scrape.insights);
    render_restarts(&mut out, scrape.clusters);
    lb::render(&mut out, scrape.traffic, scrape.targets);
    render_health(&mut out, scrape.health, scrape.gauges);
    out
}

/// Every service's restarts by cause, each cause from 0 on (so a first restart is a rate).
fn render_restarts(out: &mut String, clusters: &[ClusterInventory]) {
    let series = clusters.iter().flat_map(|c| {
        c.services.iter().flat_map(move |s| {
            RestartCause::ALL.iter().map(move |cause| {
                let labels = vec![
                    ("cluster", c.name.as_str()),
                    ("service", s.name.as_str()),
                    ("cause", cause.as_str()),
                ];
                (labels, s.restarts.get(*cause) as f64)
            })
        })
    });
    family(
        out,
        ("ecsd_service_restarts_total", "counter"),
        "Tasks of the service that stopped on their own (essential container exited or OOM-killed, \
         failed health checks, failed to start) and were replaced, by cause",
        series,
    );
}

fn render_insights(out: &mut String, metrics: &[Metric]) {
    let mut families: BTreeMap<(Level, MetricName), Vec<&Metric>> = BTreeMap::new();
    for m in metrics {
        families.entry((m.level, m.name)).or_default().push(m);
    }
    for ((level, name), points) in families {
        let (suffix, scale) = prometheus_name(name);
        let family = format!("ecsd_{}_{suffix}", level_name(level));
        let prefix = if level == Level::Container {
            "Container"
        } else {
            ""
        };
        let help = format!(
            "Container Insights {prefix}{name:?} ({} level; ECS unit {})",
            level_name(level),
            name.unit()
        );
        header(out, &family, "gauge", &help);
        for p in points {
            let d = &p.dimensions;
            let mut labels = vec![("cluster", d.cluster_name.as_str())];
            labels.extend(d.service_name.as_deref().map(|s| ("service", s)));
            labels.extend(d.task_definition_family.as_deref().map(|f| ("family", f)));
            labels.extend(d.task_id.as_deref().map(|t| ("task_id", t)));
            labels.extend(d.container_name.as_deref().map(|c| ("container", c)));
            sample(out, &family, &labels, p.value * scale);
        }
    }
}

fn render_health(out: &mut String, health: &DaemonHealth, gauges: DaemonGauges) {
    let reconciles = health.reconciles();
    family(
        out,
        ("ecsd_reconciles_total", "counter"),
        "Reconciles by kind and result",
        reconciles
            .iter()
            .map(|((kind, outcome), n)| (vec![("kind", *kind), ("result", outcome.as_str())], *n as f64)),
    );
    let latency = health.latency();
    histogram_family(
        out,
        (
            "ecsd_reconcile_duration_seconds",
            "Time one reconcile took, by kind",
        ),
        latency.iter().map(|(kind, h)| (vec![("kind", *kind)], h)),
    );
    render_engines(out, health);
    let gauge_rows = [
        (
            "ecsd_queue_depth",
            "Keys waiting in the work queue",
            gauges.queue_depth as f64,
        ),
        (
            "ecsd_queue_in_flight",
            "Keys being reconciled now",
            gauges.queue_in_flight as f64,
        ),
        (
            "ecsd_store_size_bytes",
            "Bytes the state database takes on disk",
            gauges.store_bytes as f64,
        ),
        (
            "ecsd_metrics_containers",
            "Containers in the last metrics sample",
            gauges.sampled_containers as f64,
        ),
    ];
    for (name, help, value) in gauge_rows {
        header(out, name, "gauge", help);
        sample(out, name, &[], value);
    }
    let (sampling, failed) = health.sampling();
    let name = "ecsd_metrics_sample_duration_seconds";
    header(
        out,
        name,
        "histogram",
        "Time one metrics sample of every running container took",
    );
    histogram(out, name, &[], &sampling);
    header(
        out,
        "ecsd_metrics_sample_errors_total",
        "counter",
        "Metrics samples that failed",
    );
    sample(out, "ecsd_metrics_sample_errors_total", &[], failed as f64);
}

/// Engine calls and event streams, by container instance (not `instance`: Prometheus gives
/// every scraped series that label itself, naming the scrape target).
fn render_engines(out: &mut String, health: &DaemonHealth) {
    let calls = health.engine_calls();
    histogram_family(
        out,
        (
            "ecsd_engine_request_duration_seconds",
            "Time one engine call took, by container instance and operation",
        ),
        calls
            .iter()
            .map(|((instance, op), h)| (vec![("container_instance", &**instance), ("op", *op)], h)),
    );
    let errors = health.engine_errors();
    family(
        out,
        ("ecsd_engine_errors_total", "counter"),
        "Failed engine calls, by container instance and operation",
        errors
            .iter()
            .map(|((instance, op), n)| (vec![("container_instance", &**instance), ("op", *op)], *n as f64)),
    );
    let reconnects = health.reconnects();
    family(
        out,
        ("ecsd_engine_event_stream_reconnects_total", "counter"),
        "Times the engine's event stream broke or ended and was opened again, by container instance",
        reconnects
            .iter()
            .map(|(instance, n)| (vec![("container_instance", &**instance)], *n as f64)),
    );
}

/// A gauge or counter family, nothing when it has no series.
fn family<'a>(
    out: &mut String,
    (name, kind): (&str, &str),
    help: &str,
    series: impl Iterator<Item = (Vec<(&'a str, &'a str)>, f64)>,
) {
    let mut series = series.peekable();
    if series.peek().is_none() {
        return;
    }
    header(out, name, kind, help);
    for (labels, value) in series {
        sample(out, name, &labels, value);
    }
}

/// A histogram family, nothing when it has no series yet.
fn histogram_family<'a>(
    out: &mut String,
    (name, help): (&str, &str),
    series: impl Iterator<Item = (Vec<(&'a str, &'a str)>, &'a Histogram)>,
) {
    let series: Vec<_> = series.collect();
    if series.is_empty() {
        return;
    }
    header(out, name, "histogram", help);
    for (labels, h) in series {
        histogram(out, name, &labels, h);
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn histogram(out: &mut String, name: &str, labels: &[(&str, &str)], h: &Histogram) {
    let bucket = format!("{name}_bucket");
    for (bound, n) in h.cumulative() {
        let le = bound.to_string();
        let mut with_le = labels.to_vec();
        with_le.push(("le", &le));
        sample(out, &bucket, &with_le, n as f64);
    }
    let mut inf = labels.to_vec();
    inf.push(("le", "+Inf"));
    sample(out, &bucket, &inf, h.count as f64);
    sample(out, &format!("{name}_sum"), labels, h.sum);
    sample(out, &format!("{name}_count"), labels, h.count as f64);
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{k}=\"{}\"", escape(v));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// A label value with `\`, `"` and newlines escaped, as the text format requires.
pub fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::health::Outcome;
    use crate::metrics::insights::Dimensions;
    use crate::metrics::inventory::ServiceInventory;
    use std::time::Duration;

    fn page(
        insights: &[Metric],
        clusters: &[ClusterInventory],
        health: &DaemonHealth,
        gauges: DaemonGauges,
    ) -> String {
        render(&Scrape {
            insights,
            clusters,
            traffic: &[],
            targets: &BTreeMap::new(),
            health,
            gauges,
        })
    }

    fn point(level: Level, name: MetricName, service: Option<&str>, value: f64) -> Metric {
        Metric {
            name,
            level,
            dimensions: Dimensions {
                cluster_name: "prod".into(),
                service_name: service.map(str::to_string),
                ..Default::default()
            },
            value,
        }
    }

    #[test]
    fn each_family_has_one_header_and_its_points_in_base_units() {
        let metrics = [
            point(Level::Service, MetricName::MemoryUtilized, Some("web"), 2.0),
            point(Level::Service, MetricName::MemoryUtilized, Some("api"), 1.0),
            point(Level::Cluster, MetricName::CpuUtilized, None, 1024.0),
        ];
        let text = page(&metrics, &[], &DaemonHealth::default(), DaemonGauges::default());
        assert_eq!(
            text.matches("# TYPE ecsd_service_memory_utilized_bytes gauge")
                .count(),
            1
        );
        assert!(
            text.contains("ecsd_service_memory_utilized_bytes{cluster=\"prod\",service=\"web\"} 2097152\n")
        );
        assert!(text.contains("ecsd_cluster_cpu_utilized_units{cluster=\"prod\"} 1024\n"));
    }

    #[test]
    fn reconciles_render_as_counters_and_a_cumulative_histogram() {
        let health = DaemonHealth::default();
        health.record_reconcile("task", Outcome::Ok, Duration::from_millis(3));
        health.record_reconcile("task", Outcome::Error, Duration::from_millis(70));
        health.record_engine_call(&"i1".into(), "start", Duration::from_millis(2), true);
        health.record_event_stream("i1", false);
        health.record_event_stream("i1", true);
        let gauges = DaemonGauges {
            queue_depth: 4,
            ..Default::default()
        };
        let text = page(&[], &[], &health, gauges);
        assert!(text.contains("ecsd_reconciles_total{kind=\"task\",result=\"error\"} 1\n"));
        assert!(text.contains("ecsd_reconcile_duration_seconds_bucket{kind=\"task\",le=\"0.005\"} 1\n"));
        assert!(text.contains("ecsd_reconcile_duration_seconds_bucket{kind=\"task\",le=\"0.1\"} 2\n"));
        assert!(text.contains("ecsd_reconcile_duration_seconds_bucket{kind=\"task\",le=\"+Inf\"} 2\n"));
        assert!(text.contains("ecsd_reconcile_duration_seconds_count{kind=\"task\"} 2\n"));
        assert!(text.contains("ecsd_engine_errors_total{container_instance=\"i1\",op=\"start\"} 1\n"));
        assert!(text.contains(
            "ecsd_engine_request_duration_seconds_count{container_instance=\"i1\",op=\"start\"} 1\n"
        ));
        assert!(text.contains("ecsd_engine_event_stream_reconnects_total{container_instance=\"i1\"} 1\n"));
        assert!(text.contains("ecsd_queue_depth 4\n"));
    }

    #[test]
    fn every_service_has_a_restart_counter_per_cause_from_zero_on() {
        let mut restarts = crate::model::RestartCounts::default();
        restarts.add(RestartCause::OomKilled);
        let clusters = [ClusterInventory {
            name: "prod".into(),
            services: vec![ServiceInventory {
                name: "web".into(),
                restarts,
                ..Default::default()
            }],
            ..Default::default()
        }];
        let text = page(&[], &clusters, &DaemonHealth::default(), DaemonGauges::default());
        assert_eq!(
            text.matches("# TYPE ecsd_service_restarts_total counter").count(),
            1
        );
        let line = |cause: &str| {
            format!("ecsd_service_restarts_total{{cluster=\"prod\",service=\"web\",cause=\"{cause}\"}}")
        };
        assert!(text.contains(&format!("{} 1\n", line("oom_killed"))), "{text}");
        for cause in ["exited", "unhealthy", "failed_to_start"] {
            assert!(text.contains(&format!("{} 0\n", line(cause))), "{text}");
        }
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
