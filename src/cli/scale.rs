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
}

/// Runs `scale`.
pub async fn run(client: &ApiClient, args: ScaleArgs) -> anyhow::Result<()> {
    let service = args.service.service()?;
    let request = ScaleRequest {
        desired_count: args.count,
    };
    let _: Service = client
        .post(&format!("{}/scale", service.path()), &request)
        .await?;
    println!("{service} scaled to {}", args.count);
    Ok(())
}
