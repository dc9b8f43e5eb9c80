//! `ecsd diff -f PATH`: what applying (and pruning) the manifests would change, field by
//! field, without changing anything.

use super::apply::{SendOptions, print_results, send};
use crate::api::client::ApiClient;
use clap::Args;
use std::path::PathBuf;

/// Flags of `ecsd diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Manifest files or directories (recursive); `-` reads stdin.
    #[arg(short = 'f', long = "filename", required = true)]
    files: Vec<PathBuf>,
    /// Do not list what a prune of this folder would remove.
    #[arg(long)]
    no_prune: bool,
}

/// Runs `diff`; the exit code is 1 when applying would change something (as `kubectl
/// diff` and `diff` itself), 0 when not.
pub async fn run(client: &ApiClient, args: DiffArgs) -> anyhow::Result<i32> {
    let prune = !args.no_prune && args.files.len() == 1 && args.files[0].as_os_str() != "-";
    let how = SendOptions {
        dry_run: true,
        prune,
        take_ownership: false,
    };
    let results = send(client, &args.files, how).await?;
    let changed: Vec<_> = results
        .into_iter()
        .filter(|r| r.outcome != crate::store::ApplyOutcome::Unchanged)
        .collect();
    if changed.is_empty() {
        println!("no changes");
        return Ok(0);
    }
    print_results(&changed, "", true);
    Ok(1)
}
