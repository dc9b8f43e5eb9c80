//! `ecsd events [service/NAME]`: service events, oldest first.

use super::ServiceName;
use super::output::{age, print_table};
use crate::api::client::ApiClient;
use crate::api::shapes::{EventEntry, Items};
use crate::model::DEFAULT_CLUSTER;
use clap::Args;

/// Flags of `ecsd events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Only this service (`service/NAME`).
    #[arg(value_name = "service/NAME")]
    target: Option<String>,
    /// Only services of this cluster (default: all; `default` for a named service).
    #[arg(long)]
    cluster: Option<String>,
}

/// Runs `events`.
pub async fn run(client: &ApiClient, args: EventsArgs) -> anyhow::Result<()> {
    let mut query = Vec::new();
    if let Some(target) = &args.target {
        let service = ServiceName::parse(target, args.cluster.as_deref())?;
        query.push(format!("cluster={}", service.cluster));
        query.push(format!("service={}", service.name));
    } else if let Some(cluster) = &args.cluster {
        query.push(format!("cluster={cluster}"));
    }
    let reply: Items<EventEntry> = client.get(&format!("/v1/events?{}", query.join("&"))).await?;
    let rows: Vec<Vec<String>> = reply
        .items
        .iter()
        .map(|e| {
            let service = match e.cluster.as_str() {
                DEFAULT_CLUSTER => e.service.clone(),
                cluster => format!("{cluster}/{}", e.service),
            };
            vec![age(e.created_at), service, e.message.clone()]
        })
        .collect();
    print_table(&["AGE", "SERVICE", "MESSAGE"], &rows);
    Ok(())
}
