//! The annotated reference manifests in `manifests/` and the examples parse and validate.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking, with the value it did not expect

use ecsd::model::{Kind, LoadedManifest, load_paths};
use std::path::PathBuf;

fn load_valid(dir: &str) -> Vec<LoadedManifest> {
    load_paths(&[PathBuf::from(dir)], &mut std::io::empty()).unwrap_or_else(|errors| {
        panic!(
            "{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

#[test]
fn every_reference_manifest_is_valid_and_covers_every_kind() {
    let loaded = load_valid("manifests");
    for kind in Kind::ALL {
        assert!(
            loaded.iter().any(|l| l.manifest.kind() == kind),
            "no reference manifest for {kind}"
        );
    }
}

#[test]
fn every_example_is_valid() {
    assert!(!load_valid("examples").is_empty());
}
