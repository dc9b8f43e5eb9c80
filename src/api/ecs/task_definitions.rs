//! RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions,
//! ListTaskDefinitionFamilies, DeregisterTaskDefinition, DeleteTaskDefinitions.

use super::clusters::apply_one;
use super::{EcsError, input, page, tags};
use crate::api::ApiState;
use crate::api::shapes;
use crate::apply::ApplyOptions;
use crate::model::{self, API_VERSION, Manifest, Metadata, TaskDefinitionRef, TaskDefinitionSpec};
use crate::ops;
use crate::store::{StoreError, TaskDefinitionRecord, TaskDefinitionStatus};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Members of RegisterTaskDefinitionRequest that are not part of the spec.
const REQUEST_ONLY: [&str; 2] = ["family", "tags"];

/// Registers a new revision, even when it equals the latest one (as ECS does).
pub(super) fn register(s: &ApiState, mut body: Value) -> Result<Value, EcsError> {
    let obj = body
        .as_object_mut()
        .ok_or_else(|| EcsError::InvalidParameter("the request must be a JSON object".into()))?;
    let family = match obj.get("family").and_then(Value::as_str) {
        Some(f) if !f.is_empty() => f.to_string(),
        _ => return Err(EcsError::Client("Family is required.".into())),
    };
    let given_tags: Vec<tags::Tag> = input(obj.get("tags").cloned().unwrap_or_else(|| json!([])))?;
    let labels = tags::labels_from(&given_tags)?;
    for key in REQUEST_ONLY {
        obj.remove(key);
    }
    let spec: TaskDefinitionSpec = serde_path_to_error::deserialize(body)
        .map_err(|e| EcsError::Client(format!("{}: {}", e.path(), e.inner())))?;
    if let Some(problem) = model::ec2_memory_problems(&spec).into_iter().next() {
        return Err(EcsError::Client(problem));
    }
    let manifest = Manifest::TaskDefinition(model::Document {
        api_version: API_VERSION.into(),
        kind: "TaskDefinition".into(),
        metadata: Metadata {
            name: family.clone(),
            labels: labels.clone(),
            ..Default::default()
        },
        spec,
    });
    let options = ApplyOptions {
        always_new_revision: true,
        ..Default::default()
    };
    apply_one(s, manifest, &options)?;
    let td = s
        .catalog
        .latest_task_definition(&family)?
        .ok_or_else(|| EcsError::Server(format!("task definition {family} vanished after registering")))?;
    Ok(json!({"taskDefinition": shapes::task_definition(&s.scope, &td), "tags": tags::render(&labels)}))
}

/// The revision a `family`, `family:revision` or ARN names, or ECS's ClientException.
pub(super) fn find(s: &ApiState, reference: &str) -> Result<TaskDefinitionRecord, EcsError> {
    Ok(ops::task_definitions::resolve(&s.catalog, reference)?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DescribeInput {
    task_definition: String,
    #[serde(default)]
    include: Vec<String>,
}

pub(super) fn describe(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: DescribeInput = input(body)?;
    let td = find(s, &req.task_definition)?;
    let mut out = json!({"taskDefinition": shapes::task_definition(&s.scope, &td)});
    if tags::wanted(&req.include) {
        out["tags"] = tags::render(&td.labels);
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
        Some("DELETE_IN_PROGRESS") => TaskDefinitionStatus::DeleteInProgress,
        Some(other) => {
            return Err(EcsError::InvalidParameter(format!(
                "status must be ACTIVE, INACTIVE or DELETE_IN_PROGRESS, got {other}"
            )));
        }
    };
    let descending = match req.sort.as_deref() {
        None | Some("ASC") => false,
        Some("DESC") => true,
        Some(other) => {
            return Err(EcsError::InvalidParameter(format!(
                "sort must be ASC or DESC, got {other}"
            )));
        }
    };
    // Despite its name, ECS's ListTaskDefinitions `familyPrefix` is the full family name
    // (ListTaskDefinitionFamilies' is a prefix).
    let family = req.family_prefix;
    let mut arns: Vec<String> = s
        .catalog
        .task_definitions()?
        .iter()
        .filter(|td| td.status == wanted && family.as_deref().is_none_or(|f| td.family == f))
        .map(|td| s.scope.task_definition_arn(&td.reference()))
        .collect();
    if descending {
        arns.reverse();
    }
    let (arns, next) = page(arns, req.next_token.as_deref(), req.max_results, 100)?;
    Ok(json!({"taskDefinitionArns": arns, "nextToken": next}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FamiliesInput {
    family_prefix: Option<String>,
    status: Option<String>,
    next_token: Option<String>,
    max_results: Option<u32>,
}

/// Families with an ACTIVE revision (ACTIVE), with none (INACTIVE), or all of them (ALL).
pub(super) fn list_families(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: FamiliesInput = input(body)?;
    let status = req.status.as_deref().unwrap_or("ACTIVE");
    if !["ACTIVE", "INACTIVE", "ALL"].contains(&status) {
        return Err(EcsError::InvalidParameter(format!(
            "status must be ACTIVE, INACTIVE or ALL, got {status}"
        )));
    }
    let prefix = req.family_prefix.unwrap_or_default();
    let mut active: BTreeMap<String, bool> = BTreeMap::new();
    for td in s.catalog.task_definitions()? {
        *active.entry(td.family).or_default() |= td.status == TaskDefinitionStatus::Active;
    }
    let families: Vec<String> = active
        .into_iter()
        .filter(|(family, has_active)| {
            family.starts_with(&prefix)
                && match status {
                    "ACTIVE" => *has_active,
                    "INACTIVE" => !*has_active,
                    _ => true,
                }
        })
        .map(|(family, _)| family)
        .collect();
    let (families, next) = page(families, req.next_token.as_deref(), req.max_results, 100)?;
    Ok(json!({"families": families, "nextToken": next}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReferenceInput {
    task_definition: String,
}

/// The `(family, revision)` a `family:revision` or ARN names (a bare family is refused).
fn exact_revision(reference: &str) -> Result<(String, u32), EcsError> {
    let r = TaskDefinitionRef::parse(reference).map_err(EcsError::Client)?;
    match r.revision {
        Some(revision) => Ok((r.family, revision)),
        None => Err(EcsError::Client(
            "TaskDefinition must be in the form family:revision or a full ARN.".into(),
        )),
    }
}

/// Deregisters one revision, any of the family's.
pub(super) fn deregister(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: ReferenceInput = input(body)?;
    let (family, revision) = exact_revision(&req.task_definition)?;
    let td = s
        .catalog
        .deregister_task_definition(&family, revision)
        .map_err(|e| match e {
            StoreError::NotFound(_) => {
                EcsError::Client("The specified task definition does not exist.".into())
            }
            other => other.into(),
        })?;
    Ok(json!({"taskDefinition": shapes::task_definition(&s.scope, &td)}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DeleteInput {
    task_definitions: Vec<String>,
}

/// Moves INACTIVE revisions to DELETE_IN_PROGRESS; every other one is a failure.
pub(super) fn delete(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: DeleteInput = input(body)?;
    if req.task_definitions.is_empty() || req.task_definitions.len() > 10 {
        return Err(EcsError::InvalidParameter(
            "taskDefinitions must name between 1 and 10 task definitions.".into(),
        ));
    }
    let (mut deleted, mut failures) = (Vec::new(), Vec::new());
    for given in &req.task_definitions {
        let (family, revision) = match exact_revision(given) {
            Ok(found) => found,
            Err(why) => {
                failures.push(json!({"arn": given, "reason": "INVALID", "detail": why.to_string()}));
                continue;
            }
        };
        let arn = s.scope.task_definition_arn(&format!("{family}:{revision}"));
        match s.catalog.delete_task_definition(&family, revision) {
            Ok(td) => deleted.push(shapes::task_definition(&s.scope, &td)),
            Err(StoreError::NotFound(_)) => failures.push(json!({"arn": arn, "reason": "MISSING"})),
            Err(StoreError::Conflict(detail)) => {
                failures.push(json!({"arn": arn, "reason": "ACTIVE", "detail": detail}));
            }
            Err(other) => return Err(other.into()),
        }
    }
    Ok(json!({"taskDefinitions": deleted, "failures": failures}))
}
