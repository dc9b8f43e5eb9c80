//! HAProxy as the `lb` scenario's peer: Debian's `haproxy` run as a child process with a
//! generated config (HTTP mode, round robin over both backends, keep-alive on both sides,
//! no health checks), killed when dropped.

use crate::poll::wait_for;
use crate::wrk::INSTALL;
use anyhow::Context as _;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `haproxy -db` and its temp dir (config, stderr).
pub struct Haproxy {
    /// The frontend's address.
    pub addr: SocketAddr,
    child: Child,
    _dir: tempfile::TempDir,
}

/// The generated config: one frontend on `addr`, one backend with `targets`.
pub fn config(addr: SocketAddr, targets: &[SocketAddr]) -> String {
    let servers: String = targets
        .iter()
        .enumerate()
        .map(|(i, target)| format!("    server b{i} {target}\n"))
        .collect();
    // No `check` on the servers: no health-check traffic. `http-reuse always` lets every
    // request (also a new client connection's first one) use an idle pooled backend
    // connection, as ecsd's client pool does; HAProxy's default (`safe`) opens a backend
    // connection for each client connection's first request.
    format!(
        "global
    maxconn 4096
defaults
    mode http
    option http-keep-alive
    http-reuse always
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend bench
    bind {addr}
    default_backend backends
backend backends
    balance roundrobin
{servers}"
    )
}

impl Haproxy {
    /// Starts HAProxy on a free loopback port and waits until it accepts connections.
    pub async fn start(targets: &[SocketAddr]) -> anyhow::Result<Self> {
        let addr = free_loopback_port()?;
        let dir = tempfile::Builder::new().prefix("ecsd-bench-haproxy-").tempdir()?;
        let path = dir.path().join("haproxy.cfg");
        std::fs::write(&path, config(addr, targets))?;
        let stderr = std::fs::File::create(dir.path().join("stderr"))?;
        let child = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|err| match err.kind() {
                std::io::ErrorKind::NotFound => anyhow::anyhow!("haproxy is not installed; fix: {INSTALL}"),
                _ => anyhow::Error::new(err).context("starting haproxy"),
            })?;
        let mut haproxy = Self {
            addr,
            child,
            _dir: dir,
        };
        haproxy.wait_listening().await?;
        Ok(haproxy)
    }

    /// `HAProxy 2.6.12-1+deb12u3`, from `haproxy -v`.
    pub fn version() -> String {
        let out = Command::new("haproxy").arg("-v").output();
        let text = out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
        let words: Vec<String> = text
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .map(str::to_string)
            .collect();
        words.join(" ").replacen(" version", "", 1)
    }

    async fn wait_listening(&mut self) -> anyhow::Result<()> {
        let addr = self.addr;
        let child = &mut self.child;
        let log = self._dir.path().join("stderr");
        wait_for(
            "haproxy accepts connections",
            Duration::from_secs(10),
            Duration::from_millis(20),
            async || {
                if let Some(status) = child.try_wait()? {
                    let stderr = std::fs::read_to_string(&log).unwrap_or_default();
                    // The ALERT lines say why; the NOTICE lines before them only the version.
                    let alerts: Vec<&str> = stderr.lines().filter(|l| l.contains("ALERT")).collect();
                    anyhow::bail!("haproxy exited ({status}): {}", alerts.join(" | "));
                }
                Ok(tokio::net::TcpStream::connect(addr).await.ok().map(drop))
            },
        )
        .await
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port free right now (bound and released; another process could take it first,
/// which shows as a bind error).
fn free_loopback_port() -> anyhow::Result<SocketAddr> {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(socket.local_addr()?)
}
