//! `ecsd scale service/NAME N`: change a service's desired count (not for DAEMON services).

use super::ServiceTarget;
use crate::api::client::ApiClient;
use clap::Args;
use serde_json::json;

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
    client
        .post(
            &format!("{}/scale", service.path()),
            &json!({"desiredCount": args.count}),
        )
        .await?;
    println!("{service} scaled to {}", args.count);
    Ok(())
}
