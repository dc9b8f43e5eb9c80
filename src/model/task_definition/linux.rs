//! Linux-specific container options: ECS `LinuxParameters` and `ulimits`.

use serde::{Deserialize, Serialize};

/// ECS `LinuxParameters`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinuxParameters {
    /// Capabilities added to or dropped from the engine's default set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<KernelCapabilities>,
    /// Host devices exposed to the container.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<Device>,
    /// Run an init process as PID 1 that reaps zombies and forwards signals (`--init`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_process_enabled: Option<bool>,
    /// Size of `/dev/shm` in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_memory_size: Option<u32>,
    /// In-memory filesystems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tmpfs: Vec<Tmpfs>,
    /// Swap the container may use on top of its memory limit, MiB (0: none); needs a memory limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_swap: Option<u32>,
    /// Kernel swappiness 0–100; needs `maxSwap`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swappiness: Option<u32>,
}

/// ECS `KernelCapabilities`: names such as `NET_ADMIN` or `SYS_PTRACE`, or `ALL`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KernelCapabilities {
    /// Capabilities to add.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add: Vec<String>,
    /// Capabilities to drop.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drop: Vec<String>,
}

/// ECS `Tmpfs`: an in-memory filesystem.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tmpfs {
    /// Absolute mount path in the container.
    pub container_path: String,
    /// Maximum size in MiB.
    pub size: u32,
    /// Mount options such as `noexec`, `nosuid` or `mode=1777`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mount_options: Vec<String>,
}

/// ECS `Device`: a host device exposed to the container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Device {
    /// Absolute device path on the host.
    pub host_path: String,
    /// Path in the container (default: the host path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_path: Option<String>,
    /// Cgroup permissions (default: all three).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<DevicePermission>,
}

/// What a container may do with a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DevicePermission {
    /// Read.
    Read,
    /// Write.
    Write,
    /// Create device nodes.
    Mknod,
}

impl DevicePermission {
    /// The cgroup permission letter (`r`, `w`, `m`).
    pub fn letter(self) -> char {
        match self {
            DevicePermission::Read => 'r',
            DevicePermission::Write => 'w',
            DevicePermission::Mknod => 'm',
        }
    }
}

/// ECS `Ulimit`: a resource limit such as `nofile`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ulimit {
    /// Limit name, one of [`Ulimit::NAMES`].
    pub name: String,
    /// Soft limit.
    pub soft_limit: i64,
    /// Hard limit, at least the soft limit.
    pub hard_limit: i64,
}

impl Ulimit {
    /// The limit names ECS accepts.
    pub const NAMES: [&'static str; 15] = [
        "core",
        "cpu",
        "data",
        "fsize",
        "locks",
        "memlock",
        "msgqueue",
        "nice",
        "nofile",
        "nproc",
        "rss",
        "rtprio",
        "rttime",
        "sigpending",
        "stack",
    ];
}
