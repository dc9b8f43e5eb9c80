//! The `ecsd` command line: one file per verb; every verb but `serve` talks to the daemon.

mod apply;
mod completion;
mod delete;
mod describe;
mod diff;
mod drain;
mod engine;
mod events;
mod exec;
mod get;
mod logs;
mod output;
mod rollout;
mod run_task;
mod scale;
mod schedule;
mod serve;
mod stop_task;
mod sync;
mod terminal;
mod top;
mod wait;

use crate::api::client::ApiClient;
use crate::config::default_socket;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Amazon ECS for one machine: keeps declared services and tasks running on Docker or Podman.
#[derive(Debug, Parser)]
#[command(name = "ecsd", version, about)]
pub struct Cli {
    /// Daemon socket.
    #[arg(long, global = true, env = "ECSD_SOCKET", default_value_os_t = default_socket())]
    pub socket: PathBuf,
    /// Log lines on stderr: `text` (coloured only on a terminal and without NO_COLOR) or
    /// `json` (one object per line, for journald or Loki).
    #[arg(
        long,
        global = true,
        env = "ECSD_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Whether text logs may carry ANSI colours: only on a terminal, and never when `NO_COLOR`
/// is set to anything non-empty (<https://no-color.org>).
pub fn log_colours(stderr_is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon.
    Serve(Box<serve::ServeArgs>),
    /// Create or update objects from manifest files, directories or stdin (`-f -`).
    Apply(apply::ApplyArgs),
    /// Show what `apply` would change, field by field, and what a prune would remove.
    Diff(diff::DiffArgs),
    /// Watched folders (GitOps): `ecsd sync status`.
    Sync(sync::SyncArgs),
    /// List objects: clusters, taskdefinitions (td), services (svc), tasks, containerinstances (ci), …
    Get(get::GetArgs),
    /// Show one object in detail.
    Describe(describe::DescribeArgs),
    /// Delete objects named in manifests (`-f`) or by kind and name.
    Delete(delete::DeleteArgs),
    /// Start standalone tasks from a task definition.
    RunTask(run_task::RunTaskArgs),
    /// Stop a task.
    StopTask(stop_task::StopTaskArgs),
    /// Print container output of a task or of every task of a service.
    Logs(logs::LogsArgs),
    /// Run a command in a task's container (exit code passed through).
    Exec(exec::ExecArgs),
    /// Change a service's desired count.
    Scale(scale::ScaleArgs),
    /// Stop placing tasks on a container instance (its service tasks move), or `--undo` that.
    Drain(drain::DrainArgs),
    /// Follow, list, undo or restart a service's deployments.
    Rollout(rollout::RolloutArgs),
    /// Service events, oldest first.
    Events(events::EventsArgs),
    /// Fire a scheduled task now, or enable or disable it.
    Schedule(schedule::ScheduleArgs),
    /// Current CPU, memory and network per service (or per task) against its reservation.
    Top(top::TopArgs),
    /// Print a shell completion script (bash, zsh, fish, …).
    Completion(completion::CompletionArgs),
    /// Write man pages into a directory.
    Man(completion::ManArgs),
    /// Versions of this CLI, the daemon and its engine.
    Version,
}

impl Cli {
    /// Runs the chosen verb; returns the process exit code.
    pub async fn run(self) -> anyhow::Result<i32> {
        let client = ApiClient::new(&self.socket);
        match self.command {
            Command::Serve(args) => serve::run(*args, self.socket).await?,
            Command::Apply(args) => apply::run(&client, args).await?,
            Command::Diff(args) => return diff::run(&client, args).await,
            Command::Sync(args) => return sync::run(&client, args).await,
            Command::Get(args) => get::run(&client, args).await?,
            Command::Describe(args) => describe::run(&client, args).await?,
            Command::Delete(args) => delete::run(&client, args).await?,
            Command::RunTask(args) => run_task::run(&client, args).await?,
            Command::StopTask(args) => stop_task::run(&client, args).await?,
            Command::Logs(args) => logs::run(&client, args).await?,
            Command::Exec(args) => return exec::run(&client, args).await,
            Command::Scale(args) => scale::run(&client, args).await?,
            Command::Drain(args) => drain::run(&client, args).await?,
            Command::Rollout(args) => rollout::run(&client, args).await?,
            Command::Events(args) => events::run(&client, args).await?,
            Command::Schedule(args) => schedule::run(&client, args).await?,
            Command::Top(args) => top::run(&client, args).await?,
            Command::Completion(args) => completion::completion(&args),
            Command::Man(args) => completion::man(&args)?,
            Command::Version => return completion::version(&client).await,
        }
        Ok(0)
    }
}

/// Object kinds as the CLI names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CliKind {
    /// clusters
    Cluster,
    /// taskdefinitions, td
    TaskDefinition,
    /// services, svc
    Service,
    /// tasks
    Task,
    /// targetgroups, tg
    TargetGroup,
    /// loadbalancers, lb
    LoadBalancer,
    /// scheduledtasks, st
    ScheduledTask,
    /// containerinstances, ci
    ContainerInstance,
}

impl CliKind {
    /// Parses `services`, `svc`, `service`, `Service`, …
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        Ok(match text.to_lowercase().as_str() {
            "cluster" | "clusters" => CliKind::Cluster,
            "taskdefinition" | "taskdefinitions" | "td" | "tds" => CliKind::TaskDefinition,
            "service" | "services" | "svc" => CliKind::Service,
            "task" | "tasks" => CliKind::Task,
            "targetgroup" | "targetgroups" | "tg" | "tgs" => CliKind::TargetGroup,
            "loadbalancer" | "loadbalancers" | "lb" | "lbs" => CliKind::LoadBalancer,
            "scheduledtask" | "scheduledtasks" | "st" | "schedule" | "schedules" => CliKind::ScheduledTask,
            "containerinstance" | "containerinstances" | "ci" | "instance" | "instances" => {
                CliKind::ContainerInstance
            }
            other => anyhow::bail!(
                "unknown kind {other:?}{}: expected clusters, taskdefinitions (td), services (svc), tasks, targetgroups (tg) loadbalancers (lb), scheduledtasks (st) or containerinstances (ci)",
                crate::model::closest(other, &KIND_WORDS)
                    .map(|k| format!(" (did you mean {k}?)"))
                    .unwrap_or_default()
            ),
        })
    }

    /// The kind as `-o name` prints it (`service/web`).
    pub fn singular(self) -> &'static str {
        match self {
            CliKind::Cluster => "cluster",
            CliKind::TaskDefinition => "taskdefinition",
            CliKind::Service => "service",
            CliKind::Task => "task",
            CliKind::TargetGroup => "targetgroup",
            CliKind::LoadBalancer => "loadbalancer",
            CliKind::ScheduledTask => "scheduledtask",
            CliKind::ContainerInstance => "containerinstance",
        }
    }

    /// The kind's plural, for messages.
    pub fn plural(self) -> &'static str {
        match self {
            CliKind::Cluster => "clusters",
            CliKind::TaskDefinition => "task definitions",
            CliKind::Service => "services",
            CliKind::Task => "tasks",
            CliKind::TargetGroup => "target groups",
            CliKind::LoadBalancer => "load balancers",
            CliKind::ScheduledTask => "scheduled tasks",
            CliKind::ContainerInstance => "container instances",
        }
    }
}

/// `?force=true` when forced, for verbs that change objects a watched folder may manage;
/// a forced change warns that the folder's next sync undoes it.
pub fn force_query(force: bool) -> &'static str {
    if force {
        eprintln!(
            "warning: --force: if a watched folder manages this object, its next sync undoes this change"
        );
        "?force=true"
    } else {
        ""
    }
}

/// Kind names a user may mean.
const KIND_WORDS: [&str; 8] = [
    "clusters",
    "taskdefinitions",
    "services",
    "tasks",
    "targetgroups",
    "loadbalancers",
    "scheduledtasks",
    "containerinstances",
];

/// Splits `KIND/NAME` or `KIND NAME` arguments.
pub fn kind_and_name(kind: &str, name: Option<&str>) -> anyhow::Result<(CliKind, Option<String>)> {
    match (kind.split_once('/'), name) {
        (Some((k, n)), None) => Ok((CliKind::parse(k)?, Some(n.to_string()))),
        (Some(_), Some(_)) => anyhow::bail!("give either KIND/NAME or KIND NAME, not both"),
        (None, name) => Ok((CliKind::parse(kind)?, name.map(str::to_string))),
    }
}

/// A `service/NAME` (or `svc/NAME`) argument and the `--cluster` it lives in.
#[derive(Debug, Args)]
pub struct ServiceTarget {
    /// `service/NAME` or `svc/NAME`.
    #[arg(value_name = "service/NAME")]
    target: String,
    /// Cluster of the service (default `default`).
    #[arg(long)]
    cluster: Option<String>,
}

impl ServiceTarget {
    /// The service it names.
    pub fn service(&self) -> anyhow::Result<ServiceName> {
        ServiceName::parse(&self.target, self.cluster.as_deref())
    }
}

/// One service, by cluster and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceName {
    /// Cluster name.
    pub cluster: String,
    /// Service name.
    pub name: String,
}

impl ServiceName {
    /// Parses `service/NAME` or `svc/NAME` in `cluster` (default `default`).
    pub fn parse(target: &str, cluster: Option<&str>) -> anyhow::Result<Self> {
        match kind_and_name(target, None) {
            Ok((CliKind::Service, Some(name))) if !name.is_empty() => Ok(Self {
                cluster: cluster.unwrap_or(crate::model::DEFAULT_CLUSTER).to_string(),
                name,
            }),
            _ => anyhow::bail!("expected service/NAME, got {target:?}"),
        }
    }

    /// Its native API path.
    pub fn path(&self) -> String {
        format!("/v1/services/{}/{}", self.cluster, self.name)
    }
}

impl std::fmt::Display for ServiceName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.cluster == crate::model::DEFAULT_CLUSTER {
            write!(f, "service/{}", self.name)
        } else {
            write!(f, "service/{}/{}", self.cluster, self.name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_target_is_service_or_svc_slash_name_in_the_default_cluster() {
        let web = ServiceName::parse("svc/web", None).unwrap();
        assert_eq!(web.path(), "/v1/services/default/web");
        assert_eq!(web.to_string(), "service/web");
        let api = ServiceName::parse("service/api", Some("prod")).unwrap();
        assert_eq!(api.path(), "/v1/services/prod/api");
        assert_eq!(api.to_string(), "service/prod/api");
    }

    #[test]
    fn a_bare_name_or_another_kind_is_not_a_service_target() {
        for text in ["web", "task/abc", "service/", "clusters"] {
            let err = ServiceName::parse(text, None).unwrap_err().to_string();
            assert!(err.contains("expected service/NAME"), "{text}: {err}");
        }
    }
}
