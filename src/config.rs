//! Daemon configuration and the default locations of DESIGN.md §5.

use crate::api::ArnScope;
use crate::api::ecs::Credentials;
use crate::controller::ControllerSettings;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    /// Region and account in the ECS endpoint's ARNs; signatures must be scoped to the region.
    pub ecs_scope: ArnScope,
    /// The key pair every ECS request must be signed with; `None` accepts any signature, and
    /// only on a loopback address.
    pub ecs_credentials: Option<Credentials>,
    /// How often the metrics collector samples every running container.
    pub metrics_interval: Duration,
    /// TCP address of the Prometheus endpoint (`GET /metrics`), if it is served.
    pub metrics_listen: Option<SocketAddr>,
}

/// Default of `--metrics-interval`: ECS Container Insights' own period is a minute, its
/// agent samples every 20 s; 15 s is Prometheus's default scrape interval.
pub const DEFAULT_METRICS_INTERVAL: Duration = Duration::from_secs(15);

/// A configuration value that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The secret access key file could not be read.
    #[error("secret access key file {path}: {source}")]
    ReadSecret {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The secret access key is empty.
    #[error("the secret access key in {0} is empty")]
    EmptySecret(String),
    /// Only one half of a key pair, or the secret twice, was given.
    #[error("{0}")]
    Credentials(&'static str),
    /// A duration flag is outside the range that makes sense for it.
    #[error("{flag} {value}: expected {min} to {max}{why}")]
    DurationOutOfRange {
        /// The flag, e.g. `--resync-interval`.
        flag: &'static str,
        /// The value given.
        value: String,
        /// Smallest accepted value.
        min: String,
        /// Largest accepted value.
        max: String,
        /// Why the lower bound is what it is (starts with `; `), or empty.
        why: &'static str,
    },
}

/// The range one duration flag of `ecsd serve` accepts.
struct DurationFlag {
    flag: &'static str,
    min: Duration,
    max: Duration,
    why: &'static str,
}

/// Reads one duration out of the controller settings.
type SettingReader = fn(&ControllerSettings) -> Duration;

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);

/// Every duration flag of `ecsd serve` that sets a controller setting, with its reader. Zero
/// is allowed only where it means something (kill at once, forget at once, healthy at once);
/// the maxima keep every deadline arithmetic far from overflow.
const DURATION_FLAGS: [(SettingReader, DurationFlag); 7] = [
    (
        |s| s.stop_timeout,
        DurationFlag {
            flag: "--stop-timeout",
            min: Duration::ZERO,
            max: HOUR,
            why: "",
        },
    ),
    (
        |s| s.resync_interval,
        DurationFlag {
            flag: "--resync-interval",
            min: Duration::from_secs(1),
            max: DAY,
            why: "; a shorter interval only burns CPU (engine events trigger reconciles at once)",
        },
    ),
    (
        |s| s.task_retention,
        DurationFlag {
            flag: "--task-retention",
            min: Duration::ZERO,
            max: Duration::from_secs(30 * 24 * 3600),
            why: "",
        },
    ),
    (
        |s| s.min_healthy_time,
        DurationFlag {
            flag: "--min-healthy-time",
            min: Duration::ZERO,
            max: HOUR,
            why: "",
        },
    ),
    (
        |s| s.task_healthy_deadline,
        DurationFlag {
            flag: "--task-healthy-deadline",
            min: Duration::from_secs(1),
            max: DAY,
            why: "; a zero deadline would fail every task",
        },
    ),
    (
        |s| s.progress_deadline,
        DurationFlag {
            flag: "--progress-deadline",
            min: Duration::from_secs(1),
            max: Duration::from_secs(7 * 24 * 3600),
            why: "; a zero deadline would fail every deployment",
        },
    ),
    (
        |s| s.instance_lost_grace,
        DurationFlag {
            flag: "--instance-lost-grace",
            min: Duration::from_secs(1),
            max: DAY,
            why: "; tasks of an engine that stops answering are replaced only after this",
        },
    ),
];

/// `--metrics-interval`, which is not a controller setting.
const METRICS_INTERVAL_FLAG: DurationFlag = DurationFlag {
    flag: "--metrics-interval",
    min: Duration::from_secs(1),
    max: HOUR,
    why: "; sampling more often only burns CPU (CPU rates need whole seconds between samples)",
};

/// Checks every duration of `settings` against the range of its `ecsd serve` flag.
pub fn check_durations(settings: &ControllerSettings) -> Result<(), ConfigError> {
    for (value, f) in &DURATION_FLAGS {
        check_range(f, value(settings))?;
    }
    Ok(())
}

/// Checks `--metrics-interval` against its range.
pub fn check_metrics_interval(value: Duration) -> Result<(), ConfigError> {
    check_range(&METRICS_INTERVAL_FLAG, value)
}

fn check_range(f: &DurationFlag, value: Duration) -> Result<(), ConfigError> {
    if value < f.min || value > f.max {
        return Err(ConfigError::DurationOutOfRange {
            flag: f.flag,
            value: humantime::format_duration(value).to_string(),
            min: humantime::format_duration(f.min).to_string(),
            max: humantime::format_duration(f.max).to_string(),
            why: f.why,
        });
    }
    Ok(())
}

/// The ECS endpoint's key pair from `--ecs-access-key-id` and the secret, which comes from a
/// file (`--ecs-secret-access-key-file`) or `$ECSD_ECS_SECRET_ACCESS_KEY`, never from the
/// command line (where `ps` shows it); `None` when neither half is given.
pub fn ecs_credentials(
    access_key_id: Option<String>,
    secret_file: Option<&Path>,
    secret_env: Option<String>,
) -> Result<Option<Credentials>, ConfigError> {
    let secret_env = secret_env.filter(|s| !s.is_empty());
    let secret = match (secret_file, secret_env) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::Credentials(
                "give the secret access key once: --ecs-secret-access-key-file or \
                 ECSD_ECS_SECRET_ACCESS_KEY, not both",
            ));
        }
        (Some(path), None) => Some(read_secret(path)?),
        (None, env) => env,
    };
    match (access_key_id.filter(|id| !id.is_empty()), secret) {
        (None, None) => Ok(None),
        (Some(id), Some(secret)) => Ok(Some(Credentials::new(id, secret))),
        (Some(_), None) => Err(ConfigError::Credentials(
            "--ecs-access-key-id needs its secret: --ecs-secret-access-key-file FILE or \
             ECSD_ECS_SECRET_ACCESS_KEY",
        )),
        (None, Some(_)) => Err(ConfigError::Credentials(
            "a secret access key needs --ecs-access-key-id (or ECSD_ECS_ACCESS_KEY_ID)",
        )),
    }
}

/// The secret in `path`, without surrounding whitespace (editors add a final newline).
fn read_secret(path: &Path) -> Result<String, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::ReadSecret {
        path: shown.clone(),
        source,
    })?;
    let secret = text.trim();
    if secret.is_empty() {
        return Err(ConfigError::EmptySecret(shown));
    }
    Ok(secret.to_string())
}

/// A region name as AWS spells them (`us-east-1`): lowercase letters, digits and hyphens.
pub fn parse_region(text: &str) -> Result<String, String> {
    let ok = !text.is_empty()
        && !text.starts_with('-')
        && !text.ends_with('-')
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(text.to_string())
    } else {
        Err(format!(
            "a region is lowercase letters, digits and hyphens (like us-east-1), got {text:?}"
        ))
    }
}

/// An AWS account id: exactly 12 digits.
pub fn parse_account_id(text: &str) -> Result<String, String> {
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_string())
    } else {
        Err(format!(
            "an account id is 12 digits (like 123456789012), got {text:?}"
        ))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_id_and_no_secret_means_no_credentials() {
        assert!(ecs_credentials(None, None, None).unwrap().is_none());
        assert!(
            ecs_credentials(Some(String::new()), None, Some(String::new()))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn the_secret_comes_from_a_file_without_its_final_newline_or_from_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        std::fs::write(&file, "s3cret\n").unwrap();
        let from_file = ecs_credentials(Some("AKID".into()), Some(&file), None).unwrap();
        assert_eq!(from_file, Some(Credentials::new("AKID", "s3cret")));
        let from_env = ecs_credentials(Some("AKID".into()), None, Some("s3cret".into())).unwrap();
        assert_eq!(from_env, from_file);
    }

    #[test]
    fn half_a_key_pair_a_secret_given_twice_or_an_empty_or_missing_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "\n").unwrap();
        let missing = dir.path().join("missing");
        let err = |id: Option<&str>, file: Option<&Path>, env: Option<&str>| {
            ecs_credentials(id.map(String::from), file, env.map(String::from))
                .unwrap_err()
                .to_string()
        };
        assert!(err(Some("AKID"), None, None).contains("--ecs-secret-access-key-file"));
        assert!(err(None, None, Some("s")).contains("--ecs-access-key-id"));
        assert!(err(Some("AKID"), Some(&empty), Some("s")).contains("not both"));
        assert!(err(Some("AKID"), Some(&empty), None).contains("empty"));
        assert!(err(Some("AKID"), Some(&missing), None).contains("missing"));
    }

    #[test]
    fn the_metrics_interval_is_a_second_to_an_hour() {
        assert!(check_metrics_interval(DEFAULT_METRICS_INTERVAL).is_ok());
        let err = check_metrics_interval(Duration::from_millis(500))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("--metrics-interval 500ms: expected 1s to 1h"),
            "{err}"
        );
        assert!(check_metrics_interval(Duration::from_secs(7200)).is_err());
    }

    #[test]
    fn the_default_durations_are_accepted() {
        assert!(check_durations(&ControllerSettings::default()).is_ok());
    }

    #[test]
    fn a_zero_or_sub_second_resync_interval_is_refused_naming_the_flag() {
        for bad in [
            Duration::ZERO,
            Duration::from_nanos(1),
            Duration::from_millis(999),
        ] {
            let settings = ControllerSettings {
                resync_interval: bad,
                ..Default::default()
            };
            let err = check_durations(&settings).unwrap_err().to_string();
            assert!(err.starts_with("--resync-interval "), "{err}");
            assert!(err.contains("expected 1s to 1day"), "{err}");
            assert!(!err.contains('\n'), "{err}");
        }
        let one_second = ControllerSettings {
            resync_interval: Duration::from_secs(1),
            ..Default::default()
        };
        assert!(check_durations(&one_second).is_ok());
    }

    #[test]
    fn zero_is_accepted_only_where_it_means_something_and_huge_values_never() {
        let zero = ControllerSettings {
            stop_timeout: Duration::ZERO,
            task_retention: Duration::ZERO,
            min_healthy_time: Duration::ZERO,
            ..Default::default()
        };
        assert!(check_durations(&zero).is_ok());
        let refused = |settings: ControllerSettings| check_durations(&settings).unwrap_err().to_string();
        let no_deadline = ControllerSettings {
            task_healthy_deadline: Duration::ZERO,
            ..Default::default()
        };
        assert!(refused(no_deadline).starts_with("--task-healthy-deadline 0s"));
        let no_progress = ControllerSettings {
            progress_deadline: Duration::ZERO,
            ..Default::default()
        };
        assert!(refused(no_progress).starts_with("--progress-deadline"));
        let forever = ControllerSettings {
            stop_timeout: Duration::MAX,
            ..Default::default()
        };
        assert!(refused(forever).starts_with("--stop-timeout"));
    }

    #[test]
    fn regions_and_account_ids_must_look_like_aws_ones() {
        assert_eq!(parse_region("eu-west-1").unwrap(), "eu-west-1");
        for bad in ["", "EU-WEST-1", "eu west", "-eu", "eu-"] {
            assert!(parse_region(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_account_id("123456789012").unwrap(), "123456789012");
        for bad in ["", "12345678901", "1234567890123", "12345678901a"] {
            assert!(parse_account_id(bad).is_err(), "{bad:?}");
        }
    }
}

/// A listen address: `IP:PORT`, `[IPv6]:PORT` or `HOST:PORT` with a host name that resolves
/// (`localhost:4566`), taking its first address (IPv4 first, as `docker run -p` does).
pub fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err(format!("expected HOST:PORT (e.g. 127.0.0.1:4566), got {text:?}"));
    };
    let port: u16 = port
        .parse()
        .map_err(|_| format!("expected a port from 0 to 65535 after the colon, got {port:?}"))?;
    let mut addrs: Vec<SocketAddr> = std::net::ToSocketAddrs::to_socket_addrs(&(host, port))
        .map_err(|e| format!("cannot resolve {host:?}: {e}"))?
        .collect();
    addrs.sort_by_key(SocketAddr::is_ipv6);
    addrs
        .into_iter()
        .next()
        .ok_or_else(|| format!("{host:?} resolves to no address"))
}

#[cfg(test)]
mod listen_tests {
    use super::parse_listen;

    #[test]
    fn a_listen_address_may_name_a_host_that_resolves() {
        assert_eq!(
            parse_listen("127.0.0.1:4566").unwrap().to_string(),
            "127.0.0.1:4566"
        );
        assert_eq!(parse_listen("[::1]:80").unwrap().to_string(), "[::1]:80");
        let local = parse_listen("localhost:4566").unwrap();
        assert!(local.ip().is_loopback() && local.port() == 4566, "{local}");
        assert!(parse_listen("localhost").unwrap_err().contains("HOST:PORT"));
        assert!(parse_listen("localhost:http").unwrap_err().contains("port"));
    }
}
