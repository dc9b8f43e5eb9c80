//! `ecsd sync status`: each watched folder and file, with its state, last applied content hash
//! and time, and the problems of files in error (file:line: field: message).

use super::output::{age, or_dash, print_table, wire};
use crate::api::client::ApiClient;
use crate::api::shapes::{StateRecoveryShape, SyncStatus};
use crate::store::FileSyncState;
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

/// Runs `sync status`; the exit code is 1 when a folder could not be read whole or a file
/// is in error (so scripts and health checks can act on it), 0 otherwise.
pub async fn run(client: &ApiClient, args: SyncArgs) -> anyhow::Result<i32> {
    let SyncCommand::Status = args.command;
    let reply: SyncStatus = client.get("/v1/sync").await?;
    if let Some(recovery) = &reply.state_recovery {
        print_recovery(recovery);
    }
    if reply.items.is_empty() {
        println!("no folder is watched (start the daemon with `ecsd serve --watch DIR`)");
        return Ok(0);
    }
    let mut failing = false;
    for folder in &reply.items {
        println!("{}  (scanned {} ago)", folder.folder, age(folder.scanned_at));
        if let Some(e) = &folder.error {
            println!("  incomplete: {e}");
            failing = true;
        }
        let rows: Vec<Vec<String>> = folder
            .files
            .iter()
            .map(|f| {
                vec![
                    format!("  {}", f.file),
                    wire(&f.state),
                    or_dash(f.applied_hash.as_deref()),
                    or_dash(f.applied_at.map(|at| format!("{} ago", age(at)))),
                ]
            })
            .collect();
        print_table(&["  FILE", "STATE", "APPLIED HASH", "APPLIED"], &rows);
        for f in &folder.files {
            // An emptied file is kept on purpose: a note, not an error.
            let kind = if f.state == FileSyncState::Empty {
                "kept"
            } else {
                "error"
            };
            for e in &f.errors {
                println!("  {kind}: {}: {e}", f.file);
            }
            failing |= f.state == FileSyncState::Error;
        }
    }
    Ok(i32::from(failing))
}

/// The damage found when the state database was replaced, and what it means for the user.
fn print_recovery(recovery: &StateRecoveryShape) {
    println!(
        "state database: damaged {} ago and replaced ({}); moved to {}",
        age(recovery.detected_at),
        recovery.reason,
        or_dash(recovery.moved_to.as_deref())
    );
    println!(
        "  running containers were adopted and keep running; tasks shown ORPHANED wait for their service to be applied again"
    );
}
