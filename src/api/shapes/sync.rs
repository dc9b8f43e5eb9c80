//! `GET /v1/sync`: watched folders' sync state (ecsd's own shape; ECS has none).

use super::{StateRecoveryShape, seconds};
use crate::store::{FileSyncState, FolderSync};
use serde::{Deserialize, Serialize};

/// Every watched folder, and the damage found when the state database was last replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    /// One per watched folder.
    pub items: Vec<FolderSyncShape>,
    /// The last replacement of a damaged state database, if there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_recovery: Option<StateRecoveryShape>,
}

/// One watched folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FolderSyncShape {
    /// Absolute folder path.
    pub folder: String,
    /// Last full scan.
    pub scanned_at: f64,
    /// Why the last scan could not complete (nothing was pruned), if it could not.
    #[serde(default)]
    pub error: Option<String>,
    /// Its files, by path.
    pub files: Vec<FileSyncShape>,
}

/// One file of a watched folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileSyncShape {
    /// Path relative to the folder.
    pub file: String,
    /// Synced, Error, Pending or Empty.
    pub state: FileSyncState,
    /// Hash of the content last read.
    pub hash: String,
    /// Hash of the content last applied successfully.
    #[serde(default)]
    pub applied_hash: Option<String>,
    /// When its content was last applied successfully.
    #[serde(default)]
    pub applied_at: Option<f64>,
    /// Problems (file:line: path: message), when in error.
    pub errors: Vec<String>,
}

/// A watched folder's sync state.
pub fn folder_sync(f: &FolderSync) -> FolderSyncShape {
    FolderSyncShape {
        folder: f.root.clone(),
        scanned_at: seconds(f.scanned_at),
        error: f.error.clone(),
        files: f
            .files
            .iter()
            .map(|(file, state)| FileSyncShape {
                file: file.clone(),
                state: state.state,
                hash: state.hash.clone(),
                applied_hash: state.applied_hash.clone(),
                applied_at: state.applied_at.map(seconds),
                errors: state.errors.clone(),
            })
            .collect(),
    }
}
