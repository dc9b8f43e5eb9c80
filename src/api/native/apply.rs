//! `POST /v1/apply` and the watched folders' sync state.

use super::{Reply, Shared};
use crate::api::shapes::{self, ApplyReply, ApplyRequest, SyncStatus};
use crate::apply::apply_documents;
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

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

/// `?cluster=` of a manifest request (services; `default` when absent).
#[derive(Deserialize)]
pub(super) struct ManifestQuery {
    cluster: Option<String>,
}

/// `GET /v1/manifests/{kind}/{name}`: the object as a manifest document `apply -f` accepts.
pub(super) async fn manifest(
    State(s): Shared,
    Path((kind, name)): Path<(String, String)>,
    Query(q): Query<ManifestQuery>,
) -> Reply<serde_json::Value> {
    let kind: crate::model::Kind = serde_json::from_value(serde_json::Value::String(kind.clone()))
        .map_err(|_| super::super::ApiError::invalid(format!("unknown kind {kind:?}")))?;
    let cluster = q
        .cluster
        .unwrap_or_else(|| crate::model::DEFAULT_CLUSTER.to_string());
    let manifest = crate::ops::manifests::of(&s.catalog, kind, &cluster, &name)?;
    let value = manifest
        .document_value()
        .map_err(|e| super::super::ApiError::Internal(e.to_string()))?;
    Ok(Json(value))
}
