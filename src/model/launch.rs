//! Launch types on one machine, and the ECS fields that say how a task is launched.
//!
//! `EC2` and `EXTERNAL` both mean "a container instance of the cluster": ecsd's engines are
//! both. `FARGATE` runs the same way, on the same engines, but a task definition must satisfy
//! Fargate's rules (`awsvpc`, a task-level CPU and memory pair Fargate offers, no host PID
//! namespace), so a definition that works on ecsd also works on Fargate.

use super::task_definition::{Compatibility, NetworkMode, PidMode, TaskDefinitionSpec};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// ECS `LaunchType`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LaunchType {
    /// A container instance of the cluster (the default).
    #[default]
    #[serde(rename = "EC2")]
    Ec2,
    /// Like EC2, with Fargate's task definition rules enforced.
    #[serde(rename = "FARGATE")]
    Fargate,
    /// A container instance registered from outside AWS: the same as EC2 on ecsd.
    #[serde(rename = "EXTERNAL")]
    External,
}

impl LaunchType {
    /// The compatibility a task definition must have to run with this launch type.
    pub fn compatibility(self) -> Compatibility {
        match self {
            Self::Ec2 => Compatibility::Ec2,
            Self::Fargate => Compatibility::Fargate,
            Self::External => Compatibility::External,
        }
    }
}

/// ECS `PropagateTags`: whose tags a service's (or RunTask's) tasks carry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PropagateTags {
    /// The task definition's tags.
    TaskDefinition,
    /// The service's tags.
    Service,
    /// None (the default).
    #[default]
    None,
}

/// ECS's managed tag naming a task's cluster.
pub const MANAGED_CLUSTER_TAG: &str = "aws:ecs:clusterName";
/// ECS's managed tag naming a task's service.
pub const MANAGED_SERVICE_TAG: &str = "aws:ecs:serviceName";

/// Where a new task's tags come from.
#[derive(Debug, Clone, Copy)]
pub struct TagSources<'a> {
    /// The task's cluster.
    pub cluster: &'a str,
    /// Its service, if any.
    pub service: Option<&'a str>,
    /// `enableECSManagedTags`.
    pub managed: bool,
    /// `propagateTags`.
    pub propagate: Option<PropagateTags>,
    /// The service's tags.
    pub service_tags: &'a BTreeMap<String, String>,
    /// The task definition's tags.
    pub task_definition_tags: &'a BTreeMap<String, String>,
}

/// A new task's tags: the propagated ones, then the caller's own (which win), then ECS's
/// managed tags when asked for.
pub fn task_tags(from: &TagSources, own: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut tags = match from.propagate {
        Some(PropagateTags::Service) => from.service_tags.clone(),
        Some(PropagateTags::TaskDefinition) => from.task_definition_tags.clone(),
        Some(PropagateTags::None) | None => BTreeMap::new(),
    };
    tags.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
    if from.managed {
        tags.insert(MANAGED_CLUSTER_TAG.into(), from.cluster.into());
        if let Some(service) = from.service {
            tags.insert(MANAGED_SERVICE_TAG.into(), service.into());
        }
    }
    tags
}

/// ECS `Tag` given to a RunTask (or a schedule's runs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    /// Key (1 to 128 characters; `aws:` is reserved).
    pub key: String,
    /// Value (at most 256 characters).
    #[serde(default)]
    pub value: String,
}

/// Why a caller may not set `tag`: ECS's sizes, and the `aws:` prefix ECS keeps for itself.
pub fn check_caller_tag(tag: &Tag) -> Result<(), String> {
    super::limits::check_tag(&tag.key, &tag.value)?;
    if tag.key.to_lowercase().starts_with("aws:") {
        return Err(format!("tag {:?}: the aws: prefix is reserved", tag.key));
    }
    Ok(())
}

/// ECS's rule for `platformVersion`: only with `launchType: FARGATE`.
pub fn check_platform_version(
    launch_type: Option<LaunchType>,
    platform_version: Option<&str>,
) -> Result<(), String> {
    if platform_version.is_some() && launch_type != Some(LaunchType::Fargate) {
        return Err("The platform version must be null when specifying an EC2 launch type.".into());
    }
    Ok(())
}

/// ECS's refusal of a `networkConfiguration` for a definition whose mode is not `awsvpc`.
pub const NETWORK_MODE_MISMATCH: &str =
    "Network Configuration is not valid for the given networkMode of this task definition.";

/// What a service's launch settings demand of its task definition: Fargate's rules for
/// `launchType: FARGATE`, and `networkConfiguration` only with `networkMode: awsvpc`.
pub fn launch_problems(spec: &super::ServiceSpec, td: &TaskDefinitionSpec) -> Vec<String> {
    let mut problems = Vec::new();
    if let Err(why) = check_launch_type(td, spec.launch_type.unwrap_or_default()) {
        problems.push(format!("spec.launchType: {why}"));
    }
    if spec.network_configuration.is_some() && td.network_mode() != NetworkMode::Awsvpc {
        problems.push(format!("spec.networkConfiguration: {NETWORK_MODE_MISMATCH}"));
    }
    problems
}

/// Fargate's task CPU units and the memory sizes (MiB) each allows.
fn fargate_memory_allowed(cpu: u32, memory: u32) -> bool {
    let gib = |n: u32| n * 1024;
    match cpu {
        256 => [512, 1024, 2048].contains(&memory),
        512 => (gib(1)..=gib(4)).contains(&memory) && memory.is_multiple_of(1024),
        1024 => (gib(2)..=gib(8)).contains(&memory) && memory.is_multiple_of(1024),
        2048 => (gib(4)..=gib(16)).contains(&memory) && memory.is_multiple_of(1024),
        4096 => (gib(8)..=gib(30)).contains(&memory) && memory.is_multiple_of(1024),
        8192 => (gib(16)..=gib(60)).contains(&memory) && memory.is_multiple_of(gib(4)),
        16384 => (gib(32)..=gib(120)).contains(&memory) && memory.is_multiple_of(gib(8)),
        _ => false,
    }
}

/// Why the definition cannot run as a Fargate task (empty when it can), in ECS's words.
pub fn fargate_problems(spec: &TaskDefinitionSpec) -> Vec<String> {
    let mut problems = Vec::new();
    if spec.network_mode() != NetworkMode::Awsvpc {
        problems.push("Fargate only supports network mode 'awsvpc'.".to_string());
    }
    match (spec.cpu, spec.memory) {
        (Some(cpu), Some(memory)) if fargate_memory_allowed(cpu.0, memory.0) => {}
        (Some(cpu), Some(memory)) => problems.push(format!(
            "No Fargate configuration exists for given values: {} CPU, {} memory.",
            cpu.0, memory.0
        )),
        _ => problems.push("Fargate requires task-level cpu and memory to be set.".to_string()),
    }
    if spec.pid_mode == Some(PidMode::Host) {
        problems.push("pidMode 'host' is not supported on Fargate.".to_string());
    }
    if spec.ipc_mode.is_some() {
        problems.push("ipcMode is not supported on Fargate.".to_string());
    }
    problems
}

/// ECS's rule at RegisterTaskDefinition for definitions that may run on EC2 (any that does
/// not require only FARGATE): without a task-level memory, every container names a `memory`
/// or `memoryReservation`. Applied at the ECS door; ecsd's manifests may leave memory out
/// (a container then has no limit).
pub fn ec2_memory_problems(spec: &TaskDefinitionSpec) -> Vec<String> {
    let fargate_only = !spec.requires_compatibilities.is_empty()
        && spec
            .requires_compatibilities
            .iter()
            .all(|c| *c == Compatibility::Fargate);
    if fargate_only || spec.memory.is_some() {
        return Vec::new();
    }
    spec.container_definitions
        .iter()
        .filter(|c| c.memory.is_none() && c.memory_reservation.is_none())
        .map(|c| {
            format!(
                "Invalid setting for container '{}'. At least one of 'memory' or 'memoryReservation' must be specified.",
                c.name
            )
        })
        .collect()
}

/// ECS `compatibilities`: the launch types the definition satisfies. Every definition runs
/// on a container instance (EC2, EXTERNAL); FARGATE only when Fargate's rules hold.
pub fn compatibilities(spec: &TaskDefinitionSpec) -> Vec<Compatibility> {
    let mut out = vec![Compatibility::Ec2, Compatibility::External];
    if fargate_problems(spec).is_empty() {
        out.push(Compatibility::Fargate);
    }
    out
}

/// Whether a task of `spec` may be launched as `launch`: ECS's
/// "Task definition does not support launch_type FARGATE." when it may not.
pub fn check_launch_type(spec: &TaskDefinitionSpec, launch: LaunchType) -> Result<(), String> {
    if launch != LaunchType::Fargate {
        return Ok(());
    }
    let problems = fargate_problems(spec);
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "Task definition does not support launch_type FARGATE. {}",
        problems.join(" ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CpuUnits, Mebibytes, fixtures};

    fn fargate_ready() -> TaskDefinitionSpec {
        TaskDefinitionSpec {
            network_mode: Some(NetworkMode::Awsvpc),
            cpu: Some(CpuUnits(256)),
            memory: Some(Mebibytes(512)),
            ..fixtures::task_definition(&[("app", "busybox")])
        }
    }

    #[test]
    fn a_definition_with_awsvpc_and_an_offered_cpu_memory_pair_is_fargate_compatible() {
        assert!(compatibilities(&fargate_ready()).contains(&Compatibility::Fargate));
        assert!(check_launch_type(&fargate_ready(), LaunchType::Fargate).is_ok());
    }

    #[test]
    fn bridge_mode_or_a_pair_fargate_does_not_offer_is_refused_with_the_reason() {
        let bridge = TaskDefinitionSpec {
            network_mode: None,
            ..fargate_ready()
        };
        let err = check_launch_type(&bridge, LaunchType::Fargate).unwrap_err();
        assert!(
            err.contains("does not support launch_type FARGATE") && err.contains("awsvpc"),
            "{err}"
        );
        assert!(!compatibilities(&bridge).contains(&Compatibility::Fargate));
        assert!(check_launch_type(&bridge, LaunchType::Ec2).is_ok());
        let odd = TaskDefinitionSpec {
            memory: Some(Mebibytes(3000)),
            ..fargate_ready()
        };
        let err = check_launch_type(&odd, LaunchType::Fargate).unwrap_err();
        assert!(err.contains("256 CPU, 3000 memory"), "{err}");
    }

    #[test]
    fn tasks_carry_propagated_then_own_then_managed_tags() {
        let service_tags =
            BTreeMap::from([("team".to_string(), "a".to_string()), ("x".into(), "svc".into())]);
        let td_tags = BTreeMap::from([("from".to_string(), "td".to_string())]);
        let mut from = TagSources {
            cluster: "prod",
            service: Some("web"),
            managed: true,
            propagate: Some(PropagateTags::Service),
            service_tags: &service_tags,
            task_definition_tags: &td_tags,
        };
        let own = BTreeMap::from([("x".to_string(), "own".to_string())]);
        let tags = task_tags(&from, &own);
        assert_eq!(tags["team"], "a");
        assert_eq!(tags["x"], "own");
        assert_eq!(tags[MANAGED_CLUSTER_TAG], "prod");
        assert_eq!(tags[MANAGED_SERVICE_TAG], "web");
        from.propagate = Some(PropagateTags::TaskDefinition);
        from.managed = false;
        assert_eq!(task_tags(&from, &BTreeMap::new()), td_tags);
        from.propagate = None;
        assert!(task_tags(&from, &BTreeMap::new()).is_empty());
    }

    #[test]
    fn fargate_pairs_follow_the_published_table() {
        assert!(fargate_memory_allowed(512, 4096));
        assert!(!fargate_memory_allowed(512, 5120));
        assert!(fargate_memory_allowed(8192, 20480));
        assert!(!fargate_memory_allowed(8192, 17408));
        assert!(!fargate_memory_allowed(300, 1024));
    }
}
