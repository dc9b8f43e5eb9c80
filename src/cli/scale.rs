//! `ecsd scale service/NAME N`: change a service's desired count (not for DAEMON services).

use super::ServiceTarget;
use crate::api::client::ApiClient;
use crate::api::shapes::{ScaleRequest, Service};
use clap::Args;

/// Flags of `ecsd scale`.
#[derive(Debug, Args)]
pub struct ScaleArgs {
    #[command(flatten)]
    service: ServiceTarget,
    /// The new desired count.
    count: u32,
    /// Change it even if a watched folder manages it (its next sync undoes the change).
    #[arg(long)]
    force: bool,
}

/// Runs `scale`.
pub async fn run(client: &ApiClient, args: ScaleArgs) -> anyhow::Result<()> {
    let service = args.service.service()?;
    let request = ScaleRequest {
        desired_count: args.count,
    };
    let _: Service = client
        .post(
            &format!("{}/scale{}", service.path(), super::force_query(args.force)),
            &request,
        )
        .await?;
    println!("{service} scaled to {}", args.count);
    Ok(())
}
