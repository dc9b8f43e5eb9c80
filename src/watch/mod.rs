//! Folder sync (GitOps): watch folders of manifests and keep ecsd matching them.
//!
//! `trigger` turns file-system events into debounced "look again" signals; `sync` does one
//! complete pass over a folder. Every pass reads the whole folder, so a lost event only delays
//! convergence until the next trigger or the periodic pass (which also undoes drift).

mod sync;
mod trigger;

pub use sync::{FolderPolicy, SyncReport, sync_folder};
pub use trigger::{FolderWatcher, Trigger, WatchError};

use crate::store::Catalog;
use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;
use tracing::{info, warn};

/// How a folder is watched.
#[derive(Debug, Clone)]
pub struct WatchSettings {
    /// Quiet time that ends a burst of changes.
    pub quiet: Duration,
    /// Longest a burst may delay a sync.
    pub max_wait: Duration,
    /// Period of the full pass that also undoes drift.
    pub interval: Duration,
    /// Let an empty folder prune what it owned.
    pub allow_empty_prune: bool,
    /// Let the folder take over objects applied by hand (or through the ECS API).
    pub take_ownership: bool,
}

impl Default for WatchSettings {
    fn default() -> Self {
        Self {
            quiet: Duration::from_millis(300),
            max_wait: Duration::from_secs(2),
            interval: Duration::from_secs(30),
            allow_empty_prune: false,
            take_ownership: false,
        }
    }
}

/// The absolute form of a watched path (kept as given when it does not exist yet).
pub fn folder_root(dir: &std::path::Path) -> PathBuf {
    std::fs::canonicalize(dir).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|cwd| cwd.join(dir))
            .unwrap_or_else(|_| dir.to_path_buf())
    })
}

/// Keeps the store matching `dir` until `shutdown`: a pass at start (changes made while ecsd
/// was down), after every settled burst of changes, and every `interval`.
pub async fn watch_folder(
    catalog: Catalog,
    dir: PathBuf,
    settings: WatchSettings,
    shutdown: impl Future<Output = ()>,
) {
    let root = folder_root(&dir);
    let (_watcher, mut triggers) = match FolderWatcher::start(&root, settings.quiet, settings.max_wait) {
        Ok((w, rx)) => (Some(w), Some(rx)),
        Err(e) => {
            warn!(folder = %root.display(), error = %e, "cannot watch the folder; syncing on a timer only");
            (None, None)
        }
    };
    info!(folder = %root.display(), "watching");
    tokio::pin!(shutdown);
    loop {
        let pass_catalog = catalog.clone();
        let pass_root = root.clone();
        let policy = sync::FolderPolicy {
            allow_empty_prune: settings.allow_empty_prune,
            take_ownership: settings.take_ownership,
        };
        let now = crate::model::now_millis();
        let pass =
            tokio::task::spawn_blocking(move || sync_folder(&pass_catalog, &pass_root, policy, now)).await;
        match pass {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => warn!(folder = %root.display(), error = %e, "sync pass failed; retrying"),
            Err(e) => warn!(folder = %root.display(), error = %e, "sync pass panicked; retrying"),
        }
        let next_trigger = async {
            match triggers.as_mut() {
                Some(rx) => rx.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(settings.interval) => {}
            trigger = next_trigger => {
                if trigger.is_none() {
                    triggers = None; // the watcher stopped: keep the timer
                }
            }
        }
    }
}
