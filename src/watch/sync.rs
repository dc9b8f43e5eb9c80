//! One sync pass over a watched folder: apply what its files declare, keep the last good
//! version of broken files, report conflicts, and prune only after a complete, successful scan.

use crate::apply::{
    ApplyError, ApplyOptions, ApplyResult, Document, apply_documents, object_key, prune_absent,
};
use crate::model::{FileLoad, load_folder};
use crate::store::{Catalog, FileSync, FileSyncState, FolderSync, Origin, StoreError};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use tracing::{info, warn};

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SyncReport {
    /// Objects created, configured or pruned (unchanged ones are left out).
    pub changed: Vec<ApplyResult>,
    /// Files in error.
    pub broken_files: usize,
    /// Why the pass could not complete (then nothing was pruned).
    pub folder_error: Option<String>,
}

/// What a folder may do besides applying its files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FolderPolicy {
    /// An empty folder prunes everything it owned.
    pub allow_empty_prune: bool,
    /// The folder takes over objects another source (a file applied by hand, the ECS API)
    /// manages when it declares them, instead of reporting a conflict.
    pub take_ownership: bool,
}

/// Syncs `root` once, as `policy` allows.
pub fn sync_folder(
    catalog: &Catalog,
    root: &Path,
    policy: FolderPolicy,
    now: u64,
) -> Result<SyncReport, StoreError> {
    let allow_empty_prune = policy.allow_empty_prune;
    let root_key = root.display().to_string();
    let mut state = catalog.folder_sync(&root_key)?.unwrap_or_else(|| FolderSync {
        root: root_key.clone(),
        ..Default::default()
    });
    state.scanned_at = now;
    let loads = match root.is_dir().then(|| load_folder(root)) {
        Some(Ok(loads)) => loads,
        Some(Err(e)) => return finish(catalog, state, SyncReport::from_error(e.to_string()), now),
        None => {
            let why = format!("{root_key} is missing or not a folder: nothing applied or pruned");
            return finish(catalog, state, SyncReport::from_error(why), now);
        }
    };
    let mut plan = FilePlan::new(&root_key, &loads, &state, allow_empty_prune);
    plan.drop_duplicates();
    let mut report = SyncReport::default();
    let applied = apply_with_fallback(catalog, &mut plan, policy.take_ownership)?;
    match applied {
        Applied::FolderError(unattributed) => report.folder_error = Some(unattributed),
        Applied::Results(results) => report.changed.extend(
            results
                .into_iter()
                .filter(|r| r.outcome != crate::store::ApplyOutcome::Unchanged),
        ),
    }
    if report.folder_error.is_none() {
        if loads.is_empty() && !allow_empty_prune {
            report.folder_error = Some(
                "the folder has no manifests: nothing pruned (serve --watch-prune-empty allows it)".into(),
            );
        } else {
            let pruned = prune_absent(catalog, &root_key, &plan.keep(), false).map_err(store_error)?;
            report.changed.extend(pruned);
        }
    }
    plan.record(&mut state, now);
    report.broken_files = state
        .files
        .values()
        .filter(|f| f.state == FileSyncState::Error)
        .count();
    finish(catalog, state, report, now)
}

impl SyncReport {
    fn from_error(why: String) -> Self {
        SyncReport {
            folder_error: Some(why),
            ..Default::default()
        }
    }
}

fn store_error(e: ApplyError) -> StoreError {
    match e {
        ApplyError::Store(e) => e,
        ApplyError::Invalid(problems) => StoreError::Conflict(problems.join("; ")),
    }
}

/// Records the pass (state, events, log) and returns the report.
fn finish(
    catalog: &Catalog,
    mut state: FolderSync,
    report: SyncReport,
    now: u64,
) -> Result<SyncReport, StoreError> {
    let mut messages: Vec<String> = report
        .changed
        .iter()
        .map(|r| {
            format!(
                "{}/{} {}",
                r.kind.as_str().to_lowercase(),
                r.name,
                serde_json::to_value(r.outcome)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            )
        })
        .collect();
    if let Some(e) = &report.folder_error {
        warn!(folder = %state.root, error = %e, "folder sync incomplete");
        messages.push(format!("sync incomplete: {e}"));
    }
    for (file, f) in &state.files {
        if matches!(f.state, FileSyncState::Error | FileSyncState::Empty) {
            for e in &f.errors {
                warn!(folder = %state.root, file = %file, error = %e, "manifest error; keeping its last good version");
            }
        }
    }
    for m in messages {
        info!(folder = %state.root, "{m}");
        crate::store::ServiceEvent::push(&mut state.events, m, now);
    }
    state.error = report.folder_error.clone();
    catalog.put_folder_sync(&state)?;
    Ok(report)
}

/// What each file contributes to a pass.
struct FilePlan {
    root: String,
    files: BTreeMap<String, PlannedFile>,
}

struct PlannedFile {
    hash: String,
    /// Parsed from the current content.
    current: Option<Vec<crate::model::Manifest>>,
    /// What is applied for this file in this pass.
    docs: Vec<Document>,
    /// Keys this file claims (kept from pruning even if not applied).
    claims: BTreeSet<String>,
    errors: Vec<String>,
    last_good: Vec<crate::model::Manifest>,
    /// Emptied: its last good version stays in force.
    emptied: bool,
}

/// What an emptied file reports while its last good version is kept.
const EMPTIED: &str = "the file is empty (or only comments): its last good version is kept; remove the file to prune what it declared";

impl FilePlan {
    fn new(root: &str, loads: &[FileLoad], state: &FolderSync, allow_empty_prune: bool) -> Self {
        let mut files = BTreeMap::new();
        for load in loads {
            let last_good = state
                .files
                .get(&load.file)
                .map(|f| f.last_good.clone())
                .unwrap_or_default();
            let emptied = !allow_empty_prune
                && !last_good.is_empty()
                && load.result.as_ref().is_ok_and(|ms| ms.is_empty());
            let (current, errors) = match &load.result {
                _ if emptied => (None, vec![EMPTIED.to_string()]),
                Ok(ms) => (Some(ms.clone()), Vec::new()),
                Err(errs) => (None, errs.iter().map(ToString::to_string).collect()),
            };
            let in_force = current.clone().unwrap_or_else(|| last_good.clone());
            let origin = Origin {
                root: root.to_string(),
                file: load.file.clone(),
            };
            let docs: Vec<Document> = in_force
                .into_iter()
                .map(|manifest| Document {
                    manifest,
                    origin: origin.clone(),
                })
                .collect();
            let mut claims: BTreeSet<String> = docs.iter().map(|d| object_key(&d.manifest)).collect();
            // A broken or emptied file still claims its last good objects; a good file claims
            // only what it declares now, so removing a document prunes it.
            if current.is_none() {
                claims.extend(last_good.iter().map(object_key));
            }
            files.insert(
                load.file.clone(),
                PlannedFile {
                    hash: load.hash.clone(),
                    current,
                    docs,
                    claims,
                    errors,
                    last_good,
                    emptied,
                },
            );
        }
        Self {
            root: root.to_string(),
            files,
        }
    }

    /// An object declared in two files is a conflict reported on both; neither applies it.
    fn drop_duplicates(&mut self) {
        let mut declared: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (file, f) in &self.files {
            for d in &f.docs {
                declared
                    .entry(d.manifest.describe())
                    .or_default()
                    .push(file.clone());
            }
        }
        for (object, files) in declared.into_iter().filter(|(_, files)| files.len() > 1) {
            for file in &files {
                if let Some(f) = self.files.get_mut(file) {
                    f.docs.retain(|d| d.manifest.describe() != object);
                    f.errors.push(format!(
                        "{object} is declared in several files: {}",
                        files.join(", ")
                    ));
                }
            }
        }
    }

    fn all_docs(&self) -> Vec<Document> {
        self.files.values().flat_map(|f| f.docs.clone()).collect()
    }

    /// Every key some file claims: never pruned in this pass.
    fn keep(&self) -> BTreeSet<String> {
        self.files
            .values()
            .flat_map(|f| f.claims.iter().cloned())
            .collect()
    }

    /// The file declaring `object` (as `Manifest::describe`), if any.
    fn file_of(&self, problem: &str) -> Option<String> {
        self.files
            .iter()
            .find(|(_, f)| {
                f.docs.iter().any(|d| {
                    let object = d.manifest.describe();
                    problem
                        .strip_prefix(&object)
                        .is_some_and(|rest| rest.starts_with([':', ' ']))
                })
            })
            .map(|(file, _)| file.clone())
    }

    fn record(&self, state: &mut FolderSync, now: u64) {
        let old = std::mem::take(&mut state.files);
        for (file, f) in &self.files {
            let previous = old.get(file);
            let ok = f.errors.is_empty() && f.current.is_some();
            state.files.insert(
                file.clone(),
                FileSync {
                    state: match (ok, f.emptied) {
                        (true, _) => FileSyncState::Synced,
                        (false, true) => FileSyncState::Empty,
                        (false, false) => FileSyncState::Error,
                    },
                    hash: f.hash.clone(),
                    errors: f.errors.clone(),
                    applied_at: if ok {
                        Some(now)
                    } else {
                        previous.and_then(|p| p.applied_at)
                    },
                    applied_hash: if ok {
                        Some(f.hash.clone())
                    } else {
                        previous.and_then(|p| p.applied_hash.clone())
                    },
                    last_good: if ok {
                        f.current.clone().unwrap_or_default()
                    } else {
                        f.last_good.clone()
                    },
                },
            );
        }
    }
}

/// What applying a folder's files gave.
enum Applied {
    /// What each object's apply did.
    Results(Vec<ApplyResult>),
    /// A problem that cannot be traced to one file (the folder as a whole is in error).
    FolderError(String),
}

/// Applies every file's documents; a file whose objects are refused falls back to its last good
/// version (then to nothing) and is marked in error.
fn apply_with_fallback(
    catalog: &Catalog,
    plan: &mut FilePlan,
    take_ownership: bool,
) -> Result<Applied, StoreError> {
    let options = ApplyOptions {
        take_ownership,
        ..Default::default()
    };
    for _ in 0..=plan.files.len() {
        let docs = plan.all_docs();
        match apply_documents(catalog, &docs, &options) {
            Ok(results) => return Ok(Applied::Results(results)),
            Err(ApplyError::Store(e)) => return Err(e),
            Err(ApplyError::Invalid(problems)) => {
                let mut unattributed = Vec::new();
                for problem in problems {
                    let Some(file) = plan.file_of(&problem) else {
                        unattributed.push(problem);
                        continue;
                    };
                    if let Some(f) = plan.files.get_mut(&file) {
                        f.errors.push(problem);
                        let in_force_is_last_good =
                            f.current.is_none() || f.docs.iter().map(|d| &d.manifest).eq(f.last_good.iter());
                        f.docs = if in_force_is_last_good {
                            Vec::new()
                        } else {
                            f.last_good
                                .iter()
                                .map(|m| Document {
                                    manifest: m.clone(),
                                    origin: Origin {
                                        root: plan.root.clone(),
                                        file: file.clone(),
                                    },
                                })
                                .collect()
                        };
                    }
                }
                if !unattributed.is_empty() {
                    return Ok(Applied::FolderError(unattributed.join("; ")));
                }
            }
        }
    }
    Ok(Applied::FolderError(
        "the folder's manifests could not be applied".into(),
    ))
}

#[cfg(test)]
mod tests;
