//! The data plane of `logs` and `exec`: the daemon names the containers and the engine it
//! uses; the CLI then streams straight from that engine (no extra hop for bytes or TTYs).

use super::output::task_id;
use crate::api::client::ApiClient;
use crate::api::shapes::{Health, Items, Task};
use crate::runtime::DockerRuntime;

/// One container to read from or exec into.
#[derive(Debug, Clone)]
pub struct Target {
    /// Task id.
    pub task: String,
    /// Container name.
    pub container: String,
    /// Engine container id.
    pub runtime_id: String,
    /// ECS lastStatus of the container.
    pub last_status: String,
}

/// Connects to the engine the daemon uses.
pub async fn engine(client: &ApiClient) -> anyhow::Result<DockerRuntime> {
    let health: Health = client.get("/v1/health").await?;
    Ok(DockerRuntime::connect(Some(&health.engine))?)
}

/// Containers of `target` (`TASK`, a task id prefix, or `service/NAME`), optionally only `container`.
pub async fn targets(
    client: &ApiClient,
    target: &str,
    cluster: Option<&str>,
    container: Option<&str>,
) -> anyhow::Result<Vec<Target>> {
    let tasks: Vec<Task> = match target.split_once('/') {
        Some(("service" | "svc" | "services", name)) => {
            let cluster = cluster.unwrap_or(crate::model::DEFAULT_CLUSTER);
            let reply: Items<Task> = client
                .get(&format!("/v1/tasks?cluster={cluster}&service={name}&all=true"))
                .await?;
            reply.items
        }
        Some((kind, _)) => anyhow::bail!("expected TASK or service/NAME, got {kind}/…"),
        None => vec![client.get(&format!("/v1/tasks/{target}")).await?],
    };
    let mut out = Vec::new();
    for task in &tasks {
        for c in &task.containers {
            let Some(runtime_id) = &c.runtime_id else {
                continue;
            };
            if container.is_some_and(|want| want != c.name) {
                continue;
            }
            out.push(Target {
                task: task_id(task),
                container: c.name.clone(),
                runtime_id: runtime_id.clone(),
                last_status: c.last_status.to_string(),
            });
        }
    }
    if out.is_empty() {
        match container {
            Some(c) => anyhow::bail!("no container named {c} in {target}"),
            None => anyhow::bail!("{target} has no containers (yet)"),
        }
    }
    Ok(out)
}
