//! Who owns an object: the folder (or file) it was applied from. A second source claiming it
//! is a conflict, not an overwrite; pruning removes only what a source owns.

use super::{ApplyError, ApplyResult, Document, object_key};
use crate::model::{Kind, TaskDefinitionRef};
use crate::store::{ApplyOutcome, Catalog, Origin};
use std::collections::BTreeSet;

/// Refuses documents whose object is owned by another source (and still exists).
pub fn check_owners(catalog: &Catalog, docs: &[Document]) -> Result<(), ApplyError> {
    let mut problems = Vec::new();
    for doc in docs {
        let key = object_key(&doc.manifest);
        let Some(owner) = catalog.owner(&key)? else {
            continue;
        };
        if !owner.same_source(&doc.origin) && exists(catalog, &key)? {
            problems.push(format!(
                "{}: already managed by {}; change or remove it there, or move it here with `ecsd apply --take-ownership` (a name has one source)",
                doc.manifest.describe(),
                owner.path()
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApplyError::Invalid(problems))
    }
}

/// Whether the object behind an owner key still exists.
fn exists(catalog: &Catalog, key: &str) -> Result<bool, ApplyError> {
    let parts: Vec<&str> = key.split('/').collect();
    Ok(match parts.as_slice() {
        ["Cluster", name] => catalog.cluster(name)?.is_some(),
        ["TaskDefinition", family] => catalog.latest_task_definition(family)?.is_some(),
        ["Service", cluster, name] => catalog.service(cluster, name)?.is_some(),
        ["TargetGroup", name] => catalog.target_group(name)?.is_some(),
        ["LoadBalancer", name] => catalog.load_balancer(name)?.is_some(),
        ["ScheduledTask", cluster, name] => catalog.scheduled_task(cluster, name)?.is_some(),
        ["ContainerInstance", cluster, name] => catalog.declared_instance(cluster, name)?.is_some(),
        _ => false,
    })
}

/// Removes (or, with `dry_run`, reports) objects owned by `root` that are not in `keep`:
/// services drain, task definition families are deregistered (revisions stay as history),
/// clusters are deleted. Services go first, clusters last.
pub fn prune(
    catalog: &Catalog,
    root: &str,
    keep: &BTreeSet<String>,
    dry_run: bool,
) -> Result<Vec<ApplyResult>, ApplyError> {
    let mut owned: Vec<(String, Origin)> = catalog
        .owners()?
        .into_iter()
        .filter(|(key, origin)| origin.root == root && !keep.contains(key))
        .collect();
    let rank = |key: &str| match key.split('/').next() {
        Some("ScheduledTask" | "Service") => 0,
        Some("LoadBalancer") => 1,
        Some("TargetGroup") => 2,
        Some("TaskDefinition") => 3,
        Some("ContainerInstance") => 4,
        _ => 5,
    };
    owned.sort_by_key(|(key, _)| rank(key));
    let mut results = Vec::new();
    for (key, _) in owned {
        if !exists(catalog, &key)? {
            if !dry_run {
                catalog.remove_owner(&key)?;
            }
            continue;
        }
        let parts: Vec<&str> = key.splitn(3, '/').collect();
        let (kind, name) = match parts.as_slice() {
            ["Service", cluster, name] => {
                if !dry_run {
                    catalog.mark_service_deleting(cluster, name)?;
                }
                (Kind::Service, format!("{cluster}/{name}"))
            }
            ["TaskDefinition", family] => {
                if !dry_run && TaskDefinitionRef::parse(family).is_ok() {
                    catalog.deregister_family(family)?;
                }
                (Kind::TaskDefinition, family.to_string())
            }
            ["Cluster", name] => {
                if !dry_run {
                    catalog.delete_cluster(name)?;
                }
                (Kind::Cluster, name.to_string())
            }
            ["ScheduledTask", cluster, name] => {
                if !dry_run {
                    catalog.delete_scheduled_task(cluster, name)?;
                }
                (Kind::ScheduledTask, format!("{cluster}/{name}"))
            }
            ["ContainerInstance", cluster, name] => {
                // An instance that still runs tasks drains first; a later sync removes it.
                if !dry_run && !catalog.retire_declared_instance(cluster, name)? {
                    continue;
                }
                (Kind::ContainerInstance, format!("{cluster}/{name}"))
            }
            ["LoadBalancer", name] => {
                if !dry_run {
                    catalog.delete_load_balancer(name)?;
                }
                (Kind::LoadBalancer, name.to_string())
            }
            ["TargetGroup", name] => {
                if !dry_run {
                    catalog.delete_target_group(name)?;
                }
                (Kind::TargetGroup, name.to_string())
            }
            _ => continue,
        };
        if !dry_run {
            catalog.remove_owner(&key)?;
        }
        results.push(ApplyResult {
            kind,
            name,
            outcome: ApplyOutcome::Pruned,
            detail: None,
            changes: Vec::new(),
        });
    }
    Ok(results)
}
