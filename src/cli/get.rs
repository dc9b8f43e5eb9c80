//! `ecsd get KIND [NAME]`: list objects as a table, or print ECS JSON/YAML.

mod instances;
mod scheduled_tasks;

use super::output::{Format, age, or_dash, ports, print_document, short_arn, task_id, wire};
use super::{CliKind, kind_and_name};
use crate::api::client::{ApiClient, parse};
use crate::api::shapes::{
    Cluster, Items, LoadBalancerShape, Service, TargetGroupShape, Task, TaskDefinition,
};
use clap::Args;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;

/// Flags of `ecsd get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// clusters, taskdefinitions (td), services (svc), tasks, containerinstances (ci), …; or KIND/NAME.
    kind: String,
    /// One object's name (a task's id or unique id prefix).
    name: Option<String>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    output: Format,
    /// Cluster of services, tasks and container instances (default: all; one named object:
    /// `default`).
    #[arg(long)]
    cluster: Option<String>,
    /// Include stopped tasks still within their retention.
    #[arg(short = 'a', long)]
    all: bool,
    /// Only objects whose labels (tags) match: `key=value`, `key!=value`, `key` (has it),
    /// `!key`; comma-separated terms must all hold, as kubectl's `-l`.
    #[arg(short = 'l', long)]
    selector: Option<String>,
    /// Table without its header line.
    #[arg(long)]
    no_headers: bool,
    /// After listing, watch: print a line for each object that appears or changes (every
    /// second; Ctrl-C ends it), as `kubectl get -w`.
    #[arg(short = 'w', long)]
    watch: bool,
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
        (CliKind::ScheduledTask, Some(n)) => format!("/v1/scheduledtasks/{cluster}/{n}"),
        (CliKind::ScheduledTask, None) => "/v1/scheduledtasks".into(),
        (CliKind::ContainerInstance, Some(n)) => format!("/v1/containerinstances/{cluster}/{n}"),
        (CliKind::ContainerInstance, None) => "/v1/containerinstances".into(),
    }
}

/// Runs `get`.
pub async fn run(client: &ApiClient, args: GetArgs) -> anyhow::Result<()> {
    let (kind, name) = kind_and_name(&args.kind, args.name.as_deref())?;
    let selector = args.selector.as_deref().map(Selector::parse).transpose()?;
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
    let one = name.is_some();
    let reply = client.get_json(&path).await?;
    if matches!(args.output, Format::Json | Format::Yaml) && selector.is_none() && !args.watch {
        return print_document(&reply, args.output);
    }
    let wide = args.output == Format::Wide;
    let mut listing = listing(kind, &path, reply.clone(), one, wide)?;
    if let Some(selector) = &selector {
        listing.keep(selector, kind)?;
    }
    match args.output {
        Format::Json | Format::Yaml => {
            print_document(&listing.documents(one), args.output)?;
        }
        Format::Name => listing.print_names(kind),
        Format::Manifest => print_manifests(client, kind, &listing).await?,
        Format::Table | Format::Wide => listing.print(!args.no_headers),
    }
    if !args.watch {
        return Ok(());
    }
    let mut seen = listing.rows_by_name();
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let reply = client.get_json(&path).await?;
        let mut now = listing_of(kind, &path, reply, one, wide)?;
        if let Some(selector) = &selector {
            now.keep(selector, kind)?;
        }
        for (name, line) in now.rows_by_name() {
            if seen.get(&name) != Some(&line) {
                if args.output == Format::Name {
                    println!("{}/{name}", kind.singular());
                } else {
                    println!("{line}");
                }
                seen.insert(name, line);
            }
        }
    }
}

/// Each listed object as an `ecsd/v1` manifest, `---` between them.
async fn print_manifests(client: &ApiClient, kind: CliKind, listing: &Listing) -> anyhow::Result<()> {
    let kind_name = match kind {
        CliKind::Cluster => "Cluster",
        CliKind::TaskDefinition => "TaskDefinition",
        CliKind::Service => "Service",
        CliKind::TargetGroup => "TargetGroup",
        CliKind::LoadBalancer => "LoadBalancer",
        CliKind::ScheduledTask => "ScheduledTask",
        CliKind::ContainerInstance => "ContainerInstance",
        CliKind::Task => anyhow::bail!(
            "tasks are not declared by manifests: use -o yaml, or get the service or task definition"
        ),
    };
    let mut documents = Vec::new();
    for row in &listing.rows {
        if kind == CliKind::ContainerInstance && row.document["declared"] == Value::Bool(false) {
            eprintln!(
                "containerinstance/{}: the daemon's own engine, which no manifest declares",
                row.name
            );
            continue;
        }
        let mut path = format!("/v1/manifests/{kind_name}/{}", row.name);
        if let Some(cluster) = &row.cluster {
            path.push_str(&format!("?cluster={cluster}"));
        }
        let document: Value = client.get_json(&path).await?;
        documents.push(serde_yaml_ng::to_string(&document)?);
    }
    print!("{}", documents.join("---\n"));
    Ok(())
}

fn listing_of(kind: CliKind, path: &str, reply: Value, one: bool, wide: bool) -> anyhow::Result<Listing> {
    listing(kind, path, reply, one, wide)
}

/// One listed object: its name, when it was made, its labels, its table cells.
#[derive(Debug, Clone)]
struct Row {
    /// The object as the daemon sent it (for `-o json|yaml` after a selector).
    document: Value,
    name: String,
    /// A service's cluster.
    cluster: Option<String>,
    created: f64,
    labels: Option<BTreeMap<String, String>>,
    cells: Vec<String>,
}

/// A table of objects of one kind.
#[derive(Debug, Clone)]
struct Listing {
    headers: Vec<&'static str>,
    rows: Vec<Row>,
}

impl Listing {
    /// Oldest first, newest last (as kubectl lists by creation); ties by name.
    fn sorted(mut self) -> Self {
        self.rows
            .sort_by(|a, b| a.created.total_cmp(&b.created).then_with(|| a.name.cmp(&b.name)));
        self
    }

    fn keep(&mut self, selector: &Selector, kind: CliKind) -> anyhow::Result<()> {
        if self.rows.iter().any(|r| r.labels.is_none()) {
            anyhow::bail!("{} have no labels to select on", kind.plural());
        }
        self.rows
            .retain(|r| r.labels.as_ref().is_some_and(|labels| selector.matches(labels)));
        Ok(())
    }

    fn print(&self, headers: bool) {
        let rows: Vec<Vec<String>> = self.rows.iter().map(|r| r.cells.clone()).collect();
        let widths = column_widths(if headers { &self.headers } else { &[] }, &rows);
        if headers {
            println!(
                "{}",
                join_padded(self.headers.iter().map(|h| h.to_string()), &widths)
            );
        }
        for row in rows {
            println!("{}", join_padded(row.into_iter(), &widths));
        }
    }

    fn print_names(&self, kind: CliKind) {
        for r in &self.rows {
            println!("{}/{}", kind.singular(), r.name);
        }
    }

    /// Each object's table line (headers' widths), by name, to tell what changed.
    fn rows_by_name(&self) -> BTreeMap<String, String> {
        let rows: Vec<Vec<String>> = self.rows.iter().map(|r| r.cells.clone()).collect();
        let widths = column_widths(&self.headers, &rows);
        self.rows
            .iter()
            .map(|r| (r.name.clone(), join_padded(r.cells.clone().into_iter(), &widths)))
            .collect()
    }

    /// The documents still listed (after a selector), as the reply had them.
    fn documents(&self, one: bool) -> Value {
        let mut docs: Vec<Value> = self.rows.iter().map(|r| r.document.clone()).collect();
        if one {
            return docs.pop().unwrap_or(Value::Null);
        }
        serde_json::json!({ "items": docs })
    }
}

fn column_widths(headers: &[&str], rows: &[Vec<String>]) -> Vec<usize> {
    let columns = headers.len().max(rows.first().map_or(0, Vec::len));
    let mut widths = vec![0; columns];
    for (w, h) in widths.iter_mut().zip(headers) {
        *w = h.len();
    }
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    widths
}

fn join_padded(cells: impl Iterator<Item = String>, widths: &[usize]) -> String {
    let padded: Vec<String> = cells.zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
    padded.join("   ").trim_end().to_string()
}

/// A kubectl-style label selector: comma-separated terms that must all hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector(Vec<Term>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Equals(String, String),
    NotEquals(String, String),
    Exists(String),
    Absent(String),
}

impl Selector {
    /// Parses `a=b,c!=d,e,!f` (`==` is `=`).
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let mut terms = Vec::new();
        for raw in text.split(',').map(str::trim) {
            let term = if let Some((k, v)) = raw.split_once("!=") {
                Term::NotEquals(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = raw.split_once("==").or_else(|| raw.split_once('=')) {
                Term::Equals(k.trim().into(), v.trim().into())
            } else if let Some(k) = raw.strip_prefix('!') {
                Term::Absent(k.trim().into())
            } else {
                Term::Exists(raw.into())
            };
            let key = match &term {
                Term::Equals(k, _) | Term::NotEquals(k, _) | Term::Exists(k) | Term::Absent(k) => k,
            };
            if key.is_empty() {
                anyhow::bail!(
                    "selector {text:?}: a term without a label key (expected key=value, key!=value, key or !key)"
                );
            }
            terms.push(term);
        }
        Ok(Self(terms))
    }

    /// Whether every term holds for `labels`.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|term| match term {
            Term::Equals(k, v) => labels.get(k) == Some(v),
            Term::NotEquals(k, v) => labels.get(k) != Some(v),
            Term::Exists(k) => labels.contains_key(k),
            Term::Absent(k) => !labels.contains_key(k),
        })
    }
}

fn tag_map(tags: &[crate::api::shapes::Tag]) -> Option<BTreeMap<String, String>> {
    Some(tags.iter().map(|t| (t.key.clone(), t.value.clone())).collect())
}

/// The table of a reply.
fn listing(kind: CliKind, path: &str, reply: Value, one: bool, wide: bool) -> anyhow::Result<Listing> {
    let documents: Vec<Value> = objects(path, reply.clone(), one)?;
    let mut listing = match kind {
        CliKind::Cluster => clusters(&objects(path, reply, one)?),
        CliKind::TaskDefinition => task_definitions(&objects(path, reply, one)?, wide),
        CliKind::Service => services(&objects(path, reply, one)?, wide),
        CliKind::Task => tasks(&objects(path, reply, one)?, wide),
        CliKind::TargetGroup => target_groups(&objects(path, reply, one)?),
        CliKind::LoadBalancer => load_balancers(&objects(path, reply, one)?),
        CliKind::ScheduledTask => scheduled_tasks::scheduled_tasks(&objects(path, reply, one)?, wide),
        CliKind::ContainerInstance => instances::container_instances(&objects(path, reply, one)?, wide),
    };
    for (row, document) in listing.rows.iter_mut().zip(documents) {
        row.document = document;
    }
    Ok(listing.sorted())
}

/// The objects of a reply: the one object, or the items of a list.
fn objects<T: DeserializeOwned>(path: &str, reply: Value, one: bool) -> anyhow::Result<Vec<T>> {
    Ok(if one {
        vec![parse(path, reply)?]
    } else {
        parse::<Items<T>>(path, reply)?.items
    })
}

fn clusters(items: &[Cluster]) -> Listing {
    let rows = items
        .iter()
        .map(|c| Row {
            document: Value::Null,
            cluster: None,
            name: c.cluster_name.clone(),
            created: 0.0,
            labels: tag_map(&c.tags),
            cells: vec![
                c.cluster_name.clone(),
                c.active_services_count.to_string(),
                c.running_tasks_count.to_string(),
                c.pending_tasks_count.to_string(),
            ],
        })
        .collect();
    Listing {
        headers: vec!["NAME", "SERVICES", "RUNNING", "PENDING"],
        rows,
    }
}

fn target_groups(items: &[TargetGroupShape]) -> Listing {
    let rows = items
        .iter()
        .map(|tg| {
            let healthy = tg.targets.iter().filter(|t| t.state == "healthy").count();
            Row {
                document: Value::Null,
                cluster: None,
                name: tg.target_group_name.clone(),
                created: tg.created_at,
                labels: Some(tg.labels.clone()),
                cells: vec![
                    tg.target_group_name.clone(),
                    wire(&tg.spec.protocol),
                    format!("{healthy}/{}", tg.targets.len()),
                    or_dash(tg.spec.health_check_path.as_deref()),
                    age(tg.created_at),
                ],
            }
        })
        .collect();
    Listing {
        headers: vec!["NAME", "PROTOCOL", "HEALTHY", "CHECK PATH", "AGE"],
        rows,
    }
}

fn load_balancers(items: &[LoadBalancerShape]) -> Listing {
    let rows = items
        .iter()
        .map(|lb| Row {
            document: Value::Null,
            cluster: None,
            name: lb.load_balancer_name.clone(),
            created: lb.created_at,
            labels: Some(lb.labels.clone()),
            cells: vec![
                lb.load_balancer_name.clone(),
                lb.listening.join(","),
                age(lb.created_at),
            ],
        })
        .collect();
    Listing {
        headers: vec!["NAME", "LISTENING", "AGE"],
        rows,
    }
}

fn task_definitions(items: &[TaskDefinition], wide: bool) -> Listing {
    let rows = items
        .iter()
        .map(|td| {
            let containers = td.container_definitions.iter().map(|c| &c.definition);
            let names: Vec<&str> = containers.clone().map(|c| c.name.as_str()).collect();
            let images: Vec<&str> = containers.map(|c| c.image.as_str()).collect();
            let name = format!("{}:{}", td.family, td.revision);
            let mut cells = vec![
                name.clone(),
                wire(&td.status),
                names.join(","),
                age(td.registered_at),
            ];
            if wide {
                cells.push(images.join(","));
            }
            Row {
                document: Value::Null,
                cluster: None,
                name,
                created: td.registered_at,
                labels: None,
                cells,
            }
        })
        .collect();
    let mut headers = vec!["NAME", "STATUS", "CONTAINERS", "AGE"];
    if wide {
        headers.push("IMAGES");
    }
    Listing { headers, rows }
}

fn services(items: &[Service], wide: bool) -> Listing {
    let rows = items
        .iter()
        .map(|s| {
            let mut cells = vec![
                s.service_name.clone(),
                s.desired_count.to_string(),
                s.running_count.to_string(),
                s.pending_count.to_string(),
                short_arn(&s.task_definition),
                age(s.created_at),
            ];
            if wide {
                cells.push(short_arn(&s.cluster_arn));
                cells.push(s.status.clone());
            }
            Row {
                document: Value::Null,
                cluster: Some(short_arn(&s.cluster_arn)),
                name: s.service_name.clone(),
                created: s.created_at,
                labels: tag_map(&s.tags),
                cells,
            }
        })
        .collect();
    let mut headers = vec!["NAME", "DESIRED", "RUNNING", "PENDING", "TASK DEFINITION", "AGE"];
    if wide {
        headers.extend(["CLUSTER", "STATUS"]);
    }
    Listing { headers, rows }
}

/// ORPHANED for a task adopted after a database loss (ECS's `lastStatus` stays RUNNING).
fn last_status(t: &Task) -> String {
    if t.orphaned.is_some() {
        "ORPHANED".to_string()
    } else {
        t.last_status.to_string()
    }
}

fn tasks(items: &[Task], wide: bool) -> Listing {
    let rows = items
        .iter()
        .map(|t| {
            let mut cells = vec![
                task_id(t),
                t.group.clone(),
                last_status(t),
                t.desired_status.as_str().to_string(),
                t.health_status.as_str().to_string(),
                ports(&t.containers),
                age(t.created_at),
            ];
            if wide {
                cells.push(short_arn(&t.task_definition_arn));
                cells.push(or_dash(t.stopped_reason.as_deref()));
            }
            Row {
                document: Value::Null,
                cluster: None,
                name: task_id(t),
                created: t.created_at,
                labels: tag_map(&t.tags),
                cells,
            }
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
    Listing { headers, rows }
}

#[cfg(test)]
mod selector_tests {
    use super::Selector;
    use std::collections::BTreeMap;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_selector_matches_when_every_term_holds() {
        let web = labels(&[("team", "web"), ("tier", "front")]);
        let api = labels(&[("team", "api")]);
        let s = Selector::parse("team=web").unwrap();
        assert!(s.matches(&web) && !s.matches(&api));
        let s = Selector::parse("team!=web,tier").unwrap();
        assert!(!s.matches(&web) && !s.matches(&api));
        let s = Selector::parse("team==api, !tier").unwrap();
        assert!(s.matches(&api) && !s.matches(&web));
        assert!(Selector::parse("=x").is_err());
    }
}
