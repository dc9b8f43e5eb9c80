//! Task definitions: list, read one revision, deregister a family.

use super::{Reply, Shared, items};
use crate::api::shapes::{Deregistered, Items, TaskDefinition};
use crate::api::{ApiError, shapes};
use crate::ops;
use axum::Json;
use axum::extract::{Path, State};

pub(super) async fn list_task_definitions(State(s): Shared) -> Reply<Items<TaskDefinition>> {
    Ok(items(
        s.catalog
            .task_definitions()?
            .iter()
            .map(|td| shapes::task_definition(&s.scope, td))
            .collect(),
    ))
}

pub(super) async fn get_task_definition(
    State(s): Shared,
    Path(reference): Path<String>,
) -> Reply<TaskDefinition> {
    let td = ops::task_definitions::resolve(&s.catalog, &reference)?;
    Ok(Json(shapes::task_definition(&s.scope, &td)))
}

/// `family` deregisters every ACTIVE revision of it; `family:N` that one revision.
pub(super) async fn deregister_family(
    State(s): Shared,
    Path(reference): Path<String>,
    axum::extract::Query(force): axum::extract::Query<super::services::Force>,
) -> Reply<Deregistered> {
    let family = reference.split(':').next().unwrap_or_default();
    super::services::guard(
        &s,
        &format!("TaskDefinition/{family}"),
        &format!("task definition {family}"),
        &force,
    )?;
    let count = ops::task_definitions::deregister(&s.catalog, &reference)?;
    if count == 0 {
        return Err(ApiError::NotFound(format!(
            "task definition {reference} has no ACTIVE revision"
        )));
    }
    Ok(Json(Deregistered { deregistered: count }))
}
