//! Leaves stay leaves: the modules everything builds on import nothing from the layers above
//! them, so a newcomer can read (and test) each alone.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

use std::path::Path;

/// Every `.rs` file under `dir` (or `dir` itself when it is a file), with its text.
fn sources(dir: &Path) -> Vec<(String, String)> {
    if dir.is_file() {
        return vec![(dir.display().to_string(), std::fs::read_to_string(dir).unwrap())];
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((
                path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            ));
        }
    }
    out
}

/// `(file, line)` of every mention of `crate::<module>` for a forbidden module.
fn upward_imports(leaf: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for (file, text) in sources(&root.join(leaf)) {
        for (n, line) in text.lines().enumerate() {
            if forbidden.iter().any(|m| line.contains(&format!("crate::{m}"))) {
                found.push(format!("{file}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    found
}

const ABOVE_THE_LEAVES: &[&str] = &[
    "controller",
    "api",
    "ops",
    "cli",
    "watch",
    "apply",
    "app",
    "config",
    "lb",
];

#[test]
fn the_runtime_imports_nothing_from_the_layers_above_it() {
    let mut forbidden = ABOVE_THE_LEAVES.to_vec();
    forbidden.push("store");
    let found = upward_imports("runtime", &forbidden);
    assert!(
        found.is_empty(),
        "runtime/ must not import upward:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_store_imports_nothing_from_the_layers_above_it() {
    let found = upward_imports("store", ABOVE_THE_LEAVES);
    assert!(
        found.is_empty(),
        "store/ must not import upward:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_model_and_the_clock_import_nothing_but_each_other() {
    let mut forbidden = ABOVE_THE_LEAVES.to_vec();
    forbidden.extend(["store", "runtime", "placement"]);
    let mut found = upward_imports("model", &forbidden);
    found.extend(upward_imports("clock.rs", &forbidden));
    assert!(
        found.is_empty(),
        "model/ and clock must stay pure vocabulary:\n{}",
        found.join("\n")
    );
}

#[test]
fn placement_imports_nothing_but_the_model() {
    let mut forbidden = ABOVE_THE_LEAVES.to_vec();
    forbidden.extend(["store", "runtime"]);
    let found = upward_imports("placement", &forbidden);
    assert!(
        found.is_empty(),
        "placement/ must stay pure decisions over the model:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_fleet_imports_nothing_from_the_layers_above_it() {
    let found = upward_imports("fleet", ABOVE_THE_LEAVES);
    assert!(
        found.is_empty(),
        "fleet/ (the store's and the engines' view of instances) must not import upward:\n{}",
        found.join("\n")
    );
}

/// The "# Layout" overview at the top of `src/lib.rs` names every top-level module, so the
/// map a newcomer reads first has no blank regions.
#[test]
fn the_lib_rs_layout_names_every_top_level_module() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let overview: String = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .collect::<Vec<_>>()
        .join("\n");
    let modules: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.trim().trim_start_matches("pub ").strip_prefix("mod "))
        .map(|m| m.trim_end_matches(';'))
        .collect();
    assert!(modules.len() > 10, "modules found: {modules:?}");
    let missing: Vec<&&str> = modules
        .iter()
        .filter(|m| !overview.contains(&format!("`{m}/`")) && !overview.contains(&format!("`{m}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "src/lib.rs `# Layout` does not name {missing:?}"
    );
}
