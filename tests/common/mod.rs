//! Black-box harness: runs the real `ecsd` binary against the real engine, each test with its
//! own state dir, socket and daemon id, and removes every container it owns on drop.

#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_ecsd");

/// Fails loudly, with the fix, when no engine answers.
pub fn require_engine() {
    let ok = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "no container engine answers: run `scripts/setup-engine` (or `scripts/test`, which does it) and retry"
    );
    let image = Command::new("docker")
        .args(["image", "inspect", "busybox:latest"])
        .output();
    assert!(
        image.is_ok_and(|o| o.status.success()),
        "the test image busybox:latest is missing: run `scripts/setup-engine`"
    );
}

pub struct Daemon {
    pub dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Daemon {
    pub fn start() -> Self {
        require_engine();
        let dir = tempfile::tempdir().expect("temp dir");
        let mut d = Self { dir, child: None };
        d.spawn();
        d
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
        let child = Command::new(BIN)
            .arg("--socket")
            .arg(self.socket())
            .args(["serve", "--stop-timeout", "3s", "--resync-interval", "5s"])
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
        docker_ids(&args)
    }

    /// Every container (any state) this daemon owns.
    pub fn all_containers(&self) -> Vec<String> {
        docker_ids(&[
            "ps",
            "-aq",
            "--no-trunc",
            "--filter",
            &format!("label=ecsd.owner={}", self.owner()),
        ])
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

    pub fn service(&self, name: &str) -> Value {
        self.json(&["get", "service", name])
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let owner = std::fs::read_to_string(self.state_dir().join("daemon-id")).unwrap_or_default();
        self.kill_hard();
        let owner = owner.trim();
        if owner.is_empty() {
            return;
        }
        let out = Command::new("docker")
            .args(["ps", "-aq", "--filter", &format!("label=ecsd.owner={owner}")])
            .output();
        if let Ok(out) = out {
            let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(str::to_string)
                .collect();
            if !ids.is_empty() {
                let _ = Command::new("docker").arg("rm").arg("-f").args(&ids).output();
            }
        }
    }
}

/// Sorted container ids printed by a `docker ps -q` invocation.
fn docker_ids(args: &[&str]) -> Vec<String> {
    let out = Command::new("docker").args(args).output().expect("docker ps");
    let mut ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    ids.sort();
    ids
}

/// Writes `text` to `name` in a fresh directory inside the daemon's temp dir.
pub fn manifest(d: &Daemon, name: &str, text: &str) -> PathBuf {
    let path = d.dir.path().join(name);
    std::fs::write(&path, text).expect("write manifest");
    path
}

/// A one-container task definition plus a service, both named `name`.
pub fn web_service(name: &str, image: &str, desired: u32) -> String {
    format!(
        r#"apiVersion: ecsd/v1
kind: TaskDefinition
metadata:
  name: {name}
spec:
  containerDefinitions:
    - name: web
      image: {image}
      command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
---
apiVersion: ecsd/v1
kind: Service
metadata:
  name: {name}
spec:
  taskDefinition: {name}
  desiredCount: {desired}
"#
    )
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
