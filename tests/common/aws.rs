//! The real `aws` CLI (awscli from PyPI, in `target/aws-venv`, installed by
//! `scripts/setup-aws`) pointed at a test daemon's endpoint, for one service (`ecs` or
//! `events`), isolated from the host's AWS configuration.

use super::{Daemon, Engine};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// AWS settings of the host that must not leak into the CLI under test.
const HOST_AWS_VARS: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_ECS",
    "AWS_ENDPOINT_URL_EVENTS",
    "AWS_CA_BUNDLE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
];

fn venv() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/aws-venv")
}

/// The venv's aws CLI, or a loud failure naming the script that installs it.
fn aws_binary() -> PathBuf {
    let aws = venv().join("bin/aws");
    let ok = Command::new(&aws)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "the aws CLI is not installed at {}: run `scripts/setup-aws` (or `scripts/test`, which does it)",
        aws.display()
    );
    aws
}

/// Writes botocore's own ECS waiters with a 1 s delay (instead of 6 s and 15 s) under
/// `data/ecs/…`, for `AWS_DATA_PATH`: the CLI's real waiters and acceptors, polled faster.
fn write_fast_waiters(data: &Path) {
    let lib = venv().join("lib");
    let installed = std::fs::read_dir(&lib)
        .unwrap_or_else(|e| panic!("{}: {e}: run `scripts/setup-aws`", lib.display()))
        .filter_map(Result::ok)
        .map(|python| {
            python
                .path()
                .join("site-packages/botocore/data/ecs/2014-11-13/waiters-2.json")
        })
        .find(|path| path.exists())
        .expect("botocore's ECS waiters in the venv: run `scripts/setup-aws`");
    let text = std::fs::read_to_string(&installed).expect("read waiters");
    let mut model: Value = serde_json::from_str(&text).expect("waiters json");
    for waiter in model["waiters"].as_object_mut().expect("waiters").values_mut() {
        waiter["delay"] = json!(1);
    }
    let dir = data.join("ecs/2014-11-13");
    std::fs::create_dir_all(&dir).expect("waiters dir");
    std::fs::write(dir.join("waiters-2.json"), model.to_string()).expect("write waiters");
}

/// The aws CLI pointed at one ecsd endpoint, isolated from the host's AWS configuration.
#[derive(Clone)]
pub struct AwsCli {
    pub home: PathBuf,
    pub port: u16,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub region: String,
    /// Name the endpoint by `AWS_ENDPOINT_URL_<SERVICE>` instead of `--endpoint-url`.
    pub endpoint_from_env: bool,
    /// The CLI's service command: `ecs` or `events`.
    pub service: &'static str,
}

impl AwsCli {
    /// A CLI for `aws ecs` with throwaway credentials (which a loopback ecsd without
    /// credentials accepts).
    pub fn new(d: &Daemon, port: u16) -> Self {
        let home = d.dir.path().join("aws-home");
        write_fast_waiters(&home.join("data"));
        Self {
            home,
            port,
            access_key_id: "x".into(),
            secret_access_key: "x".into(),
            region: "us-east-1".into(),
            endpoint_from_env: false,
            service: "ecs",
        }
    }

    /// The same CLI for another service (`events`).
    pub fn for_service(&self, service: &'static str) -> Self {
        Self {
            service,
            ..self.clone()
        }
    }

    /// Runs `aws SERVICE ARGS…`.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(aws_binary());
        for var in HOST_AWS_VARS {
            cmd.env_remove(var);
        }
        let endpoint = format!("http://127.0.0.1:{}", self.port);
        if self.endpoint_from_env {
            cmd.env(
                format!("AWS_ENDPOINT_URL_{}", self.service.to_uppercase()),
                &endpoint,
            );
        } else {
            cmd.args(["--endpoint-url", &endpoint]);
        }
        cmd.env("HOME", &self.home)
            .env("AWS_CONFIG_FILE", self.home.join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.home.join("credentials"))
            .env("AWS_DATA_PATH", self.home.join("data"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ACCESS_KEY_ID", &self.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &self.secret_access_key)
            .env("AWS_DEFAULT_REGION", &self.region)
            .args(["--output", "json", self.service])
            .args(args)
            .output()
            .expect("run aws")
    }

    /// Runs `aws SERVICE ARGS…`, which must succeed; its JSON output (`null` when it prints
    /// none).
    pub fn ok(&self, d: &Daemon, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "aws {} {args:?} failed ({:?}): {}\n--- daemon log ---\n{}",
            self.service,
            out.status.code(),
            String::from_utf8_lossy(&out.stderr),
            d.log()
        );
        if out.stdout.iter().all(u8::is_ascii_whitespace) {
            return Value::Null;
        }
        serde_json::from_slice(&out.stdout).expect("aws output is JSON")
    }

    /// Runs `aws SERVICE ARGS…`, which must fail with `code`; its stderr.
    pub fn fails(&self, args: &[&str], code: &str) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        // aws CLI v1 exits 255 on a service error, v2 254.
        assert!(
            matches!(out.status.code(), Some(254 | 255)),
            "aws {} {args:?}: {:?}: {stderr}",
            self.service,
            out.status.code()
        );
        assert!(
            stderr.contains(&format!("({code})")),
            "aws {} {args:?}: {stderr}",
            self.service
        );
        stderr
    }
}

/// A Docker daemon whose endpoint (`--listen ADDR`, plus `extra` flags) takes only requests
/// signed with `access_key_id` and `secret`, and an `aws ecs` CLI that signs with them.
pub fn signed_daemon(listen: &str, extra: &[&str], access_key_id: &str, secret: &str) -> (Daemon, AwsCli) {
    let secrets = tempfile::tempdir().expect("temp dir");
    let secret_file = secrets.path().join("ecs-secret");
    std::fs::write(&secret_file, format!("{secret}\n")).expect("write secret");
    let mut args = vec!["--listen", listen];
    args.extend_from_slice(extra);
    args.extend([
        "--ecs-access-key-id",
        access_key_id,
        "--ecs-secret-access-key-file",
        secret_file.to_str().expect("utf-8 path"),
    ]);
    let d = Daemon::with_args(Engine::Docker, &args);
    let aws = AwsCli {
        access_key_id: access_key_id.into(),
        secret_access_key: secret.into(),
        ..AwsCli::new(&d, d.ecs_port())
    };
    (d, aws)
}
