//! Black-box harness: runs the real `ecsd` binary against a real engine (Docker and Podman),
//! each test with its own state dir, socket and daemon id; on drop it removes every container,
//! volume and network that daemon owns.

#![allow(dead_code)] // each test crate uses part of the harness
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

pub mod aws;

use ecsd::model::fixtures::{Manifests, replica_service, shell_container, with_containers};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_ecsd");

/// The engines every integration test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Docker,
    Podman,
}

impl Engine {
    pub fn endpoint(self) -> &'static str {
        match self {
            Engine::Docker => "unix:///var/run/docker.sock",
            Engine::Podman => "unix:///run/podman/podman.sock",
        }
    }

    /// The docker CLI pointed at this engine (Podman's socket speaks the same API).
    pub fn docker(self) -> Command {
        let mut cmd = Command::new("docker");
        cmd.env("DOCKER_HOST", self.endpoint());
        cmd
    }
}

/// Generates one test per engine: `docker::name` and `podman::name`.
#[macro_export]
macro_rules! on_both_engines {
    ($(fn $name:ident($d:ident) $body:block)*) => {
        mod docker {
            #[allow(unused_imports)]
            use super::*;
            $(#[test] fn $name() {
                let $d = &mut $crate::common::Daemon::start($crate::common::Engine::Docker);
                $body
            })*
        }
        mod podman {
            #[allow(unused_imports)]
            use super::*;
            $(#[test] fn $name() {
                let $d = &mut $crate::common::Daemon::start($crate::common::Engine::Podman);
                $body
            })*
        }
    };
}

/// Fails loudly, with the fix, when the engine does not answer or lacks the test image.
pub fn require_engine(engine: Engine) {
    let ok = engine
        .docker()
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "{engine:?} does not answer at {}: run `scripts/setup-engine` (or `scripts/test`, which does it)",
        engine.endpoint()
    );
    let image = engine
        .docker()
        .args(["image", "inspect", "busybox:latest"])
        .output();
    assert!(
        image.is_ok_and(|o| o.status.success()),
        "the test image busybox:latest is missing on {engine:?}: run `scripts/setup-engine`"
    );
}

/// Sorted ids printed by a `docker … -q` invocation.
fn ids(engine: Engine, args: &[&str]) -> Vec<String> {
    let out = engine.docker().args(args).output().expect("docker cli");
    let mut ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    ids.sort();
    ids
}

pub struct Daemon {
    pub dir: tempfile::TempDir,
    pub engine: Engine,
    /// Extra `serve` flags (e.g. `--watch DIR`).
    pub serve_args: Vec<String>,
    child: Option<Child>,
}

impl Daemon {
    pub fn start(engine: Engine) -> Self {
        require_engine(engine);
        let dir = tempfile::tempdir().expect("temp dir");
        let mut d = Self {
            dir,
            engine,
            serve_args: Vec::new(),
            child: None,
        };
        d.spawn();
        d
    }

    /// A started daemon with extra `serve` flags (e.g. `--listen 127.0.0.1:PORT`).
    pub fn with_args(engine: Engine, args: &[&str]) -> Self {
        require_engine(engine);
        let mut d = Self {
            dir: tempfile::tempdir().expect("temp dir"),
            engine,
            serve_args: args.iter().map(|a| a.to_string()).collect(),
            child: None,
        };
        d.spawn();
        d
    }

    /// A daemon watching `<its temp dir>/deploy` (created empty), not started yet when
    /// `start_now` is false (to test changes made while it is down).
    pub fn watching(engine: Engine, start_now: bool) -> Self {
        require_engine(engine);
        let dir = tempfile::tempdir().expect("temp dir");
        let deploy = dir.path().join("deploy");
        std::fs::create_dir_all(&deploy).expect("deploy dir");
        let mut d = Self {
            dir,
            engine,
            serve_args: vec!["--watch".into(), deploy.display().to_string()],
            child: None,
        };
        if start_now {
            d.spawn();
        }
        d
    }

    /// The watched folder of a `watching` daemon.
    pub fn deploy_dir(&self) -> PathBuf {
        self.dir.path().join("deploy")
    }

    /// The docker CLI pointed at this daemon's engine.
    pub fn docker(&self) -> Command {
        self.engine.docker()
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("ecsd.sock")
    }

    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// The daemon id, i.e. the `ecsd.owner` label of its containers.
    pub fn owner(&self) -> String {
        std::fs::read_to_string(self.state_dir().join("daemon-id"))
            .expect("daemon id")
            .trim()
            .to_string()
    }

    pub fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("daemon.log"))
            .expect("log file");
        // A short resync unless the test sets its own (e.g. to see that events alone suffice).
        let resync: &[&str] = if self.serve_args.iter().any(|a| a == "--resync-interval") {
            &[]
        } else {
            &["--resync-interval", "5s"]
        };
        let child = Command::new(BIN)
            .arg("--socket")
            .arg(self.socket())
            .args(["serve", "--stop-timeout", "3s"])
            .args(resync)
            .args(["--engine", self.engine.endpoint()])
            .args(&self.serve_args)
            .arg("--state-dir")
            .arg(self.state_dir())
            .env("ECSD_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start ecsd serve");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.ecsd(&["get", "clusters"]).status.success() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("ecsd did not come up; log:\n{}", self.log());
    }

    /// `kill -9`: no shutdown code runs.
    /// Restarts this daemon (same state and socket) with these extra `serve` flags.
    pub fn restart_with(&mut self, args: &[&str]) {
        self.kill_hard();
        self.serve_args = args.iter().map(|a| a.to_string()).collect();
        self.spawn();
    }

    /// Stops the daemon as a service manager would: SIGTERM, then SIGKILL after 2 s. Its
    /// in-flight engine calls finish first, so no container it was creating appears after
    /// the clean-up has listed what to remove.
    pub fn terminate(&mut self) {
        self.terminate_within(Duration::from_secs(2));
    }

    /// Sends SIGTERM and waits up to `limit` for the daemon to exit: how long it took, or
    /// `None` when it had to be killed (or was not running).
    pub fn terminate_within(&mut self, limit: Duration) -> Option<Duration> {
        let mut child = self.child.take()?;
        let sent = Instant::now();
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .output();
        while sent.elapsed() < limit {
            if let Ok(Some(_)) = child.try_wait() {
                return Some(sent.elapsed());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }

    pub fn kill_hard(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("daemon.log")).unwrap_or_default()
    }

    pub fn ecsd(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .arg("--socket")
            .arg(self.socket())
            .args(args)
            .output()
            .expect("run ecsd")
    }

    /// Runs a CLI verb; its exit code and stdout, whatever the code.
    pub fn exit_and_stdout(&self, args: &[&str]) -> (i32, String) {
        let out = self.ecsd(args);
        let code = out.status.code().expect("exited");
        (code, String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs a CLI verb that must succeed; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.ecsd(args);
        assert!(
            out.status.success(),
            "ecsd {args:?} failed: {}\n--- daemon log ---\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        serde_json::from_str(&self.ok(&all)).expect("json output")
    }

    pub fn apply(&self, path: &Path) -> String {
        self.ok(&["apply", "-f", path.to_str().expect("utf-8 path")])
    }

    /// Running containers this daemon owns, optionally narrowed by one more `docker ps` filter.
    pub fn containers(&self, extra_filter: Option<&str>) -> Vec<String> {
        let owner = format!("label=ecsd.owner={}", self.owner());
        let mut args = vec!["ps", "-q", "--no-trunc", "--filter", owner.as_str()];
        if let Some(f) = extra_filter {
            args.extend(["--filter", f]);
        }
        ids(self.engine, &args)
    }

    /// Every container (any state) this daemon owns.
    pub fn all_containers(&self) -> Vec<String> {
        let owner = format!("label=ecsd.owner={}", self.owner());
        ids(self.engine, &["ps", "-aq", "--no-trunc", "--filter", &owner])
    }

    /// Waits for `cond`, failing with the daemon log after `secs`.
    pub fn wait_until(&self, what: &str, secs: u64, cond: impl Fn(&Self) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if cond(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "timed out waiting until {what}\n--- daemon log ---\n{}",
            self.log()
        );
    }

    /// The port of the ECS endpoint of a daemon started with `--listen HOST:0`, as the daemon
    /// reports it in its state dir once bound (before its socket answers).
    pub fn ecs_port(&self) -> u16 {
        let file = self.state_dir().join(ecsd::app::ECS_ENDPOINT_FILE);
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{}: {e}\n--- daemon log ---\n{}", file.display(), self.log()));
        let addr: std::net::SocketAddr = text.trim().parse().expect("HOST:PORT");
        addr.port()
    }

    pub fn service(&self, name: &str) -> Value {
        self.json(&["get", "service", name])
    }

    pub fn task(&self, id: &str) -> Value {
        self.json(&["get", "task", id])
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let owner = std::fs::read_to_string(self.state_dir().join("daemon-id")).unwrap_or_default();
        self.terminate();
        let owner = owner.trim();
        if owner.is_empty() {
            return;
        }
        let label = format!("label=ecsd.owner={owner}");
        let containers = ids(self.engine, &["ps", "-aq", "--filter", &label]);
        if !containers.is_empty() {
            let _ = self.docker().args(["rm", "-f"]).args(&containers).output();
        }
        for kind in ["volume", "network"] {
            let names = ids(self.engine, &[kind, "ls", "-q", "--filter", &label]);
            if !names.is_empty() {
                let _ = self.docker().args([kind, "rm"]).args(&names).output();
            }
        }
    }
}

/// Writes `text` to `name` inside the daemon's temp dir.
pub fn manifest(d: &Daemon, name: &str, text: &str) -> PathBuf {
    let path = d.dir.path().join(name);
    std::fs::write(&path, text).expect("write manifest");
    path
}

/// A one-container task definition plus a service, both named `name`: `desired` copies of a
/// container `web` that runs until SIGTERM.
pub fn web_service(name: &str, image: &str, desired: u32) -> String {
    let web = shell_container("web", image, UNTIL_SIGTERM);
    Manifests::new()
        .task_definition(name, with_containers(vec![web]))
        .service(name, replica_service(name, desired))
        .yaml()
}

/// A task definition `family` whose one container, `main`, runs `script` with `sh -c`.
pub fn shell_task_definition(family: &str, script: &str) -> String {
    let main = shell_container("main", "busybox:latest", script);
    Manifests::new()
        .task_definition(family, with_containers(vec![main]))
        .yaml()
}

/// A shell loop that runs until SIGTERM and then exits 0 at once.
pub const UNTIL_SIGTERM: &str = "trap 'exit 0' TERM; while true; do sleep 1; done";

/// The ports `manifest_port` hands out: below the kernel's ephemeral range (32768 and up), so
/// neither a port-0 bind nor an engine's dynamic host port lands on one.
const MANIFEST_PORTS: std::ops::Range<u16> = 20_000..24_000;

/// A TCP port for a manifest to declare (a load balancer listener, a fixed host port).
///
/// The daemon's own listeners bind port 0 and report the address (`Daemon::ecs_port`), but a
/// port written in a manifest must be known before the daemon sees it, so it cannot be 0.
/// Probing with a bind and releasing races with every other test process doing the same, so
/// each port is claimed with an exclusive lock on `$TMPDIR/ecsd-test-ports/PORT.lock`, held
/// until this process exits (the kernel drops it even on a crash), and a port something else
/// is bound to is skipped. Each process starts at a different place in the range, so claims
/// rarely meet.
pub fn manifest_port() -> u16 {
    static CLAIMED: std::sync::Mutex<Vec<std::fs::File>> = std::sync::Mutex::new(Vec::new());
    let dir = std::env::temp_dir().join("ecsd-test-ports");
    std::fs::create_dir_all(&dir).expect("port lock dir");
    let span = MANIFEST_PORTS.end - MANIFEST_PORTS.start;
    let first = (std::process::id() % u32::from(span)) as u16;
    for offset in 0..span {
        let port = MANIFEST_PORTS.start + (first + offset) % span;
        let lock = std::fs::File::create(dir.join(format!("{port}.lock"))).expect("port lock file");
        if lock.try_lock().is_err() || std::net::TcpListener::bind(("0.0.0.0", port)).is_err() {
            continue;
        }
        CLAIMED.lock().expect("claimed ports").push(lock);
        return port;
    }
    panic!("no free port left in {MANIFEST_PORTS:?}");
}

/// POSTs `input` to the ECS operation `op` on `port`; returns the status code and JSON body.
pub fn ecs_call(port: u16, op: &str, input: &Value) -> (u16, Value) {
    use std::io::{Read, Write};
    let body = input.to_string();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let request = format!(
        "POST / HTTP/1.0\r\nHost: 127.0.0.1\r\nX-Amz-Target: AmazonEC2ContainerServiceV20141113.{op}\r\n\
         Content-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("receive");
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    (status, serde_json::from_str(body).expect("a JSON body"))
}

/// Fetches `http://127.0.0.1:port/` with a bare HTTP/1.0 request.
pub fn http_get(port: u16) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    stream.write_all(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n").ok()?;
    let mut body = String::new();
    stream.read_to_string(&mut body).ok()?;
    Some(body)
}
