//! Writing desired state from manifests: validate every document first, then write them all
//! (clusters, then task definitions, then services), or write nothing.

use crate::model::{DEFAULT_CLUSTER, Kind, Manifest, TaskDefinitionRef};
use crate::store::{ApplyOutcome, Catalog, StoreError};
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
    /// created, configured or unchanged.
    pub outcome: ApplyOutcome,
    /// Extra detail, e.g. the registered revision.
    pub detail: Option<String>,
}

/// Validates all manifests against each other and the store, then (unless `dry_run`) writes them.
pub fn apply_manifests(
    catalog: &Catalog,
    manifests: &[Manifest],
    dry_run: bool,
) -> Result<Vec<ApplyResult>, ApplyError> {
    let mut manifests = manifests.to_vec();
    check(catalog, &mut manifests)?;
    manifests.sort_by_key(Manifest::kind);
    manifests
        .iter()
        .map(|m| {
            if dry_run {
                preview(catalog, m)
            } else {
                write(catalog, m)
            }
        })
        .collect()
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
    for m in manifests.iter() {
        let Manifest::Service(doc) = m else { continue };
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
        if let Ok(r) = TaskDefinitionRef::parse(&doc.spec.task_definition) {
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
                    doc.spec.task_definition
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApplyError::Invalid(problems))
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
    }
}

fn write(catalog: &Catalog, m: &Manifest) -> Result<ApplyResult, ApplyError> {
    Ok(match m {
        Manifest::Cluster(d) => result(
            m,
            catalog.apply_cluster(&d.metadata.name, d.metadata.labels.clone())?,
            None,
        ),
        Manifest::TaskDefinition(d) => {
            let (record, outcome) =
                catalog.register_task_definition(&d.metadata.name, &d.spec, &d.metadata.labels)?;
            result(m, outcome, Some(format!("revision {}", record.revision)))
        }
        Manifest::Service(d) => {
            let outcome =
                catalog.apply_service(m.cluster(), &d.metadata.name, &d.spec, &d.metadata.labels)?;
            result(m, outcome, None)
        }
    })
}

fn preview(catalog: &Catalog, m: &Manifest) -> Result<ApplyResult, ApplyError> {
    let changed = |exists: bool, same: bool| match (exists, same) {
        (false, _) => ApplyOutcome::Created,
        (true, true) => ApplyOutcome::Unchanged,
        (true, false) => ApplyOutcome::Configured,
    };
    Ok(match m {
        Manifest::Cluster(d) => {
            let current = catalog.cluster(&d.metadata.name)?;
            let same = current.as_ref().is_some_and(|c| c.labels == d.metadata.labels);
            result(m, changed(current.is_some(), same), None)
        }
        Manifest::TaskDefinition(d) => {
            let latest = catalog.latest_task_definition(&d.metadata.name)?;
            let same = latest
                .as_ref()
                .is_some_and(|l| l.spec == d.spec && l.labels == d.metadata.labels);
            result(m, changed(latest.is_some(), same), None)
        }
        Manifest::Service(d) => {
            let current = catalog.service(m.cluster(), &d.metadata.name)?;
            let same = current
                .as_ref()
                .is_some_and(|s| s.spec == d.spec && s.labels == d.metadata.labels);
            result(m, changed(current.is_some(), same), None)
        }
    })
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
