//! `ecsd apply -f PATH… [--wait]`: validate every document locally, send them all at once,
//! and optionally wait until every applied service has rolled out.

use super::ServiceName;
use super::wait::wait_for_rollouts;
use crate::api::client::{ApiClient, ClientError};
use crate::model::{Manifest, load_paths};
use clap::Args;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

/// Flags of `ecsd apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Manifest files or directories (recursive); `-` reads stdin.
    #[arg(short = 'f', long = "filename", required = true)]
    files: Vec<PathBuf>,
    /// Show what would change without changing anything.
    #[arg(long)]
    dry_run: bool,
    /// Then wait until every applied service has a completed rollout; fail if one fails or is
    /// rolled back.
    #[arg(long, conflicts_with = "dry_run")]
    wait: bool,
    /// Give up waiting after this long.
    #[arg(long, requires = "wait", default_value = "10m", value_parser = humantime::parse_duration)]
    timeout: Duration,
}

/// Loads manifests, printing every problem and failing if there is any.
pub fn load(files: &[PathBuf]) -> anyhow::Result<Vec<Manifest>> {
    match load_paths(files, &mut std::io::stdin()) {
        Ok(loaded) => Ok(loaded.into_iter().map(|l| l.manifest).collect()),
        Err(errors) => {
            for e in errors.iter().skip(1) {
                eprintln!("error: {e}");
            }
            let more = if errors.len() > 1 {
                format!(" (and {} more above)", errors.len() - 1)
            } else {
                String::new()
            };
            anyhow::bail!("{}{more}", errors[0])
        }
    }
}

/// Runs `apply`.
pub async fn run(client: &ApiClient, args: ApplyArgs) -> anyhow::Result<()> {
    let manifests = load(&args.files)?;
    if manifests.is_empty() {
        anyhow::bail!(
            "no manifests found in {}",
            args.files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let body = json!({"manifests": manifests, "dryRun": args.dry_run});
    let reply = match client.post("/v1/apply", &body).await {
        Err(ClientError::Api { details, .. }) if details.len() > 1 => {
            for d in &details[1..] {
                eprintln!("error: {d}");
            }
            anyhow::bail!(
                "{} (and {} more above); nothing was changed",
                details[0],
                details.len() - 1
            )
        }
        other => other?,
    };
    let results = reply["results"].as_array().cloned().unwrap_or_default();
    let suffix = if args.dry_run { " (dry run)" } else { "" };
    for r in &results {
        let kind = r["kind"].as_str().unwrap_or_default().to_lowercase();
        let detail = r["detail"]
            .as_str()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        println!(
            "{kind}/{} {}{detail}{suffix}",
            r["name"].as_str().unwrap_or_default(),
            r["outcome"].as_str().unwrap_or_default()
        );
    }
    if args.wait {
        wait_for_rollouts(client, &applied_services(&results), args.timeout).await?;
    }
    Ok(())
}

/// Every service in apply results (named `cluster/name`), whatever its outcome: even an
/// unchanged one is waited for, so `--wait` always confirms a steady state.
fn applied_services(results: &[Value]) -> Vec<ServiceName> {
    results
        .iter()
        .filter(|r| r["kind"] == "Service")
        .filter_map(|r| r["name"].as_str()?.split_once('/'))
        .map(|(cluster, name)| ServiceName {
            cluster: cluster.to_string(),
            name: name.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_applied_service_is_waited_for_whatever_its_outcome() {
        let results = [
            json!({"kind": "TaskDefinition", "name": "web", "outcome": "configured"}),
            json!({"kind": "Service", "name": "default/web", "outcome": "configured"}),
            json!({"kind": "Service", "name": "prod/api", "outcome": "unchanged"}),
            json!({"kind": "Cluster", "name": "prod", "outcome": "created"}),
        ];
        let names: Vec<String> = applied_services(&results).iter().map(|s| s.to_string()).collect();
        assert_eq!(names, ["service/web", "service/prod/api"]);
    }
}
