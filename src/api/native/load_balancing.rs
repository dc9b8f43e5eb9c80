//! Target groups (with every default and each target's ELB state) and load balancers (with
//! the addresses their listeners are bound to): list, read, delete.

use super::{Reply, Shared, items};
use crate::api::shapes::{Deleted, Items, LoadBalancerShape, Target, TargetGroupShape, seconds};
use crate::api::{ApiError, ApiState};
use crate::store::{LoadBalancerRecord, TargetGroupRecord};
use axum::Json;
use axum::extract::{Path, State};

fn target_group_shape(s: &ApiState, r: &TargetGroupRecord) -> Result<TargetGroupShape, ApiError> {
    let targets: Vec<Target> =
        s.lb.target_health(&r.name)
            .unwrap_or_default()
            .into_iter()
            .map(|t| {
                let (task, container) = t.id.split_once('/').unwrap_or((t.id.as_str(), ""));
                Target {
                    task: task.to_string(),
                    container: container.to_string(),
                    address: t.addr.to_string(),
                    state: t.state.as_str().to_string(),
                    reason: t.reason.map(|r| r.as_str().to_string()),
                    description: t.description.clone(),
                    in_flight_requests: t.in_flight,
                    connections: t.connections,
                    id: t.id,
                }
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
    Ok(TargetGroupShape {
        target_group_name: r.name.clone(),
        target_group_arn: s.scope.elb_arn("targetgroup", &r.name),
        spec: r.spec.with_defaults(),
        labels: r.labels.clone(),
        load_balancers: users,
        services,
        targets,
        created_at: seconds(r.created_at),
    })
}

async fn load_balancer_shape(s: &ApiState, r: &LoadBalancerRecord) -> LoadBalancerShape {
    let addresses: Vec<String> =
        s.lb.listener_addrs(&r.name)
            .await
            .into_iter()
            .map(|a| a.to_string())
            .collect();
    LoadBalancerShape {
        load_balancer_name: r.name.clone(),
        load_balancer_arn: s.scope.elb_arn("loadbalancer/app", &r.name),
        spec: r.spec.clone(),
        labels: r.labels.clone(),
        listening: addresses,
        created_at: seconds(r.created_at),
    }
}

pub(super) async fn list_target_groups(State(s): Shared) -> Reply<Items<TargetGroupShape>> {
    let mut out = Vec::new();
    for r in s.catalog.target_groups()? {
        out.push(target_group_shape(&s, &r)?);
    }
    Ok(items(out))
}

pub(super) async fn get_target_group(State(s): Shared, Path(name): Path<String>) -> Reply<TargetGroupShape> {
    let r = s
        .catalog
        .target_group(&name)?
        .ok_or_else(|| ApiError::NotFound(format!("target group {name} not found")))?;
    Ok(Json(target_group_shape(&s, &r)?))
}

pub(super) async fn delete_target_group(
    State(s): Shared,
    Path(name): Path<String>,
    axum::extract::Query(force): axum::extract::Query<super::services::Force>,
) -> Reply<Deleted> {
    super::services::guard(
        &s,
        &format!("TargetGroup/{name}"),
        &format!("target group {name}"),
        &force,
    )?;
    s.catalog.delete_target_group(&name)?;
    Ok(Json(Deleted { deleted: name }))
}

pub(super) async fn list_load_balancers(State(s): Shared) -> Reply<Items<LoadBalancerShape>> {
    let mut out = Vec::new();
    for r in s.catalog.load_balancers()? {
        out.push(load_balancer_shape(&s, &r).await);
    }
    Ok(items(out))
}

pub(super) async fn get_load_balancer(
    State(s): Shared,
    Path(name): Path<String>,
) -> Reply<LoadBalancerShape> {
    let r = s
        .catalog
        .load_balancer(&name)?
        .ok_or_else(|| ApiError::NotFound(format!("load balancer {name} not found")))?;
    Ok(Json(load_balancer_shape(&s, &r).await))
}

pub(super) async fn delete_load_balancer(
    State(s): Shared,
    Path(name): Path<String>,
    axum::extract::Query(force): axum::extract::Query<super::services::Force>,
) -> Reply<Deleted> {
    super::services::guard(
        &s,
        &format!("LoadBalancer/{name}"),
        &format!("load balancer {name}"),
        &force,
    )?;
    s.catalog.delete_load_balancer(&name)?;
    Ok(Json(Deleted { deleted: name }))
}
