//! Writing desired state from manifests: validate every document first (including who owns
//! each object), then write them all (clusters, then task definitions, then services) or
//! nothing; optionally prune what the same source no longer declares.

mod diff;
mod ownership;

pub use diff::changes;

/// Removes (or, with `dry_run`, reports) objects owned by source `root` whose keys are not in
/// `keep`; see `ownership::prune`.
pub fn prune_absent(
    catalog: &Catalog,
    root: &str,
    keep: &BTreeSet<String>,
    dry_run: bool,
) -> Result<Vec<ApplyResult>, ApplyError> {
    ownership::prune(catalog, root, keep, dry_run)
}

use crate::model::{
    DEFAULT_CLUSTER, Kind, Manifest, TaskDefinitionRef, TaskDefinitionSpec, launch_problems, target_problems,
};
use crate::store::{ApplyOutcome, Catalog, Origin, StoreError, TaskDefinitionRecord};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Why an apply was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// One or more documents are invalid; nothing was written.
    #[error("{}", .0.join("; "))]
    Invalid(Vec<String>),
    /// The store refused or failed a write.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What happened to one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyResult {
    /// `Cluster`, `TaskDefinition` or `Service`.
    pub kind: Kind,
    /// Object name (`cluster/name` for services).
    pub name: String,
    /// created, configured, unchanged or pruned.
    pub outcome: ApplyOutcome,
    /// Extra detail, e.g. the registered revision.
    pub detail: Option<String>,
    /// Field-level changes (`spec.desiredCount: 2 -> 3`) for configured objects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
}

/// A manifest and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// The object.
    pub manifest: Manifest,
    /// Its source folder (or file) and file.
    pub origin: Origin,
}

/// How to apply a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyOptions {
    /// Only report what would change.
    #[serde(default)]
    pub dry_run: bool,
    /// Delete objects owned by this source root that the batch no longer declares.
    #[serde(default)]
    pub prune: Option<String>,
    /// Register every task definition as a new revision even when it equals the latest one
    /// (ECS RegisterTaskDefinition); manifests keep the default, where unchanged is a no-op.
    #[serde(skip)]
    pub always_new_revision: bool,
    /// Move objects that another source manages to this batch's source (`kubectl apply
    /// --force-conflicts`); what runs is not touched unless the spec changed.
    #[serde(default)]
    pub take_ownership: bool,
}

/// The identity an owner record is kept under (`Service/default/web`, `TaskDefinition/web`).
pub fn object_key(m: &Manifest) -> String {
    match m {
        _ if m.kind().in_cluster() => format!("{}/{}/{}", m.kind(), m.cluster(), m.metadata().name),
        _ => format!("{}/{}", m.kind(), m.metadata().name),
    }
}

/// Validates all documents against each other, the store and their owners, then (unless
/// `dry_run`) writes them and records their origin; with `prune`, also removes what that
/// source owned and no longer declares.
pub fn apply_documents(
    catalog: &Catalog,
    docs: &[Document],
    options: &ApplyOptions,
) -> Result<Vec<ApplyResult>, ApplyError> {
    let mut docs = docs.to_vec();
    let mut manifests: Vec<Manifest> = docs.iter().map(|d| d.manifest.clone()).collect();
    check(catalog, &mut manifests)?;
    for (doc, m) in docs.iter_mut().zip(manifests) {
        doc.manifest = m;
    }
    if !options.take_ownership {
        ownership::check_owners(catalog, &docs)?;
    }
    docs.sort_by_key(|d| d.manifest.kind());
    let mut results = Vec::new();
    for doc in &docs {
        results.push(if options.dry_run {
            preview(catalog, &doc.manifest)?
        } else {
            write(catalog, doc, options)?
        });
    }
    if let Some(root) = &options.prune {
        let keep: BTreeSet<String> = docs.iter().map(|d| object_key(&d.manifest)).collect();
        results.extend(ownership::prune(catalog, root, &keep, options.dry_run)?);
    }
    Ok(results)
}

/// `apply_documents` for manifests with no particular origin (tests, tools).
pub fn apply_manifests(
    catalog: &Catalog,
    manifests: &[Manifest],
    dry_run: bool,
) -> Result<Vec<ApplyResult>, ApplyError> {
    let origin = Origin {
        root: "<api>".into(),
        file: String::new(),
    };
    let docs: Vec<Document> = manifests
        .iter()
        .map(|m| Document {
            manifest: m.clone(),
            origin: origin.clone(),
        })
        .collect();
    let options = ApplyOptions {
        dry_run,
        ..Default::default()
    };
    apply_documents(catalog, &docs, &options)
}

/// The task definition a reference resolves to: from the batch (for a family) or the store.
fn definition_of(
    catalog: &Catalog,
    manifests: &[Manifest],
    r: &TaskDefinitionRef,
) -> Result<Option<TaskDefinitionSpec>, StoreError> {
    if r.revision.is_none() {
        let in_batch = manifests.iter().find_map(|m| match m {
            Manifest::TaskDefinition(d) if d.metadata.name == r.family => Some(d.spec.clone()),
            _ => None,
        });
        if in_batch.is_some() {
            return Ok(in_batch);
        }
        return Ok(catalog.latest_task_definition(&r.family)?.map(|l| l.spec));
    }
    Ok(catalog
        .task_definition(&r.family, r.revision.unwrap_or(0))?
        .map(|td| td.spec))
}

fn check(catalog: &Catalog, manifests: &mut [Manifest]) -> Result<(), ApplyError> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for m in manifests.iter_mut() {
        for e in m.normalize().into_iter().chain(m.validate()) {
            problems.push(format!("{}: {e}", m.describe()));
        }
        if !seen.insert(m.describe()) {
            problems.push(format!("{} is declared twice", m.describe()));
        }
    }
    let batch_families: BTreeSet<&str> = names_of(manifests, Kind::TaskDefinition);
    let batch_clusters: BTreeSet<&str> = names_of(manifests, Kind::Cluster);
    let batch_groups: BTreeSet<&str> = names_of(manifests, Kind::TargetGroup);
    for m in manifests.iter() {
        for (path, group) in referenced_target_groups(m) {
            if !batch_groups.contains(group.as_str()) && catalog.target_group(&group)?.is_none() {
                problems.push(format!(
                    "{}: {path}: target group {group} not found (apply it first or in the same batch)",
                    m.describe()
                ));
            }
        }
    }
    for m in manifests.iter() {
        let task_definition = match m {
            Manifest::Service(d) => Some(&d.spec.task_definition),
            Manifest::ScheduledTask(d) => d.spec.task_definition.as_ref(),
            _ => continue,
        };
        let cluster = m.cluster();
        if cluster != DEFAULT_CLUSTER
            && !batch_clusters.contains(cluster)
            && catalog.cluster(cluster)?.is_none()
        {
            problems.push(format!(
                "{}: metadata.cluster: cluster {cluster} not found (apply a Cluster first)",
                m.describe()
            ));
        }
        let Some(task_definition) = task_definition else {
            continue;
        };
        if let Ok(r) = TaskDefinitionRef::parse(task_definition) {
            let known = match r.revision {
                Some(rev) => catalog.task_definition(&r.family, rev)?.is_some(),
                None => {
                    batch_families.contains(r.family.as_str())
                        || catalog.latest_task_definition(&r.family)?.is_some()
                }
            };
            if !known {
                problems.push(format!(
                    "{}: spec.taskDefinition: task definition {} not found (apply it first or in the same batch)",
                    m.describe(),
                    task_definition
                ));
            }
            if let Some(td) = definition_of(catalog, manifests, &r)? {
                for why in definition_problems(m, &td) {
                    problems.push(format!("{}: {why}", m.describe()));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApplyError::Invalid(problems))
    }
}

/// What is wrong with `m` given the task definition it names.
fn definition_problems(m: &Manifest, td: &TaskDefinitionSpec) -> Vec<String> {
    match m {
        Manifest::Service(d) => launch_problems(&d.spec, td),
        Manifest::ScheduledTask(d) => target_problems(&d.spec, td)
            .iter()
            .map(ToString::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// `(field path, target group name)` of every target group a manifest names.
fn referenced_target_groups(m: &Manifest) -> Vec<(String, String)> {
    match m {
        Manifest::Service(d) => d
            .spec
            .load_balancers
            .iter()
            .enumerate()
            .map(|(i, lb)| {
                (
                    format!("spec.loadBalancers[{i}].targetGroupArn"),
                    lb.target_group(),
                )
            })
            .collect(),
        Manifest::LoadBalancer(d) => d
            .spec
            .target_group_names()
            .into_iter()
            .map(|name| ("spec.listeners".to_string(), name))
            .collect(),
        _ => Vec::new(),
    }
}

fn names_of(manifests: &[Manifest], kind: Kind) -> BTreeSet<&str> {
    manifests
        .iter()
        .filter(|m| m.kind() == kind)
        .map(|m| m.metadata().name.as_str())
        .collect()
}

fn result(m: &Manifest, outcome: ApplyOutcome, detail: Option<String>) -> ApplyResult {
    let name = match m {
        Manifest::Service(d) => format!("{}/{}", m.cluster(), d.metadata.name),
        _ => m.metadata().name.clone(),
    };
    ApplyResult {
        kind: m.kind(),
        name,
        outcome,
        detail,
        changes: Vec::new(),
    }
}

fn write(catalog: &Catalog, doc: &Document, options: &ApplyOptions) -> Result<ApplyResult, ApplyError> {
    let m = &doc.manifest;
    let changes = preview(catalog, m)?.changes;
    let mut applied = match m {
        Manifest::Cluster(d) => result(
            m,
            catalog.apply_cluster(
                &d.metadata.name,
                d.metadata.labels.clone(),
                Some(&d.spec.settings),
            )?,
            None,
        ),
        Manifest::TaskDefinition(d) => {
            let (record, outcome) = register(catalog, d, options.always_new_revision)?;
            result(m, outcome, Some(format!("revision {}", record.revision)))
        }
        Manifest::Service(d) => {
            let outcome =
                catalog.apply_service(m.cluster(), &d.metadata.name, &d.spec, &d.metadata.labels)?;
            result(m, outcome, None)
        }
        Manifest::TargetGroup(d) => result(
            m,
            catalog.apply_target_group(&d.metadata.name, &d.spec, &d.metadata.labels)?,
            None,
        ),
        Manifest::LoadBalancer(d) => result(
            m,
            catalog.apply_load_balancer(&d.metadata.name, &d.spec, &d.metadata.labels)?,
            None,
        ),
        Manifest::ScheduledTask(d) => result(
            m,
            catalog.apply_scheduled_task(m.cluster(), &d.metadata.name, &d.spec, &d.metadata.labels, None)?,
            None,
        ),
        Manifest::ContainerInstance(d) => result(
            m,
            catalog.apply_declared_instance(m.cluster(), &d.metadata.name, &d.spec, &d.metadata.labels)?,
            None,
        ),
    };
    applied.changes = changes;
    catalog.set_owner(&object_key(m), &doc.origin)?;
    Ok(applied)
}

/// Registers a task definition: a new revision only when it changed, unless `always`.
fn register(
    catalog: &Catalog,
    d: &crate::model::Document<crate::model::TaskDefinitionSpec>,
    always: bool,
) -> Result<(TaskDefinitionRecord, ApplyOutcome), StoreError> {
    let (name, labels) = (&d.metadata.name, &d.metadata.labels);
    if !always {
        return catalog.register_task_definition(name, &d.spec, labels);
    }
    let existed = catalog.latest_task_definition(name)?.is_some();
    let record = catalog.register_task_definition_revision(name, &d.spec, labels)?;
    let outcome = if existed {
        ApplyOutcome::Configured
    } else {
        ApplyOutcome::Created
    };
    Ok((record, outcome))
}

/// What applying `m` would do, with a field-level diff against what is stored.
fn preview(catalog: &Catalog, m: &Manifest) -> Result<ApplyResult, ApplyError> {
    let current: Option<serde_json::Value> = match m {
        Manifest::Cluster(d) => catalog
            .cluster(&d.metadata.name)?
            .map(|c| serde_json::json!({"metadata": {"labels": c.labels}, "spec": {"settings": c.settings}})),
        Manifest::TaskDefinition(d) => catalog
            .latest_task_definition(&d.metadata.name)?
            .map(|l| serde_json::json!({"metadata": {"labels": l.labels}, "spec": l.spec})),
        Manifest::Service(d) => catalog
            .service(m.cluster(), &d.metadata.name)?
            .map(|s| serde_json::json!({"metadata": {"labels": s.labels}, "spec": s.spec})),
        Manifest::TargetGroup(d) => catalog
            .target_group(&d.metadata.name)?
            .map(|r| serde_json::json!({"metadata": {"labels": r.labels}, "spec": r.spec})),
        Manifest::LoadBalancer(d) => catalog
            .load_balancer(&d.metadata.name)?
            .map(|r| serde_json::json!({"metadata": {"labels": r.labels}, "spec": r.spec})),
        Manifest::ScheduledTask(d) => catalog
            .scheduled_task(m.cluster(), &d.metadata.name)?
            .map(|r| serde_json::json!({"metadata": {"labels": r.labels}, "spec": r.spec})),
        Manifest::ContainerInstance(d) => catalog
            .declared_instance(m.cluster(), &d.metadata.name)?
            .map(|r| serde_json::json!({"metadata": {"labels": r.labels}, "spec": r.spec})),
    };
    let wanted = match m {
        Manifest::Cluster(d) => serde_json::json!({
            "metadata": {"labels": d.metadata.labels},
            "spec": {"settings": d.spec.settings},
        }),
        Manifest::TaskDefinition(d) => {
            serde_json::json!({"metadata": {"labels": d.metadata.labels}, "spec": d.spec})
        }
        Manifest::Service(d) => {
            serde_json::json!({"metadata": {"labels": d.metadata.labels}, "spec": d.spec})
        }
        Manifest::TargetGroup(d) => {
            serde_json::json!({"metadata": {"labels": d.metadata.labels}, "spec": d.spec})
        }
        Manifest::LoadBalancer(d) => {
            serde_json::json!({"metadata": {"labels": d.metadata.labels}, "spec": d.spec})
        }
        Manifest::ScheduledTask(d) => {
            serde_json::json!({"metadata": {"labels": d.metadata.labels}, "spec": d.spec})
        }
        Manifest::ContainerInstance(d) => {
            serde_json::json!({"metadata": {"labels": d.metadata.labels}, "spec": d.spec})
        }
    };
    let Some(current) = current else {
        return Ok(result(m, ApplyOutcome::Created, None));
    };
    let changes = diff::changes(&current, &wanted);
    let outcome = if changes.is_empty() {
        ApplyOutcome::Unchanged
    } else {
        ApplyOutcome::Configured
    };
    let mut r = result(m, outcome, None);
    r.changes = changes;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_text;
    use crate::store::MemoryStore;
    use std::sync::Arc;

    fn manifests(text: &str) -> Vec<Manifest> {
        let (mut loaded, mut errors) = (Vec::new(), Vec::new());
        parse_text("t.yaml", text, &mut loaded, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        loaded.into_iter().map(|l| l.manifest).collect()
    }

    const TD: &str = "apiVersion: ecsd/v1\nkind: TaskDefinition\nmetadata: {name: web}\nspec:\n  containerDefinitions: [{name: web, image: busybox}]\n";
    const SVC: &str = "apiVersion: ecsd/v1\nkind: Service\nmetadata: {name: web}\nspec: {taskDefinition: web, desiredCount: 1}\n";

    #[test]
    fn a_service_and_its_task_definition_apply_together_in_dependency_order() {
        let catalog = Catalog::new(Arc::new(MemoryStore::new()));
        let results = apply_manifests(&catalog, &manifests(&format!("{SVC}---\n{TD}")), false).unwrap();
        assert_eq!(results[0].kind, Kind::TaskDefinition);
        assert_eq!(results[1].outcome, ApplyOutcome::Created);
        assert!(catalog.service("default", "web").unwrap().is_some());
    }

    #[test]
    fn one_bad_reference_writes_nothing_at_all() {
        let catalog = Catalog::new(Arc::new(MemoryStore::new()));
        let bad = SVC.replace("taskDefinition: web", "taskDefinition: nope");
        let err = apply_manifests(&catalog, &manifests(&format!("{TD}---\n{bad}")), false).unwrap_err();
        assert!(
            err.to_string().contains("task definition nope not found"),
            "{err}"
        );
        assert!(
            catalog.task_definitions().unwrap().is_empty(),
            "the valid TaskDefinition was not written"
        );
    }

    #[test]
    fn a_service_in_an_unknown_cluster_is_refused() {
        let catalog = Catalog::new(Arc::new(MemoryStore::new()));
        let svc = SVC.replace("{name: web}", "{name: web, cluster: prod}");
        let err = apply_manifests(&catalog, &manifests(&format!("{TD}---\n{svc}")), false).unwrap_err();
        assert!(err.to_string().contains("cluster prod not found"), "{err}");
    }

    #[test]
    fn dry_run_reports_outcomes_without_writing() {
        let catalog = Catalog::new(Arc::new(MemoryStore::new()));
        let docs = manifests(&format!("{TD}---\n{SVC}"));
        let preview = apply_manifests(&catalog, &docs, true).unwrap();
        assert!(preview.iter().all(|r| r.outcome == ApplyOutcome::Created));
        assert!(catalog.services(None).unwrap().is_empty());
        apply_manifests(&catalog, &docs, false).unwrap();
        let again = apply_manifests(&catalog, &docs, true).unwrap();
        assert!(again.iter().all(|r| r.outcome == ApplyOutcome::Unchanged));
    }

    #[test]
    fn the_same_object_twice_in_one_batch_is_refused() {
        let catalog = Catalog::new(Arc::new(MemoryStore::new()));
        let err = apply_manifests(&catalog, &manifests(&format!("{TD}---\n{TD}")), false).unwrap_err();
        assert!(err.to_string().contains("declared twice"), "{err}");
    }
}
