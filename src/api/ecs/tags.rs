//! TagResource, UntagResource, ListTagsForResource, and ECS tags on the other operations.
//!
//! ECS tags are ecsd labels: a manifest's `metadata.labels` are its object's tags, and tags
//! given through the API are stored as labels (a manifest applied again sets them back).

use super::{EcsError, existing_cluster, input};
use crate::api::ApiState;
use crate::model::limits;
use crate::store::StoreError;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub(super) use crate::model::Tag;

/// A taggable object named by its ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tagged {
    Cluster(String),
    TaskDefinition(String, u32),
    Service { cluster: String, name: String },
    Task { cluster: String, id: String },
}

/// The object an ECS ARN names; only clusters, task definitions, services and tasks.
pub(super) fn parse_resource_arn(arn: &str) -> Result<Tagged, EcsError> {
    let invalid = || EcsError::InvalidParameter(format!("Invalid resource ARN {arn:?}."));
    let resource = arn
        .strip_prefix("arn:")
        .and_then(|rest| rest.splitn(5, ':').nth(4))
        .ok_or_else(invalid)?;
    let (kind, path) = resource.split_once('/').ok_or_else(invalid)?;
    let parts: Vec<&str> = path.split('/').collect();
    match (kind, parts.as_slice()) {
        ("cluster", [name]) if !name.is_empty() => Ok(Tagged::Cluster(name.to_string())),
        ("task-definition", [reference]) => {
            let (family, revision) = reference.rsplit_once(':').ok_or_else(invalid)?;
            let revision = revision.parse().map_err(|_| invalid())?;
            Ok(Tagged::TaskDefinition(family.to_string(), revision))
        }
        ("service", [cluster, name]) => Ok(Tagged::Service {
            cluster: cluster.to_string(),
            name: name.to_string(),
        }),
        ("task", [cluster, id]) => Ok(Tagged::Task {
            cluster: cluster.to_string(),
            id: id.to_string(),
        }),
        ("cluster" | "task-definition" | "service" | "task", _) => Err(invalid()),
        _ => Err(EcsError::InvalidParameter(format!(
            "{arn}: ecsd tags clusters, task definitions, services and tasks only"
        ))),
    }
}

/// Tags given to a Create/Register/Run operation, validated as ECS does.
pub(super) fn labels_from(tags: &[Tag]) -> Result<BTreeMap<String, String>, EcsError> {
    let mut labels = BTreeMap::new();
    for tag in tags {
        crate::model::check_caller_tag(tag).map_err(EcsError::InvalidParameter)?;
        labels.insert(tag.key.clone(), tag.value.clone());
    }
    check_count(&labels)?;
    Ok(labels)
}

fn check_count(labels: &BTreeMap<String, String>) -> Result<(), EcsError> {
    limits::check_tag_count(labels.len()).map_err(EcsError::LimitExceeded)
}

/// ECS `Tags` for labels.
pub(super) fn render(labels: &BTreeMap<String, String>) -> Value {
    labels
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect()
}

/// Whether a Describe* `include` asks for tags.
pub(super) fn wanted(include: &[String]) -> bool {
    include.iter().any(|i| i == "TAGS")
}

/// `shape` with its `tags` set from `labels` when asked for, and without them otherwise
/// (ECS returns tags only with `include: ["TAGS"]`).
pub(super) fn shaped(
    shape: impl serde::Serialize,
    labels: &BTreeMap<String, String>,
    include: &[String],
) -> Value {
    // Shapes hold only strings, numbers, lists and string-keyed maps, which always serialise.
    let mut shape = serde_json::to_value(shape).unwrap_or_default();
    if let Some(obj) = shape.as_object_mut() {
        if wanted(include) {
            obj.insert("tags".into(), render(labels));
        } else {
            obj.remove("tags");
        }
    }
    shape
}

fn labels_of(s: &ApiState, target: &Tagged) -> Result<Option<BTreeMap<String, String>>, EcsError> {
    Ok(match target {
        Tagged::Cluster(name) => {
            existing_cluster(s, Some(name))?;
            Some(s.catalog.cluster(name)?.map(|c| c.labels).unwrap_or_default())
        }
        Tagged::TaskDefinition(family, revision) => {
            s.catalog.task_definition(family, *revision)?.map(|td| td.labels)
        }
        Tagged::Service { cluster, name } => {
            existing_cluster(s, Some(cluster))?;
            s.catalog.service(cluster, name)?.map(|svc| svc.labels)
        }
        Tagged::Task { cluster, id } => {
            existing_cluster(s, Some(cluster))?;
            s.catalog
                .task(id)?
                .filter(|t| &t.cluster == cluster)
                .map(|t| t.labels)
        }
    })
}

fn set_labels(s: &ApiState, target: &Tagged, labels: &BTreeMap<String, String>) -> Result<(), StoreError> {
    match target {
        Tagged::Cluster(name) => s.catalog.apply_cluster(name, labels.clone(), None).map(|_| ()),
        Tagged::TaskDefinition(family, revision) => s
            .catalog
            .set_task_definition_labels(family, *revision, labels)
            .map(|_| ()),
        Tagged::Service { cluster, name } => s.catalog.set_service_labels(cluster, name, labels),
        Tagged::Task { id, .. } => s.catalog.set_task_labels(id, labels),
    }
}

fn not_found(arn: &str) -> EcsError {
    EcsError::ResourceNotFound(format!("The specified resource {arn} is not found."))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TagInput {
    resource_arn: String,
    tags: Vec<Tag>,
}

pub(super) fn tag(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: TagInput = input(body)?;
    let target = parse_resource_arn(&req.resource_arn)?;
    let mut labels = labels_of(s, &target)?.ok_or_else(|| not_found(&req.resource_arn))?;
    labels.extend(labels_from(&req.tags)?);
    check_count(&labels)?;
    set_labels(s, &target, &labels)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UntagInput {
    resource_arn: String,
    tag_keys: Vec<String>,
}

pub(super) fn untag(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: UntagInput = input(body)?;
    let target = parse_resource_arn(&req.resource_arn)?;
    let mut labels = labels_of(s, &target)?.ok_or_else(|| not_found(&req.resource_arn))?;
    labels.retain(|k, _| !req.tag_keys.contains(k));
    set_labels(s, &target, &labels)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListInput {
    resource_arn: String,
}

pub(super) fn list(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: ListInput = input(body)?;
    let target = parse_resource_arn(&req.resource_arn)?;
    let labels = labels_of(s, &target)?.ok_or_else(|| {
        EcsError::InvalidParameter(format!(
            "The specified resource {} is not found.",
            req.resource_arn
        ))
    })?;
    Ok(json!({"tags": render(&labels)}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(key: &str, value: &str) -> Tag {
        Tag {
            key: key.into(),
            value: value.into(),
        }
    }

    #[test]
    fn arns_of_the_four_taggable_kinds_name_their_objects() {
        let arn = |r: &str| parse_resource_arn(&format!("arn:aws:ecs:us-east-1:000000000000:{r}"));
        assert_eq!(arn("cluster/prod").unwrap(), Tagged::Cluster("prod".into()));
        assert_eq!(
            arn("task-definition/web:3").unwrap(),
            Tagged::TaskDefinition("web".into(), 3)
        );
        assert_eq!(
            arn("service/prod/web").unwrap(),
            Tagged::Service {
                cluster: "prod".into(),
                name: "web".into()
            }
        );
        assert_eq!(
            arn("task/prod/0123").unwrap(),
            Tagged::Task {
                cluster: "prod".into(),
                id: "0123".into()
            }
        );
    }

    #[test]
    fn malformed_or_untaggable_arns_are_invalid_parameters() {
        for bad in [
            "web",
            "arn:aws:ecs:us-east-1:0:task-definition/web",
            "arn:aws:ecs:us-east-1:0:service/web",
            "arn:aws:ecs:us-east-1:0:capacity-provider/x",
        ] {
            let code = parse_resource_arn(bad).unwrap_err().status_and_code().1;
            assert_eq!(code, "InvalidParameterException", "{bad}");
        }
    }

    #[test]
    fn tags_are_checked_as_ecs_checks_them() {
        let labels = labels_from(&[tag("team", "shop"), tag("empty", "")]).unwrap();
        assert_eq!(labels["team"], "shop");
        assert!(labels_from(&[tag("", "x")]).is_err());
        assert!(labels_from(&[tag("aws:cloudformation", "x")]).is_err());
        let many: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
        assert_eq!(
            labels_from(&many).unwrap_err().status_and_code().1,
            "LimitExceededException"
        );
    }

    #[test]
    fn tags_appear_in_a_shape_only_when_included() {
        let labels = BTreeMap::from([("a".to_string(), "1".to_string())]);
        let shape = json!({"name": "x", "tags": []});
        assert!(shaped(shape.clone(), &labels, &[]).get("tags").is_none());
        let with = shaped(shape, &labels, &["TAGS".to_string()]);
        assert_eq!(with["tags"], json!([{"key": "a", "value": "1"}]));
    }
}
