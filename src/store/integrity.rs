//! Telling a damaged state database from a new one. sled opens a database whose files were
//! overwritten or truncated as an empty one, without an error; read as empty, it would tell
//! the controllers that nothing should run. So a random id is kept twice: in the database
//! (a durable key, flushed) and in a file beside it. A database that opens without the id
//! the file names is damaged (emptied, partly erased, or another one) and is never trusted.
//!
//! What this cannot see: sled recovering only an earlier part of its log that still holds
//! the id. That is the state of a crash at an earlier moment, which adoption from labels
//! already handles (DESIGN invariants 1 and 3).

use super::{Store, StoreError, Tree};
use std::io::Write;
use std::path::Path;

/// Key of the database's id in the `Meta` tree.
const MARKER_KEY: &str = "integrity";

/// What opening the database found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Integrity {
    /// No id file yet: a new database (or one from before ids): sealed now.
    Unsealed,
    /// The database holds the id the file names.
    Intact,
    /// The database does not hold the id the file names: why.
    Damaged(String),
}

/// Compares the database's id with the one in `id_file`.
pub fn check(store: &dyn Store, id_file: &Path) -> Result<Integrity, StoreError> {
    let Some(expected) = read_id_file(id_file)? else {
        return Ok(Integrity::Unsealed);
    };
    let found = store.get(Tree::Meta, MARKER_KEY)?;
    Ok(match found {
        Some(id) if id == expected.as_bytes() => Integrity::Intact,
        Some(_) => Integrity::Damaged(format!(
            "the database is not the one {} names (another state directory's, or restored from elsewhere)",
            id_file.display()
        )),
        None => Integrity::Damaged(
            "the database opened without its integrity marker: it was emptied, truncated or overwritten"
                .into(),
        ),
    })
}

/// Gives the database an id (keeping one it has) and writes it to `id_file`, database first:
/// a crash between the two leaves a sealed database without a file, which is sealed again.
pub fn seal(store: &dyn Store, id_file: &Path) -> Result<(), StoreError> {
    let id = match store.get(Tree::Meta, MARKER_KEY)? {
        Some(id) => String::from_utf8_lossy(&id).into_owned(),
        None => {
            let id = crate::model::new_task_id();
            store.compare_and_swap(Tree::Meta, MARKER_KEY, None, Some(id.clone().into_bytes()))?;
            store.flush()?;
            id
        }
    };
    write_id_file(id_file, &id).map_err(|source| StoreError::Marker {
        path: id_file.display().to_string(),
        source,
    })
}

fn read_id_file(path: &Path) -> Result<Option<String>, StoreError> {
    match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => Ok(Some(text.trim().to_string())),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StoreError::Marker {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// Written to a temporary file, synced, then renamed: the id file is never half written.
fn write_id_file(path: &Path, id: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(format!("{id}\n").as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    #[test]
    fn a_new_database_is_sealed_and_then_found_intact() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("db.id");
        let store = MemoryStore::new();
        assert_eq!(check(&store, &file).unwrap(), Integrity::Unsealed);
        seal(&store, &file).unwrap();
        assert_eq!(check(&store, &file).unwrap(), Integrity::Intact);
    }

    #[test]
    fn an_empty_database_behind_an_id_file_is_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("db.id");
        seal(&MemoryStore::new(), &file).unwrap();
        let emptied = MemoryStore::new();
        assert!(
            matches!(check(&emptied, &file).unwrap(), Integrity::Damaged(why) if why.contains("emptied"))
        );
    }

    #[test]
    fn another_database_behind_an_id_file_is_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("db.id");
        seal(&MemoryStore::new(), &file).unwrap();
        let other = MemoryStore::new();
        seal(&other, &dir.path().join("other.id")).unwrap();
        assert!(matches!(check(&other, &file).unwrap(), Integrity::Damaged(_)));
    }

    #[test]
    fn sealing_again_keeps_the_id_so_a_lost_id_file_is_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("db.id");
        let store = MemoryStore::new();
        seal(&store, &file).unwrap();
        let id = std::fs::read_to_string(&file).unwrap();
        std::fs::remove_file(&file).unwrap();
        assert_eq!(check(&store, &file).unwrap(), Integrity::Unsealed);
        seal(&store, &file).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), id);
    }
}
