//! What an install needs besides the binary: shell completion, man pages, the systemd unit,
//! and `ecsd version` naming the daemon and its engine.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{BIN, Daemon, Engine};
use std::process::Command;

#[test]
fn the_bash_completion_script_sources_cleanly_and_completes_verbs_and_flags() {
    let script = r#"
source <(BIN completion bash) || exit 1
complete -p ecsd >/dev/null || exit 2
COMP_WORDS=(ecsd ge); COMP_CWORD=1; COMP_LINE="ecsd ge"; COMP_POINT=${#COMP_LINE}
_ecsd ecsd ge ecsd
printf '%s\n' "${COMPREPLY[@]}"
COMP_WORDS=(ecsd get --); COMP_CWORD=2; COMP_LINE="ecsd get --"; COMP_POINT=${#COMP_LINE}
_ecsd ecsd -- get
printf '%s\n' "${COMPREPLY[@]}"
"#
    .replace("BIN", BIN);
    let out = Command::new("bash").args(["-c", &script]).output().expect("bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.lines().any(|l| l == "get"), "verbs complete: {stdout}");
    assert!(
        stdout.lines().any(|l| l == "--output"),
        "flags complete: {stdout}"
    );
    for shell in ["zsh", "fish"] {
        let out = Command::new(BIN).args(["completion", shell]).output().unwrap();
        assert!(out.status.success() && out.stdout.len() > 1000, "{shell}");
    }
}

#[test]
fn man_pages_are_written_for_every_verb_and_the_systemd_unit_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let man1 = dir.path().join("man/man1");
    let out = Command::new(BIN).arg("man").arg(&man1).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for page in [
        "ecsd.1",
        "ecsd-serve.1",
        "ecsd-apply.1",
        "ecsd-get.1",
        "ecsd-rollout.1",
    ] {
        let text = std::fs::read_to_string(man1.join(page)).unwrap();
        assert!(text.contains(".TH"), "{page} is a man page");
    }
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/contrib/systemd/ecsd.service"
    ))
    .unwrap();
    assert!(unit.contains("ExecStart=/usr/local/bin/ecsd serve"), "{unit}");
    let path = dir.path().join("ecsd.service");
    std::fs::write(&path, unit.replace("/usr/local/bin/ecsd", BIN)).unwrap();
    let verify = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .env("MANPATH", dir.path().join("man"))
        .output()
        .expect("systemd-analyze (from systemd) is needed to check the unit");
    let complaints = String::from_utf8_lossy(&verify.stderr);
    assert!(
        verify.status.success() && complaints.trim().is_empty(),
        "{complaints}"
    );
}

#[test]
fn version_names_the_cli_the_daemon_and_the_engine() {
    let d = Daemon::start(Engine::Docker);
    let out = d.ok(&["version"]);
    let version = env!("CARGO_PKG_VERSION");
    assert!(out.contains(&format!("client:  ecsd {version}")), "{out}");
    assert!(out.contains(&format!("daemon:  ecsd {version}")), "{out}");
    assert!(out.contains("engine:  docker"), "{out}");
    let gone = Command::new(BIN)
        .args(["--socket", "/nonexistent/ecsd.sock", "version"])
        .output()
        .unwrap();
    assert_eq!(gone.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&gone.stdout).contains("cannot reach the ecsd daemon"));
}
