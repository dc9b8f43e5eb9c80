//! PutAttributes, DeleteAttributes, ListAttributes: custom attributes of the cluster's
//! container instances (the daemon's own engine and the declared ones), which
//! ListContainerInstances filters and `memberOf` constraints match against.

use super::{EcsError, existing_cluster, input, page};
use crate::api::ApiState;
use crate::ops::container_instances::{self as instances, AttributeChange};
use crate::ops::{ObjectKind, OpsError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The one `targetType` ECS knows.
const CONTAINER_INSTANCE: &str = "container-instance";

/// ECS `Attribute`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Attribute {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target_id: Option<String>,
}

/// The changes the attributes ask for, once each names a container instance as its target.
fn changes(attributes: &[Attribute]) -> Result<Vec<AttributeChange>, EcsError> {
    if attributes.is_empty() {
        return Err(EcsError::InvalidParameter("attributes must not be empty.".into()));
    }
    attributes
        .iter()
        .map(|a| {
            if a.target_type.as_deref().is_some_and(|t| t != CONTAINER_INSTANCE) {
                return Err(EcsError::InvalidParameter(format!(
                    "targetType must be {CONTAINER_INSTANCE}."
                )));
            }
            let target = a.target_id.clone().ok_or_else(|| {
                EcsError::InvalidParameter(format!("attribute {}: targetId is required.", a.name))
            })?;
            Ok(AttributeChange {
                target,
                name: a.name.clone(),
                value: a.value.clone(),
            })
        })
        .collect()
}

/// ECS's TargetNotFoundException for a target no instance of the cluster has.
fn target_error(e: OpsError) -> EcsError {
    match e {
        OpsError::NotFound {
            kind: ObjectKind::ContainerInstance,
            name,
        } => EcsError::TargetNotFound(format!(
            "Could not find {name}. TargetId must be a container instance of the cluster."
        )),
        other => other.into(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ChangeInput {
    cluster: Option<String>,
    attributes: Vec<Attribute>,
}

pub(super) fn put(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: ChangeInput = input(body)?;
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    instances::put_attributes(&s.catalog, &cluster, &changes(&req.attributes)?).map_err(target_error)?;
    Ok(json!({"attributes": req.attributes}))
}

pub(super) fn delete(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: ChangeInput = input(body)?;
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    instances::delete_attributes(&s.catalog, &cluster, &changes(&req.attributes)?).map_err(target_error)?;
    Ok(json!({"attributes": req.attributes}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListInput {
    cluster: Option<String>,
    target_type: String,
    attribute_name: Option<String>,
    attribute_value: Option<String>,
    next_token: Option<String>,
    max_results: Option<u32>,
}

pub(super) fn list(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: ListInput = input(body)?;
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    if req.target_type != CONTAINER_INSTANCE {
        return Err(EcsError::InvalidParameter(format!(
            "targetType must be {CONTAINER_INSTANCE}."
        )));
    }
    if req.attribute_value.is_some() && req.attribute_name.is_none() {
        return Err(EcsError::InvalidParameter(
            "attributeValue can only be given with attributeName.".into(),
        ));
    }
    let mut listed = Vec::new();
    for view in instances::list(&s.catalog, Some(&cluster))? {
        let target = s.scope.container_instance_arn(&cluster, &view.facts.id);
        listed.extend(
            view.facts
                .attributes()
                .into_iter()
                .filter(|(name, _)| req.attribute_name.as_ref().is_none_or(|n| n == name))
                .filter(|(_, value)| req.attribute_value.is_none() || value == &req.attribute_value)
                .map(|(name, value)| Attribute {
                    name,
                    value,
                    target_type: Some(CONTAINER_INSTANCE.into()),
                    target_id: Some(target.clone()),
                }),
        );
    }
    let (listed, next) = page(listed, req.next_token.as_deref(), req.max_results, 100)?;
    Ok(json!({"attributes": listed, "nextToken": next}))
}
