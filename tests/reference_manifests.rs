//! The annotated reference manifests in `manifests/` and the examples parse and validate.

use ecsd::model::{Kind, load_paths};
use std::path::PathBuf;

#[test]
fn every_reference_manifest_is_valid_and_covers_every_kind() {
    let loaded = load_paths(&[PathBuf::from("manifests")], &mut std::io::empty()).unwrap_or_else(|errors| {
        panic!(
            "{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    for kind in Kind::ALL {
        assert!(
            loaded.iter().any(|l| l.manifest.kind() == kind),
            "no reference manifest for {kind}"
        );
    }
}

#[test]
fn every_example_is_valid() {
    let loaded = load_paths(&[PathBuf::from("examples")], &mut std::io::empty()).unwrap_or_else(|errors| {
        panic!(
            "{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert!(!loaded.is_empty());
}
