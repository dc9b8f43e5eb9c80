//! `POST /v1/apply` and the watched folders' sync state.

use super::{Reply, Shared};
use crate::api::shapes::{self, ApplyReply, ApplyRequest, SyncStatus};
use crate::apply::apply_documents;
use axum::Json;
use axum::extract::State;

pub(super) async fn apply(State(s): Shared, Json(req): Json<ApplyRequest>) -> Reply<ApplyReply> {
    let results = apply_documents(&s.catalog, &req.documents, &req.options)?;
    Ok(Json(ApplyReply { results }))
}

/// Watched folders, and the damage found when the state database was last replaced.
pub(super) async fn sync_status(State(s): Shared) -> Reply<SyncStatus> {
    let folders = s.catalog.folder_syncs()?;
    Ok(Json(SyncStatus {
        items: folders.iter().map(shapes::folder_sync).collect(),
        state_recovery: s.catalog.recovery()?.as_ref().map(shapes::state_recovery),
    }))
}
