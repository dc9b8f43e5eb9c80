//! RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions,
//! DeregisterTaskDefinition.

use super::clusters::apply_one;
use super::{EcsError, input, page};
use crate::api::routes::{ApiState, resolve_task_definition};
use crate::api::shapes;
use crate::model::{self, API_VERSION, Manifest, Metadata, TaskDefinitionRef, TaskDefinitionSpec};
use crate::store::{TaskDefinitionRecord, TaskDefinitionStatus};
use serde::Deserialize;
use serde_json::{Value, json};

/// Members of RegisterTaskDefinitionRequest that are not part of the spec.
const REQUEST_ONLY: [&str; 2] = ["family", "tags"];

pub(super) fn register(s: &ApiState, mut body: Value) -> Result<Value, EcsError> {
    let obj = body
        .as_object_mut()
        .ok_or_else(|| EcsError::InvalidParameter("the request must be a JSON object".into()))?;
    let family = match obj.get("family").and_then(Value::as_str) {
        Some(f) if !f.is_empty() => f.to_string(),
        _ => return Err(EcsError::Client("Family is required.".into())),
    };
    let tags_given = obj
        .get("tags")
        .and_then(Value::as_array)
        .is_some_and(|t| !t.is_empty());
    if tags_given {
        return Err(EcsError::UnsupportedFeature(
            "tags on task definitions are not supported by ecsd yet".into(),
        ));
    }
    for key in REQUEST_ONLY {
        obj.remove(key);
    }
    let spec: TaskDefinitionSpec = serde_path_to_error::deserialize(body)
        .map_err(|e| EcsError::Client(format!("{}: {}", e.path(), e.inner())))?;
    apply_one(
        s,
        Manifest::TaskDefinition(model::Document {
            api_version: API_VERSION.into(),
            kind: "TaskDefinition".into(),
            metadata: Metadata {
                name: family.clone(),
                ..Default::default()
            },
            spec,
        }),
    )?;
    let td = s
        .catalog
        .latest_task_definition(&family)?
        .ok_or_else(|| EcsError::Server(format!("task definition {family} vanished after registering")))?;
    Ok(json!({"taskDefinition": shapes::task_definition(&s.scope, &td), "tags": []}))
}

/// The revision a `family`, `family:revision` or ARN names, or ECS's ClientException.
pub(super) fn find(s: &ApiState, reference: &str) -> Result<TaskDefinitionRecord, EcsError> {
    let r = TaskDefinitionRef::parse(reference).map_err(EcsError::Client)?;
    resolve_task_definition(&s.catalog, &r)?
        .ok_or_else(|| EcsError::Client("Unable to describe task definition.".into()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReferenceInput {
    task_definition: String,
}

pub(super) fn describe(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: ReferenceInput = input(body)?;
    let td = find(s, &req.task_definition)?;
    Ok(json!({"taskDefinition": shapes::task_definition(&s.scope, &td), "tags": []}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListInput {
    family_prefix: Option<String>,
    status: Option<String>,
    sort: Option<String>,
    next_token: Option<String>,
    max_results: Option<u32>,
}

pub(super) fn list(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: ListInput = input(body)?;
    let wanted = match req.status.as_deref() {
        None | Some("ACTIVE") => TaskDefinitionStatus::Active,
        Some("INACTIVE") => TaskDefinitionStatus::Inactive,
        Some(other) => {
            return Err(EcsError::InvalidParameter(format!(
                "status must be ACTIVE or INACTIVE, got {other}"
            )));
        }
    };
    let prefix = req.family_prefix.unwrap_or_default();
    let mut arns: Vec<String> = s
        .catalog
        .task_definitions()?
        .iter()
        .filter(|td| td.status == wanted && td.family.starts_with(&prefix))
        .map(|td| s.scope.task_definition_arn(&td.reference()))
        .collect();
    if req.sort.as_deref() == Some("DESC") {
        arns.reverse();
    }
    let (arns, next) = page(arns, req.next_token.as_deref(), req.max_results, 100)?;
    Ok(json!({"taskDefinitionArns": arns, "nextToken": next}))
}

/// Deregisters one revision. The catalog deregisters whole families only, so this succeeds
/// when the revision is the family's only ACTIVE one and is refused otherwise.
pub(super) fn deregister(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: ReferenceInput = input(body)?;
    let r = TaskDefinitionRef::parse(&req.task_definition).map_err(EcsError::Client)?;
    let Some(revision) = r.revision else {
        return Err(EcsError::Client(
            "TaskDefinition must be in the form family:revision or a full ARN.".into(),
        ));
    };
    let td = find(s, &req.task_definition)?;
    let active: Vec<u32> = s
        .catalog
        .task_definition_revisions(&r.family)?
        .iter()
        .filter(|t| t.status == TaskDefinitionStatus::Active)
        .map(|t| t.revision)
        .collect();
    if active.as_slice() == [revision] {
        s.catalog.deregister_family(&r.family)?;
    } else if td.status == TaskDefinitionStatus::Active {
        return Err(EcsError::UnsupportedFeature(format!(
            "{}: ecsd can deregister only the last ACTIVE revision of a family so far (ACTIVE: {active:?})",
            td.reference()
        )));
    }
    let td = find(s, &req.task_definition)?;
    Ok(json!({"taskDefinition": shapes::task_definition(&s.scope, &td)}))
}
