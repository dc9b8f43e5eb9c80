//! `ecsd events [service/NAME | scheduledtask/NAME]`: events of services, scheduled tasks,
//! watched folders and the state database, oldest first.

use super::output::{age, print_table};
use super::{CliKind, kind_and_name};
use crate::api::client::ApiClient;
use crate::api::shapes::{EventEntry, Items};
use crate::model::DEFAULT_CLUSTER;
use clap::Args;

/// Flags of `ecsd events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Only this service (`service/NAME`) or scheduled task (`scheduledtask/NAME`, `st/NAME`).
    #[arg(value_name = "KIND/NAME")]
    target: Option<String>,
    /// Only this cluster's services and scheduled tasks (default: all; `default` for a named one).
    #[arg(long)]
    cluster: Option<String>,
}

/// The query naming what `args` asks for.
fn query(args: &EventsArgs) -> anyhow::Result<String> {
    let Some(target) = &args.target else {
        return Ok(args.cluster.iter().map(|c| format!("cluster={c}")).collect());
    };
    let param = match kind_and_name(target, None) {
        Ok((CliKind::Service, Some(name))) if !name.is_empty() => format!("service={name}"),
        Ok((CliKind::ScheduledTask, Some(name))) if !name.is_empty() => format!("schedule={name}"),
        _ => anyhow::bail!("expected service/NAME or scheduledtask/NAME, got {target:?}"),
    };
    let cluster = args.cluster.as_deref().unwrap_or(DEFAULT_CLUSTER);
    Ok(format!("cluster={cluster}&{param}"))
}

/// Where an event came from: its source, after its cluster when that is not `default`.
fn source(e: &EventEntry) -> String {
    match e.cluster.as_str() {
        DEFAULT_CLUSTER | "-" => e.service.clone(),
        cluster => format!("{cluster}/{}", e.service),
    }
}

/// Runs `events`.
pub async fn run(client: &ApiClient, args: EventsArgs) -> anyhow::Result<()> {
    let reply: Items<EventEntry> = client.get(&format!("/v1/events?{}", query(&args)?)).await?;
    let rows: Vec<Vec<String>> = reply
        .items
        .iter()
        .map(|e| vec![age(e.created_at), source(e), e.message.clone()])
        .collect();
    print_table(&["AGE", "SOURCE", "MESSAGE"], &rows);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(target: Option<&str>, cluster: Option<&str>) -> EventsArgs {
        EventsArgs {
            target: target.map(str::to_string),
            cluster: cluster.map(str::to_string),
        }
    }

    #[test]
    fn a_service_or_a_scheduled_task_is_named_in_its_cluster() {
        assert_eq!(query(&args(None, None)).unwrap(), "");
        assert_eq!(query(&args(None, Some("prod"))).unwrap(), "cluster=prod");
        assert_eq!(
            query(&args(Some("service/web"), None)).unwrap(),
            "cluster=default&service=web"
        );
        assert_eq!(
            query(&args(Some("st/backup"), Some("prod"))).unwrap(),
            "cluster=prod&schedule=backup"
        );
        assert_eq!(
            query(&args(Some("scheduledtask/backup"), None)).unwrap(),
            "cluster=default&schedule=backup"
        );
        let err = query(&args(Some("task/abc"), None)).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected service/NAME or scheduledtask/NAME"),
            "{err}"
        );
    }

    #[test]
    fn a_source_outside_the_default_cluster_is_named_with_its_cluster() {
        let entry = |service: &str, cluster: &str| EventEntry {
            id: "1".into(),
            created_at: 0.0,
            message: String::new(),
            service: service.into(),
            cluster: cluster.into(),
        };
        assert_eq!(source(&entry("web", "default")), "web");
        assert_eq!(
            source(&entry("scheduled:backup", "prod")),
            "prod/scheduled:backup"
        );
        assert_eq!(source(&entry("sync:/srv/deploy", "-")), "sync:/srv/deploy");
    }
}
