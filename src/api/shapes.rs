//! ECS API shapes (as botocore's ECS model names them) built from store records.

use crate::model::{DesiredStatus, Protocol, TaskState};
use crate::store::{
    ClusterRecord, ServiceRecord, ServiceStatus, TaskDefinitionRecord, TaskDefinitionStatus, TaskRecord,
    TaskStatus,
};
use serde_json::{Value, json};

/// Region and account used in ARNs.
#[derive(Debug, Clone)]
pub struct ArnScope {
    /// Region part of ARNs.
    pub region: String,
    /// Account part of ARNs.
    pub account: String,
}

impl Default for ArnScope {
    fn default() -> Self {
        Self {
            region: "local".into(),
            account: "000000000000".into(),
        }
    }
}

impl ArnScope {
    fn arn(&self, resource: &str) -> String {
        format!("arn:aws:ecs:{}:{}:{resource}", self.region, self.account)
    }

    /// ARN of a cluster.
    pub fn cluster_arn(&self, cluster: &str) -> String {
        self.arn(&format!("cluster/{cluster}"))
    }

    /// ARN of a task definition revision (`family:rev`).
    pub fn task_definition_arn(&self, reference: &str) -> String {
        self.arn(&format!("task-definition/{reference}"))
    }

    /// ARN of a task.
    pub fn task_arn(&self, cluster: &str, id: &str) -> String {
        self.arn(&format!("task/{cluster}/{id}"))
    }
}

/// Epoch seconds with millisecond precision, as ECS emits timestamps.
fn seconds(millis: u64) -> Value {
    json!(millis as f64 / 1000.0)
}

/// ECS `Cluster`.
pub fn cluster(
    scope: &ArnScope,
    c: &ClusterRecord,
    services: usize,
    running: usize,
    pending: usize,
) -> Value {
    json!({
        "clusterArn": scope.cluster_arn(&c.name),
        "clusterName": c.name,
        "status": "ACTIVE",
        "registeredContainerInstancesCount": 1,
        "runningTasksCount": running,
        "pendingTasksCount": pending,
        "activeServicesCount": services,
    })
}

/// ECS `TaskDefinition`.
pub fn task_definition(scope: &ArnScope, td: &TaskDefinitionRecord) -> Value {
    let mut value = serde_json::to_value(&td.spec).unwrap_or_else(|_| json!({}));
    if let Some(obj) = value.as_object_mut() {
        obj.insert(
            "taskDefinitionArn".into(),
            json!(scope.task_definition_arn(&td.reference())),
        );
        obj.insert("family".into(), json!(td.family));
        obj.insert("revision".into(), json!(td.revision));
        obj.insert(
            "status".into(),
            json!(match td.status {
                TaskDefinitionStatus::Active => "ACTIVE",
                TaskDefinitionStatus::Inactive => "INACTIVE",
            }),
        );
        let mode = serde_json::to_value(td.spec.network_mode()).unwrap_or_else(|_| json!("bridge"));
        obj.insert("networkMode".into(), mode);
        obj.insert("compatibilities".into(), json!(["EC2"]));
        obj.insert("registeredAt".into(), seconds(td.registered_at));
        if let Some(at) = td.deregistered_at {
            obj.insert("deregisteredAt".into(), seconds(at));
        }
    }
    value
}

/// ECS `Service`, with one PRIMARY deployment describing the revision it converges to.
pub fn service(scope: &ArnScope, s: &ServiceRecord, status: Option<&ServiceStatus>) -> Value {
    let status = status.cloned().unwrap_or_default();
    let td_arn = status
        .task_definition
        .as_deref()
        .map(|r| scope.task_definition_arn(r));
    let converged = status.observed_generation == s.generation
        && status.running_count == s.desired_count()
        && status.pending_count == 0;
    let events: Vec<Value> = status
        .message
        .iter()
        .map(|m| json!({"id": format!("{}-msg", s.name), "createdAt": seconds(status.updated_at), "message": format!("(service {}) {m}", s.name)}))
        .collect();
    json!({
        "serviceArn": scope.arn(&format!("service/{}/{}", s.cluster, s.name)),
        "serviceName": s.name,
        "clusterArn": scope.cluster_arn(&s.cluster),
        "status": if s.deleting { "DRAINING" } else { "ACTIVE" },
        "desiredCount": s.desired_count(),
        "runningCount": status.running_count,
        "pendingCount": status.pending_count,
        "launchType": "EC2",
        "taskDefinition": td_arn.clone().unwrap_or_else(|| s.spec.task_definition.clone()),
        "schedulingStrategy": "REPLICA",
        "createdAt": seconds(s.created_at),
        "deployments": [{
            "id": format!("ecs-svc/{:019}", s.generation),
            "status": "PRIMARY",
            "taskDefinition": td_arn,
            "desiredCount": s.desired_count(),
            "pendingCount": status.pending_count,
            "runningCount": status.running_count,
            "createdAt": seconds(s.created_at),
            "updatedAt": seconds(status.updated_at.max(s.created_at)),
            "launchType": "EC2",
            "rolloutState": if converged { "COMPLETED" } else { "IN_PROGRESS" },
        }],
        "events": events,
        "tags": s.labels.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
    })
}

/// The task's effective desired status: STOPPED once asked to stop or once it decided to.
pub fn desired_status(t: &TaskRecord, s: &TaskStatus) -> DesiredStatus {
    if t.desired_status == DesiredStatus::Stopped
        || s.stop_code.is_some()
        || s.last_status == TaskState::Stopped
    {
        DesiredStatus::Stopped
    } else {
        DesiredStatus::Running
    }
}

/// ECS `Task`.
pub fn task(scope: &ArnScope, t: &TaskRecord, s: &TaskStatus, images: &[(String, String)]) -> Value {
    let task_arn = scope.task_arn(&t.cluster, &t.id);
    let containers: Vec<Value> = s
        .containers
        .iter()
        .map(|c| {
            let image = images.iter().find(|(n, _)| *n == c.name).map(|(_, i)| i.clone());
            json!({
                "containerArn": scope.arn(&format!("container/{}/{}/{}", t.cluster, t.id, c.name)),
                "taskArn": task_arn,
                "name": c.name,
                "image": image,
                "runtimeId": c.runtime_id,
                "lastStatus": c.last_status.as_str(),
                "exitCode": c.exit_code,
                "reason": c.reason,
                "networkBindings": c.network_bindings.iter().map(|b| json!({
                    "bindIP": b.bind_ip,
                    "containerPort": b.container_port,
                    "hostPort": b.host_port,
                    "protocol": match b.protocol { Protocol::Tcp => "tcp", Protocol::Udp => "udp" },
                })).collect::<Vec<_>>(),
                "healthStatus": c.health_status.as_str(),
            })
        })
        .collect();
    let mut value = json!({
        "taskArn": task_arn,
        "clusterArn": scope.cluster_arn(&t.cluster),
        "taskDefinitionArn": scope.task_definition_arn(&t.task_definition),
        "lastStatus": s.last_status.as_str(),
        "desiredStatus": desired_status(t, s).as_str(),
        "healthStatus": s.health_status.as_str(),
        "group": t.group,
        "startedBy": t.started_by,
        "launchType": "EC2",
        "createdAt": seconds(t.created_at),
        "containers": containers,
        "stopCode": s.stop_code.or(t.stop_code),
        "stoppedReason": s.stopped_reason.clone().or_else(|| t.stopped_reason.clone()),
    });
    if let Some(obj) = value.as_object_mut() {
        for (key, at) in [
            ("startedAt", s.started_at),
            ("stoppingAt", s.stopping_at),
            ("stoppedAt", s.stopped_at),
        ] {
            if let Some(at) = at {
                obj.insert(key.into(), seconds(at));
            }
        }
        obj.retain(|_, v| !v.is_null());
    }
    value
}
