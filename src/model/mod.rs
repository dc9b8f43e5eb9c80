//! Manifests and their validation: the user-facing shape of Clusters, TaskDefinitions and Services.
//!
//! Everything here is pure: values in, values (or located errors) out.

mod cluster;
mod duration;
#[cfg(any(test, feature = "test-support"))]
pub mod fixtures;
pub mod limits;
mod load;
pub mod load_balancing;
mod manifest;
mod service;
mod task;
mod task_definition;
mod unsupported;
mod validation;

pub use cluster::{ClusterSpec, DEFAULT_CLUSTER};
pub use duration::Seconds;
pub use load::{
    FileLoad, LoadedManifest, ManifestError, content_hash, is_manifest_file, load_folder, load_paths,
    manifest_files, parse_text,
};
pub use manifest::{API_VERSION, Document, Kind, Manifest, Metadata};
pub use service::{
    CircuitBreaker, DeploymentConfiguration, MAX_SERVICE_LOAD_BALANCERS, SchedulingStrategy,
    ServiceLoadBalancer, ServiceSpec, TaskDefinitionRef, validate_service,
};
pub use task::{
    DesiredStatus, ELB_UNHEALTHY_STOP_REASON, HEALTHY_DEADLINE_STOP_REASON, HealthProbe, HealthStatus,
    NetworkBinding, StopCode, TaskState, UNHEALTHY_STOP_REASON, is_health_failure, new_task_id, now_millis,
};
pub use task_definition::{
    Compatibility, ContainerDefinition, ContainerDependency, CpuUnits, DependencyCondition, Device,
    DevicePermission, DockerVolumeConfiguration, EnvironmentFile, EnvironmentFileType, HealthCheck,
    HostEntry, HostVolume, IpcMode, KernelCapabilities, KeyValuePair, LinuxParameters, LogConfiguration,
    Mebibytes, MountPoint, NetworkMode, PidMode, PortMapping, Protocol, SUPPORTED_LOG_DRIVERS,
    TaskDefinitionSpec, Tmpfs, Ulimit, Volume, VolumeFrom, VolumeScope, validate_task_definition,
};
pub use unsupported::{NOT_SUPPORTED, NotSupported};
pub use validation::{FieldError, check_name};
