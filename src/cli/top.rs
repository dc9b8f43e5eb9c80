//! `ecsd top [services|tasks]`: current CPU, memory and network per service or per task,
//! against its reservation (like `docker stats` and `kubectl top`).

use super::output::{Format, print_document, print_table};
use crate::api::client::ApiClient;
use crate::api::shapes::{Items, UsageRow};
use crate::model::DEFAULT_CLUSTER;
use clap::{Args, ValueEnum};

/// What `top` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TopKind {
    /// One line per service (standalone tasks by family).
    #[value(alias = "svc", alias = "service")]
    Services,
    /// One line per running task.
    #[value(alias = "task")]
    Tasks,
}

/// Flags of `ecsd top`.
#[derive(Debug, Args)]
pub struct TopArgs {
    /// `services` (default) or `tasks`.
    #[arg(value_enum, default_value = "services")]
    kind: TopKind,
    /// Only this cluster.
    #[arg(long)]
    cluster: Option<String>,
    /// `table` (default), `json` or `yaml`.
    #[arg(short, long, value_enum, default_value = "table")]
    output: Format,
}

/// Runs `top`.
pub async fn run(client: &ApiClient, args: TopArgs) -> anyhow::Result<()> {
    let by = match args.kind {
        TopKind::Services => "services",
        TopKind::Tasks => "tasks",
    };
    let mut path = format!("/v1/top?by={by}");
    if let Some(cluster) = &args.cluster {
        path.push_str(&format!("&cluster={cluster}"));
    }
    let reply: Items<UsageRow> = client.get(&path).await?;
    if matches!(args.output, Format::Json | Format::Yaml) {
        return print_document(&serde_json::to_value(&reply)?, args.output);
    }
    let rows: Vec<Vec<String>> = reply.items.iter().map(|r| row(r, args.kind)).collect();
    let first = match args.kind {
        TopKind::Services => vec!["SERVICE", "TASKS", "RESTARTS"],
        TopKind::Tasks => vec!["TASK", "SERVICE"],
    };
    let rest = ["CPU", "CPU%", "MEMORY", "MEM%", "NET RX/s", "NET TX/s"];
    let headers: Vec<&str> = first.into_iter().chain(rest).collect();
    print_table(&headers, &rows);
    Ok(())
}

fn row(r: &UsageRow, kind: TopKind) -> Vec<String> {
    let name = r
        .service
        .clone()
        .or_else(|| r.family.as_ref().map(|f| format!("family:{f}")))
        .unwrap_or_else(|| "-".into());
    let name = match r.cluster.as_str() {
        DEFAULT_CLUSTER => name,
        cluster => format!("{cluster}/{name}"),
    };
    let restarts = r.restarts.map_or_else(|| "-".into(), |n| n.total().to_string());
    let first = match kind {
        TopKind::Services => vec![name, r.running_tasks.to_string(), restarts],
        TopKind::Tasks => vec![r.task_id.clone().unwrap_or_default(), name],
    };
    let percent = |p: Option<f64>| p.map_or_else(|| "-".into(), |p| format!("{p:.0}%"));
    first
        .into_iter()
        .chain([
            format!("{:.2}", r.cpu_cores),
            percent(r.cpu_percent),
            bytes(r.memory_bytes as f64),
            percent(r.memory_percent),
            bytes(r.net_rx_bytes_per_sec),
            bytes(r.net_tx_bytes_per_sec),
        ])
        .collect()
}

/// A service's line of `top` (`None` when the daemon has none for it).
pub(super) async fn service_line(
    client: &ApiClient,
    cluster: &str,
    service: &str,
) -> anyhow::Result<Option<UsageRow>> {
    let reply: Items<UsageRow> = client
        .get(&format!("/v1/top?by=services&cluster={cluster}"))
        .await?;
    Ok(reply
        .items
        .into_iter()
        .find(|r| r.service.as_deref() == Some(service)))
}

/// A service's current use for `describe service`, e.g. `0.75 CPU (75% of 1024 units),
/// 48.0MiB memory (38% of 128.0MiB)`.
pub(super) fn utilization(line: Option<&UsageRow>) -> String {
    let Some(r) = line else {
        return "-".into();
    };
    let of = |percent: Option<f64>, reserved: String| {
        percent.map_or_else(String::new, |p| format!(" ({p:.0}% of {reserved})"))
    };
    format!(
        "{:.2} CPU{}, {} memory{}",
        r.cpu_cores,
        of(r.cpu_percent, format!("{} units", r.cpu_reserved_units)),
        bytes(r.memory_bytes as f64),
        of(r.memory_percent, bytes(r.memory_reserved_bytes as f64)),
    )
}

/// Bytes in binary units (`512B`, `1.5KiB`, `48.0MiB`).
fn bytes(n: f64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024.0 {
        return format!("{n:.0}B");
    }
    let mut value = n / 1024.0;
    let mut unit = UNITS[0];
    for next in &UNITS[1..] {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    format!("{value:.1}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_shown_in_binary_units() {
        assert_eq!(bytes(512.0), "512B");
        assert_eq!(bytes(1536.0), "1.5KiB");
        assert_eq!(bytes(48.0 * 1024.0 * 1024.0), "48.0MiB");
        assert_eq!(bytes(3.0 * 1024.0 * 1024.0 * 1024.0), "3.0GiB");
    }

    #[test]
    fn a_service_line_shows_cores_and_percentages_of_the_reservation() {
        let r = UsageRow {
            cluster: "prod".into(),
            service: Some("web".into()),
            running_tasks: 2,
            cpu_cores: 0.75,
            cpu_percent: Some(75.0),
            memory_bytes: 1024,
            ..Default::default()
        };
        assert_eq!(
            row(&r, TopKind::Services),
            vec!["prod/web", "2", "-", "0.75", "75%", "1.0KiB", "-", "0B", "0B"]
        );
    }
}
