//! `ecsd describe KIND NAME`: one object in detail, for a person.

use super::get::object_path;
use super::output::{age, ports, short_arn, task_id, text};
use super::{CliKind, kind_and_name};
use crate::api::client::ApiClient;
use clap::Args;
use serde_json::Value;

/// Flags of `ecsd describe`.
#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// services (svc), tasks, taskdefinitions (td), clusters; or KIND/NAME.
    kind: String,
    /// Object name (a task's id or unique id prefix).
    name: Option<String>,
    /// Cluster of the service (default `default`).
    #[arg(long)]
    cluster: Option<String>,
}

/// Runs `describe`.
pub async fn run(client: &ApiClient, args: DescribeArgs) -> anyhow::Result<()> {
    let (kind, name) = kind_and_name(&args.kind, args.name.as_deref())?;
    let Some(name) = name else {
        anyhow::bail!("describe needs a NAME");
    };
    let object = client
        .get(&object_path(kind, Some(&name), args.cluster.as_deref()))
        .await?;
    match kind {
        CliKind::Service => service(client, &object).await?,
        CliKind::Task => task(&object),
        CliKind::TargetGroup => target_group(&object),
        CliKind::TaskDefinition | CliKind::Cluster | CliKind::LoadBalancer => {
            print!("{}", serde_yaml_ng::to_string(&object)?)
        }
    }
    Ok(())
}

fn field(label: &str, value: impl std::fmt::Display) {
    println!("{:<17}{value}", format!("{label}:"));
}

async fn service(client: &ApiClient, s: &Value) -> anyhow::Result<()> {
    field("Name", text(&s["serviceName"]));
    field("Cluster", short_arn(&s["clusterArn"]));
    field("Status", text(&s["status"]));
    field("Task definition", short_arn(&s["taskDefinition"]));
    field(
        "Tasks",
        format!(
            "{} desired, {} running, {} pending",
            s["desiredCount"], s["runningCount"], s["pendingCount"]
        ),
    );
    field("Age", age(&s["createdAt"]));
    let balancers: Vec<String> = s["loadBalancers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|lb| {
            format!(
                "{} <- {}:{}",
                crate::model::load_balancing::target_group_name(&text(&lb["targetGroupArn"])),
                text(&lb["containerName"]),
                lb["containerPort"]
            )
        })
        .collect();
    if !balancers.is_empty() {
        field("Target groups", balancers.join(", "));
    }
    println!("Deployments:");
    for d in s["deployments"].as_array().into_iter().flatten() {
        println!(
            "  {}  {}  {}  {}",
            text(&d["id"]),
            text(&d["status"]),
            short_arn(&d["taskDefinition"]),
            text(&d["rolloutState"])
        );
    }
    let cluster = short_arn(&s["clusterArn"]);
    let name = text(&s["serviceName"]);
    let tasks = client
        .get(&format!("/v1/tasks?cluster={cluster}&service={name}"))
        .await?;
    println!("Tasks:");
    for t in tasks["items"].as_array().into_iter().flatten() {
        println!(
            "  {}  {:<8}  {}  {}",
            task_id(t),
            text(&t["lastStatus"]),
            short_arn(&t["taskDefinitionArn"]),
            ports(t)
        );
    }
    println!("Events:");
    for e in s["events"].as_array().into_iter().flatten() {
        println!("  {}  {}", age(&e["createdAt"]), text(&e["message"]));
    }
    Ok(())
}

fn target_group(tg: &Value) {
    field("Name", text(&tg["targetGroupName"]));
    field("ARN", text(&tg["targetGroupArn"]));
    println!("Settings (every default shown):");
    for line in serde_yaml_ng::to_string(&tg["spec"]).unwrap_or_default().lines() {
        println!("  {line}");
    }
    field("Load balancers", list(&tg["loadBalancers"]));
    field("Services", list(&tg["services"]));
    println!("Targets:");
    for t in tg["targets"].as_array().into_iter().flatten() {
        println!(
            "  {}  {:<9}  {}  task {}  {}  {}",
            text(&t["address"]),
            text(&t["state"]),
            text(&t["reason"]),
            text(&t["task"]),
            text(&t["container"]),
            text(&t["description"])
        );
    }
}

fn list(value: &Value) -> String {
    let names: Vec<String> = value.as_array().into_iter().flatten().map(text).collect();
    if names.is_empty() {
        "-".into()
    } else {
        names.join(", ")
    }
}

fn task(t: &Value) {
    field("Task", task_id(t));
    field("Cluster", short_arn(&t["clusterArn"]));
    field("Task definition", short_arn(&t["taskDefinitionArn"]));
    field("Group", text(&t["group"]));
    field("Last status", text(&t["lastStatus"]));
    field("Desired status", text(&t["desiredStatus"]));
    field("Health", text(&t["healthStatus"]));
    if let Some(why) = t.get("orphaned").and_then(Value::as_str) {
        field("Orphaned", why.to_string());
    }
    if t.get("stopCode").is_some() {
        field("Stop code", text(&t["stopCode"]));
        field("Stopped reason", text(&t["stoppedReason"]));
    }
    field("Age", age(&t["createdAt"]));
    for (label, key) in [
        ("Created", "createdAt"),
        ("Started", "startedAt"),
        ("Stopping", "stoppingAt"),
        ("Stopped", "stoppedAt"),
    ] {
        if let Some(at) = t[key].as_f64() {
            field(label, format!("{} ago ({at:.3})", age(&t[key])));
        }
    }
    println!("Containers:");
    for c in t["containers"].as_array().into_iter().flatten() {
        let single = serde_json::json!({"containers": [c]});
        println!("  {}", text(&c["name"]));
        println!("    Image:       {}", text(&c["image"]));
        println!("    Runtime id:  {}", text(&c["runtimeId"]));
        println!("    Status:      {}", text(&c["lastStatus"]));
        println!("    Health:      {}", text(&c["healthStatus"]));
        println!("    Exit code:   {}", text(&c["exitCode"]));
        println!("    Reason:      {}", text(&c["reason"]));
        println!("    Ports:       {}", ports(&single));
        for p in c["healthProbes"].as_array().into_iter().flatten() {
            let output = text(&p["output"]).replace('\n', " | ");
            println!("    Probe:       exit {}  {output}", p["exitCode"]);
        }
    }
}
