//! What readers of the metrics share: the store, the sample history and the daemon's
//! counters, and the `GET /metrics` endpoint (`ecsd serve --metrics-listen`). Nothing here
//! calls the engine: a scrape reads the history the collector filled.

use super::MetricsError;
use super::exposition::{self, DaemonGauges, Scrape};
use super::health::DaemonHealth;
use super::history::UsageHistory;
use super::insights::insights;
use super::inventory::{ClusterInventory, inventory};
use super::rates::{TaskUtilization, by_task};
use crate::controller::{ObjectKey, WorkQueue};
use crate::lb::LoadBalancers;
use crate::store::Catalog;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Everything a scrape, `ecsd top` or (later) the scaler reads.
pub struct MetricsView {
    /// Desired and observed state (what exists, reservations, counts).
    pub catalog: Catalog,
    /// The collector's samples.
    pub history: Arc<UsageHistory>,
    /// The daemon's own counters.
    pub health: Arc<DaemonHealth>,
    /// The controllers' work queue (depth).
    pub queue: Arc<WorkQueue<ObjectKey>>,
    /// The state database's directory (its size on disk).
    pub store_dir: PathBuf,
    /// The load balancer's data plane (traffic and target health).
    pub lb: LoadBalancers,
}

impl MetricsView {
    /// The clusters and every task's latest utilization.
    pub fn snapshot(
        &self,
    ) -> Result<(Vec<ClusterInventory>, BTreeMap<String, TaskUtilization>), MetricsError> {
        Ok((inventory(&self.catalog)?, by_task(&self.history.latest())))
    }

    /// The `/metrics` page.
    pub fn page(&self) -> Result<String, MetricsError> {
        let (clusters, usage) = self.snapshot()?;
        let gauges = DaemonGauges {
            queue_depth: self.queue.len(),
            queue_in_flight: self.queue.running(),
            store_bytes: disk_usage(&self.store_dir),
            sampled_containers: self.history.len(),
        };
        Ok(exposition::render(&Scrape {
            insights: &insights(&clusters, &usage),
            clusters: &clusters,
            traffic: &self.lb.traffic(),
            targets: &self.lb.target_states(),
            health: &self.health,
            gauges,
        }))
    }
}

/// Bytes the files under `dir` take (0 for what cannot be read).
fn disk_usage(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => disk_usage(&e.path()),
            _ => e.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

/// The Prometheus endpoint: `GET /metrics`, read-only.
pub fn router(view: Arc<MetricsView>) -> Router {
    Router::new().route("/metrics", get(scrape)).with_state(view)
}

async fn scrape(State(view): State<Arc<MetricsView>>) -> Response {
    match view.page() {
        Ok(page) => ([(header::CONTENT_TYPE, exposition::CONTENT_TYPE)], page).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::Backoff;
    use crate::metrics::source::{ContainerRef, ContainerUsage};
    use crate::runtime::ResourceUsage;
    use crate::store::{MemoryStore, TaskRecord};
    use tower::ServiceExt;

    fn view() -> MetricsView {
        MetricsView {
            catalog: Catalog::new(Arc::new(MemoryStore::new())),
            history: Arc::new(UsageHistory::new(10)),
            health: Arc::default(),
            queue: WorkQueue::new(Backoff::RECONCILE),
            store_dir: PathBuf::from("/nonexistent"),
            lb: LoadBalancers::new(),
        }
    }

    fn running(view: &MetricsView, id: &str) {
        let mut task = TaskRecord::standalone(id, "web:1");
        task.service = Some("web".into());
        view.catalog.create_task(&task).unwrap();
        let status = crate::store::TaskStatus {
            last_status: crate::model::TaskState::Running,
            ..Default::default()
        };
        view.catalog.put_task_status(id, &status).unwrap();
    }

    fn sample(view: &MetricsView, at_ms: u64, cpu_ns: u64) {
        let container = ContainerRef {
            id: "c1".into(),
            name: "app".into(),
            task: "t1".into(),
            service: Some("web".into()),
            cluster: "default".into(),
        };
        let usage = ResourceUsage {
            cpu_ns,
            ..Default::default()
        };
        view.history
            .record(at_ms, vec![ContainerUsage { container, usage }]);
    }

    #[tokio::test]
    async fn a_scrape_shows_the_running_tasks_cpu_and_forgets_it_once_stopped() {
        let view = Arc::new(view());
        running(&view, "t1");
        sample(&view, 0, 0);
        sample(&view, 2_000, 1_000_000_000);
        let get = || {
            router(view.clone()).oneshot(
                axum::http::Request::get("/metrics")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
        };
        let answer = get().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        let body = axum::body::to_bytes(answer.into_body(), 1 << 20).await.unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(
            text.contains("ecsd_cluster_cpu_utilized_units{cluster=\"default\"} 512\n"),
            "{text}"
        );
        assert!(
            text.contains("ecsd_cluster_tasks{cluster=\"default\"} 1\n"),
            "{text}"
        );
        assert!(!text.contains("task_id="), "task level is off by default: {text}");

        view.history.record(4_000, vec![]);
        let body = axum::body::to_bytes(get().await.unwrap().into_body(), 1 << 20)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(
            text.contains("ecsd_cluster_cpu_utilized_units{cluster=\"default\"} 0\n"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn task_and_container_levels_follow_the_clusters_container_insights_setting() {
        let view = view();
        running(&view, "t1");
        sample(&view, 0, 0);
        sample(&view, 1_000, 500_000_000);
        view.catalog
            .put_account_setting(crate::ops::clusters::INSIGHTS_ACCOUNT_SETTING, "enabled")
            .unwrap();
        let text = view.page().unwrap();
        assert!(
            text.contains(
                "ecsd_task_cpu_utilized_units{cluster=\"default\",family=\"web\",task_id=\"t1\"} 512\n"
            ),
            "{text}"
        );
        assert!(
            !text.contains("container="),
            "containers only when enhanced: {text}"
        );
        view.catalog
            .put_account_setting(crate::ops::clusters::INSIGHTS_ACCOUNT_SETTING, "enhanced")
            .unwrap();
        let text = view.page().unwrap();
        assert!(
            text.contains(
                "ecsd_container_cpu_utilized_units{cluster=\"default\",family=\"web\",task_id=\"t1\",container=\"app\"} 512\n"
            ),
            "{text}"
        );
    }
}
