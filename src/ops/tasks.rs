//! Running, finding and stopping tasks.

use super::{ObjectKind, OpsError, clusters, task_definitions};
use crate::model::{
    PropagateTags, StopCode, TagSources, TaskDefinitionSpec, check_launch_type, check_platform_version,
    limits, new_task_id, now_millis, task_tags, validate_overrides,
};
use crate::store::{Catalog, InstanceStatus, TaskLaunch, TaskRecord};
use std::collections::BTreeMap;

/// What a caller asks RunTask (or StartTask) for.
#[derive(Debug, Clone, Default)]
pub struct RunTasks {
    /// Cluster name.
    pub cluster: String,
    /// `family`, `family:revision` or an ARN.
    pub task_definition: String,
    /// How many tasks (1–10).
    pub count: u32,
    /// `startedBy`.
    pub started_by: Option<String>,
    /// `group` (default `family:<family>`).
    pub group: Option<String>,
    /// Tags.
    pub labels: BTreeMap<String, String>,
    /// Launch type, overrides and execute command, kept on each task.
    pub launch: TaskLaunch,
    /// `enableECSManagedTags`: add `aws:ecs:clusterName`.
    pub managed_tags: bool,
    /// `propagateTags`: `TASK_DEFINITION` copies the definition's tags (`SERVICE` has no
    /// service to copy from and is refused).
    pub propagate_tags: Option<PropagateTags>,
}

/// Records `count` standalone tasks; the task controller starts them. Refused, with nothing
/// recorded, when the count is out of range, the cluster or revision is unknown, or the
/// container instance is DRAINING.
pub fn run(catalog: &Catalog, req: &RunTasks) -> Result<Vec<TaskRecord>, OpsError> {
    limits::check_run_task_count(req.count).map_err(|why| OpsError::OutOfRange { field: "count", why })?;
    clusters::require_active(catalog, &req.cluster)?;
    let td = task_definitions::resolve(catalog, &req.task_definition)?;
    check_launch(req, &td.spec)?;
    refuse_if_draining(catalog, &req.cluster)?;
    let labels = task_tags(
        &TagSources {
            cluster: &req.cluster,
            service: None,
            managed: req.managed_tags,
            propagate: req.propagate_tags,
            service_tags: &BTreeMap::new(),
            task_definition_tags: &td.labels,
        },
        &req.labels,
    );
    let mut tasks = Vec::new();
    for _ in 0..req.count {
        let mut task = TaskRecord {
            cluster: req.cluster.clone(),
            started_by: req.started_by.clone(),
            created_at: now_millis(),
            labels: labels.clone(),
            launch: req.launch.clone(),
            ..TaskRecord::standalone(&new_task_id(), &td.reference())
        };
        if let Some(group) = &req.group {
            task.group = group.clone();
        }
        catalog.create_task(&task)?;
        tasks.push(task);
    }
    Ok(tasks)
}

/// The launch settings must suit the definition: Fargate's rules for FARGATE, overrides
/// that name its containers, no `SERVICE` tag propagation without a service.
fn check_launch(req: &RunTasks, spec: &TaskDefinitionSpec) -> Result<(), OpsError> {
    check_launch_type(spec, req.launch.launch_type.unwrap_or_default()).map_err(OpsError::InvalidSpec)?;
    check_platform_version(req.launch.launch_type, req.launch.platform_version.as_deref())
        .map_err(OpsError::InvalidSpec)?;
    if let Some(overrides) = &req.launch.overrides
        && let Some(problem) = validate_overrides(overrides, spec).into_iter().next()
    {
        return Err(OpsError::InvalidSpec(problem.to_string()));
    }
    if req.propagate_tags == Some(PropagateTags::Service) {
        return Err(OpsError::InvalidSpec(
            "propagateTags SERVICE needs a service; a standalone task can propagate TASK_DEFINITION tags"
                .into(),
        ));
    }
    Ok(())
}

/// New tasks are not placed on a DRAINING container instance.
fn refuse_if_draining(catalog: &Catalog, cluster: &str) -> Result<(), OpsError> {
    if catalog.container_instance(cluster)?.status != InstanceStatus::Draining {
        return Ok(());
    }
    Err(OpsError::InstanceDraining {
        cluster: cluster.to_string(),
        instance: catalog.container_instance_id()?,
    })
}

/// The task whose id is `prefix` or starts with it (a unique prefix, as `docker` accepts).
pub fn find_by_prefix(catalog: &Catalog, prefix: &str) -> Result<TaskRecord, OpsError> {
    if let Some(task) = catalog.task(prefix)? {
        return Ok(task);
    }
    let mut matches: Vec<TaskRecord> = catalog
        .tasks()?
        .into_iter()
        .filter(|t| !prefix.is_empty() && t.id.starts_with(prefix))
        .collect();
    match (matches.pop(), matches.len()) {
        (Some(task), 0) => Ok(task),
        (None, _) => Err(OpsError::not_found(ObjectKind::Task, prefix)),
        (Some(_), n) => Err(OpsError::AmbiguousTask {
            prefix: prefix.to_string(),
            count: n + 1,
        }),
    }
}

/// The task with exactly this id in this cluster.
pub fn find_in_cluster(catalog: &Catalog, cluster: &str, id: &str) -> Result<TaskRecord, OpsError> {
    catalog
        .task(id)?
        .filter(|t| t.cluster == cluster)
        .ok_or_else(|| OpsError::not_found(ObjectKind::Task, id))
}

/// Asks the task to stop on a user's behalf (ECS `UserInitiated`; default reason "Task
/// stopped by user"). Stopping a task that is already stopping keeps its first reason.
pub fn stop(catalog: &Catalog, task: &TaskRecord, reason: Option<&str>) -> Result<TaskRecord, OpsError> {
    let reason = reason.unwrap_or("Task stopped by user");
    Ok(catalog.request_task_stop(&task.id, StopCode::UserInitiated, reason)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;
    use std::sync::Arc;

    fn catalog_with_revision() -> Catalog {
        let catalog = Catalog::new(Arc::new(MemoryStore::new()));
        let spec = crate::model::fixtures::task_definition(&[("web", "busybox")]);
        catalog
            .register_task_definition("web", &spec, &BTreeMap::new())
            .unwrap();
        catalog
    }

    fn request(count: u32) -> RunTasks {
        RunTasks {
            cluster: "default".into(),
            task_definition: "web".into(),
            count,
            ..Default::default()
        }
    }

    #[test]
    fn run_records_count_tasks_of_the_resolved_revision() {
        let catalog = catalog_with_revision();
        let tasks = run(&catalog, &request(3)).unwrap();
        assert_eq!(tasks.len(), 3);
        assert!(tasks.iter().all(|t| t.task_definition == "web:1"));
        assert_eq!(catalog.tasks().unwrap().len(), 3);
    }

    #[test]
    fn run_on_a_draining_instance_is_refused_and_records_nothing() {
        let catalog = catalog_with_revision();
        catalog
            .update_container_instance("default", |r| {
                r.status = InstanceStatus::Draining;
                Ok(())
            })
            .unwrap();
        let err = run(&catalog, &request(1)).unwrap_err();
        assert!(matches!(err, OpsError::InstanceDraining { .. }), "{err}");
        assert!(catalog.tasks().unwrap().is_empty());
    }

    #[test]
    fn run_refuses_counts_out_of_range_unknown_clusters_and_revisions() {
        let catalog = catalog_with_revision();
        assert!(matches!(
            run(&catalog, &request(0)),
            Err(OpsError::OutOfRange { .. })
        ));
        assert!(matches!(
            run(&catalog, &request(11)),
            Err(OpsError::OutOfRange { .. })
        ));
        let other = RunTasks {
            cluster: "nope".into(),
            ..request(1)
        };
        assert!(matches!(
            run(&catalog, &other),
            Err(OpsError::NotFound {
                kind: ObjectKind::Cluster,
                ..
            })
        ));
        let unknown = RunTasks {
            task_definition: "web:9".into(),
            ..request(1)
        };
        assert!(matches!(
            run(&catalog, &unknown),
            Err(OpsError::NotFound {
                kind: ObjectKind::TaskDefinition,
                ..
            })
        ));
        assert!(catalog.tasks().unwrap().is_empty());
    }

    #[test]
    fn a_unique_prefix_finds_a_task_and_an_ambiguous_or_empty_one_does_not() {
        let catalog = catalog_with_revision();
        let tasks = run(&catalog, &request(2)).unwrap();
        let id = &tasks[0].id;
        assert_eq!(find_by_prefix(&catalog, &id[..12]).unwrap().id, *id);
        assert!(matches!(
            find_by_prefix(&catalog, ""),
            Err(OpsError::NotFound { .. })
        ));
        assert!(matches!(
            find_by_prefix(&catalog, "zz"),
            Err(OpsError::NotFound { .. })
        ));
    }
}
