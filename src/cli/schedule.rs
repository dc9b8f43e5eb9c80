//! `ecsd schedule run|enable|disable NAME`: fire a scheduled task now, or switch it on or off.

use crate::api::client::ApiClient;
use crate::api::shapes::ScheduledTaskShape;
use clap::{Args, Subcommand};

/// Flags of `ecsd schedule`.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    #[command(subcommand)]
    action: ScheduleAction,
}

/// What to do to the schedule.
#[derive(Debug, Subcommand)]
enum ScheduleAction {
    /// Start one run now (the overlap policy still applies; a DISABLED schedule runs too).
    Run(Target),
    /// Let the schedule fire again (state ENABLED).
    Enable(Target),
    /// Stop the schedule firing (state DISABLED); running tasks are left alone.
    Disable(Target),
}

/// One schedule.
#[derive(Debug, Args)]
struct Target {
    /// The scheduled task's name (or `scheduledtask/NAME`).
    name: String,
    /// Its cluster.
    #[arg(long, default_value = crate::model::DEFAULT_CLUSTER)]
    cluster: String,
    /// Even if a watched folder manages it (its next sync sets the state back).
    #[arg(long)]
    force: bool,
}

impl Target {
    fn path(&self, verb: &str) -> String {
        let name = self.name.rsplit('/').next().unwrap_or(&self.name);
        format!("/v1/scheduledtasks/{}/{name}/{verb}", self.cluster)
    }
}

/// Runs `schedule`.
pub async fn run(client: &ApiClient, args: ScheduleArgs) -> anyhow::Result<()> {
    let (target, verb) = match &args.action {
        ScheduleAction::Run(t) => (t, "run"),
        ScheduleAction::Enable(t) => (t, "enable"),
        ScheduleAction::Disable(t) => (t, "disable"),
    };
    let force = if verb == "run" {
        ""
    } else {
        super::force_query(target.force)
    };
    let shape: ScheduledTaskShape = client
        .post(&format!("{}{force}", target.path(verb)), &serde_json::Map::new())
        .await?;
    match verb {
        "run" => println!("scheduledtask/{} run requested", shape.name),
        "enable" => println!("scheduledtask/{} enabled", shape.name),
        _ => println!("scheduledtask/{} disabled", shape.name),
    }
    Ok(())
}
