//! ECS API shapes (as botocore's ECS model names them) built from store records.

use crate::model::{DesiredStatus, Protocol, TaskState};
use crate::store::{
    ClusterRecord, Deployment, DeploymentStatus, ServiceEvent, ServiceRecord, ServiceStatus,
    TaskDefinitionRecord, TaskDefinitionStatus, TaskRecord, TaskStatus,
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

    /// ELBv2's ARN of a target group or load balancer (`kind` is `targetgroup` or
    /// `loadbalancer/app`), with a stable id derived from the name.
    pub fn elb_arn(&self, kind: &str, name: &str) -> String {
        use sha2::Digest;
        let id = hex::encode(&sha2::Sha256::digest(name.as_bytes())[..8]);
        format!(
            "arn:aws:elasticloadbalancing:{}:{}:{kind}/{name}/{id}",
            self.region, self.account
        )
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
pub(crate) fn seconds(millis: u64) -> Value {
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
                TaskDefinitionStatus::DeleteInProgress => "DELETE_IN_PROGRESS",
            }),
        );
        let mode = serde_json::to_value(td.spec.network_mode()).unwrap_or_else(|_| json!("bridge"));
        obj.insert("networkMode".into(), mode);
        obj.insert("compatibilities".into(), json!(["EC2"]));
        obj.insert("registeredAt".into(), seconds(td.registered_at));
        if let Some(at) = td.deregistered_at {
            obj.insert("deregisteredAt".into(), seconds(at));
        }
        if let Some(at) = td.delete_requested_at {
            obj.insert("deleteRequestedAt".into(), seconds(at));
        }
    }
    value
}

/// At most this many events in a service shape, as ECS returns.
const MAX_EVENTS: usize = 100;

/// ECS `Service`. `target` is the revision the spec resolves to now (a `family` spec follows
/// its latest ACTIVE revision). `specObserved` is ecsd's own: whether the controller has acted
/// on the current spec and that revision, i.e. whether `deployments` describe them yet.
pub fn service(
    scope: &ArnScope,
    s: &ServiceRecord,
    status: Option<&ServiceStatus>,
    target: Option<&str>,
) -> Value {
    let status = status.cloned().unwrap_or_default();
    let spec_observed = status.observes(s, target);
    let td_arn = status
        .task_definition
        .as_deref()
        .map(|r| scope.task_definition_arn(r));
    let (min_percent, max_percent) = s.spec.deployment_percents();
    let breaker = s
        .spec
        .deployment_configuration
        .as_ref()
        .and_then(|c| c.deployment_circuit_breaker)
        .unwrap_or_default();
    let events: Vec<Value> = service_events(s, &status)
        .iter()
        .take(MAX_EVENTS)
        .map(event)
        .collect();
    let mut value = json!({
        "serviceArn": scope.arn(&format!("service/{}/{}", s.cluster, s.name)),
        "serviceName": s.name,
        "clusterArn": scope.cluster_arn(&s.cluster),
        "status": if s.deleting { "DRAINING" } else { "ACTIVE" },
        "desiredCount": s.desired_count(),
        "runningCount": status.running_count,
        "pendingCount": status.pending_count,
        "launchType": "EC2",
        "taskDefinition": td_arn.unwrap_or_else(|| s.spec.task_definition.clone()),
        "schedulingStrategy": s.spec.scheduling_strategy,
        "deploymentConfiguration": {
            "maximumPercent": max_percent,
            "minimumHealthyPercent": min_percent,
            "deploymentCircuitBreaker": breaker,
        },
        "loadBalancers": s.spec.load_balancers.iter().map(|lb| json!({
            "targetGroupArn": scope.elb_arn("targetgroup", &lb.target_group()),
            "containerName": lb.container_name,
            "containerPort": lb.container_port,
        })).collect::<Vec<_>>(),
        "createdAt": seconds(s.created_at),
        "deployments": deployments(scope, s, &status, false),
        "events": events,
        "specObserved": spec_observed,
        "tags": s.labels.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
    });
    if let (Some(grace), Some(obj)) = (s.spec.health_check_grace_period_seconds, value.as_object_mut()) {
        obj.insert("healthCheckGracePeriodSeconds".into(), json!(grace.0));
    }
    value
}

/// A service's deployments as ECS shapes, PRIMARY first; the INACTIVE ones (history) only
/// `with_history`. Before the controller has recorded any, one PRIMARY describes the revision
/// the service converges to.
pub fn deployments(
    scope: &ArnScope,
    s: &ServiceRecord,
    status: &ServiceStatus,
    with_history: bool,
) -> Vec<Value> {
    if status.deployments.is_empty() {
        return vec![converging_primary(scope, s, status)];
    }
    status
        .deployments
        .iter()
        .filter(|d| with_history || d.status != DeploymentStatus::Inactive)
        .map(|d| deployment(scope, d))
        .collect()
}

/// ECS `Deployment`, plus `rollbackFrom` (the deployment it rolled back from) on a rollback.
pub fn deployment(scope: &ArnScope, d: &Deployment) -> Value {
    let mut value = json!({
        "id": d.id,
        "status": d.status,
        "taskDefinition": scope.task_definition_arn(&d.task_definition),
        "desiredCount": d.desired_count,
        "pendingCount": d.pending_count,
        "runningCount": d.running_count,
        "failedTasks": d.failed_tasks,
        "createdAt": seconds(d.created_at),
        "updatedAt": seconds(d.updated_at),
        "launchType": "EC2",
        "rolloutState": d.rollout_state,
        "rolloutStateReason": d.rollout_state_reason,
        "rollbackFrom": d.rollback_from,
    });
    if let Some(obj) = value.as_object_mut() {
        obj.retain(|_, v| !v.is_null());
    }
    value
}

fn converging_primary(scope: &ArnScope, s: &ServiceRecord, status: &ServiceStatus) -> Value {
    let converged = status.observed_generation == s.generation
        && status.running_count == s.desired_count()
        && status.pending_count == 0;
    json!({
        "id": format!("ecs-svc/{:019}", s.generation),
        "status": "PRIMARY",
        "taskDefinition": status.task_definition.as_deref().map(|r| scope.task_definition_arn(r)),
        "desiredCount": s.desired_count(),
        "pendingCount": status.pending_count,
        "runningCount": status.running_count,
        "failedTasks": 0,
        "createdAt": seconds(s.created_at),
        "updatedAt": seconds(status.updated_at.max(s.created_at)),
        "launchType": "EC2",
        "rolloutState": if converged { "COMPLETED" } else { "IN_PROGRESS" },
    })
}

/// A service's events, newest first. The controller's current message (why the service cannot
/// progress) comes first when it is not already the newest event.
pub fn service_events(s: &ServiceRecord, status: &ServiceStatus) -> Vec<ServiceEvent> {
    let mut events = status.events.clone();
    if let Some(message) = &status.message {
        let text = if message.starts_with("(service ") {
            message.clone()
        } else {
            format!("(service {}) {message}", s.name)
        };
        let newest = events.first();
        if newest.is_none_or(|e| e.message != text) {
            let created_at = newest.map_or(status.updated_at, |e| e.created_at.max(status.updated_at));
            events.insert(
                0,
                ServiceEvent {
                    id: format!("{}-msg", s.name),
                    created_at,
                    message: text,
                },
            );
        }
    }
    events
}

/// ECS `ServiceEvent`.
pub fn event(e: &ServiceEvent) -> Value {
    json!({"id": e.id, "createdAt": seconds(e.created_at), "message": e.message})
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
        // ecsd's own: adopted after a database loss, intent unknown, left running as it is.
        "orphaned": s.orphaned,
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

/// The native API's task: ECS's shape plus each container's last health check runs
/// (`healthProbes`: exit code, output tail), which ECS does not return.
pub fn task_with_probes(
    scope: &ArnScope,
    t: &TaskRecord,
    s: &TaskStatus,
    images: &[(String, String)],
) -> Value {
    let mut value = task(scope, t, s, images);
    let containers = value.get_mut("containers").and_then(Value::as_array_mut);
    for (shape, c) in containers.into_iter().flatten().zip(&s.containers) {
        if let (Some(obj), false) = (shape.as_object_mut(), c.health_probes.is_empty()) {
            obj.insert("healthProbes".into(), json!(c.health_probes));
        }
    }
    value
}

/// The damage found when the state database was replaced (ecsd's own shape).
pub fn state_recovery(r: &crate::store::StateRecovery) -> Value {
    json!({
        "detectedAt": seconds(r.detected_at),
        "reason": r.reason,
        "movedTo": r.moved_to,
    })
}

/// The damage as an entry of `ecsd events`, under the source `state`.
pub fn state_recovery_event(r: &crate::store::StateRecovery) -> Value {
    let mut value = event(&crate::store::ServiceEvent {
        id: format!("state-{}", r.detected_at),
        created_at: r.detected_at,
        message: format!(
            "state database damaged ({}); moved to {}; running containers adopted and kept running",
            r.reason,
            r.moved_to.as_deref().unwrap_or("-")
        ),
    });
    value["service"] = json!("state");
    value["cluster"] = json!("-");
    value
}

/// A watched folder's sync state (ecsd's own shape; ECS has none).
pub fn folder_sync(f: &crate::store::FolderSync) -> Value {
    let files: Vec<Value> = f
        .files
        .iter()
        .map(|(file, state)| {
            json!({
                "file": file,
                "state": state.state,
                "hash": state.hash,
                "appliedHash": state.applied_hash,
                "appliedAt": state.applied_at.map(seconds),
                "errors": state.errors,
            })
        })
        .collect();
    json!({
        "folder": f.root,
        "scannedAt": seconds(f.scanned_at),
        "error": f.error,
        "files": files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ServiceSpec;
    use crate::store::RolloutState;

    fn record() -> ServiceRecord {
        ServiceRecord {
            cluster: "default".into(),
            name: "web".into(),
            spec: ServiceSpec {
                task_definition: "web".into(),
                desired_count: Some(2),
                ..Default::default()
            },
            labels: Default::default(),
            generation: 3,
            created_at: 1_000,
            deleting: false,
            restart_nonce: 1,
        }
    }

    fn deployment(id: &str, td: &str, status: DeploymentStatus) -> Deployment {
        Deployment {
            id: id.into(),
            task_definition: td.into(),
            status,
            rollout_state: RolloutState::Completed,
            rollout_state_reason: None,
            desired_count: 2,
            running_count: 2,
            pending_count: 0,
            failed_tasks: 0,
            restart_nonce: 0,
            rollback_from: None,
            created_at: 2_000,
            updated_at: 3_000,
            progressed_at: 3_000,
            images_ready: false,
        }
    }

    fn event(id: &str, at: u64, message: &str) -> ServiceEvent {
        ServiceEvent {
            id: id.into(),
            created_at: at,
            message: message.into(),
        }
    }

    fn status() -> ServiceStatus {
        let mut rollback = deployment("d3", "web:1", DeploymentStatus::Primary);
        rollback.rollback_from = Some("d2".into());
        ServiceStatus {
            observed_generation: 3,
            requested_task_definition: Some("web:2".into()),
            requested_nonce: 1,
            deployments: vec![
                rollback,
                deployment("d2", "web:2", DeploymentStatus::Active),
                deployment("d1", "web:1", DeploymentStatus::Inactive),
            ],
            events: vec![
                event("e2", 5_000, "(service web) rolling back to deployment d3."),
                event("e1", 4_000, "(service web) has begun deployment d2 of web:2."),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn a_service_lists_its_live_deployments_in_ecs_names_and_hides_the_history() {
        let shape = service(&ArnScope::default(), &record(), Some(&status()), Some("web:2"));
        let deployments = shape["deployments"].as_array().unwrap();
        assert_eq!(deployments.len(), 2);
        assert_eq!(deployments[0]["id"], "d3");
        assert_eq!(deployments[0]["status"], "PRIMARY");
        assert_eq!(deployments[0]["rolloutState"], "COMPLETED");
        assert_eq!(deployments[0]["rollbackFrom"], "d2");
        assert_eq!(
            deployments[0]["taskDefinition"],
            "arn:aws:ecs:local:000000000000:task-definition/web:1"
        );
        assert_eq!(deployments[1]["failedTasks"], 0);
        assert!(deployments[1].get("rollbackFrom").is_none());
        let all = super::deployments(&ArnScope::default(), &record(), &status(), true);
        assert_eq!(all.len(), 3);
    }

    #[test]
    fn a_service_echoes_its_strategy_and_deployment_configuration_with_ecs_defaults() {
        let shape = service(&ArnScope::default(), &record(), None, None);
        assert_eq!(shape["schedulingStrategy"], "REPLICA");
        assert_eq!(
            shape["deploymentConfiguration"],
            json!({
                "maximumPercent": 200,
                "minimumHealthyPercent": 100,
                "deploymentCircuitBreaker": {"enable": false, "rollback": false},
            })
        );
    }

    #[test]
    fn events_are_newest_first_with_the_controllers_message_on_top_once() {
        let mut st = status();
        st.message = Some("unable to place a task".into());
        st.updated_at = 6_000;
        let shape = service(&ArnScope::default(), &record(), Some(&st), Some("web:2"));
        let messages: Vec<&str> = shape["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["message"].as_str().unwrap())
            .collect();
        assert_eq!(
            messages,
            [
                "(service web) unable to place a task",
                "(service web) rolling back to deployment d3.",
                "(service web) has begun deployment d2 of web:2.",
            ]
        );
        st.events
            .insert(0, event("e3", 6_000, "(service web) unable to place a task"));
        assert_eq!(service_events(&record(), &st).len(), 3);
    }

    #[test]
    fn the_spec_counts_as_observed_only_once_the_controller_acted_on_it_and_its_revision() {
        let observed = |st: &ServiceStatus, target: Option<&str>| {
            service(&ArnScope::default(), &record(), Some(st), target)["specObserved"] == true
        };
        assert!(observed(&status(), Some("web:2")));
        assert!(
            !observed(&status(), Some("web:3")),
            "a new revision of the family"
        );
        assert!(!observed(&status(), None), "nothing to run");
        let mut older = status();
        older.observed_generation = 2;
        assert!(!observed(&older, Some("web:2")));
        let mut before_restart = status();
        before_restart.requested_nonce = 0;
        assert!(!observed(&before_restart, Some("web:2")));
    }

    #[test]
    fn before_the_controller_records_deployments_one_primary_describes_the_convergence() {
        let st = ServiceStatus {
            observed_generation: 3,
            task_definition: Some("web:1".into()),
            running_count: 1,
            ..Default::default()
        };
        let shape = service(&ArnScope::default(), &record(), Some(&st), Some("web:1"));
        let deployments = shape["deployments"].as_array().unwrap();
        assert_eq!(deployments.len(), 1);
        assert_eq!(deployments[0]["status"], "PRIMARY");
        assert_eq!(deployments[0]["rolloutState"], "IN_PROGRESS");
    }
}
