//! ECS `TaskDefinition` and its `ContainerDefinition`s, with the defaults ECS fills in.

use super::{ArnScope, seconds};
use crate::model::{
    Compatibility, ContainerDefinition, CpuUnits, EphemeralStorage, IpcMode, KeyValuePair, Mebibytes,
    MountPoint, NetworkMode, PidMode, PortMapping, RuntimePlatform, TaskDefinitionSpec, Volume, VolumeFrom,
};
use crate::store::{TaskDefinitionRecord, TaskDefinitionStatus};
use serde::{Deserialize, Serialize};

/// ECS `TaskDefinition`, with every member ECS always returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskDefinition {
    /// ARN of this revision.
    pub task_definition_arn: String,
    /// The containers, with ECS's defaults filled in.
    pub container_definitions: Vec<ContainerDefinitionShape>,
    /// Family.
    pub family: String,
    /// `bridge` unless declared otherwise.
    pub network_mode: NetworkMode,
    /// Revision number within the family.
    pub revision: u32,
    /// Volumes (empty when none).
    pub volumes: Vec<Volume>,
    /// ACTIVE, INACTIVE or DELETE_IN_PROGRESS.
    pub status: TaskDefinitionStatus,
    /// Placement constraints (none are supported, so always empty).
    pub placement_constraints: Vec<TaskDefinitionPlacementConstraint>,
    /// Launch types the definition satisfies (see `TaskDefinitionSpec::compatibilities`).
    pub compatibilities: Vec<Compatibility>,
    /// Launch types the definition claims (empty when it claims none).
    pub requires_compatibilities: Vec<Compatibility>,
    /// Task-level CPU units, as an ECS string, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<CpuUnits>,
    /// Task-level memory in MiB, as an ECS string, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Mebibytes>,
    /// Process namespace, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid_mode: Option<PidMode>,
    /// IPC namespace, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipc_mode: Option<IpcMode>,
    /// When it was registered.
    pub registered_at: f64,
    /// When it was deregistered, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deregistered_at: Option<f64>,
    /// When its deletion was requested, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_requested_at: Option<f64>,
    /// IAM role of the containers, as given (stored only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_role_arn: Option<String>,
    /// IAM role of the agent, as given (stored only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<String>,
    /// Fargate task storage, as given (not enforced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral_storage: Option<EphemeralStorage>,
    /// OS family and CPU architecture the images need.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_platform: Option<RuntimePlatform>,
}

/// ECS `TaskDefinitionPlacementConstraint`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskDefinitionPlacementConstraint {
    /// `memberOf`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Cluster query language expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

/// ECS `ContainerDefinition` as ECS returns it: the members it always returns, with their
/// defaults, then every other member as registered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerDefinitionShape {
    /// CPU units (0 when not set).
    pub cpu: u32,
    /// Whether the task stops when it exits (true when not set).
    pub essential: bool,
    /// Published ports.
    pub port_mappings: Vec<PortMapping>,
    /// Environment variables.
    pub environment: Vec<KeyValuePair>,
    /// Volume mounts.
    pub mount_points: Vec<MountPoint>,
    /// Containers whose volumes it mounts.
    pub volumes_from: Vec<VolumeFrom>,
    /// Every other member (name, image, …), as registered; the members above are moved out
    /// of it, so each appears once.
    #[serde(flatten)]
    pub definition: ContainerDefinition,
}

impl ContainerDefinitionShape {
    /// The shape of a registered container definition.
    pub fn new(definition: &ContainerDefinition) -> Self {
        let mut definition = definition.clone();
        Self {
            cpu: definition.cpu.take().unwrap_or(0),
            essential: definition.essential.take().unwrap_or(true),
            port_mappings: std::mem::take(&mut definition.port_mappings),
            environment: std::mem::take(&mut definition.environment),
            mount_points: std::mem::take(&mut definition.mount_points),
            volumes_from: std::mem::take(&mut definition.volumes_from),
            definition,
        }
    }
}

/// ECS `TaskDefinition` of a stored revision.
pub fn task_definition(scope: &ArnScope, td: &TaskDefinitionRecord) -> TaskDefinition {
    let spec: &TaskDefinitionSpec = &td.spec;
    TaskDefinition {
        task_definition_arn: scope.task_definition_arn(&td.reference()),
        container_definitions: spec
            .container_definitions
            .iter()
            .map(ContainerDefinitionShape::new)
            .collect(),
        family: td.family.clone(),
        network_mode: spec.network_mode(),
        revision: td.revision,
        volumes: spec.volumes.clone(),
        status: td.status,
        placement_constraints: spec
            .placement_constraints
            .iter()
            .map(|c| TaskDefinitionPlacementConstraint {
                kind: "memberOf".into(),
                expression: c.expression.clone(),
            })
            .collect(),
        compatibilities: spec.compatibilities(),
        requires_compatibilities: spec.requires_compatibilities.clone(),
        cpu: spec.cpu,
        memory: spec.memory,
        pid_mode: spec.pid_mode,
        ipc_mode: spec.ipc_mode,
        registered_at: seconds(td.registered_at),
        deregistered_at: td.deregistered_at.map(seconds),
        delete_requested_at: td.delete_requested_at.map(seconds),
        task_role_arn: spec.task_role_arn.clone(),
        execution_role_arn: spec.execution_role_arn.clone(),
        ephemeral_storage: spec.ephemeral_storage,
        runtime_platform: spec.runtime_platform,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::shapes::members::{Json, assert_members};
    use crate::model::fixtures;

    /// Members of `TaskDefinition` that DescribeTaskDefinition always returns.
    const ALWAYS: &[(&str, Json)] = &[
        ("taskDefinitionArn", Json::Str),
        ("containerDefinitions", Json::List),
        ("family", Json::Str),
        ("networkMode", Json::Str),
        ("revision", Json::Int),
        ("volumes", Json::List),
        ("status", Json::Str),
        ("placementConstraints", Json::List),
        ("compatibilities", Json::List),
        ("requiresCompatibilities", Json::List),
        ("registeredAt", Json::Num),
    ];

    /// Members of `ContainerDefinition` that ECS always returns, defaults filled in.
    const CONTAINER_ALWAYS: &[(&str, Json)] = &[
        ("name", Json::Str),
        ("image", Json::Str),
        ("cpu", Json::Int),
        ("essential", Json::Bool),
        ("portMappings", Json::List),
        ("environment", Json::List),
        ("mountPoints", Json::List),
        ("volumesFrom", Json::List),
    ];

    fn record(spec: TaskDefinitionSpec) -> TaskDefinitionRecord {
        TaskDefinitionRecord {
            family: "web".into(),
            revision: 3,
            status: TaskDefinitionStatus::Active,
            spec,
            labels: Default::default(),
            registered_at: 1_500,
            deregistered_at: None,
            delete_requested_at: None,
        }
    }

    #[test]
    fn a_minimal_task_definition_carries_every_member_ecs_always_returns() {
        let shape = task_definition(
            &ArnScope::default(),
            &record(fixtures::task_definition(&[("web", "busybox")])),
        );
        assert_members("TaskDefinition", &shape, ALWAYS);
        assert_members(
            "ContainerDefinition",
            &shape.container_definitions[0],
            CONTAINER_ALWAYS,
        );
        let value = serde_json::to_value(&shape).unwrap();
        assert_eq!(value["compatibilities"], serde_json::json!(["EC2", "EXTERNAL"]));
        assert_eq!(value["containerDefinitions"][0]["cpu"], 0);
        assert_eq!(value["containerDefinitions"][0]["essential"], true);
        assert_eq!(value["registeredAt"], 1.5);
    }

    #[test]
    fn declared_container_values_win_over_the_defaults_and_appear_once() {
        let mut spec = fixtures::task_definition(&[("web", "busybox")]);
        spec.container_definitions[0].cpu = Some(128);
        spec.container_definitions[0].essential = Some(false);
        spec.container_definitions[0].memory = Some(64);
        let shape = task_definition(&ArnScope::default(), &record(spec));
        let text = serde_json::to_string(&shape).unwrap();
        assert_eq!(text.matches("\"cpu\"").count(), 1, "{text}");
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["containerDefinitions"][0]["cpu"], 128);
        assert_eq!(value["containerDefinitions"][0]["essential"], false);
        assert_eq!(value["containerDefinitions"][0]["memory"], 64);
    }

    #[test]
    fn task_level_cpu_and_memory_are_ecs_strings() {
        let mut spec = fixtures::task_definition(&[("web", "busybox")]);
        spec.cpu = Some(CpuUnits(256));
        spec.memory = Some(Mebibytes(512));
        spec.network_mode = Some(NetworkMode::Awsvpc);
        let value = serde_json::to_value(task_definition(&ArnScope::default(), &record(spec))).unwrap();
        assert_eq!(value["cpu"], "256");
        assert_eq!(value["memory"], "512");
        assert_eq!(
            value["compatibilities"],
            serde_json::json!(["EC2", "EXTERNAL", "FARGATE"])
        );
    }

    #[test]
    fn every_member_of_a_registered_spec_reaches_the_shape() {
        let yaml = include_str!("../../../manifests/taskdefinition.yaml");
        let mut docs = Vec::new();
        crate::model::parse_text("taskdefinition.yaml", yaml, &mut docs, &mut Vec::new());
        let Some(crate::model::Manifest::TaskDefinition(td)) = docs.into_iter().next().map(|l| l.manifest)
        else {
            panic!("the reference manifest declares a task definition first");
        };
        let spec_value = serde_json::to_value(&td.spec).unwrap();
        let shape =
            serde_json::to_value(task_definition(&ArnScope::default(), &record(td.spec.clone()))).unwrap();
        for key in spec_value.as_object().unwrap().keys() {
            assert!(shape.get(key).is_some(), "the shape drops the spec's {key}");
        }
        let container = spec_value["containerDefinitions"][0].as_object().unwrap();
        for key in container.keys() {
            assert!(
                shape["containerDefinitions"][0].get(key).is_some(),
                "the shape drops a container's {key}"
            );
        }
    }

    #[test]
    fn a_task_definition_reads_back_as_it_was_sent() {
        let mut spec = fixtures::task_definition(&[("web", "busybox"), ("side", "busybox")]);
        spec.container_definitions[0].memory = Some(64);
        spec.container_definitions[1].essential = Some(false);
        spec.cpu = Some(CpuUnits(512));
        let shape = task_definition(&ArnScope::default(), &record(spec));
        let text = serde_json::to_string(&shape).unwrap();
        assert_eq!(serde_json::from_str::<TaskDefinition>(&text).unwrap(), shape);
    }
}
