//! `ContainerInstance`: one more container engine in a cluster (agentless: the daemon talks to
//! its API), with where its published ports are reached and the attributes placement reads.

use super::validation::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The attribute naming an instance's availability zone (ECS's own; the one `ecs.` attribute
/// a manifest may set, since nothing else knows a homelab's racks).
pub const AVAILABILITY_ZONE_ATTRIBUTE: &str = "ecs.availability-zone";
/// The most custom attributes one instance carries (ECS's limit).
pub const MAX_INSTANCE_ATTRIBUTES: usize = 10;

/// Client certificate and CA for an engine reached over tcp (Docker's `--tlsverify`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EngineTls {
    /// CA that signed the engine's server certificate (PEM).
    pub ca_file: String,
    /// Client certificate the engine trusts (PEM).
    pub cert_file: String,
    /// Its private key (PEM).
    pub key_file: String,
}

/// The `spec` of a `ContainerInstance` manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerInstanceSpec {
    /// `unix:///path/to/engine.sock` or `tcp://HOST:PORT` (with `tls`).
    pub engine: String,
    /// Mutual TLS for a tcp engine (required there: a plain tcp engine API is root for anyone
    /// who reaches it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<EngineTls>,
    /// Where the instance's published ports are reached (load balancer targets); default the
    /// tcp engine's host, or 127.0.0.1 for a unix socket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Custom attributes for `memberOf` and `spread` (`ecs.availability-zone` among them).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

/// How the daemon reaches an engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineEndpoint {
    /// A local socket.
    Unix(String),
    /// A remote engine over tcp with mutual TLS.
    Tcp {
        /// Host name or address.
        host: String,
        /// Port.
        port: u16,
        /// Certificates.
        tls: EngineTls,
    },
}

impl EngineEndpoint {
    /// The URL as the daemon logs it.
    pub fn url(&self) -> String {
        match self {
            EngineEndpoint::Unix(path) => format!("unix://{path}"),
            EngineEndpoint::Tcp { host, port, .. } => format!("tcp://{host}:{port}"),
        }
    }
}

impl ContainerInstanceSpec {
    /// How to reach the engine, or what is wrong with `engine`/`tls`.
    pub fn endpoint(&self) -> Result<EngineEndpoint, FieldError> {
        let engine = self.engine.trim();
        let bad = |why: String| FieldError::new("spec.engine", why);
        if let Some(path) = engine.strip_prefix("unix://") {
            if !path.starts_with('/') || path.len() > 4096 {
                return Err(bad(format!(
                    "expected unix:///absolute/path/to/engine.sock, got {engine:?}"
                )));
            }
            if self.tls.is_some() {
                return Err(FieldError::new(
                    "spec.tls",
                    "only a tcp:// engine uses tls; a unix socket is reached without it",
                ));
            }
            return Ok(EngineEndpoint::Unix(path.to_string()));
        }
        if let Some(rest) = engine.strip_prefix("tcp://") {
            let rest = rest.trim_end_matches('/');
            let (host, port) = rest
                .rsplit_once(':')
                .ok_or_else(|| bad(format!("expected tcp://HOST:PORT, got {engine:?}")))?;
            let port: u16 = port
                .parse()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| bad(format!("expected a port 1-65535 in {engine:?}")))?;
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if host.is_empty() || host.len() > 253 || host.contains(['/', '@', ' ']) {
                return Err(bad(format!("expected tcp://HOST:PORT, got {engine:?}")));
            }
            let Some(tls) = self.tls.clone() else {
                return Err(FieldError::new(
                    "spec.tls",
                    "a tcp:// engine needs tls {caFile, certFile, keyFile}: the engine API without \
                     mutual TLS gives root on that host to anyone who reaches the port",
                ));
            };
            for (field, path) in [
                ("caFile", &tls.ca_file),
                ("certFile", &tls.cert_file),
                ("keyFile", &tls.key_file),
            ] {
                if path.trim().is_empty() || path.len() > 4096 {
                    return Err(FieldError::new(
                        format!("spec.tls.{field}"),
                        "expected the path of a PEM file",
                    ));
                }
            }
            return Ok(EngineEndpoint::Tcp {
                host: host.to_string(),
                port,
                tls,
            });
        }
        if engine.starts_with("ssh://") {
            return Err(bad(
                "ssh:// is not supported yet by ecsd: reach the engine over tcp:// with mutual TLS, \
                 or forward its socket (ssh -L /run/remote.sock:/var/run/docker.sock HOST) and use unix://"
                    .into(),
            ));
        }
        Err(bad(format!(
            "expected unix:///path/to/engine.sock or tcp://HOST:PORT, got {engine:?}"
        )))
    }

    /// Where the instance's published ports are reached.
    pub fn address(&self) -> String {
        if let Some(address) = &self.address {
            return address.clone();
        }
        match self.endpoint() {
            Ok(EngineEndpoint::Tcp { host, .. }) => host,
            _ => "127.0.0.1".to_string(),
        }
    }
}

/// Why an attribute may not be set as given (ECS's character rules).
pub fn check_attribute(name: &str, value: Option<&str>) -> Result<(), String> {
    let name_ok = |c: char| c.is_ascii_alphanumeric() || "-_.@/:".contains(c);
    let value_ok = |c: char| c.is_ascii_alphanumeric() || "-_.@/\\: ".contains(c);
    if name.is_empty() || name.len() > 128 || !name.chars().all(name_ok) {
        return Err(format!(
            "attribute name {name:?}: 1 to 128 letters, digits, hyphens, underscores, periods, at signs, slashes or colons"
        ));
    }
    let value = value.unwrap_or_default();
    if value.len() > 128 || !value.chars().all(value_ok) || value.trim() != value {
        return Err(format!(
            "attribute {name} value {value:?}: up to 128 letters, digits, hyphens, underscores, periods, at signs, slashes, colons or inner spaces"
        ));
    }
    Ok(())
}

/// Whether an attribute name belongs to ECS's own.
pub fn is_built_in_attribute(name: &str) -> bool {
    name.starts_with("ecs.") || name.starts_with("com.amazonaws.ecs.") || name.starts_with("ecsd.")
}

/// Every problem in a `ContainerInstance` spec.
pub fn validate_container_instance(spec: &ContainerInstanceSpec) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Err(e) = spec.endpoint() {
        errors.push(e);
    }
    if let Some(address) = &spec.address {
        let host_ok = |c: char| c.is_ascii_alphanumeric() || "-.:".contains(c);
        if address.is_empty() || address.len() > 253 || !address.chars().all(host_ok) {
            errors.push(FieldError::new(
                "spec.address",
                format!("expected an IP address or host name, got {address:?}"),
            ));
        }
    }
    if spec.attributes.len() > MAX_INSTANCE_ATTRIBUTES {
        errors.push(FieldError::new(
            "spec.attributes",
            format!(
                "at most {MAX_INSTANCE_ATTRIBUTES} custom attributes, got {}",
                spec.attributes.len()
            ),
        ));
    }
    for (name, value) in &spec.attributes {
        let path = format!("spec.attributes.{name}");
        if let Err(why) = check_attribute(name, Some(value)) {
            errors.push(FieldError::new(path, why));
        } else if is_built_in_attribute(name) && name != AVAILABILITY_ZONE_ATTRIBUTE {
            errors.push(FieldError::new(
                path,
                format!(
                    "the ecs., com.amazonaws.ecs. and ecsd. prefixes are reserved for built-in attributes \
                     (of those, only {AVAILABILITY_ZONE_ATTRIBUTE} may be set)"
                ),
            ));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(engine: &str) -> ContainerInstanceSpec {
        ContainerInstanceSpec {
            engine: engine.into(),
            ..Default::default()
        }
    }

    fn tls() -> EngineTls {
        EngineTls {
            ca_file: "/certs/ca.pem".into(),
            cert_file: "/certs/cert.pem".into(),
            key_file: "/certs/key.pem".into(),
        }
    }

    #[test]
    fn a_unix_socket_needs_an_absolute_path_and_no_tls() {
        assert_eq!(
            spec("unix:///run/podman/podman.sock").endpoint(),
            Ok(EngineEndpoint::Unix("/run/podman/podman.sock".into()))
        );
        assert!(spec("unix://run/x.sock").endpoint().is_err());
        let with_tls = ContainerInstanceSpec {
            tls: Some(tls()),
            ..spec("unix:///run/x.sock")
        };
        assert_eq!(with_tls.endpoint().unwrap_err().path, "spec.tls");
    }

    #[test]
    fn a_tcp_engine_needs_a_port_and_mutual_tls() {
        let plain = spec("tcp://10.0.0.2:2376");
        let e = plain.endpoint().unwrap_err();
        assert_eq!(e.path, "spec.tls");
        assert!(e.message.contains("caFile"), "{e}");
        let secured = ContainerInstanceSpec {
            tls: Some(tls()),
            ..plain
        };
        assert_eq!(
            secured.endpoint(),
            Ok(EngineEndpoint::Tcp {
                host: "10.0.0.2".into(),
                port: 2376,
                tls: tls()
            })
        );
        assert_eq!(secured.address(), "10.0.0.2");
        for bad in ["tcp://host", "tcp://host:0", "tcp://:2376", "tcp://host:99999"] {
            let s = ContainerInstanceSpec {
                tls: Some(tls()),
                ..spec(bad)
            };
            assert_eq!(s.endpoint().unwrap_err().path, "spec.engine", "{bad}");
        }
    }

    #[test]
    fn ssh_is_refused_by_name_with_the_way_around_it() {
        let e = spec("ssh://me@host").endpoint().unwrap_err();
        assert!(e.message.contains("not supported yet"), "{e}");
        assert!(e.message.contains("ssh -L"), "{e}");
        assert!(spec("http://host:2375").endpoint().is_err());
    }

    #[test]
    fn attributes_follow_ecs_rules_and_only_the_zone_is_settable_among_built_ins() {
        let mut s = spec("unix:///run/x.sock");
        s.attributes
            .insert(AVAILABILITY_ZONE_ATTRIBUTE.into(), "rack-b".into());
        s.attributes.insert("disk".into(), "ssd".into());
        assert!(validate_container_instance(&s).is_empty());
        s.attributes.insert("ecs.os-type".into(), "windows".into());
        s.attributes.insert("ecsd.engine".into(), "podman".into());
        s.attributes.insert("bad name".into(), "x".into());
        let paths: Vec<String> = validate_container_instance(&s)
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(
            paths,
            [
                "spec.attributes.bad name",
                "spec.attributes.ecs.os-type",
                "spec.attributes.ecsd.engine"
            ]
        );
        let many = ContainerInstanceSpec {
            attributes: (0..11).map(|i| (format!("a{i}"), "v".to_string())).collect(),
            ..spec("unix:///run/x.sock")
        };
        assert_eq!(validate_container_instance(&many)[0].path, "spec.attributes");
    }

    #[test]
    fn the_address_defaults_to_loopback_for_a_socket() {
        assert_eq!(spec("unix:///run/x.sock").address(), "127.0.0.1");
        let s = ContainerInstanceSpec {
            address: Some("bad address!".into()),
            ..spec("unix:///run/x.sock")
        };
        assert_eq!(validate_container_instance(&s)[0].path, "spec.address");
    }
}
