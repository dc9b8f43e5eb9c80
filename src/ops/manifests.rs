//! An object as a manifest: what `ecsd get KIND NAME -o manifest` prints and `apply -f`
//! accepts unchanged, whichever door made the object (manifest, CLI or ECS API).

use super::{ObjectKind, OpsError, task_definitions};
use crate::model::{API_VERSION, ClusterSpec, Document, Kind, Manifest, Metadata, ServiceSpec};
use crate::store::Catalog;
use std::collections::BTreeMap;

fn document<S>(
    kind: Kind,
    name: &str,
    cluster: Option<&str>,
    labels: BTreeMap<String, String>,
    spec: S,
) -> Document<S> {
    Document {
        api_version: API_VERSION.to_string(),
        kind: kind.as_str().to_string(),
        metadata: Metadata {
            name: name.to_string(),
            cluster: cluster.map(str::to_string),
            labels,
        },
        spec,
    }
}

/// The manifest of one object. A task definition is its latest ACTIVE revision (or the
/// revision named by `family:N`); a service keeps its `family` or `family:N` reference.
pub fn of(catalog: &Catalog, kind: Kind, cluster: &str, name: &str) -> Result<Manifest, OpsError> {
    Ok(match kind {
        Kind::Cluster => {
            super::clusters::require_active(catalog, name)?;
            let record = catalog.cluster(name)?;
            let (labels, settings) = record.map(|c| (c.labels, c.settings)).unwrap_or_default();
            let spec = ClusterSpec {
                settings,
                ..Default::default()
            };
            Manifest::Cluster(document(kind, name, None, labels, spec))
        }
        Kind::TaskDefinition => {
            let td = task_definitions::resolve(catalog, name)?;
            let mut spec = td.spec.clone();
            spec.family = None;
            Manifest::TaskDefinition(document(kind, &td.family, None, td.labels, spec))
        }
        Kind::Service => {
            let svc = super::services::find(catalog, cluster, name)?;
            let spec = ServiceSpec {
                service_name: None,
                cluster: None,
                ..svc.spec
            };
            Manifest::Service(document(kind, name, Some(cluster), svc.labels, spec))
        }
        Kind::TargetGroup => {
            let tg = catalog
                .target_group(name)?
                .ok_or_else(|| OpsError::not_found(ObjectKind::TargetGroup, name))?;
            Manifest::TargetGroup(document(kind, name, None, tg.labels, tg.spec))
        }
        Kind::LoadBalancer => {
            let lb = catalog
                .load_balancer(name)?
                .ok_or_else(|| OpsError::not_found(ObjectKind::LoadBalancer, name))?;
            Manifest::LoadBalancer(document(kind, name, None, lb.labels, lb.spec))
        }
        Kind::ContainerInstance => {
            let record = catalog
                .declared_instance(cluster, name)?
                .ok_or_else(|| OpsError::not_found(ObjectKind::ContainerInstance, name))?;
            Manifest::ContainerInstance(document(kind, name, Some(cluster), record.labels, record.spec))
        }
        Kind::ScheduledTask => {
            let schedule = super::scheduled_tasks::find(catalog, cluster, name)?;
            Manifest::ScheduledTask(document(
                kind,
                name,
                Some(cluster),
                schedule.labels,
                schedule.spec,
            ))
        }
    })
}
