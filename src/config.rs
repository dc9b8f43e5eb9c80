//! Daemon configuration and the default locations of DESIGN.md §5.

use crate::controller::ControllerSettings;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything `ecsd serve` needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directory holding the sled database and the daemon id.
    pub state_dir: PathBuf,
    /// Unix socket of the native API.
    pub socket: PathBuf,
    /// Engine endpoint; None picks `$DOCKER_HOST`, the Docker socket, then Podman's.
    pub engine: Option<String>,
    /// Controller tunables.
    pub settings: ControllerSettings,
    /// Folders kept in sync (GitOps).
    pub watch: Vec<PathBuf>,
    /// How they are watched.
    pub watch_settings: crate::watch::WatchSettings,
    /// TCP address of the ECS-compatible endpoint, if it is served.
    pub listen: Option<SocketAddr>,
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// `$ECSD_STATE_DIR`, else `/var/lib/ecsd` as root, else `$XDG_STATE_HOME/ecsd`.
pub fn default_state_dir() -> PathBuf {
    if let Some(dir) = env_path("ECSD_STATE_DIR") {
        return dir;
    }
    if is_root() {
        return PathBuf::from("/var/lib/ecsd");
    }
    let base = env_path("XDG_STATE_HOME")
        .or_else(|| env_path("HOME").map(|h| h.join(".local/state")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("ecsd")
}

/// `$ECSD_SOCKET`, else `/run/ecsd/ecsd.sock` as root, else `$XDG_RUNTIME_DIR/ecsd.sock`.
pub fn default_socket() -> PathBuf {
    if let Some(path) = env_path("ECSD_SOCKET") {
        return path;
    }
    if is_root() {
        return PathBuf::from("/run/ecsd/ecsd.sock");
    }
    env_path("XDG_RUNTIME_DIR")
        .unwrap_or_else(std::env::temp_dir)
        .join("ecsd.sock")
}
