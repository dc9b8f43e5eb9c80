//! `POST /v1/apply` and the watched folders' sync state.

use super::{Reply, Shared, items};
use crate::api::shapes;
use crate::apply::{ApplyOptions, ApplyResult, Document, apply_documents};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ApplyRequest {
    documents: Vec<Document>,
    #[serde(flatten)]
    options: ApplyOptions,
}

pub(super) async fn apply(State(s): Shared, Json(req): Json<ApplyRequest>) -> Reply {
    let results: Vec<ApplyResult> = apply_documents(&s.catalog, &req.documents, &req.options)?;
    Ok(Json(json!({ "results": results })))
}

/// Watched folders, and the damage found when the state database was last replaced.
pub(super) async fn sync_status(State(s): Shared) -> Reply {
    let folders = s.catalog.folder_syncs()?;
    let mut reply = items(folders.iter().map(shapes::folder_sync).collect());
    if let (Some(recovery), Some(obj)) = (s.catalog.recovery()?, reply.0.as_object_mut()) {
        obj.insert("stateRecovery".into(), shapes::state_recovery(&recovery));
    }
    Ok(reply)
}
