//! `ecsd get KIND [NAME]`: list objects as a table, or print ECS JSON/YAML.

use super::output::{Format, age, or_dash, ports, print_document, print_table, short_arn, task_id, wire};
use super::{CliKind, kind_and_name};
use crate::api::client::{ApiClient, parse};
use crate::api::shapes::{
    Cluster, Items, LoadBalancerShape, Service, TargetGroupShape, Task, TaskDefinition,
};
use clap::Args;
use serde::de::DeserializeOwned;
use serde_json::Value;

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
    let reply = client.get_json(&path).await?;
    if matches!(args.output, Format::Json | Format::Yaml) {
        return print_document(&reply, args.output);
    }
    let one = name.is_some();
    let wide = args.output == Format::Wide;
    match kind {
        CliKind::Cluster => clusters(&objects(&path, reply, one)?),
        CliKind::TaskDefinition => task_definitions(&objects(&path, reply, one)?, wide),
        CliKind::Service => services(&objects(&path, reply, one)?, wide),
        CliKind::Task => tasks(&objects(&path, reply, one)?, wide),
        CliKind::TargetGroup => target_groups(&objects(&path, reply, one)?),
        CliKind::LoadBalancer => load_balancers(&objects(&path, reply, one)?),
    }
    Ok(())
}

/// The objects of a reply: the one object, or the items of a list.
fn objects<T: DeserializeOwned>(path: &str, reply: Value, one: bool) -> anyhow::Result<Vec<T>> {
    Ok(if one {
        vec![parse(path, reply)?]
    } else {
        parse::<Items<T>>(path, reply)?.items
    })
}

fn clusters(items: &[Cluster]) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|c| {
            vec![
                c.cluster_name.clone(),
                c.active_services_count.to_string(),
                c.running_tasks_count.to_string(),
                c.pending_tasks_count.to_string(),
            ]
        })
        .collect();
    print_table(&["NAME", "SERVICES", "RUNNING", "PENDING"], &rows);
}

fn target_groups(items: &[TargetGroupShape]) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|tg| {
            let healthy = tg.targets.iter().filter(|t| t.state == "healthy").count();
            vec![
                tg.target_group_name.clone(),
                wire(&tg.spec.protocol),
                format!("{healthy}/{}", tg.targets.len()),
                or_dash(tg.spec.health_check_path.as_deref()),
                age(tg.created_at),
            ]
        })
        .collect();
    print_table(&["NAME", "PROTOCOL", "HEALTHY", "CHECK PATH", "AGE"], &rows);
}

fn load_balancers(items: &[LoadBalancerShape]) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|lb| {
            vec![
                lb.load_balancer_name.clone(),
                lb.listening.join(","),
                age(lb.created_at),
            ]
        })
        .collect();
    print_table(&["NAME", "LISTENING", "AGE"], &rows);
}

fn task_definitions(items: &[TaskDefinition], wide: bool) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|td| {
            let containers = td.container_definitions.iter().map(|c| &c.definition);
            let names: Vec<&str> = containers.clone().map(|c| c.name.as_str()).collect();
            let images: Vec<&str> = containers.map(|c| c.image.as_str()).collect();
            let mut row = vec![
                format!("{}:{}", td.family, td.revision),
                wire(&td.status),
                names.join(","),
                age(td.registered_at),
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

fn services(items: &[Service], wide: bool) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|s| {
            let mut row = vec![
                s.service_name.clone(),
                s.desired_count.to_string(),
                s.running_count.to_string(),
                s.pending_count.to_string(),
                short_arn(&s.task_definition),
                age(s.created_at),
            ];
            if wide {
                row.push(short_arn(&s.cluster_arn));
                row.push(s.status.clone());
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
fn last_status(t: &Task) -> String {
    if t.orphaned.is_some() {
        "ORPHANED".to_string()
    } else {
        t.last_status.to_string()
    }
}

fn tasks(items: &[Task], wide: bool) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|t| {
            let mut row = vec![
                task_id(t),
                t.group.clone(),
                last_status(t),
                t.desired_status.as_str().to_string(),
                t.health_status.as_str().to_string(),
                ports(&t.containers),
                age(t.created_at),
            ];
            if wide {
                row.push(short_arn(&t.task_definition_arn));
                row.push(or_dash(t.stopped_reason.as_deref()));
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
