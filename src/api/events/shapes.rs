//! EventBridge's request and response members for the operations ecsd serves, named as
//! botocore's model names them. Inputs are decoded strictly: a member ecsd cannot honour is
//! declared `NotSupported` and refused by name unless empty; anything else unknown is refused.

use crate::model::{
    AssignPublicIp, AwsVpcConfiguration, LaunchType, NetworkConfiguration, NotSupported, PlacementConstraint,
    PlacementStrategy, PropagateTags,
};
use serde::{Deserialize, Serialize};

/// EventBridge `RuleState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(super) enum RuleState {
    /// Runs at each due time.
    Enabled,
    /// Never runs.
    Disabled,
    /// For event pattern rules only, which ecsd does not run.
    EnabledWithAllCloudtrailManagementEvents,
}

/// EventBridge `Tag` (`Key`, `Value`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(super) struct EventsTag {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// PutRule.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(super) struct PutRuleInput {
    pub name: String,
    pub schedule_expression: Option<String>,
    /// Refused unless empty: ecsd has no events to match.
    pub event_pattern: Option<String>,
    pub state: Option<RuleState>,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    /// The rule's tags (its schedule's labels); absent keeps them.
    pub tags: Option<Vec<EventsTag>>,
    pub event_bus_name: Option<String>,
}

/// DescribeRule, EnableRule, DisableRule.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(super) struct RuleName {
    pub name: String,
    pub event_bus_name: Option<String>,
}

/// DeleteRule.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(super) struct DeleteRuleInput {
    pub name: String,
    pub event_bus_name: Option<String>,
    /// Change a managed rule (a watched folder's schedule) anyway.
    #[serde(default)]
    pub force: bool,
}

/// ListRules.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(super) struct ListRulesInput {
    pub name_prefix: Option<String>,
    pub event_bus_name: Option<String>,
    pub next_token: Option<String>,
    pub limit: Option<u32>,
}

/// PutTargets.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(super) struct PutTargetsInput {
    pub rule: String,
    pub event_bus_name: Option<String>,
    pub targets: Vec<Target>,
}

/// RemoveTargets.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(super) struct RemoveTargetsInput {
    pub rule: String,
    pub event_bus_name: Option<String>,
    pub ids: Vec<String>,
    /// Change a managed rule (a watched folder's schedule) anyway.
    #[serde(default)]
    pub force: bool,
}

/// ListTargetsByRule.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(super) struct ListTargetsInput {
    pub rule: String,
    pub event_bus_name: Option<String>,
    pub next_token: Option<String>,
    pub limit: Option<u32>,
}

/// EventBridge `Target`: an ECS cluster with `EcsParameters`, and RunTask's overrides as
/// `Input`; other kinds of target are refused by name.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(super) struct Target {
    pub id: String,
    /// The ECS cluster's ARN.
    pub arn: String,
    /// Stored and returned; there is no IAM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// RunTask `overrides` as a JSON string (`{"containerOverrides": [...]}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecs_parameters: Option<EcsParameters>,
    #[serde(default, skip_serializing)]
    pub input_path: NotSupported,
    #[serde(default, skip_serializing)]
    pub input_transformer: NotSupported,
    #[serde(default, skip_serializing)]
    pub kinesis_parameters: NotSupported,
    #[serde(default, skip_serializing)]
    pub run_command_parameters: NotSupported,
    #[serde(default, skip_serializing)]
    pub batch_parameters: NotSupported,
    #[serde(default, skip_serializing)]
    pub sqs_parameters: NotSupported,
    #[serde(default, skip_serializing)]
    pub http_parameters: NotSupported,
    #[serde(default, skip_serializing)]
    pub redshift_data_parameters: NotSupported,
    #[serde(default, skip_serializing)]
    pub sage_maker_pipeline_parameters: NotSupported,
    #[serde(default, skip_serializing)]
    pub dead_letter_config: NotSupported,
    #[serde(default, skip_serializing)]
    pub retry_policy: NotSupported,
    #[serde(default, skip_serializing)]
    pub app_sync_parameters: NotSupported,
}

/// EventBridge `EcsParameters`: RunTask's fields, each a field of the schedule's target.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(super) struct EcsParameters {
    /// The task definition's ARN (or, as an ecsd extension, `family` or `family:revision`).
    pub task_definition_arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_type: Option<LaunchType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_configuration: Option<EventsNetworkConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing)]
    pub capacity_provider_strategy: NotSupported,
    #[serde(
        default,
        rename = "EnableECSManagedTags",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub enable_ecs_managed_tags: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enable_execute_command: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placement_constraints: Vec<PlacementConstraint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placement_strategy: Vec<PlacementStrategy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagate_tags: Option<PropagateTags>,
    #[serde(default, skip_serializing)]
    pub reference_id: NotSupported,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<EventsTag>,
}

/// EventBridge `NetworkConfiguration`: ECS's, but its `awsvpcConfiguration` members are
/// capitalised (`Subnets`, `SecurityGroups`, `AssignPublicIp`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct EventsNetworkConfiguration {
    pub awsvpc_configuration: EventsAwsVpcConfiguration,
}

/// EventBridge `AwsVpcConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(super) struct EventsAwsVpcConfiguration {
    pub subnets: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assign_public_ip: Option<AssignPublicIp>,
}

impl From<EventsNetworkConfiguration> for NetworkConfiguration {
    fn from(n: EventsNetworkConfiguration) -> Self {
        let vpc = n.awsvpc_configuration;
        NetworkConfiguration {
            awsvpc_configuration: AwsVpcConfiguration {
                subnets: vpc.subnets,
                security_groups: vpc.security_groups,
                assign_public_ip: vpc.assign_public_ip,
            },
        }
    }
}

impl From<NetworkConfiguration> for EventsNetworkConfiguration {
    fn from(n: NetworkConfiguration) -> Self {
        let vpc = n.awsvpc_configuration;
        EventsNetworkConfiguration {
            awsvpc_configuration: EventsAwsVpcConfiguration {
                subnets: vpc.subnets,
                security_groups: vpc.security_groups,
                assign_public_ip: vpc.assign_public_ip,
            },
        }
    }
}

/// EventBridge `Rule` (ListRules) and DescribeRule's output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RuleShape {
    pub name: String,
    pub arn: String,
    pub state: RuleState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub schedule_expression: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// The manifest file of a watched folder that manages it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<String>,
    pub event_bus_name: String,
    /// DescribeRule only: the account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}
