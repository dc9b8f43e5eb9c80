use super::*;

use crate::store::MemoryStore;
use std::sync::Arc;

const PRUNE_EMPTY: FolderPolicy = FolderPolicy {
    allow_empty_prune: true,
    take_ownership: false,
};

fn catalog() -> Catalog {
    Catalog::new(Arc::new(MemoryStore::new()))
}

fn td(name: &str, image: &str) -> String {
    format!(
        "apiVersion: ecsd/v1\nkind: TaskDefinition\nmetadata: {{name: {name}}}\nspec:\n  containerDefinitions: [{{name: app, image: {image}}}]\n"
    )
}

fn svc(name: &str, desired: u32) -> String {
    format!(
        "apiVersion: ecsd/v1\nkind: Service\nmetadata: {{name: {name}}}\nspec: {{taskDefinition: {name}, desiredCount: {desired}}}\n"
    )
}

fn write(dir: &Path, file: &str, text: &str) {
    std::fs::write(dir.join(file), text).unwrap();
}

fn both(name: &str, desired: u32) -> String {
    format!("{}---\n{}", td(name, "busybox"), svc(name, desired))
}

fn sync(c: &Catalog, dir: &Path) -> SyncReport {
    sync_folder(c, dir, FolderPolicy::default(), 1).unwrap()
}

/// A catalog synced from a folder holding `a.yaml` and `b.yaml`, one service each.
fn synced_pair(dir: &Path) -> Catalog {
    write(dir, "a.yaml", &both("a", 1));
    write(dir, "b.yaml", &both("b", 1));
    let c = catalog();
    sync(&c, dir);
    c
}

fn state(c: &Catalog, dir: &Path) -> FolderSync {
    c.folder_sync(&dir.display().to_string()).unwrap().unwrap()
}

#[test]
fn every_file_of_the_folder_is_applied_and_marked_synced() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", &both("a", 1));
    write(dir.path(), "b.yaml", &both("b", 2));
    let c = catalog();
    let report = sync(&c, dir.path());
    assert_eq!(report.folder_error, None);
    assert!(c.service("default", "a").unwrap().is_some());
    assert_eq!(
        c.service("default", "b").unwrap().unwrap().spec.desired_count,
        Some(2)
    );
    assert!(
        state(&c, dir.path())
            .files
            .values()
            .all(|f| f.state == FileSyncState::Synced)
    );
}

#[test]
fn a_broken_file_keeps_its_last_good_version_and_reports_where() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", &both("a", 2));
    let c = catalog();
    sync(&c, dir.path());
    write(
        dir.path(),
        "a.yaml",
        &both("a", 3).replace("desiredCount: 3", "desiredCount: [3"),
    );
    sync(&c, dir.path());
    let svc = c.service("default", "a").unwrap().unwrap();
    assert_eq!(
        (svc.spec.desired_count, svc.deleting),
        (Some(2), false),
        "unchanged, not pruned"
    );
    let file = &state(&c, dir.path()).files["a.yaml"];
    assert_eq!(file.state, FileSyncState::Error);
    assert!(file.errors[0].contains("a.yaml:"), "{:?}", file.errors);
    write(dir.path(), "a.yaml", &both("a", 3));
    sync(&c, dir.path());
    assert_eq!(
        c.service("default", "a").unwrap().unwrap().spec.desired_count,
        Some(3)
    );
    assert_eq!(state(&c, dir.path()).files["a.yaml"].state, FileSyncState::Synced);
}

#[test]
fn removing_a_file_prunes_exactly_what_it_owned() {
    let dir = tempfile::tempdir().unwrap();
    let c = synced_pair(dir.path());
    std::fs::remove_file(dir.path().join("b.yaml")).unwrap();
    let report = sync(&c, dir.path());
    assert!(c.service("default", "b").unwrap().unwrap().deleting, "drained");
    assert!(
        c.latest_task_definition("b").unwrap().is_none(),
        "family deregistered"
    );
    assert_eq!(
        c.task_definition_revisions("b").unwrap().len(),
        1,
        "revisions stay as history"
    );
    assert!(!c.service("default", "a").unwrap().unwrap().deleting);
    assert_eq!(
        report
            .changed
            .iter()
            .filter(|r| r.outcome == crate::store::ApplyOutcome::Pruned)
            .count(),
        2
    );
}

#[test]
fn an_object_declared_in_two_files_is_a_conflict_on_both_and_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", &both("a", 1));
    let c = catalog();
    sync(&c, dir.path());
    write(dir.path(), "copy.yaml", &svc("a", 5));
    sync(&c, dir.path());
    let s = state(&c, dir.path());
    assert_eq!(s.files["a.yaml"].state, FileSyncState::Error);
    assert_eq!(s.files["copy.yaml"].state, FileSyncState::Error);
    let svc = c.service("default", "a").unwrap().unwrap();
    assert_eq!((svc.spec.desired_count, svc.deleting), (Some(1), false));
}

#[test]
fn an_empty_or_vanished_folder_prunes_nothing_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("deploy");
    std::fs::create_dir(&folder).unwrap();
    write(&folder, "a.yaml", &both("a", 1));
    let c = catalog();
    sync(&c, &folder);
    std::fs::remove_file(folder.join("a.yaml")).unwrap();
    let report = sync(&c, &folder);
    assert!(report.folder_error.unwrap().contains("nothing pruned"));
    assert!(!c.service("default", "a").unwrap().unwrap().deleting);
    std::fs::remove_dir(&folder).unwrap();
    assert!(sync(&c, &folder).folder_error.unwrap().contains("missing"));
    assert!(!c.service("default", "a").unwrap().unwrap().deleting);
    std::fs::create_dir(&folder).unwrap();
    sync_folder(&c, &folder, PRUNE_EMPTY, 2).unwrap();
    assert!(
        c.service("default", "a").unwrap().unwrap().deleting,
        "pruned once allowed"
    );
}

#[test]
fn a_name_owned_by_another_source_is_a_conflict_not_an_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalog();
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    crate::model::parse_text("cli.yaml", &both("a", 1), &mut loaded, &mut errors);
    let docs: Vec<Document> = loaded
        .into_iter()
        .map(|l| Document {
            manifest: l.manifest,
            origin: Origin {
                root: "/elsewhere".into(),
                file: "cli.yaml".into(),
            },
        })
        .collect();
    apply_documents(&c, &docs, &ApplyOptions::default()).unwrap();
    write(dir.path(), "a.yaml", &both("a", 4));
    sync(&c, dir.path());
    let file = &state(&c, dir.path()).files["a.yaml"];
    assert_eq!(file.state, FileSyncState::Error);
    assert!(
        file.errors
            .iter()
            .any(|e| e.contains("already managed by /elsewhere/cli.yaml")),
        "{:?}",
        file.errors
    );
    assert_eq!(
        c.service("default", "a").unwrap().unwrap().spec.desired_count,
        Some(1)
    );
    let adopt = FolderPolicy {
        take_ownership: true,
        ..Default::default()
    };
    sync_folder(&c, dir.path(), adopt, 2).unwrap();
    assert_eq!(state(&c, dir.path()).files["a.yaml"].state, FileSyncState::Synced);
    assert_eq!(
        c.service("default", "a").unwrap().unwrap().spec.desired_count,
        Some(4),
        "a folder allowed to take over applies its version"
    );
    let owner = c.owner("Service/default/a").unwrap().unwrap();
    assert_eq!(owner.root, dir.path().display().to_string());
}

#[test]
fn switching_between_two_sets_never_prunes_what_both_declare() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalog();
    for name in ["shared", "one", "two"] {
        write(dir.path(), &format!("{name}.yaml"), &both(name, 1));
    }
    sync(&c, dir.path());
    let generation = c.service("default", "shared").unwrap().unwrap().generation;
    for name in ["one", "two"] {
        std::fs::remove_file(dir.path().join(format!("{name}.yaml"))).unwrap();
    }
    for name in ["three", "four"] {
        write(dir.path(), &format!("{name}.yaml"), &both(name, 1));
    }
    sync(&c, dir.path());
    let shared = c.service("default", "shared").unwrap().unwrap();
    assert_eq!((shared.deleting, shared.generation), (false, generation));
    assert!(c.service("default", "one").unwrap().unwrap().deleting);
    assert!(c.service("default", "four").unwrap().is_some());
}

#[test]
fn drift_is_undone_on_the_next_pass() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", &both("a", 2));
    let c = catalog();
    sync(&c, dir.path());
    c.set_desired_count("default", "a", 7).unwrap();
    sync(&c, dir.path());
    assert_eq!(
        c.service("default", "a").unwrap().unwrap().spec.desired_count,
        Some(2)
    );
}

#[test]
fn a_file_truncated_to_nothing_keeps_its_last_good_version_and_says_so() {
    for emptied in ["", "# only a comment\n\n   \n", "---\n"] {
        let dir = tempfile::tempdir().unwrap();
        let c = synced_pair(dir.path());
        write(dir.path(), "b.yaml", emptied);
        let report = sync(&c, dir.path());
        assert!(
            report.changed.is_empty(),
            "{emptied:?}: nothing pruned: {:?}",
            report.changed
        );
        assert!(!c.service("default", "b").unwrap().unwrap().deleting);
        assert!(c.latest_task_definition("b").unwrap().is_some());
        let file = &state(&c, dir.path()).files["b.yaml"];
        assert_eq!(file.state, FileSyncState::Empty, "{emptied:?}");
        assert_eq!(file.last_good.len(), 2, "the last good version stays");
        assert!(
            file.errors.iter().any(|e| e.contains("empty")),
            "{:?}",
            file.errors
        );
    }
}

#[test]
fn an_emptied_file_prunes_once_its_documents_are_removed_from_a_non_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", &both("a", 1));
    let c = catalog();
    sync(&c, dir.path());
    write(dir.path(), "a.yaml", "");
    sync(&c, dir.path());
    write(dir.path(), "a.yaml", &td("a", "busybox"));
    sync(&c, dir.path());
    assert!(
        c.service("default", "a").unwrap().unwrap().deleting,
        "the service left the file: pruned"
    );
    assert_eq!(state(&c, dir.path()).files["a.yaml"].state, FileSyncState::Synced);
}

#[test]
fn an_emptied_file_prunes_when_empty_prunes_are_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let c = synced_pair(dir.path());
    write(dir.path(), "b.yaml", "");
    sync_folder(&c, dir.path(), PRUNE_EMPTY, 2).unwrap();
    assert!(c.service("default", "b").unwrap().unwrap().deleting);
}
