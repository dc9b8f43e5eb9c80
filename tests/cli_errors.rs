//! What the CLI says when it cannot do what was asked: errors that name the cause and the
//! fix, and the addresses `serve` accepts.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{BIN, Daemon, Engine};
use std::process::Command;

#[test]
fn a_socket_this_user_may_not_open_is_named_with_the_fix_not_called_unreachable() {
    let d = Daemon::start(Engine::Docker);
    let out = Command::new("runuser")
        .args(["-u", "nobody", "--", BIN, "--socket"])
        .arg(d.socket())
        .args(["get", "services"])
        .output()
        .expect("runuser");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("permission denied on the ecsd socket"),
        "{stderr}"
    );
    assert!(!stderr.contains("is `ecsd serve` running?"), "{stderr}");
}

#[test]
fn serve_listens_on_a_host_name_such_as_localhost() {
    let d = Daemon::with_args(Engine::Docker, &["--listen", "localhost:0"]);
    let (status, body) = common::ecs_call(d.ecs_port(), "ListClusters", &serde_json::json!({}));
    assert_eq!(status, 200, "{body}");
}

#[test]
fn daemon_logs_written_to_a_file_carry_no_colour_codes_and_json_logs_are_one_object_per_line() {
    let d = Daemon::start(Engine::Docker);
    d.ok(&["get", "services"]);
    let text = d.log();
    assert!(text.contains("api listening"), "{text}");
    assert!(!text.contains('\u{1b}'), "ANSI escapes in a log file:\n{text}");
    let d = Daemon::with_args(Engine::Docker, &["--log-format", "json"]);
    d.ok(&["get", "services"]);
    let lines: Vec<String> = d.log().lines().map(str::to_string).collect();
    assert!(!lines.is_empty());
    for line in &lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(v["level"].is_string() && v["fields"].is_object(), "{line}");
    }
}
