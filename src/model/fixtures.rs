//! Manifests for tests and benches, built from the model's own types so that every field
//! name is checked by the compiler, then written as the YAML a user would apply. Compiled
//! for this crate's tests and, behind the `test-support` feature, for its integration tests
//! and benches; never in the release binary.

use super::load_balancing::{Action, ActionType, LbProtocol, Listener, LoadBalancerSpec, TargetGroupSpec};
use super::{
    API_VERSION, ContainerDefinition, Document, HealthCheck, Kind, Manifest, Metadata, ScheduledTaskSpec,
    SchedulingStrategy, Seconds, ServiceLoadBalancer, ServiceSpec, TaskDefinitionSpec,
};
use serde::Serialize;
use std::net::IpAddr;

/// A task definition with one container per `(name, image)`, everything else default.
pub fn task_definition(containers: &[(&str, &str)]) -> TaskDefinitionSpec {
    with_containers(
        containers
            .iter()
            .map(|(name, image)| container(name, image))
            .collect(),
    )
}

/// A task definition made of `containers`, everything else default.
pub fn with_containers(containers: Vec<ContainerDefinition>) -> TaskDefinitionSpec {
    TaskDefinitionSpec {
        container_definitions: containers,
        ..Default::default()
    }
}

/// A container `name` running `image` with its own command, everything else default.
pub fn container(name: &str, image: &str) -> ContainerDefinition {
    ContainerDefinition {
        name: name.to_string(),
        image: image.to_string(),
        ..Default::default()
    }
}

/// A container `name` running `script` with `sh -c` in `image`.
pub fn shell_container(name: &str, image: &str, script: &str) -> ContainerDefinition {
    ContainerDefinition {
        command: Some(vec!["sh".into(), "-c".into(), script.into()]),
        ..container(name, image)
    }
}

/// A `CMD-SHELL` health check probing every `interval` seconds with a `timeout`, unhealthy
/// after `retries` failures in a row.
pub fn shell_health_check(script: &str, interval: u64, timeout: u64, retries: u32) -> HealthCheck {
    HealthCheck {
        command: vec!["CMD-SHELL".into(), script.into()],
        interval: Some(Seconds(interval)),
        timeout: Some(Seconds(timeout)),
        retries: Some(retries),
        start_period: None,
    }
}

/// A REPLICA service of `desired` tasks of the latest revision of `task_definition`.
pub fn replica_service(task_definition: &str, desired: u32) -> ServiceSpec {
    ServiceSpec {
        task_definition: task_definition.to_string(),
        desired_count: Some(desired),
        ..Default::default()
    }
}

/// `service` with its tasks registered in `target_group` through `container`'s `port`.
pub fn behind_target_group(
    service: ServiceSpec,
    target_group: &str,
    container: &str,
    port: u16,
) -> ServiceSpec {
    ServiceSpec {
        load_balancers: vec![ServiceLoadBalancer {
            target_group_arn: target_group.to_string(),
            container_name: container.to_string(),
            container_port: port,
            ..Default::default()
        }],
        ..service
    }
}

/// A DAEMON service of the latest revision of `task_definition`: one task per container
/// instance.
pub fn daemon_service(task_definition: &str) -> ServiceSpec {
    ServiceSpec {
        task_definition: task_definition.to_string(),
        scheduling_strategy: SchedulingStrategy::Daemon,
        ..Default::default()
    }
}

/// A listener on `address:port` forwarding everything to the target group `target_group`.
pub fn forward_listener(
    port: u16,
    protocol: LbProtocol,
    address: Option<IpAddr>,
    target_group: &str,
) -> Listener {
    Listener {
        port,
        protocol,
        address,
        default_actions: vec![forward(target_group)],
        rules: Vec::new(),
        certificates: Default::default(),
        ssl_policy: Default::default(),
        alpn_policy: Default::default(),
        mutual_authentication: Default::default(),
    }
}

/// A `forward` action to the target group `target_group`.
pub fn forward(target_group: &str) -> Action {
    Action {
        action_type: ActionType::Forward,
        target_group_arn: Some(target_group.to_string()),
        forward_config: None,
        fixed_response_config: None,
        order: None,
        redirect_config: Default::default(),
        authenticate_oidc_config: Default::default(),
        authenticate_cognito_config: Default::default(),
    }
}

/// Several manifest documents, in the order they are added, written as one YAML file.
#[derive(Debug, Clone, Default)]
pub struct Manifests {
    documents: Vec<Manifest>,
}

impl Manifests {
    /// No documents yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a `TaskDefinition` of family `name`.
    pub fn task_definition(self, name: &str, spec: TaskDefinitionSpec) -> Self {
        self.add(Kind::TaskDefinition, name, spec, Manifest::TaskDefinition)
    }

    /// Adds a `Service` `name` in the default cluster.
    pub fn service(self, name: &str, spec: ServiceSpec) -> Self {
        self.add(Kind::Service, name, spec, Manifest::Service)
    }

    /// Adds a `TargetGroup` `name`.
    pub fn target_group(self, name: &str, spec: TargetGroupSpec) -> Self {
        self.add(Kind::TargetGroup, name, spec, Manifest::TargetGroup)
    }

    /// Adds a `LoadBalancer` `name`.
    pub fn load_balancer(self, name: &str, spec: LoadBalancerSpec) -> Self {
        self.add(Kind::LoadBalancer, name, spec, Manifest::LoadBalancer)
    }

    /// Adds a `ScheduledTask` `name` in the default cluster.
    pub fn scheduled_task(self, name: &str, spec: ScheduledTaskSpec) -> Self {
        self.add(Kind::ScheduledTask, name, spec, Manifest::ScheduledTask)
    }

    /// Adds a `ContainerInstance` `name` in the default cluster.
    pub fn container_instance(self, name: &str, spec: crate::model::ContainerInstanceSpec) -> Self {
        self.add(Kind::ContainerInstance, name, spec, Manifest::ContainerInstance)
    }

    /// Sets labels (tags) on the document added last.
    pub fn labels(mut self, pairs: &[(&str, &str)]) -> Self {
        let labels = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if let Some(last) = self.documents.last_mut() {
            match last {
                Manifest::Cluster(d) => d.metadata.labels = labels,
                Manifest::TaskDefinition(d) => d.metadata.labels = labels,
                Manifest::Service(d) => d.metadata.labels = labels,
                Manifest::TargetGroup(d) => d.metadata.labels = labels,
                Manifest::LoadBalancer(d) => d.metadata.labels = labels,
                Manifest::ScheduledTask(d) => d.metadata.labels = labels,
                Manifest::ContainerInstance(d) => d.metadata.labels = labels,
            }
        }
        self
    }

    /// Adds the document of `kind` around `spec`, as the variant `wrap` makes.
    fn add<S>(mut self, kind: Kind, name: &str, spec: S, wrap: fn(Document<S>) -> Manifest) -> Self {
        self.documents.push(wrap(document(kind, name, spec)));
        self
    }

    /// The documents as one YAML text, separated by `---` lines.
    pub fn yaml(&self) -> String {
        self.documents
            .iter()
            .map(|m| match m {
                Manifest::Cluster(d) => to_yaml(d),
                Manifest::TaskDefinition(d) => to_yaml(d),
                Manifest::Service(d) => to_yaml(d),
                Manifest::TargetGroup(d) => to_yaml(d),
                Manifest::LoadBalancer(d) => to_yaml(d),
                Manifest::ScheduledTask(d) => to_yaml(d),
                Manifest::ContainerInstance(d) => to_yaml(d),
            })
            .collect::<Vec<_>>()
            .join("---\n")
    }
}

/// A schedule of `expression` running one task of `task_definition`, overlaps allowed.
pub fn schedule(expression: &str, task_definition: &str) -> ScheduledTaskSpec {
    ScheduledTaskSpec {
        schedule_expression: expression.to_string(),
        task_definition: Some(task_definition.to_string()),
        ..Default::default()
    }
}

/// The envelope around `spec`.
fn document<S>(kind: Kind, name: &str, spec: S) -> Document<S> {
    Document {
        api_version: API_VERSION.to_string(),
        kind: kind.as_str().to_string(),
        metadata: Metadata {
            name: name.to_string(),
            ..Default::default()
        },
        spec,
    }
}

#[allow(
    clippy::expect_used,
    reason = "test support only: the model's types have string keys and no failing \
              serialisers, so this cannot fail, and a caller could do nothing but panic"
)]
fn to_yaml<S: Serialize>(doc: &Document<S>) -> String {
    serde_yaml_ng::to_string(doc).expect("a model document serialises to YAML")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load_balancing::TargetGroupAttributes;
    use crate::model::parse_text;

    /// Every kind the builder writes reads back, validated, as the same value.
    #[test]
    fn built_manifests_load_back_as_the_values_they_were_built_from() {
        let td = with_containers(vec![ContainerDefinition {
            health_check: Some(shell_health_check("test -f /tmp/v", 5, 2, 2)),
            ..shell_container("app", "busybox:latest", "echo 'quoted'; sleep 1")
        }]);
        let group = TargetGroupSpec {
            protocol: LbProtocol::Http,
            attributes: TargetGroupAttributes {
                deregistration_delay_timeout_seconds: Some(Seconds(3)),
                ..Default::default()
            },
            ..Default::default()
        };
        let address = Some(IpAddr::from([127, 0, 0, 1]));
        let lb = LoadBalancerSpec {
            listeners: vec![forward_listener(8080, LbProtocol::Http, address, "web")],
            ..Default::default()
        };
        let service = behind_target_group(replica_service("web", 2), "web", "app", 8080);
        let built = Manifests::new()
            .target_group("web", group)
            .load_balancer("web-lb", lb)
            .task_definition("web", td)
            .service("web", service);
        let (mut loaded, mut errors) = (Vec::new(), Vec::new());
        parse_text("built.yaml", &built.yaml(), &mut loaded, &mut errors);
        assert!(errors.is_empty(), "{errors:?}\n{}", built.yaml());
        let read: Vec<Manifest> = loaded.into_iter().map(|l| l.manifest).collect();
        assert_eq!(read, built.documents);
    }
}
