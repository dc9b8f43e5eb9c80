//! Scenario 6, API: `get tasks` latency with many tasks (running and stopped) in the store,
//! through the CLI (what a person waits for) and through the native API alone.

use crate::Bench;
use crate::engine::filters;
use crate::fleet::Fleet;
use crate::manifests;
use crate::poll::wait_for;
use crate::report::{Figure, ScenarioReport};
use anyhow::Context as _;
use ecsd::api::ecs::TARGET_PREFIX;
use ecsd::controller::KEEP_STOPPED_CONTAINERS;
use ecsd::runtime::labels;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

const FAMILY: &str = "quick";
/// The most tasks one ECS DescribeTasks call may name.
const DESCRIBE_MAX: usize = 100;

/// One way of asking for tasks.
enum Probe {
    /// The CLI with these arguments (process start to exit).
    Cli(&'static [&'static str]),
    /// The native API on the unix socket.
    Native(&'static str),
    /// ECS `DescribeTasks` of 100 tasks on the ECS endpoint.
    Describe,
}

/// Fills the fleet's store up to the API task count with tasks that stop at once, then
/// measures every way of listing or describing tasks, interleaved.
pub async fn run(bench: &Bench, fleet: &mut Fleet, out: &mut ScenarioReport) -> anyhow::Result<()> {
    let total = bench.options.api_tasks();
    let stopped = total.saturating_sub(fleet.size);
    fill_with_stopped_tasks(bench, fleet, stopped).await?;
    let arns: Vec<String> = fleet
        .daemon
        .tasks("all=true")
        .await?
        .iter()
        .filter_map(|t| t["taskArn"].as_str().map(str::to_string))
        .collect();
    let requests = bench.options.api_requests();
    let page_size = arns.len().min(DESCRIBE_MAX);
    out.note(format!(
        "{} tasks in the store ({} running, {stopped} stopped via `run-task --count 10` of a container that \
         exits at once); {requests} requests each, interleaved; CLI = process start to exit; DescribeTasks \
         over `serve --listen` on loopback TCP, {page_size} task ARNs per call, cycling through every task",
        arns.len(),
        fleet.size
    ));
    let probes = [
        (
            "cli_get",
            format!("`ecsd get tasks -o json` ({} listed)", fleet.size),
            Probe::Cli(&["get", "tasks", "-o", "json"]),
        ),
        (
            "cli_get_all",
            format!("`ecsd get tasks --all -o json` ({} listed)", arns.len()),
            Probe::Cli(&["get", "tasks", "--all", "-o", "json"]),
        ),
        (
            "api_get",
            "GET /v1/tasks (API only, no CLI process)".into(),
            Probe::Native("/v1/tasks"),
        ),
        (
            "api_get_all",
            "GET /v1/tasks?all=true (API only)".into(),
            Probe::Native("/v1/tasks?all=true"),
        ),
        (
            "describe",
            format!("ECS DescribeTasks, {page_size} tasks per call"),
            Probe::Describe,
        ),
    ];
    let latencies = measure(fleet, &probes, &arns, requests).await?;
    for ((key, label, _), samples) in probes.into_iter().zip(&latencies) {
        out.figure(Figure::latency(key, label, "ms", samples));
    }
    Ok(())
}

/// Milliseconds of `requests` rounds of every probe, interleaved so all see the same machine;
/// DescribeTasks pages through `arns`.
async fn measure(
    fleet: &Fleet,
    probes: &[(&str, String, Probe)],
    arns: &[String],
    requests: usize,
) -> anyhow::Result<Vec<Vec<f64>>> {
    let page_size = arns.len().min(DESCRIBE_MAX);
    let ecs_endpoint = fleet.daemon.ecs_endpoint()?;
    let mut latencies = vec![Vec::new(); probes.len()];
    for request in 0..requests {
        let page: Vec<&String> = arns
            .iter()
            .cycle()
            .skip(request * page_size)
            .take(page_size)
            .collect();
        for ((_, _, probe), samples) in probes.iter().zip(&mut latencies) {
            let started = Instant::now();
            match probe {
                Probe::Cli(args) => drop(fleet.daemon.cli(args).await?),
                Probe::Native(path) => drop(fleet.daemon.get(path).await?),
                Probe::Describe => describe_tasks(ecs_endpoint, &page).await?,
            }
            samples.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    Ok(latencies)
}

/// ECS `DescribeTasks` of `arns` on the ECS endpoint; fails unless every task is found.
async fn describe_tasks(endpoint: SocketAddr, arns: &[&String]) -> anyhow::Result<()> {
    let body = json!({"cluster": "default", "tasks": arns}).to_string();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {endpoint}\r\nX-Amz-Target: {TARGET_PREFIX}DescribeTasks\r\n\
         Content-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(endpoint).await?;
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").context("malformed HTTP response")?;
    anyhow::ensure!(
        head.starts_with("HTTP/1.1 200"),
        "DescribeTasks failed: {head}\n{body}"
    );
    let reply: Value = serde_json::from_str(body).context("DescribeTasks answered no JSON")?;
    let found = reply["tasks"].as_array().map_or(0, Vec::len);
    anyhow::ensure!(
        found == arns.len(),
        "DescribeTasks found {found} of {} tasks: {body}",
        arns.len()
    );
    Ok(())
}

/// Runs `stopped` tasks of a task definition whose container exits at once, 10 per call, and
/// waits until they are all STOPPED and retention has removed their containers.
async fn fill_with_stopped_tasks(bench: &Bench, fleet: &Fleet, stopped: usize) -> anyhow::Result<()> {
    let daemon = &fleet.daemon;
    daemon
        .apply("quick.yaml", &manifests::exiting_task_definition(FAMILY))
        .await?;
    let mut left = stopped;
    while left > 0 {
        let count = left.min(10);
        daemon
            .cli(&["run-task", FAMILY, "--count", &count.to_string()])
            .await?;
        left -= count;
    }
    let group = format!("family:{FAMILY}");
    wait_for(
        "the quick tasks are STOPPED",
        Duration::from_secs(1800),
        Duration::from_millis(500),
        async || {
            let tasks = daemon.tasks("all=true").await?;
            let done = tasks
                .iter()
                .filter(|t| t["group"] == group.as_str() && t["lastStatus"] == "STOPPED")
                .count();
            Ok((done >= stopped).then_some(()))
        },
    )
    .await?;
    let owner = daemon.owner_label();
    let td = labels::filter(labels::TASK_DEFINITION, &format!("{FAMILY}:1"));
    wait_for(
        "retention removed the quick containers",
        Duration::from_secs(300),
        Duration::from_millis(500),
        async || {
            let left = bench
                .engine
                .containers(filters(&[("label", &owner), ("label", &td)]), true)
                .await?;
            Ok((left.len() <= KEEP_STOPPED_CONTAINERS).then_some(()))
        },
    )
    .await
}
