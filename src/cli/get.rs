//! `ecsd get KIND [NAME]`: list objects as a table, or print ECS JSON/YAML.

use super::output::{Format, age, ports, print_document, print_table, short_arn, task_id, text};
use super::{CliKind, kind_and_name};
use crate::api::client::ApiClient;
use clap::Args;
use serde_json::{Value, json};

/// Flags of `ecsd get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// clusters, taskdefinitions (td), services (svc), tasks; or KIND/NAME.
    kind: String,
    /// One object's name (a task's id or unique id prefix).
    name: Option<String>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    output: Format,
    /// Cluster of services and tasks (default: all).
    #[arg(long)]
    cluster: Option<String>,
    /// Include stopped tasks still within their retention.
    #[arg(short = 'a', long)]
    all: bool,
}

/// The API path of one object or of a list.
pub fn object_path(kind: CliKind, name: Option<&str>, cluster: Option<&str>) -> String {
    let cluster = cluster.unwrap_or(crate::model::DEFAULT_CLUSTER);
    match (kind, name) {
        (CliKind::Cluster, Some(n)) => format!("/v1/clusters/{n}"),
        (CliKind::Cluster, None) => "/v1/clusters".into(),
        (CliKind::TaskDefinition, Some(n)) => format!("/v1/taskdefinitions/{n}"),
        (CliKind::TaskDefinition, None) => "/v1/taskdefinitions".into(),
        (CliKind::Service, Some(n)) => format!("/v1/services/{cluster}/{n}"),
        (CliKind::Service, None) => "/v1/services".into(),
        (CliKind::Task, Some(n)) => format!("/v1/tasks/{n}"),
        (CliKind::Task, None) => "/v1/tasks".into(),
        (CliKind::TargetGroup, Some(n)) => format!("/v1/targetgroups/{n}"),
        (CliKind::TargetGroup, None) => "/v1/targetgroups".into(),
        (CliKind::LoadBalancer, Some(n)) => format!("/v1/loadbalancers/{n}"),
        (CliKind::LoadBalancer, None) => "/v1/loadbalancers".into(),
    }
}

/// Runs `get`.
pub async fn run(client: &ApiClient, args: GetArgs) -> anyhow::Result<()> {
    let (kind, name) = kind_and_name(&args.kind, args.name.as_deref())?;
    let mut path = object_path(kind, name.as_deref(), args.cluster.as_deref());
    if name.is_none() {
        let mut query = Vec::new();
        if let Some(c) = &args.cluster {
            query.push(format!("cluster={c}"));
        }
        if args.all {
            query.push("all=true".into());
        }
        if !query.is_empty() {
            path = format!("{path}?{}", query.join("&"));
        }
    }
    let reply = client.get(&path).await?;
    if matches!(args.output, Format::Json | Format::Yaml) {
        return print_document(&reply, args.output);
    }
    let items = match name {
        Some(_) => vec![reply],
        None => reply["items"].as_array().cloned().unwrap_or_default(),
    };
    let wide = args.output == Format::Wide;
    match kind {
        CliKind::Cluster => clusters(&items),
        CliKind::TaskDefinition => task_definitions(&items, wide),
        CliKind::Service => services(&items, wide),
        CliKind::Task => tasks(&items, wide),
        CliKind::TargetGroup => target_groups(&items),
        CliKind::LoadBalancer => load_balancers(&items),
    }
    Ok(())
}

fn clusters(items: &[Value]) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|c| {
            vec![
                text(&c["clusterName"]),
                c["activeServicesCount"].to_string(),
                c["runningTasksCount"].to_string(),
                c["pendingTasksCount"].to_string(),
            ]
        })
        .collect();
    print_table(&["NAME", "SERVICES", "RUNNING", "PENDING"], &rows);
}

fn target_groups(items: &[Value]) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|tg| {
            let targets = tg["targets"].as_array().cloned().unwrap_or_default();
            let healthy = targets.iter().filter(|t| t["state"] == "healthy").count();
            vec![
                text(&tg["targetGroupName"]),
                text(&tg["spec"]["protocol"]),
                format!("{healthy}/{}", targets.len()),
                text(&tg["spec"]["healthCheckPath"]),
                age(&tg["createdAt"]),
            ]
        })
        .collect();
    print_table(&["NAME", "PROTOCOL", "HEALTHY", "CHECK PATH", "AGE"], &rows);
}

fn load_balancers(items: &[Value]) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|lb| {
            let listening: Vec<String> = lb["listening"]
                .as_array()
                .into_iter()
                .flatten()
                .map(text)
                .collect();
            vec![
                text(&lb["loadBalancerName"]),
                listening.join(","),
                age(&lb["createdAt"]),
            ]
        })
        .collect();
    print_table(&["NAME", "LISTENING", "AGE"], &rows);
}

fn task_definitions(items: &[Value], wide: bool) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|td| {
            let containers = td["containerDefinitions"].as_array().cloned().unwrap_or_default();
            let names: Vec<String> = containers.iter().map(|c| text(&c["name"])).collect();
            let images: Vec<String> = containers.iter().map(|c| text(&c["image"])).collect();
            let mut row = vec![
                format!("{}:{}", text(&td["family"]), td["revision"]),
                text(&td["status"]),
                names.join(","),
                age(&td["registeredAt"]),
            ];
            if wide {
                row.push(images.join(","));
            }
            row
        })
        .collect();
    let mut headers = vec!["NAME", "STATUS", "CONTAINERS", "AGE"];
    if wide {
        headers.push("IMAGES");
    }
    print_table(&headers, &rows);
}

fn services(items: &[Value], wide: bool) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|s| {
            let mut row = vec![
                text(&s["serviceName"]),
                s["desiredCount"].to_string(),
                s["runningCount"].to_string(),
                s["pendingCount"].to_string(),
                short_arn(&s["taskDefinition"]),
                age(&s["createdAt"]),
            ];
            if wide {
                row.push(short_arn(&s["clusterArn"]));
                row.push(text(&s["status"]));
            }
            row
        })
        .collect();
    let mut headers = vec!["NAME", "DESIRED", "RUNNING", "PENDING", "TASK DEFINITION", "AGE"];
    if wide {
        headers.extend(["CLUSTER", "STATUS"]);
    }
    print_table(&headers, &rows);
}

/// ORPHANED for a task adopted after a database loss (ECS's `lastStatus` stays RUNNING).
fn last_status(t: &Value) -> String {
    if t.get("orphaned").is_some_and(|o| !o.is_null()) {
        "ORPHANED".to_string()
    } else {
        text(&t["lastStatus"])
    }
}

fn tasks(items: &[Value], wide: bool) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|t| {
            let mut row = vec![
                task_id(t),
                text(&t["group"]),
                last_status(t),
                text(&t["desiredStatus"]),
                text(&t["healthStatus"]),
                ports(t),
                age(&t["createdAt"]),
            ];
            if wide {
                row.push(short_arn(&t["taskDefinitionArn"]));
                row.push(text(&t.get("stoppedReason").cloned().unwrap_or(json!(null))));
            }
            row
        })
        .collect();
    let mut headers = vec![
        "ID",
        "SERVICE/GROUP",
        "LAST STATUS",
        "DESIRED",
        "HEALTH",
        "PORTS",
        "AGE",
    ];
    if wide {
        headers.extend(["TASK DEFINITION", "STOPPED REASON"]);
    }
    print_table(&headers, &rows);
}
