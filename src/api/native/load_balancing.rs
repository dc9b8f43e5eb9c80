//! Target groups (with every default and each target's ELB state) and load balancers (with
//! the addresses their listeners are bound to): list, read, delete.

use super::{Reply, Shared, items};
use crate::api::{ApiError, ApiState};
use crate::store::{LoadBalancerRecord, TargetGroupRecord};
use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

fn target_group_shape(s: &ApiState, r: &TargetGroupRecord) -> Result<Value, ApiError> {
    let targets: Vec<Value> =
        s.lb.target_health(&r.name)
            .unwrap_or_default()
            .into_iter()
            .map(|t| {
                let (task, container) = t.id.split_once('/').unwrap_or((t.id.as_str(), ""));
                json!({
                    "id": t.id,
                    "task": task,
                    "container": container,
                    "address": t.addr.to_string(),
                    "state": t.state.as_str(),
                    "reason": t.reason.map(|r| r.as_str()),
                    "description": t.description,
                    "inFlightRequests": t.in_flight,
                    "connections": t.connections,
                })
            })
            .collect();
    let users: Vec<String> = s
        .catalog
        .load_balancers()?
        .into_iter()
        .filter(|lb| lb.spec.target_group_names().contains(&r.name))
        .map(|lb| lb.name)
        .collect();
    let services: Vec<String> = s
        .catalog
        .services(None)?
        .into_iter()
        .filter(|svc| svc.spec.load_balancers.iter().any(|l| l.target_group() == r.name))
        .map(|svc| format!("{}/{}", svc.cluster, svc.name))
        .collect();
    Ok(json!({
        "targetGroupName": r.name,
        "targetGroupArn": s.scope.elb_arn("targetgroup", &r.name),
        "spec": r.spec.with_defaults(),
        "labels": r.labels,
        "loadBalancers": users,
        "services": services,
        "targets": targets,
        "createdAt": r.created_at as f64 / 1000.0,
    }))
}

async fn load_balancer_shape(s: &ApiState, r: &LoadBalancerRecord) -> Value {
    let addresses: Vec<String> =
        s.lb.listener_addrs(&r.name)
            .await
            .into_iter()
            .map(|a| a.to_string())
            .collect();
    json!({
        "loadBalancerName": r.name,
        "loadBalancerArn": s.scope.elb_arn("loadbalancer/app", &r.name),
        "spec": r.spec,
        "labels": r.labels,
        "listening": addresses,
        "createdAt": r.created_at as f64 / 1000.0,
    })
}

pub(super) async fn list_target_groups(State(s): Shared) -> Reply {
    let mut out = Vec::new();
    for r in s.catalog.target_groups()? {
        out.push(target_group_shape(&s, &r)?);
    }
    Ok(items(out))
}

pub(super) async fn get_target_group(State(s): Shared, Path(name): Path<String>) -> Reply {
    let r = s
        .catalog
        .target_group(&name)?
        .ok_or_else(|| ApiError::NotFound(format!("target group {name} not found")))?;
    Ok(Json(target_group_shape(&s, &r)?))
}

pub(super) async fn delete_target_group(State(s): Shared, Path(name): Path<String>) -> Reply {
    s.catalog.delete_target_group(&name)?;
    Ok(Json(json!({"deleted": name})))
}

pub(super) async fn list_load_balancers(State(s): Shared) -> Reply {
    let mut out = Vec::new();
    for r in s.catalog.load_balancers()? {
        out.push(load_balancer_shape(&s, &r).await);
    }
    Ok(items(out))
}

pub(super) async fn get_load_balancer(State(s): Shared, Path(name): Path<String>) -> Reply {
    let r = s
        .catalog
        .load_balancer(&name)?
        .ok_or_else(|| ApiError::NotFound(format!("load balancer {name} not found")))?;
    Ok(Json(load_balancer_shape(&s, &r).await))
}

pub(super) async fn delete_load_balancer(State(s): Shared, Path(name): Path<String>) -> Reply {
    s.catalog.delete_load_balancer(&name)?;
    Ok(Json(json!({"deleted": name})))
}
