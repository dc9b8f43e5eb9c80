//! What `ecsd top` shows: per service (or per task) resource use against its reservation.
//! Pure: from the inventory and the task utilizations.

use super::inventory::{ClusterInventory, TaskInventory};
use super::rates::TaskUtilization;
use crate::api::shapes::UsageRow;
use crate::model::TaskState;
use std::collections::BTreeMap;

const MIB: u64 = 1024 * 1024;

/// How `ecsd top` groups its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// One line per service (standalone tasks by family).
    Services,
    /// One line per running task.
    Tasks,
}

/// The lines of `ecsd top`, in cluster and name order; `cluster` keeps only that cluster.
pub fn usage_rows(
    clusters: &[ClusterInventory],
    usage: &BTreeMap<String, TaskUtilization>,
    grouping: Grouping,
    cluster: Option<&str>,
) -> Vec<UsageRow> {
    let mut rows = Vec::new();
    for c in clusters
        .iter()
        .filter(|c| cluster.is_none_or(|name| name == c.name))
    {
        let running = c.tasks.iter().filter(|t| t.state == TaskState::Running);
        match grouping {
            Grouping::Tasks => rows.extend(running.map(|t| {
                let mut row = line(&c.name, std::iter::once(t), usage);
                row.task_id = Some(t.id.clone());
                row.family = Some(t.family.clone());
                row
            })),
            Grouping::Services => {
                let mut groups: BTreeMap<(Option<&str>, Option<&str>), Vec<&TaskInventory>> = BTreeMap::new();
                for t in running {
                    // A standalone task is grouped with others of its family.
                    let family = t.service.is_none().then_some(t.family.as_str());
                    groups.entry((t.service.as_deref(), family)).or_default().push(t);
                }
                for s in &c.services {
                    groups.entry((Some(s.name.as_str()), None)).or_default();
                }
                rows.extend(groups.into_iter().map(|((service, family), tasks)| {
                    let mut row = line(&c.name, tasks.into_iter(), usage);
                    row.service = service.map(str::to_string);
                    row.family = family.map(str::to_string);
                    row.restarts = service
                        .and_then(|name| c.services.iter().find(|s| s.name == name))
                        .map(|s| s.restarts);
                    row
                }));
            }
        }
    }
    rows
}

/// One line summing `tasks`.
fn line<'a>(
    cluster: &str,
    tasks: impl Iterator<Item = &'a TaskInventory>,
    usage: &BTreeMap<String, TaskUtilization>,
) -> UsageRow {
    let mut row = UsageRow {
        cluster: cluster.to_string(),
        ..Default::default()
    };
    for t in tasks {
        row.service = t.service.clone();
        row.running_tasks += 1;
        row.cpu_reserved_units += t.cpu_reserved;
        row.memory_reserved_bytes += t.memory_reserved_mib * MIB;
        if let Some(u) = usage.get(&t.id) {
            row.cpu_cores += u.usage.cpu_cores;
            row.memory_bytes += u.usage.memory_bytes;
            row.net_rx_bytes_per_sec += u.usage.net_rx_bytes_per_sec;
            row.net_tx_bytes_per_sec += u.usage.net_tx_bytes_per_sec;
        }
    }
    row.cpu_percent = percent(row.cpu_cores * 1024.0, row.cpu_reserved_units as f64);
    row.memory_percent = percent(row.memory_bytes as f64, row.memory_reserved_bytes as f64);
    row
}

fn percent(used: f64, reserved: f64) -> Option<f64> {
    (reserved > 0.0).then(|| used / reserved * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::inventory::ServiceInventory;
    use crate::metrics::rates::Utilization;
    use crate::model::RestartCounts;

    fn task(id: &str, service: Option<&str>, cpu: u64) -> TaskInventory {
        TaskInventory {
            id: id.into(),
            family: "fam".into(),
            service: service.map(str::to_string),
            state: TaskState::Running,
            cpu_reserved: cpu,
            memory_reserved_mib: 100,
        }
    }

    fn inventory() -> Vec<ClusterInventory> {
        vec![ClusterInventory {
            name: "default".into(),
            services: vec![
                ServiceInventory {
                    name: "web".into(),
                    restarts: RestartCounts {
                        exited: 2,
                        ..Default::default()
                    },
                    ..Default::default()
                },
                ServiceInventory {
                    name: "idle".into(),
                    ..Default::default()
                },
            ],
            tasks: vec![
                task("a", Some("web"), 512),
                task("b", Some("web"), 512),
                task("c", None, 0),
            ],
            ..Default::default()
        }]
    }

    fn usage() -> BTreeMap<String, TaskUtilization> {
        let u = |cores: f64, mib: u64| TaskUtilization {
            cluster: "default".into(),
            service: None,
            containers: Vec::new(),
            usage: Utilization {
                cpu_cores: cores,
                memory_bytes: mib * MIB,
                ..Default::default()
            },
        };
        BTreeMap::from([
            ("a".into(), u(0.5, 50)),
            ("b".into(), u(0.25, 25)),
            ("c".into(), u(1.0, 1)),
        ])
    }

    #[test]
    fn a_service_line_sums_its_tasks_against_their_reservation() {
        let rows = usage_rows(&inventory(), &usage(), Grouping::Services, None);
        let web = rows.iter().find(|r| r.service.as_deref() == Some("web")).unwrap();
        assert_eq!(web.running_tasks, 2);
        assert!((web.cpu_cores - 0.75).abs() < 1e-9);
        assert_eq!(web.cpu_percent, Some(75.0));
        assert_eq!(web.memory_percent, Some(37.5));
        assert_eq!(web.restarts.map(|r| r.total()), Some(2));
        let idle = rows
            .iter()
            .find(|r| r.service.as_deref() == Some("idle"))
            .unwrap();
        assert_eq!((idle.running_tasks, idle.cpu_cores), (0, 0.0));
        let standalone = rows.iter().find(|r| r.family.as_deref() == Some("fam")).unwrap();
        assert_eq!(standalone.cpu_percent, None, "no CPU reservation, no percentage");
        assert_eq!(standalone.restarts, None, "standalone tasks are not replaced");
    }

    #[test]
    fn task_lines_name_each_task_and_a_cluster_filter_keeps_one_cluster() {
        let rows = usage_rows(&inventory(), &usage(), Grouping::Tasks, None);
        let ids: Vec<_> = rows.iter().map(|r| r.task_id.clone().unwrap()).collect();
        assert_eq!(ids, vec!["a", "b", "c"]);
        assert!(usage_rows(&inventory(), &usage(), Grouping::Tasks, Some("other")).is_empty());
    }
}
