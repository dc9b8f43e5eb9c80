//! `ecsd apply -f PATH…`: validate every document locally, then send them all at once.

use crate::api::client::{ApiClient, ClientError};
use crate::model::{Manifest, load_paths};
use clap::Args;
use serde_json::json;
use std::path::PathBuf;

/// Flags of `ecsd apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Manifest files or directories (recursive); `-` reads stdin.
    #[arg(short = 'f', long = "filename", required = true)]
    files: Vec<PathBuf>,
    /// Show what would change without changing anything.
    #[arg(long)]
    dry_run: bool,
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
    let suffix = if args.dry_run { " (dry run)" } else { "" };
    for r in reply["results"].as_array().into_iter().flatten() {
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
    Ok(())
}
