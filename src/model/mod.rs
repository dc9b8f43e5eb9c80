//! Manifests and their validation: the user-facing shape of Clusters, TaskDefinitions and Services.
//!
//! Everything here is pure (values in, values or located errors out) except `load`, which
//! reads manifest files and folders before parsing them.

mod cluster;
mod container_instance;
mod duration;
#[cfg(any(test, feature = "test-support"))]
pub mod fixtures;
mod launch;
pub mod limits;
mod load;
pub mod load_balancing;
mod manifest;
mod placement;
pub mod query;
mod restarts;
pub mod schedule;
mod scheduled_task;
mod service;
mod suggest;
mod task;
mod task_definition;
mod task_overrides;
pub mod unsupported;
mod validation;

pub use cluster::{
    ClusterSetting, ClusterSettingName, ClusterSpec, DEFAULT_CLUSTER, InsightsLevel, effective_settings,
    merge_settings,
};
pub use container_instance::{
    AVAILABILITY_ZONE_ATTRIBUTE, ContainerInstanceSpec, EngineEndpoint, EngineTls, MAX_INSTANCE_ATTRIBUTES,
    check_attribute, is_built_in_attribute, validate_container_instance,
};
pub use duration::Seconds;
pub use launch::{
    LaunchType, MANAGED_CLUSTER_TAG, MANAGED_SERVICE_TAG, NETWORK_MODE_MISMATCH, PropagateTags, Tag,
    TagSources, check_caller_tag, check_launch_type, check_platform_version, compatibilities,
    ec2_memory_problems, fargate_problems, launch_problems, task_tags,
};
pub use load::{
    FileLoad, LoadedManifest, ManifestError, content_hash, is_manifest_file, load_folder, load_paths,
    manifest_files, parse_text,
};
pub use manifest::{API_VERSION, Document, Kind, Manifest, Metadata};
pub use placement::{
    MAX_PLACEMENT_CONSTRAINTS, MAX_PLACEMENT_STRATEGIES, PlacementConstraint, PlacementConstraintType,
    PlacementStrategy, PlacementStrategyType, validate_placement_constraints, validate_placement_strategy,
    validate_task_definition_constraints,
};
pub use restarts::{RestartCause, RestartCounts};
pub use scheduled_task::{
    ConcurrencyPolicy, DEFAULT_RUNS_HISTORY_LIMIT, MAX_DESCRIPTION_LEN, MAX_RUNS_HISTORY_LIMIT,
    ScheduleState, ScheduledTaskSpec, target_problems, validate_scheduled_task,
};
pub use service::{
    AssignPublicIp, AvailabilityZoneRebalancing, AwsVpcConfiguration, CircuitBreaker,
    DeploymentConfiguration, DeploymentController, DeploymentControllerType, MAX_SERVICE_LOAD_BALANCERS,
    NetworkConfiguration, SchedulingStrategy, ServiceLoadBalancer, ServiceSpec, TaskDefinitionRef,
    validate_network_configuration, validate_service,
};
pub use suggest::{closest, edit_distance};
pub use task::{
    DesiredStatus, ELB_UNHEALTHY_STOP_REASON, HEALTHY_DEADLINE_STOP_REASON, HealthProbe, HealthStatus,
    NetworkBinding, OOM_KILLED_REASON, StopCode, TaskState, UNHEALTHY_STOP_REASON, is_health_failure,
    new_task_id, now_millis,
};
pub use task_definition::{
    Compatibility, ContainerDefinition, ContainerDependency, CpuArchitecture, CpuUnits, DependencyCondition,
    Device, DevicePermission, DockerVolumeConfiguration, EnvironmentFile, EnvironmentFileType,
    EphemeralStorage, HealthCheck, HostEntry, HostVolume, IpcMode, KernelCapabilities, KeyValuePair,
    LinuxParameters, LogConfiguration, Mebibytes, MountPoint, NetworkMode, OsFamily, PidMode, PortMapping,
    Protocol, RuntimePlatform, SUPPORTED_LOG_DRIVERS, TaskDefinitionSpec, Tmpfs, Ulimit, Volume, VolumeFrom,
    VolumeScope, validate_task_definition,
};
pub use task_overrides::{
    ContainerOverride, MAX_OVERRIDES_BYTES, TaskOverride, apply_overrides, validate_overrides,
};
pub use unsupported::{NOT_SUPPORTED, NotSupported};
pub use validation::{FieldError, check_name, check_name_within};
