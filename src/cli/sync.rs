//! `ecsd sync status`: each watched folder and file, with its state, last applied content hash
//! and time, and the problems of files in error (file:line: field: message).

use super::output::{age, print_table, text};
use crate::api::client::ApiClient;
use clap::{Args, Subcommand};

/// `ecsd sync …`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(subcommand)]
    command: SyncCommand,
}

#[derive(Debug, Subcommand)]
enum SyncCommand {
    /// Watched folders and their files.
    Status,
}

/// Runs `sync status`.
pub async fn run(client: &ApiClient, args: SyncArgs) -> anyhow::Result<()> {
    let SyncCommand::Status = args.command;
    let reply = client.get("/v1/sync").await?;
    print_recovery(&reply["stateRecovery"]);
    let folders = reply["items"].as_array().cloned().unwrap_or_default();
    if folders.is_empty() {
        println!("no folder is watched (start the daemon with `ecsd serve --watch DIR`)");
        return Ok(());
    }
    for folder in &folders {
        println!(
            "{}  (scanned {} ago)",
            text(&folder["folder"]),
            age(&folder["scannedAt"])
        );
        if let Some(e) = folder["error"].as_str() {
            println!("  incomplete: {e}");
        }
        let rows: Vec<Vec<String>> = folder["files"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                let applied = if f["appliedAt"].is_null() {
                    "-".to_string()
                } else {
                    format!("{} ago", age(&f["appliedAt"]))
                };
                vec![
                    format!("  {}", text(&f["file"])),
                    text(&f["state"]),
                    text(&f["appliedHash"]),
                    applied,
                ]
            })
            .collect();
        print_table(&["  FILE", "STATE", "APPLIED HASH", "APPLIED"], &rows);
        for f in folder["files"].as_array().into_iter().flatten() {
            // An emptied file is kept on purpose: a note, not an error.
            let kind = if f["state"] == "Empty" { "kept" } else { "error" };
            for e in f["errors"].as_array().into_iter().flatten() {
                println!("  {kind}: {}: {}", text(&f["file"]), text(e));
            }
        }
    }
    Ok(())
}

/// The damage found when the state database was replaced, and what it means for the user.
fn print_recovery(recovery: &serde_json::Value) {
    if recovery.is_null() {
        return;
    }
    println!(
        "state database: damaged {} ago and replaced ({}); moved to {}",
        age(&recovery["detectedAt"]),
        text(&recovery["reason"]),
        text(&recovery["movedTo"])
    );
    println!(
        "  running containers were adopted and keep running; tasks shown ORPHANED wait for their service to be applied again"
    );
}
