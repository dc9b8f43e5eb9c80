use super::*;
use crate::api::shapes::members::{Json, assert_members};
use crate::model::ServiceSpec;
use crate::store::RolloutState;

/// Members of `Service` that DescribeServices always returns for a REPLICA or DAEMON service
/// of the EC2 launch type (API reference, Service).
const ALWAYS: &[(&str, Json)] = &[
    ("serviceArn", Json::Str),
    ("serviceName", Json::Str),
    ("clusterArn", Json::Str),
    ("loadBalancers", Json::List),
    ("serviceRegistries", Json::List),
    ("status", Json::Str),
    ("desiredCount", Json::Int),
    ("runningCount", Json::Int),
    ("pendingCount", Json::Int),
    ("launchType", Json::Str),
    ("taskDefinition", Json::Str),
    ("deploymentConfiguration", Json::Object),
    ("deployments", Json::List),
    ("events", Json::List),
    ("createdAt", Json::Num),
    ("placementConstraints", Json::List),
    ("placementStrategy", Json::List),
    ("schedulingStrategy", Json::Str),
    ("deploymentController", Json::Object),
    ("enableECSManagedTags", Json::Bool),
    ("propagateTags", Json::Str),
    ("enableExecuteCommand", Json::Bool),
];

/// Members of `Deployment` that ECS always returns.
const DEPLOYMENT_ALWAYS: &[(&str, Json)] = &[
    ("id", Json::Str),
    ("status", Json::Str),
    ("taskDefinition", Json::Str),
    ("desiredCount", Json::Int),
    ("pendingCount", Json::Int),
    ("runningCount", Json::Int),
    ("failedTasks", Json::Int),
    ("createdAt", Json::Num),
    ("updatedAt", Json::Num),
    ("launchType", Json::Str),
    ("rolloutState", Json::Str),
];

/// Members of `ServiceEvent`.
const EVENT_ALWAYS: &[(&str, Json)] = &[
    ("id", Json::Str),
    ("createdAt", Json::Num),
    ("message", Json::Str),
];

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

fn recorded(id: &str, td: &str, status: DeploymentStatus) -> Deployment {
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

fn service_event(id: &str, at: u64, message: &str) -> ServiceEvent {
    ServiceEvent {
        id: id.into(),
        created_at: at,
        message: message.into(),
    }
}

fn status() -> ServiceStatus {
    let mut rollback = recorded("d3", "web:1", DeploymentStatus::Primary);
    rollback.rollback_from = Some("d2".into());
    ServiceStatus {
        observed_generation: 3,
        requested_task_definition: Some("web:2".into()),
        requested_nonce: 1,
        deployments: vec![
            rollback,
            recorded("d2", "web:2", DeploymentStatus::Active),
            recorded("d1", "web:1", DeploymentStatus::Inactive),
        ],
        events: vec![
            service_event("e2", 5_000, "(service web) rolling back to deployment d3."),
            service_event("e1", 4_000, "(service web) has begun deployment d2 of web:2."),
        ],
        ..Default::default()
    }
}

#[test]
fn a_service_carries_every_member_ecs_always_returns() {
    let shape = service(&ArnScope::default(), &record(), Some(&status()), Some("web:2"));
    assert_members("Service", &shape, ALWAYS);
    assert_members("Deployment", &shape.deployments[0], DEPLOYMENT_ALWAYS);
    assert_members("ServiceEvent", &shape.events[0], EVENT_ALWAYS);
    let value = serde_json::to_value(&shape).unwrap();
    assert_eq!(value["deploymentController"], serde_json::json!({"type": "ECS"}));
    assert_eq!(value["propagateTags"], "NONE");
    assert_eq!(value["launchType"], "EC2");
    assert_eq!(value["enableECSManagedTags"], false);
}

#[test]
fn a_new_service_carries_them_too() {
    let shape = service(&ArnScope::default(), &record(), None, None);
    assert_members("Service", &shape, ALWAYS);
}

#[test]
fn a_service_reads_back_as_it_was_sent() {
    let mut svc = record();
    svc.spec.health_check_grace_period_seconds = Some(crate::model::Seconds(30));
    let shape = service(&ArnScope::default(), &svc, Some(&status()), Some("web:2"));
    let text = serde_json::to_string(&shape).unwrap();
    assert_eq!(serde_json::from_str::<Service>(&text).unwrap(), shape);
}

#[test]
fn a_service_lists_its_live_deployments_in_ecs_names_and_hides_the_history() {
    let shape = service(&ArnScope::default(), &record(), Some(&status()), Some("web:2"));
    let deployments = &shape.deployments;
    assert_eq!(deployments.len(), 2);
    assert_eq!(deployments[0].id, "d3");
    assert_eq!(deployments[0].status, DeploymentStatus::Primary);
    assert_eq!(deployments[0].rollout_state, RolloutState::Completed);
    assert_eq!(deployments[0].rollback_from.as_deref(), Some("d2"));
    assert_eq!(
        deployments[0].task_definition.as_deref(),
        Some("arn:aws:ecs:local:000000000000:task-definition/web:1")
    );
    let value = serde_json::to_value(&deployments[1]).unwrap();
    assert_eq!(value["failedTasks"], 0);
    assert!(value.get("rollbackFrom").is_none());
    let all = super::deployments(&ArnScope::default(), &record(), &status(), true);
    assert_eq!(all.len(), 3);
}

#[test]
fn a_service_echoes_its_strategy_and_deployment_configuration_with_ecs_defaults() {
    let value = serde_json::to_value(service(&ArnScope::default(), &record(), None, None)).unwrap();
    assert_eq!(value["schedulingStrategy"], "REPLICA");
    assert_eq!(
        value["deploymentConfiguration"],
        serde_json::json!({
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
    let messages: Vec<&str> = shape.events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "(service web) unable to place a task",
            "(service web) rolling back to deployment d3.",
            "(service web) has begun deployment d2 of web:2.",
        ]
    );
    st.events.insert(
        0,
        service_event("e3", 6_000, "(service web) unable to place a task"),
    );
    assert_eq!(service_events(&record(), &st).len(), 3);
}

#[test]
fn the_spec_counts_as_observed_only_once_the_controller_acted_on_it_and_its_revision() {
    let observed = |st: &ServiceStatus, target: Option<&str>| {
        service(&ArnScope::default(), &record(), Some(st), target).spec_observed
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
    assert_eq!(shape.deployments.len(), 1);
    assert_eq!(shape.deployments[0].status, DeploymentStatus::Primary);
    assert_eq!(shape.deployments[0].rollout_state, RolloutState::InProgress);
}
