//! Networking fields of a container: published ports and extra `/etc/hosts` entries.

use crate::model::unsupported::NotSupported;
use serde::{Deserialize, Serialize};

/// A published port (ECS `PortMapping`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PortMapping {
    /// Port inside the container.
    pub container_port: u16,
    /// Port on the host; absent or 0 means an ephemeral port chosen by the engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_port: Option<u16>,
    /// `tcp` (default) or `udp`.
    #[serde(default)]
    pub protocol: Protocol,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub name: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub app_protocol: NotSupported,
    /// ECS field not supported yet.
    #[serde(default, skip_serializing)]
    pub container_port_range: NotSupported,
}

impl PortMapping {
    /// The fixed host port, if the mapping asks for one (0 means ephemeral).
    pub fn fixed_host_port(&self) -> Option<u16> {
        self.host_port.filter(|p| *p != 0)
    }
}

/// Transport protocol of a port mapping.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TCP (default).
    #[default]
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// Lowercase name as Docker and ECS print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// ECS `HostEntry`: one extra line of the container's `/etc/hosts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostEntry {
    /// Host name.
    pub hostname: String,
    /// IPv4 or IPv6 address, or `host-gateway` for the host as seen from the container.
    pub ip_address: String,
}
