//! `ecsd describe KIND NAME`: one object in detail, for a person.

use super::get::object_path;
use super::output::{age, humanize_times, or_dash, ports, short_arn, task_id, timestamp, wire};
use super::{CliKind, kind_and_name};
use crate::api::client::{ApiClient, parse};
use crate::api::shapes::{
    ContainerInstanceShape, Items, ScheduledTaskShape, Service, TargetGroupShape, Task,
};
use clap::Args;

/// Flags of `ecsd describe`.
#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// services (svc), tasks, taskdefinitions (td), clusters, containerinstances (ci), …; or KIND/NAME.
    kind: String,
    /// Object name (a task's id or unique id prefix).
    name: Option<String>,
    /// Cluster of the service, schedule or container instance (default `default`).
    #[arg(long)]
    cluster: Option<String>,
}

/// Runs `describe`.
pub async fn run(client: &ApiClient, args: DescribeArgs) -> anyhow::Result<()> {
    let (kind, name) = kind_and_name(&args.kind, args.name.as_deref())?;
    let Some(name) = name else {
        anyhow::bail!("describe needs a NAME");
    };
    let path = object_path(kind, Some(&name), args.cluster.as_deref());
    let mut object = client.get_json(&path).await?;
    match kind {
        CliKind::Service => service(client, &parse(&path, object)?).await?,
        CliKind::Task => task(&parse(&path, object)?),
        CliKind::TargetGroup => target_group(&parse(&path, object)?)?,
        CliKind::ScheduledTask => scheduled_task(&parse(&path, object)?),
        CliKind::ContainerInstance => container_instance(client, &parse(&path, object)?).await?,
        CliKind::TaskDefinition | CliKind::Cluster | CliKind::LoadBalancer => {
            humanize_times(&mut object);
            print!("{}", serde_yaml_ng::to_string(&object)?)
        }
    }
    Ok(())
}

fn scheduled_task(st: &ScheduledTaskShape) {
    field("Name", &st.name);
    field("Cluster", &st.cluster);
    field("Schedule", &st.spec.schedule_expression);
    field("Time zone", st.spec.timezone());
    field("State", wire(&st.spec.state));
    field("Description", or_dash(st.spec.description.as_ref()));
    field(
        "Task definition",
        st.spec
            .task_definition
            .as_deref()
            .unwrap_or("- (no target: never runs)"),
    );
    field("Tasks per run", st.spec.task_count());
    field("Concurrency", wire(&st.spec.concurrency_policy));
    field(
        "Deadline",
        or_dash(st.spec.starting_deadline_seconds.map(|s| format!("{}s", s.0))),
    );
    field("Active tasks", st.active_tasks);
    field("Age", age(st.created_at));
    println!("Next runs:");
    if st.next_runs.is_empty() {
        println!("  (none)");
    }
    for at in &st.next_runs {
        println!("  {}", timestamp(*at));
    }
    println!("Runs:");
    if st.runs.is_empty() {
        println!("  (none yet)");
    }
    for r in st.runs.iter().rev() {
        let codes: Vec<String> = r.exit_codes.iter().map(|c| or_dash(c.as_ref())).collect();
        println!(
            "  {}  {:<9}  tasks {}  exit {}  {}",
            timestamp(r.scheduled_at),
            wire(&r.outcome),
            or_dash((!r.task_ids.is_empty()).then(|| r.task_ids.join(","))),
            or_dash((!codes.is_empty()).then(|| codes.join(","))),
            r.message.as_deref().unwrap_or_default()
        );
    }
}

async fn container_instance(client: &ApiClient, ci: &ContainerInstanceShape) -> anyhow::Result<()> {
    field("Name", &ci.name);
    field("Cluster", &ci.cluster);
    field("ID", &ci.id);
    field("ARN", &ci.container_instance_arn);
    let kind = format!("{} {}", ci.engine_kind, ci.engine_version);
    let engine = match kind.trim() {
        "" => ci.engine.clone(),
        kind => format!("{} ({kind})", ci.engine),
    };
    field("Engine", engine);
    if !ci.declared {
        field("Declared", "no: the daemon's own engine");
    }
    let since = ci.connected_since.map(|at| format!(" since {} ago", age(at)));
    field(
        "Connected",
        format!("{}{}", ci.agent_connected, since.unwrap_or_default()),
    );
    if let Some(error) = &ci.engine_error {
        field("Engine error", error);
    }
    field("Address", &ci.address);
    field("Status", wire(&ci.status));
    let (registered, remaining) = (&ci.registered_resources, &ci.remaining_resources);
    field(
        "CPU",
        format!("{} of {} units free", remaining.cpu, registered.cpu),
    );
    field(
        "Memory",
        format!("{} of {} MiB free", remaining.memory, registered.memory),
    );
    let listed = |ports: &[u16]| or_dash((!ports.is_empty()).then(|| ports_list(ports)));
    field(
        "Ports in use",
        format!(
            "tcp {}, udp {}",
            listed(&remaining.ports),
            listed(&remaining.ports_udp)
        ),
    );
    field(
        "Tasks",
        format!(
            "{} running, {} pending",
            ci.running_tasks_count, ci.pending_tasks_count
        ),
    );
    if ci.registered_at > 0.0 {
        field(
            "Registered",
            format!("{} ago ({})", age(ci.registered_at), timestamp(ci.registered_at)),
        );
    }
    println!("Attributes:");
    for (name, value) in &ci.attributes {
        match value {
            Some(value) => println!("  {name}={value}"),
            None => println!("  {name}"),
        }
    }
    let path = format!("/v1/tasks?cluster={}&instance={}", ci.cluster, ci.id);
    let tasks: Items<Task> = client.get(&path).await?;
    task_lines(&tasks.items);
    Ok(())
}

/// `Tasks:` and one line per task: id, last status, revision, ports.
fn task_lines(tasks: &[Task]) {
    println!("Tasks:");
    if tasks.is_empty() {
        println!("  (none)");
    }
    for t in tasks {
        println!(
            "  {}  {:<8}  {}  {}",
            task_id(t),
            t.last_status,
            short_arn(&t.task_definition_arn),
            ports(&t.containers)
        );
    }
}

fn ports_list(ports: &[u16]) -> String {
    ports.iter().map(u16::to_string).collect::<Vec<_>>().join(",")
}

fn field(label: &str, value: impl std::fmt::Display) {
    println!("{:<17}{value}", format!("{label}:"));
}

async fn service(client: &ApiClient, s: &Service) -> anyhow::Result<()> {
    let cluster = short_arn(&s.cluster_arn);
    field("Name", &s.service_name);
    field("Cluster", &cluster);
    field("Status", &s.status);
    field("Task definition", short_arn(&s.task_definition));
    field(
        "Tasks",
        format!(
            "{} desired, {} running, {} pending",
            s.desired_count, s.running_count, s.pending_count
        ),
    );
    field("Age", age(s.created_at));
    let line = super::top::service_line(client, &cluster, &s.service_name).await?;
    field("Utilization", super::top::utilization(line.as_ref()));
    let restarts = line.and_then(|l| l.restarts).unwrap_or_default();
    field("Restarts", restarts.summary());
    let balancers: Vec<String> = s
        .load_balancers
        .iter()
        .map(|lb| {
            format!(
                "{} <- {}:{}",
                crate::model::load_balancing::target_group_name(&lb.target_group_arn),
                lb.container_name,
                lb.container_port
            )
        })
        .collect();
    if !balancers.is_empty() {
        field("Target groups", balancers.join(", "));
    }
    println!("Deployments:");
    for d in &s.deployments {
        println!(
            "  {}  {}  {}  {}",
            d.id,
            wire(&d.status),
            or_dash(d.task_definition.as_deref().map(short_arn)),
            wire(&d.rollout_state)
        );
    }
    let tasks: Items<Task> = client
        .get(&format!("/v1/tasks?cluster={cluster}&service={}", s.service_name))
        .await?;
    task_lines(&tasks.items);
    println!("Events:");
    for e in &s.events {
        println!("  {}  {}", age(e.created_at), e.message);
    }
    Ok(())
}

fn target_group(tg: &TargetGroupShape) -> anyhow::Result<()> {
    field("Name", &tg.target_group_name);
    field("ARN", &tg.target_group_arn);
    println!("Settings (every default shown):");
    for line in serde_yaml_ng::to_string(&tg.spec)?.lines() {
        println!("  {line}");
    }
    field("Load balancers", list(&tg.load_balancers));
    field("Services", list(&tg.services));
    println!("Targets:");
    for t in &tg.targets {
        println!(
            "  {}  {:<9}  {}  task {}  {}  {}",
            t.address,
            t.state,
            or_dash(t.reason.as_deref()),
            t.task,
            t.container,
            t.description
        );
    }
    Ok(())
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "-".into()
    } else {
        names.join(", ")
    }
}

fn task(t: &Task) {
    field("Task", task_id(t));
    field("Cluster", short_arn(&t.cluster_arn));
    field("Task definition", short_arn(&t.task_definition_arn));
    field("Group", &t.group);
    field("Last status", t.last_status);
    field("Desired status", t.desired_status.as_str());
    field("Health", t.health_status.as_str());
    if let Some(why) = &t.orphaned {
        field("Orphaned", why);
    }
    if let Some(code) = &t.stop_code {
        field("Stop code", wire(code));
        field("Stopped reason", or_dash(t.stopped_reason.as_deref()));
    }
    field("Age", age(t.created_at));
    for (label, at) in [
        ("Created", Some(t.created_at)),
        ("Started", t.started_at),
        ("Stopping", t.stopping_at),
        ("Stopped", t.stopped_at),
    ] {
        if let Some(at) = at {
            field(label, format!("{} ago ({})", age(at), timestamp(at)));
        }
    }
    println!("Containers:");
    for c in &t.containers {
        println!("  {}", c.name);
        println!("    Image:       {}", or_dash(c.image.as_deref()));
        println!("    Runtime id:  {}", or_dash(c.runtime_id.as_deref()));
        println!("    Status:      {}", c.last_status);
        println!("    Health:      {}", c.health_status.as_str());
        println!("    Exit code:   {}", or_dash(c.exit_code));
        println!("    Reason:      {}", or_dash(c.reason.as_deref()));
        println!("    Ports:       {}", ports(std::slice::from_ref(c)));
        for p in &c.health_probes {
            let output = p.output.replace('\n', " | ");
            println!("    Probe:       exit {}  {output}", p.exit_code);
        }
    }
}
