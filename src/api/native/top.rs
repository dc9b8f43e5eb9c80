//! `GET /v1/top?by=services|tasks&cluster=NAME`: current resource use from the metrics
//! history (no engine call), for `ecsd top`.

use super::{Reply, items};
use crate::api::ApiError;
use crate::api::shapes::{Items, UsageRow};
use crate::metrics::MetricsView;
use crate::metrics::top::{Grouping, usage_rows};
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize, Default)]
struct TopQuery {
    /// `services` (default) or `tasks`.
    by: Option<String>,
    cluster: Option<String>,
}

/// The route, over the daemon's metrics.
pub fn router(view: Arc<MetricsView>) -> Router {
    Router::new().route("/v1/top", get(top)).with_state(view)
}

async fn top(State(view): State<Arc<MetricsView>>, Query(q): Query<TopQuery>) -> Reply<Items<UsageRow>> {
    let grouping = match q.by.as_deref() {
        None | Some("services") => Grouping::Services,
        Some("tasks") => Grouping::Tasks,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "by={other}: expected services or tasks"
            )));
        }
    };
    let (clusters, usage) = view.snapshot().map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(items(usage_rows(
        &clusters,
        &usage,
        grouping,
        q.cluster.as_deref(),
    )))
}
