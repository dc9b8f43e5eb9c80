//! Real-file tests of the folder watcher: each writes into a tempdir and waits for triggers
//! with a deadline.

use super::*;
use std::fs;
use tokio::time::timeout;

const QUIET: Duration = Duration::from_millis(150);
const MAX_WAIT: Duration = Duration::from_millis(600);
/// Generous time for a trigger that should come; also how long silence must last to count.
const SLACK: Duration = Duration::from_millis(400);

fn watch(dir: &Path) -> (FolderWatcher, mpsc::Receiver<Trigger>) {
    FolderWatcher::start(dir, QUIET, MAX_WAIT).expect("start watching")
}

/// The next trigger within a full burst window, or `None` if none came.
async fn next_trigger(rx: &mut mpsc::Receiver<Trigger>) -> Option<Trigger> {
    timeout(QUIET + MAX_WAIT + SLACK, rx.recv()).await.ok().flatten()
}

fn write(path: &Path, text: &str) {
    fs::write(path, text).expect("write test file");
}

#[tokio::test]
async fn writing_a_yaml_file_yields_one_changed_trigger() {
    let dir = tempfile::tempdir().unwrap();
    let (_watcher, mut rx) = watch(dir.path());
    write(&dir.path().join("web.yaml"), "kind: Service\n");

    match next_trigger(&mut rx).await {
        Some(Trigger::Changed { paths }) => {
            assert!(paths.iter().any(|p| p.ends_with("web.yaml")), "{paths:?}")
        }
        other => panic!("expected a Changed trigger, got {other:?}"),
    }
    assert_eq!(next_trigger(&mut rx).await, None);
}

#[tokio::test]
async fn fifty_files_written_in_a_burst_yield_exactly_one_trigger() {
    let dir = tempfile::tempdir().unwrap();
    let (_watcher, mut rx) = watch(dir.path());
    for i in 0..50 {
        write(&dir.path().join(format!("service-{i}.yaml")), "kind: Service\n");
    }

    assert!(matches!(
        next_trigger(&mut rx).await,
        Some(Trigger::Changed { .. })
    ));
    assert_eq!(next_trigger(&mut rx).await, None);
}

#[tokio::test]
async fn a_burst_longer_than_max_wait_yields_a_trigger_before_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    let (_watcher, mut rx) = watch(dir.path());
    let started = Instant::now();
    let writer = tokio::spawn({
        let dir = dir.path().to_path_buf();
        async move {
            // Writes spaced closer than QUIET, for longer than MAX_WAIT.
            for i in 0..20 {
                write(&dir.join(format!("web-{i}.yaml")), "kind: Service\n");
                tokio::time::sleep(QUIET / 3).await;
            }
        }
    });

    assert!(next_trigger(&mut rx).await.is_some());
    assert!(
        started.elapsed() < MAX_WAIT + SLACK,
        "took {:?}",
        started.elapsed()
    );
    writer.await.unwrap();
}

#[tokio::test]
async fn an_atomic_save_yields_a_trigger_through_the_rename() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("x.yaml.tmp");
    assert!(!is_relevant(dir.path(), &tmp));
    let (_watcher, mut rx) = watch(dir.path());

    write(&tmp, "kind: Service\n");
    fs::rename(&tmp, dir.path().join("x.yaml")).unwrap();

    match next_trigger(&mut rx).await {
        Some(Trigger::Changed { paths }) => assert!(paths.iter().any(|p| p.ends_with("x.yaml")), "{paths:?}"),
        other => panic!("expected a Changed trigger, got {other:?}"),
    }
}

#[tokio::test]
async fn changes_inside_git_or_to_text_files_yield_no_trigger() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("web.yaml"), "kind: Service\n");
    let (_watcher, mut rx) = watch(dir.path());

    fs::create_dir_all(dir.path().join(".git/objects")).unwrap();
    write(&dir.path().join(".git/index"), "index");
    write(&dir.path().join(".git/objects/web.yaml"), "not a manifest");
    write(&dir.path().join("notes.txt"), "hello");
    write(&dir.path().join(".web.yaml.swp"), "swap");
    // Reading a manifest, as the consumer's rescan does, is not a change either.
    fs::read_dir(dir.path()).unwrap().for_each(drop);
    fs::read_to_string(dir.path().join("web.yaml")).unwrap();

    assert_eq!(next_trigger(&mut rx).await, None);
}

#[tokio::test]
async fn deleting_a_manifest_yields_a_trigger() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("web.yaml");
    write(&manifest, "kind: Service\n");
    let (_watcher, mut rx) = watch(dir.path());

    fs::remove_file(&manifest).unwrap();

    assert!(matches!(
        next_trigger(&mut rx).await,
        Some(Trigger::Changed { .. })
    ));
}

#[tokio::test]
async fn creating_and_removing_a_subdirectory_yields_triggers() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("v1.2");
    let (_watcher, mut rx) = watch(dir.path());

    fs::create_dir(&sub).unwrap();
    assert!(next_trigger(&mut rx).await.is_some());
    fs::remove_dir(&sub).unwrap();
    assert!(next_trigger(&mut rx).await.is_some());
}

#[tokio::test]
async fn a_folder_that_does_not_exist_yet_is_watched_once_it_appears() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("repo/manifests");
    let (_watcher, mut rx) = watch(&dir);

    fs::create_dir_all(&dir).unwrap();
    write(&dir.join("web.yaml"), "kind: Service\n");
    assert!(next_trigger(&mut rx).await.is_some());

    // Now watched recursively: a file in a new subfolder is seen.
    fs::create_dir(dir.join("nested")).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    write(&dir.join("nested/db.yaml"), "kind: Service\n");
    assert!(next_trigger(&mut rx).await.is_some());
}

#[tokio::test]
async fn a_vanished_folder_yields_a_rescan_and_is_watched_again_when_recreated() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("manifests");
    fs::create_dir(&dir).unwrap();
    let (_watcher, mut rx) = watch(&dir);

    fs::remove_dir(&dir).unwrap();
    assert_eq!(
        next_trigger(&mut rx).await,
        Some(Trigger::Rescan {
            reason: "folder vanished".to_string()
        })
    );

    fs::create_dir(&dir).unwrap();
    assert_eq!(
        next_trigger(&mut rx).await,
        Some(Trigger::Rescan {
            reason: "folder appeared".to_string()
        })
    );
    write(&dir.join("web.yaml"), "kind: Service\n");
    assert!(matches!(
        next_trigger(&mut rx).await,
        Some(Trigger::Changed { .. })
    ));
}

#[tokio::test]
async fn dropping_the_watcher_closes_the_trigger_channel() {
    let dir = tempfile::tempdir().unwrap();
    let (watcher, mut rx) = watch(dir.path());

    drop(watcher);

    assert_eq!(timeout(SLACK, rx.recv()).await, Ok(None));
}

#[test]
fn is_relevant_accepts_manifests_and_directories_but_not_hidden_files_or_backups() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("services/v1.2")).unwrap();
    write(&root.join("notes"), "an existing file without extension");
    let cases = [
        ("web.yaml", true),
        ("web.yml", true),
        ("web.json", true),
        ("services/db.yaml", true),
        ("services", true),
        ("services/v1.2", true),
        ("removed-folder", true),
        ("", true),
        ("notes", false),
        ("notes.txt", false),
        ("web.YAML", false),
        ("x.yaml.tmp", false),
        (".web.yaml.swp", false),
        (".hidden.yaml", false),
        (".git", false),
        (".git/index", false),
        (".git/objects/web.yaml", false),
        ("services/.draft/web.yaml", false),
        ("web.yaml~", false),
        ("#web.yaml#", false),
        ("backup~/web.yaml", false),
    ];
    for (relative, expected) in cases {
        assert_eq!(is_relevant(root, &root.join(relative)), expected, "{relative:?}");
    }
}

#[test]
fn is_relevant_ignores_hidden_folders_above_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".config/ecsd");
    assert!(is_relevant(&root, &root.join("web.yaml")));
}

#[test]
fn is_relevant_judges_a_path_outside_the_root_by_its_name() {
    let root = Path::new("/srv/manifests");
    assert!(is_relevant(root, Path::new("/private/srv/manifests/web.yaml")));
    assert!(!is_relevant(
        root,
        Path::new("/private/srv/manifests/.web.yaml.swp")
    ));
}

#[test]
fn a_burst_ends_quiet_after_its_last_event_but_no_later_than_max_wait_after_its_first() {
    let start = Instant::now();
    let mut burst = Burst::new(start);
    assert_eq!(burst.deadline(QUIET, MAX_WAIT), start + QUIET);
    burst.last = start + Duration::from_millis(500);
    assert_eq!(burst.deadline(QUIET, MAX_WAIT), start + MAX_WAIT);
}

#[test]
fn a_burst_with_a_rescan_reason_becomes_a_rescan_trigger() {
    let mut burst = Burst::new(Instant::now());
    burst.paths.insert(PathBuf::from("/m/web.yaml"));
    burst.rescan = Some("folder appeared".to_string());
    assert_eq!(
        burst.into_trigger(),
        Trigger::Rescan {
            reason: "folder appeared".to_string()
        }
    );
}
