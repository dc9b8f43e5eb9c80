//! A damaged state database never stops the workload (issue 11, item 9): on both engines, the
//! database is damaged three ways while a service runs; the restart stops and creates nothing,
//! reports the damage, and the next apply (or folder sync) takes the same containers back.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

mod common;

use common::{Daemon, manifest, web_service};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Instant;

/// A way to damage the database folder, by name.
type Damage = (&'static str, fn(&Path));

/// Overwrites the first 64 KiB of sled's data file (a bad disk block, a stray `dd`).
fn overwrite_head(db: &Path) {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(db.join("db"))
        .expect("open sled data file");
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let garbage: Vec<u8> = (0..64 * 1024)
        .map(|_| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as u8
        })
        .collect();
    file.seek(SeekFrom::Start(0)).expect("seek");
    file.write_all(&garbage).expect("overwrite head");
    file.sync_all().expect("sync");
}

/// Replaces sled's `conf` with bytes that are not a config.
fn garbage_conf(db: &Path) {
    std::fs::write(db.join("conf"), b"\x00\xffnot a sled config\x13\x37").expect("garbage conf");
}

/// Truncates sled's data file to nothing (a full disk, an interrupted copy).
fn truncate(db: &Path) {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(db.join("db"))
        .expect("open sled data file");
    file.set_len(0).expect("truncate");
}

/// Every owned container with its state and start time: equal before and after means
/// nothing was created, stopped, removed or restarted.
fn fingerprint(d: &Daemon) -> Vec<String> {
    let ids = d.all_containers();
    let out = d
        .docker()
        .args([
            "inspect",
            "--format",
            "{{.Id}} {{.State.Status}} {{.State.StartedAt}}",
        ])
        .args(&ids)
        .output()
        .expect("docker inspect");
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

/// The service's `runningCount`, 0 while it does not exist.
fn running_count(d: &Daemon, name: &str) -> u64 {
    let out = d.ecsd(&["get", "service", name, "-o", "json"]);
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .ok()
        .and_then(|v| v["runningCount"].as_u64())
        .unwrap_or(0)
}

fn task_rows(d: &Daemon) -> String {
    d.ok(&["get", "tasks"])
}

/// Restarts the daemon on a damaged database; checks the workload is left alone, shown as
/// ORPHANED, and the damage reported.
fn restart_damaged(d: &mut Daemon, name: &str, damage: fn(&Path), tasks: usize) {
    let before = fingerprint(d);
    d.terminate();
    damage(&d.state_dir().join("db"));
    let ready_before = d.log().matches("engine ready").count();
    let started = Instant::now();
    d.spawn();
    d.wait_until("the damage is reported", 20, |d| {
        d.ok(&["sync", "status"]).contains("state database: damaged")
    });
    eprintln!(
        "{name}: damage reported {} ms after the restart began",
        started.elapsed().as_millis()
    );
    d.wait_until("the adopted tasks show as ORPHANED", 30, |d| {
        task_rows(d).matches("ORPHANED").count() == tasks
    });
    // The old daemon stopped them within ~12 s: watch the new one that long after its engine
    // is ready (two resyncs at the tests' 5 s interval).
    d.wait_until("the engine is ready", 30, |d| {
        d.log().matches("engine ready").count() > ready_before
    });
    std::thread::sleep(std::time::Duration::from_secs(12));
    assert_eq!(
        fingerprint(d),
        before,
        "{name}: nothing created, stopped or restarted"
    );
    assert!(
        d.log().contains("state database is damaged"),
        "{name}: an error-level log line"
    );
}

on_both_engines! {
    fn a_damaged_database_stops_nothing_and_the_next_apply_takes_the_same_containers_back(d) {
        let path = manifest(d, "svc.yaml", &web_service("keep", "busybox:latest", 3));
        d.apply(&path);
        d.wait_until("3 tasks run", 60, |d| {
            running_count(d, "keep") == 3 && d.containers(None).len() == 3
        });
        let damages: [Damage; 3] = [
            ("overwritten head", overwrite_head),
            ("garbage conf", garbage_conf),
            ("truncated", truncate),
        ];
        for (name, damage) in damages {
            let before = fingerprint(d);
            restart_damaged(d, name, damage, 3);
            let out = d.apply(&path);
            assert!(out.contains("revision 1"), "{name}: the spec the containers run gets its number back: {out}");
            d.wait_until("the service counts its 3 tasks again", 60, |d| {
                running_count(d, "keep") == 3 && !task_rows(d).contains("ORPHANED")
            });
            std::thread::sleep(std::time::Duration::from_secs(6));
            assert_eq!(fingerprint(d), before, "{name}: the same containers after the apply");
            assert_eq!(d.service("keep")["runningCount"], 3);
        }
        assert_eq!(
            std::fs::read_dir(d.state_dir())
                .unwrap()
                .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with("db.broken-"))
                .count(),
            3,
            "each damaged database was moved aside, never deleted"
        );
    }

    fn a_damaged_database_under_a_watched_folder_is_restored_by_the_sync_with_the_same_containers(d) {
        *d = Daemon::watching(d.engine, true);
        std::fs::write(d.deploy_dir().join("web.yaml"), web_service("web", "busybox:latest", 2))
            .expect("write manifest");
        d.wait_until("2 tasks run", 60, |d| {
            running_count(d, "web") == 2 && d.containers(None).len() == 2
        });
        let before = fingerprint(d);
        d.terminate();
        overwrite_head(&d.state_dir().join("db"));
        d.spawn();
        d.wait_until("the folder sync restored the service", 60, |d| {
            running_count(d, "web") == 2 && !task_rows(d).contains("ORPHANED")
        });
        assert!(d.ok(&["sync", "status"]).contains("state database: damaged"));
        std::thread::sleep(std::time::Duration::from_secs(6));
        assert_eq!(fingerprint(d), before, "the same containers, none stopped or created");
    }
}
