//! Container instances as both doors see them, on top of `fleet::view`: list (one cluster or
//! all), find, drain and undo, delete, and their custom attributes.
//!
//! Draining is a registration change, not a spec change: a watched folder's sync never
//! undoes it, so it needs no `--force`. Deleting removes a declaration, so the native door
//! checks folder ownership first (as for every other kind).

use super::{ObjectKind, OpsError, clusters};
use crate::fleet::{self, InstanceFacts, Usage};
use crate::model::{MAX_INSTANCE_ATTRIBUTES, check_attribute, is_built_in_attribute};
use crate::placement;
use crate::store::{Catalog, InstanceStatus};
use std::collections::BTreeMap;

/// One container instance of one cluster, with what its tasks take of it.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceView {
    /// The cluster it is seen in (the daemon's own engine is in every cluster).
    pub cluster: String,
    /// Registration, declaration and what its engine reported.
    pub facts: InstanceFacts,
    /// What its tasks not STOPPED take of it (host ports as bound, not as claimed).
    pub usage: Usage,
}

impl InstanceView {
    /// The instance as placement sees it: what it offers and what is left.
    pub fn placed(&self) -> placement::Instance {
        fleet::as_placed(&self.facts, self.usage.clone())
    }

    /// Whether it is the daemon's own engine.
    pub fn is_local(&self) -> bool {
        self.facts.declared.is_none()
    }

    /// `ACTIVE` or `DRAINING`.
    pub fn status(&self) -> InstanceStatus {
        self.facts.registration.status
    }
}

/// The instances of `cluster` (which must exist), or of every cluster: the daemon's own
/// engine first in each.
pub fn list(catalog: &Catalog, cluster: Option<&str>) -> Result<Vec<InstanceView>, OpsError> {
    let names = match cluster {
        Some(name) => {
            clusters::require_active(catalog, name)?;
            vec![name.to_string()]
        }
        None => clusters::active(catalog)?,
    };
    let mut all = Vec::new();
    for name in names {
        let mut usage = fleet::usage_by_instance(catalog, &name, false)?;
        for facts in fleet::cluster_instances(catalog, &name)? {
            all.push(InstanceView {
                cluster: name.clone(),
                usage: usage.remove(&facts.id).unwrap_or_default(),
                facts,
            });
        }
    }
    Ok(all)
}

/// How many instances `cluster` has: the daemon's own engine and the declared ones.
pub fn count(catalog: &Catalog, cluster: &str) -> Result<usize, OpsError> {
    Ok(1 + catalog.declared_instances(Some(cluster))?.len())
}

/// The instance of `cluster` named by `given`: its name, id, or an ARN ending in either.
pub fn find(catalog: &Catalog, cluster: &str, given: &str) -> Result<InstanceView, OpsError> {
    clusters::require_active(catalog, cluster)?;
    let facts = fleet::find_instance(catalog, cluster, given)?
        .ok_or_else(|| OpsError::not_found(ObjectKind::ContainerInstance, given))?;
    let usage = fleet::usage_by_instance(catalog, cluster, false)?
        .remove(&facts.id)
        .unwrap_or_default();
    Ok(InstanceView {
        cluster: cluster.to_string(),
        facts,
        usage,
    })
}

/// Drains the instance (`DRAINING`: nothing new is placed on it, its service tasks move) or
/// undoes that (`ACTIVE`).
pub fn set_status(
    catalog: &Catalog,
    cluster: &str,
    given: &str,
    status: InstanceStatus,
) -> Result<InstanceView, OpsError> {
    let view = find(catalog, cluster, given)?;
    catalog.update_registration(cluster, &view.facts.id, |r| {
        r.status = status;
        Ok(())
    })?;
    find(catalog, cluster, &view.facts.id)
}

/// Deletes a declared instance; returns it as it was. The daemon's own engine cannot be
/// deleted, nor an instance with tasks not STOPPED unless `orphan_tasks` (ECS's `force`:
/// they are no longer accounted for on it).
pub fn delete(
    catalog: &Catalog,
    cluster: &str,
    given: &str,
    orphan_tasks: bool,
) -> Result<InstanceView, OpsError> {
    let view = find(catalog, cluster, given)?;
    let Some(declared) = &view.facts.declared else {
        return Err(OpsError::LocalInstance {
            cluster: cluster.to_string(),
        });
    };
    let live = catalog.live_tasks_on(&view.facts.id)?.len();
    if live > 0 && !orphan_tasks {
        return Err(OpsError::InstanceRunsTasks {
            cluster: cluster.to_string(),
            name: declared.name.clone(),
            tasks: live,
        });
    }
    catalog.remove_declared_instance(cluster, &declared.name)?;
    Ok(view)
}

/// One custom attribute to set (or, with `value` ignored, remove) on the instance `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeChange {
    /// The instance: name, id or ARN.
    pub target: String,
    /// Attribute name.
    pub name: String,
    /// Its value (an attribute may have none).
    pub value: Option<String>,
}

/// Sets custom attributes on instances of `cluster` (PutAttributes). Every change is checked
/// (target, ECS's character rules, no built-in name, at most `MAX_INSTANCE_ATTRIBUTES` custom
/// attributes with the manifest's) before any is written.
pub fn put_attributes(catalog: &Catalog, cluster: &str, changes: &[AttributeChange]) -> Result<(), OpsError> {
    let mut wanted: BTreeMap<String, (InstanceView, BTreeMap<String, Option<String>>)> = BTreeMap::new();
    for change in changes {
        check_attribute(&change.name, change.value.as_deref()).map_err(OpsError::InvalidSpec)?;
        if is_built_in_attribute(&change.name) {
            return Err(OpsError::InvalidSpec(format!(
                "attribute {}: the ecs., com.amazonaws.ecs. and ecsd. prefixes are reserved for built-in attributes",
                change.name
            )));
        }
        let view = find(catalog, cluster, &change.target)?;
        let (_, attributes) = wanted
            .entry(view.facts.id.clone())
            .or_insert_with(|| (view.clone(), view.facts.registration.attributes.clone()));
        attributes.insert(change.name.clone(), change.value.clone());
    }
    for (view, attributes) in wanted.values() {
        let declared = view.facts.declared.iter().flat_map(|d| d.spec.attributes.keys());
        let custom = attributes
            .keys()
            .chain(declared.filter(|name| !is_built_in_attribute(name)))
            .collect::<std::collections::BTreeSet<_>>();
        if custom.len() > MAX_INSTANCE_ATTRIBUTES {
            return Err(OpsError::AttributeLimit {
                instance: view.facts.name.clone(),
                limit: MAX_INSTANCE_ATTRIBUTES,
            });
        }
    }
    for (id, (_, attributes)) in &wanted {
        catalog.update_registration(cluster, id, |r| {
            r.attributes = attributes.clone();
            Ok(())
        })?;
    }
    Ok(())
}

/// Removes custom attributes set through the APIs (DeleteAttributes); one its manifest sets
/// is refused (the manifest is where it changes). Every change is checked before any is made.
pub fn delete_attributes(
    catalog: &Catalog,
    cluster: &str,
    changes: &[AttributeChange],
) -> Result<(), OpsError> {
    let mut removals: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for change in changes {
        let view = find(catalog, cluster, &change.target)?;
        let from_manifest = view
            .facts
            .declared
            .as_ref()
            .is_some_and(|d| d.spec.attributes.contains_key(&change.name));
        if from_manifest {
            return Err(OpsError::InvalidSpec(format!(
                "attribute {} of container instance {} is set by its manifest: change it there",
                change.name, view.facts.name
            )));
        }
        removals
            .entry(view.facts.id)
            .or_default()
            .push(change.name.clone());
    }
    for (id, names) in &removals {
        catalog.update_registration(cluster, id, |r| {
            for name in names {
                r.attributes.remove(name);
            }
            Ok(())
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::LOCAL_INSTANCE;
    use crate::model::ContainerInstanceSpec;
    use crate::store::{MemoryStore, TaskRecord};
    use std::sync::Arc;

    fn catalog_with(names: &[&str]) -> Catalog {
        let catalog = Catalog::new(Arc::new(MemoryStore::new()));
        for name in names {
            let spec = ContainerInstanceSpec {
                engine: format!("unix:///run/{name}.sock"),
                attributes: [("disk".to_string(), "ssd".to_string())].into(),
                ..Default::default()
            };
            catalog
                .apply_declared_instance("default", name, &spec, &BTreeMap::new())
                .unwrap();
        }
        catalog
    }

    #[test]
    fn list_shows_the_own_engine_first_then_the_declared_ones_of_each_cluster() {
        let catalog = catalog_with(&["pi"]);
        catalog.apply_cluster("prod", BTreeMap::new(), None).unwrap();
        let all = list(&catalog, None).unwrap();
        let names: Vec<(&str, &str)> = all
            .iter()
            .map(|v| (v.cluster.as_str(), v.facts.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("default", LOCAL_INSTANCE),
                ("default", "pi"),
                ("prod", LOCAL_INSTANCE)
            ]
        );
        assert!(matches!(
            list(&catalog, Some("nope")),
            Err(OpsError::NotFound {
                kind: ObjectKind::Cluster,
                ..
            })
        ));
    }

    #[test]
    fn an_instance_is_found_by_name_id_or_arn_and_drained_and_undone() {
        let catalog = catalog_with(&["pi"]);
        let pi = find(&catalog, "default", "pi").unwrap();
        let arn = format!(
            "arn:aws:ecs:us-east-1:000000000000:container-instance/default/{}",
            pi.facts.id
        );
        assert_eq!(find(&catalog, "default", &arn).unwrap().facts.name, "pi");
        let drained = set_status(&catalog, "default", &pi.facts.id, InstanceStatus::Draining).unwrap();
        assert_eq!(drained.status(), InstanceStatus::Draining);
        assert_eq!(
            find(&catalog, "default", "local").unwrap().status(),
            InstanceStatus::Active
        );
        let back = set_status(&catalog, "default", "pi", InstanceStatus::Active).unwrap();
        assert_eq!(back.status(), InstanceStatus::Active);
        assert!(matches!(
            find(&catalog, "default", "nope"),
            Err(OpsError::NotFound {
                kind: ObjectKind::ContainerInstance,
                ..
            })
        ));
    }

    #[test]
    fn delete_refuses_the_own_engine_and_an_instance_with_live_tasks_unless_orphaning() {
        let catalog = catalog_with(&["pi"]);
        let err = delete(&catalog, "default", LOCAL_INSTANCE, true).unwrap_err();
        assert!(matches!(err, OpsError::LocalInstance { .. }), "{err}");
        let pi = find(&catalog, "default", "pi").unwrap();
        let task = TaskRecord {
            container_instance: Some(pi.facts.id.clone()),
            ..TaskRecord::standalone("t1", "web:1")
        };
        catalog.create_task(&task).unwrap();
        let err = delete(&catalog, "default", "pi", false).unwrap_err();
        assert!(err.to_string().contains("ecsd drain instance pi"), "{err}");
        assert!(catalog.declared_instance("default", "pi").unwrap().is_some());
        delete(&catalog, "default", "pi", true).unwrap();
        assert!(catalog.declared_instance("default", "pi").unwrap().is_none());
    }

    fn change(target: &str, name: &str, value: Option<&str>) -> AttributeChange {
        AttributeChange {
            target: target.into(),
            name: name.into(),
            value: value.map(str::to_string),
        }
    }

    #[test]
    fn attributes_are_checked_all_before_any_is_written() {
        let catalog = catalog_with(&["pi"]);
        let bad = [change("pi", "stack", Some("blue")), change("nope", "x", None)];
        assert!(put_attributes(&catalog, "default", &bad).is_err());
        let reserved = [change("pi", "ecsd.engine", Some("podman"))];
        assert!(matches!(
            put_attributes(&catalog, "default", &reserved),
            Err(OpsError::InvalidSpec(_))
        ));
        assert!(
            find(&catalog, "default", "pi")
                .unwrap()
                .facts
                .registration
                .attributes
                .is_empty()
        );
        put_attributes(&catalog, "default", &[change("pi", "stack", Some("blue"))]).unwrap();
        let attributes = find(&catalog, "default", "pi").unwrap().facts.attributes();
        assert_eq!(attributes["stack"], Some("blue".into()));
        assert_eq!(attributes["disk"], Some("ssd".into()));
        let many: Vec<AttributeChange> = (0..9).map(|i| change("pi", &format!("a{i}"), None)).collect();
        assert!(matches!(
            put_attributes(&catalog, "default", &many),
            Err(OpsError::AttributeLimit { .. })
        ));
        let from_manifest = delete_attributes(&catalog, "default", &[change("pi", "disk", None)]);
        assert!(matches!(from_manifest, Err(OpsError::InvalidSpec(_))));
        delete_attributes(&catalog, "default", &[change("pi", "stack", None)]).unwrap();
        assert!(
            !find(&catalog, "default", "pi")
                .unwrap()
                .facts
                .attributes()
                .contains_key("stack")
        );
    }
}
