//! PutAttributes, DeleteAttributes, ListAttributes: custom attributes of the machine's
//! container instance, which ListContainerInstances filters match against.

use super::container_instances::{all_attributes, instance_arn, is_built_in, names_instance};
use super::{EcsError, existing_cluster, input, page};
use crate::api::ApiState;
use crate::model::limits::MAX_CUSTOM_ATTRIBUTES;
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

/// Why an attribute may not be set as given; `None` when it may.
fn invalid_attribute(a: &Attribute) -> Option<String> {
    let name_ok = |c: char| c.is_ascii_alphanumeric() || "-_.@/:".contains(c);
    let value_ok = |c: char| c.is_ascii_alphanumeric() || "-_.@/\\: ".contains(c);
    if a.name.is_empty() || a.name.len() > 128 || !a.name.chars().all(name_ok) {
        return Some(format!(
            "attribute name {:?}: 1 to 128 letters, digits, hyphens, underscores, periods, at signs, slashes or colons",
            a.name
        ));
    }
    if is_built_in(&a.name) {
        return Some(format!(
            "attribute {}: the ecs. prefixes are reserved for ECS's own",
            a.name
        ));
    }
    let value = a.value.as_deref().unwrap_or_default();
    if value.len() > 128 || !value.chars().all(value_ok) || value.trim() != value {
        return Some(format!(
            "attribute {} value {value:?}: up to 128 letters, digits, hyphens, underscores, periods, at signs, slashes, colons or inner spaces",
            a.name
        ));
    }
    None
}

/// Checks each attribute's target (the machine's instance) and, with `for_put`, its name and value.
fn check_targets(s: &ApiState, attributes: &[Attribute], for_put: bool) -> Result<(), EcsError> {
    if attributes.is_empty() {
        return Err(EcsError::InvalidParameter("attributes must not be empty.".into()));
    }
    for a in attributes {
        if a.target_type.as_deref().is_some_and(|t| t != CONTAINER_INSTANCE) {
            return Err(EcsError::InvalidParameter(format!(
                "targetType must be {CONTAINER_INSTANCE}."
            )));
        }
        let target = a.target_id.as_deref().ok_or_else(|| {
            EcsError::InvalidParameter(format!("attribute {}: targetId is required.", a.name))
        })?;
        if !names_instance(s, target)? {
            return Err(EcsError::TargetNotFound(format!(
                "Could not find {target}. TargetId must be the container instance."
            )));
        }
        if let Some(why) = invalid_attribute(a).filter(|_| for_put) {
            return Err(EcsError::InvalidParameter(why));
        }
    }
    Ok(())
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
    check_targets(s, &req.attributes, true)?;
    let mut current = s.catalog.container_instance(&cluster)?.attributes;
    for a in &req.attributes {
        current.insert(a.name.clone(), a.value.clone());
    }
    if current.len() > MAX_CUSTOM_ATTRIBUTES {
        return Err(EcsError::AttributeLimitExceeded(format!(
            "a container instance can have at most {MAX_CUSTOM_ATTRIBUTES} custom attributes"
        )));
    }
    s.catalog.update_container_instance(&cluster, |r| {
        r.attributes = current.clone();
        Ok(())
    })?;
    Ok(json!({"attributes": req.attributes}))
}

pub(super) fn delete(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: ChangeInput = input(body)?;
    let cluster = existing_cluster(s, req.cluster.as_deref())?;
    check_targets(s, &req.attributes, false)?;
    s.catalog.update_container_instance(&cluster, |r| {
        for a in &req.attributes {
            r.attributes.remove(&a.name);
        }
        Ok(())
    })?;
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
    let target = instance_arn(&s.scope, &cluster, &s.catalog.container_instance_id()?);
    let record = s.catalog.container_instance(&cluster)?;
    let listed: Vec<Attribute> = all_attributes(&record)
        .into_iter()
        .filter(|(name, _)| req.attribute_name.as_ref().is_none_or(|n| n == name))
        .filter(|(_, value)| req.attribute_value.is_none() || value == &req.attribute_value)
        .map(|(name, value)| Attribute {
            name,
            value,
            target_type: Some(CONTAINER_INSTANCE.into()),
            target_id: Some(target.clone()),
        })
        .collect();
    let (listed, next) = page(listed, req.next_token.as_deref(), req.max_results, 100)?;
    Ok(json!({"attributes": listed, "nextToken": next}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attribute(name: &str, value: Option<&str>) -> Attribute {
        Attribute {
            name: name.into(),
            value: value.map(str::to_string),
            target_type: None,
            target_id: None,
        }
    }

    #[test]
    fn names_and_values_follow_the_ecs_character_rules() {
        assert_eq!(invalid_attribute(&attribute("stack", Some("prod east"))), None);
        assert_eq!(invalid_attribute(&attribute("team/owner:x@y", None)), None);
        assert!(invalid_attribute(&attribute("", None)).is_some());
        assert!(invalid_attribute(&attribute("has space", None)).is_some());
        assert!(invalid_attribute(&attribute("stack", Some(" padded"))).is_some());
        assert!(invalid_attribute(&attribute("stack", Some("semi;colon"))).is_some());
        let reserved = invalid_attribute(&attribute("ecs.os-type", Some("windows"))).unwrap();
        assert!(reserved.contains("reserved"), "{reserved}");
    }
}
