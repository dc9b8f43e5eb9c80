//! Running, finding and stopping tasks.

use super::task_placement::{self, Unstarted, Where};
use super::{ObjectKind, OpsError, clusters, task_definitions};
use crate::model::{
    PropagateTags, StopCode, TagSources, TaskDefinitionSpec, apply_overrides, check_launch_type,
    check_platform_version, limits, new_task_id, now_millis, task_tags, validate_overrides,
};
use crate::store::{Catalog, TaskLaunch, TaskRecord};
use std::collections::BTreeMap;

/// What a caller asks RunTask (or StartTask) for.
#[derive(Debug, Clone, Default)]
pub struct RunTasks {
    /// Cluster name.
    pub cluster: String,
    /// `family`, `family:revision` or an ARN.
    pub task_definition: String,
    /// How many tasks (1–10) when they are placed; StartTask starts one per named instance.
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

/// What a run started, and why each task it did not start could not be placed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Launched {
    /// The tasks recorded, each with the instance it was placed on.
    pub tasks: Vec<TaskRecord>,
    /// One entry per task not started.
    pub failures: Vec<Unstarted>,
}

impl Launched {
    /// The tasks started, or why none was when none was.
    pub fn started(self, req: &RunTasks) -> Result<Self, OpsError> {
        if !self.tasks.is_empty() || self.failures.is_empty() {
            return Ok(self);
        }
        let mut reasons: Vec<String> = self
            .failures
            .iter()
            .map(|f| format!("{} ({})", f.name, f.reason))
            .collect();
        reasons.dedup();
        Err(OpsError::Unplaced {
            cluster: req.cluster.clone(),
            task_definition: req.task_definition.clone(),
            reasons: reasons.join(", "),
        })
    }
}

/// Places `count` tasks of the request over the cluster's instances (the definition's
/// constraints, no strategy: a seeded random choice) and records those placed; refused when
/// none could be placed. The schedules' door; RunTask and StartTask use [`launch`].
pub fn run(catalog: &Catalog, req: &RunTasks) -> Result<Vec<TaskRecord>, OpsError> {
    Ok(launch(catalog, req, &Where::default())?.started(req)?.tasks)
}

/// Places the tasks of the request as `place` says and records those placed (the task
/// controller starts them); a task that fits nowhere is a failure with ECS's reason, not an
/// error. Refused, with nothing recorded, when the count or a placement rule is invalid, or
/// the cluster or revision is unknown.
pub fn launch(catalog: &Catalog, req: &RunTasks, place: &Where) -> Result<Launched, OpsError> {
    if matches!(place, Where::Placed { .. }) {
        limits::check_run_task_count(req.count)
            .map_err(|why| OpsError::OutOfRange { field: "count", why })?;
    }
    clusters::require_active(catalog, &req.cluster)?;
    let td = task_definitions::resolve(catalog, &req.task_definition)?;
    check_launch(req, &td.spec)?;
    let spec = match &req.launch.overrides {
        Some(o) => apply_overrides(&td.spec, o),
        None => td.spec.clone(),
    };
    let group = req
        .group
        .clone()
        .unwrap_or_else(|| format!("family:{}", td.family));
    let (chosen, failures) = task_placement::choose(catalog, &req.cluster, &spec, &group, req.count, place)?;
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
    for instance in chosen {
        let task = TaskRecord {
            cluster: req.cluster.clone(),
            started_by: req.started_by.clone(),
            created_at: now_millis(),
            labels: labels.clone(),
            launch: req.launch.clone(),
            group: group.clone(),
            container_instance: Some(instance),
            ..TaskRecord::standalone(&new_task_id(), &td.reference())
        };
        catalog.create_task(&task)?;
        tasks.push(task);
    }
    Ok(Launched { tasks, failures })
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
    fn run_records_count_tasks_of_the_resolved_revision_on_the_chosen_instance() {
        let catalog = catalog_with_revision();
        let tasks = run(&catalog, &request(3)).unwrap();
        assert_eq!(tasks.len(), 3);
        let local = catalog.container_instance_id().unwrap();
        assert!(tasks.iter().all(|t| t.task_definition == "web:1"));
        assert!(
            tasks
                .iter()
                .all(|t| t.container_instance.as_deref() == Some(local.as_str()))
        );
        assert_eq!(catalog.tasks().unwrap().len(), 3);
    }

    #[test]
    fn run_on_a_draining_instance_places_nothing_and_says_why() {
        let catalog = catalog_with_revision();
        catalog
            .update_container_instance("default", |r| {
                r.status = crate::store::InstanceStatus::Draining;
                Ok(())
            })
            .unwrap();
        let launched = launch(&catalog, &request(1), &Where::default()).unwrap();
        assert!(launched.tasks.is_empty());
        assert_eq!(launched.failures[0].reason, "DRAINING");
        let refusal = run(&catalog, &request(1)).unwrap_err();
        assert!(matches!(refusal, OpsError::Unplaced { .. }), "{refusal}");
        assert!(refusal.to_string().contains("local (DRAINING)"), "{refusal}");
        assert!(catalog.tasks().unwrap().is_empty());
    }

    #[test]
    fn start_task_takes_one_task_per_named_instance_and_reports_an_unknown_one_missing() {
        let catalog = catalog_with_revision();
        let on = Where::On(vec!["local".into(), "nope".into(), "local".into()]);
        let launched = launch(&catalog, &request(0), &on).unwrap();
        assert_eq!(launched.tasks.len(), 2);
        assert_eq!(launched.failures.len(), 1);
        assert_eq!(
            (launched.failures[0].name.as_str(), launched.failures[0].reason),
            ("nope", "MISSING")
        );
        assert!(matches!(
            launch(&catalog, &request(0), &Where::On(Vec::new())),
            Err(OpsError::OutOfRange { .. })
        ));
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
