//! The `ecsd get containerinstances` table.

use super::{Listing, Row};
use crate::api::shapes::ContainerInstanceShape;
use crate::cli::output::{age, or_dash, wire};
use serde_json::Value;

/// NAME, STATUS, CONNECTED, ENGINE, ADDRESS, CPU and MEMORY (free/registered), RUNNING,
/// PENDING; wide adds the cluster, the engine URL, the id and the age (none for the own
/// engine in the implicit `default` cluster, which has no creation time).
pub(super) fn container_instances(items: &[ContainerInstanceShape], wide: bool) -> Listing {
    let rows = items
        .iter()
        .map(|ci| {
            let (registered, remaining) = (&ci.registered_resources, &ci.remaining_resources);
            let engine = match (ci.engine_kind.as_str(), ci.engine_version.as_str()) {
                ("", _) => "-".to_string(),
                (kind, "") => kind.to_string(),
                (kind, version) => format!("{kind} {version}"),
            };
            let mut cells = vec![
                ci.name.clone(),
                wire(&ci.status),
                ci.agent_connected.to_string(),
                engine,
                ci.address.clone(),
                format!("{}/{}", remaining.cpu, registered.cpu),
                format!("{}/{}Mi", remaining.memory, registered.memory),
                ci.running_tasks_count.to_string(),
                ci.pending_tasks_count.to_string(),
            ];
            if wide {
                let registered = (ci.registered_at > 0.0).then(|| age(ci.registered_at));
                cells.extend([
                    ci.cluster.clone(),
                    ci.engine.clone(),
                    ci.id.clone(),
                    or_dash(registered),
                ]);
            }
            Row {
                document: Value::Null,
                name: ci.name.clone(),
                cluster: Some(ci.cluster.clone()),
                created: ci.registered_at,
                labels: Some(ci.labels.clone()),
                cells,
            }
        })
        .collect();
    let mut headers = vec![
        "NAME",
        "STATUS",
        "CONNECTED",
        "ENGINE",
        "ADDRESS",
        "CPU",
        "MEMORY",
        "RUNNING",
        "PENDING",
    ];
    if wide {
        headers.extend(["CLUSTER", "ENDPOINT", "ID", "AGE"]);
    }
    Listing { headers, rows }
}
