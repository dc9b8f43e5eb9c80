//! DescribeCapacityProviders and PutClusterCapacityProviders: ecsd has no capacity
//! providers (no Auto Scaling groups, no Fargate fleet), so the first finds none and the
//! second accepts only empty lists, refusing anything else by name.

use super::{EcsError, existing_cluster, input};
use crate::api::ApiState;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DescribeInput {
    #[serde(default)]
    capacity_providers: Vec<String>,
    #[serde(default)]
    include: Vec<String>,
    max_results: Option<u32>,
    next_token: Option<String>,
    cluster: Option<String>,
}

pub(super) fn describe(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: DescribeInput = input(body)?;
    if req.cluster.is_some() {
        existing_cluster(s, req.cluster.as_deref())?;
    }
    super::page(
        Vec::<Value>::new(),
        req.next_token.as_deref(),
        req.max_results,
        10,
    )?;
    let failures: Vec<Value> = req
        .capacity_providers
        .iter()
        .map(|name| {
            let arn = format!(
                "arn:aws:ecs:{}:{}:capacity-provider/{name}",
                s.scope.region, s.scope.account
            );
            json!({"arn": arn, "reason": "MISSING", "detail": "ecsd has no capacity providers"})
        })
        .collect();
    if let Some(other) = req.include.iter().find(|i| *i != "TAGS") {
        return Err(EcsError::InvalidParameter(format!(
            "include: unknown value {other:?} (TAGS)"
        )));
    }
    Ok(json!({"capacityProviders": [], "failures": failures}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PutInput {
    cluster: String,
    capacity_providers: Vec<String>,
    default_capacity_provider_strategy: Vec<Value>,
}

pub(super) fn put(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: PutInput = input(body)?;
    let cluster = existing_cluster(s, Some(&req.cluster))?;
    if !req.capacity_providers.is_empty() || !req.default_capacity_provider_strategy.is_empty() {
        return Err(EcsError::UnsupportedFeature(
            "capacityProviders: capacity providers are not supported yet by ecsd; tasks run on the cluster's container instances"
                .into(),
        ));
    }
    super::clusters::update(s, json!({"cluster": cluster}))
}
