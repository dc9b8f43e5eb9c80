//! Reading manifests from files, directories and stdin, with located errors.
//!
//! Every document is parsed twice: once as a generic YAML value to learn its kind, then
//! straight from its text into the typed spec, so type errors keep their line and column.

use super::cluster::ClusterSpec;
use super::limits::{MAX_MANIFEST_FILE_BYTES, MAX_YAML_FLOW_DEPTH};
use super::manifest::{API_VERSION, Document, Kind, Manifest, Metadata};
use super::service::ServiceSpec;
use super::task_definition::TaskDefinitionSpec;
use serde::de::DeserializeOwned;
use serde_yaml_ng::Value;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A manifest together with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedManifest {
    /// The parsed, normalized and validated manifest.
    pub manifest: Manifest,
    /// File (or `<stdin>`) the document came from.
    pub file: String,
    /// 1-based line where the document starts.
    pub line: usize,
}

/// A problem with one document, located as precisely as ecsd knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// File (or `<stdin>`).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// Field path, when the problem is in a field.
    pub path: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if let Some(path) = &self.path {
            write!(f, ": {path}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Loads every manifest under `paths` (`-` is stdin); all errors are collected, none is fatal early.
pub fn load_paths(
    paths: &[PathBuf],
    stdin: &mut dyn Read,
) -> Result<Vec<LoadedManifest>, Vec<ManifestError>> {
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            match read_bounded(stdin) {
                Ok(text) => parse_text("<stdin>", &text, &mut loaded, &mut errors),
                Err(why) => errors.push(file_error("<stdin>", why)),
            }
            continue;
        }
        match manifest_files(path) {
            Ok(files) => {
                for file in files {
                    let name = file.display().to_string();
                    match read_file(&file) {
                        Ok(text) => parse_text(&name, &text, &mut loaded, &mut errors),
                        Err(why) => errors.push(file_error(&name, why)),
                    }
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(loaded)
    } else {
        Err(errors)
    }
}

fn file_error(file: &str, message: String) -> ManifestError {
    ManifestError {
        file: file.to_string(),
        line: None,
        column: None,
        path: None,
        message,
    }
}

/// One manifest file of a folder, parsed on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct FileLoad {
    /// Path relative to the folder (empty when the folder is the file itself).
    pub file: String,
    /// Hash of the file's content, to tell whether it changed.
    pub hash: String,
    /// Its manifests, or every problem found in it.
    pub result: Result<Vec<Manifest>, Vec<ManifestError>>,
}

/// Reads every manifest file under `root` (a folder, or a single file), each on its own so a
/// broken file does not hide the others. Fails only when `root` itself cannot be listed.
pub fn load_folder(root: &Path) -> Result<Vec<FileLoad>, ManifestError> {
    let files = manifest_files(root)?;
    let root_is_file = root.is_file();
    let mut out = Vec::new();
    for path in files {
        let relative = if root_is_file {
            String::new()
        } else {
            path.strip_prefix(root).unwrap_or(&path).display().to_string()
        };
        let name = path.display().to_string();
        let (hash, result) = match read_file(&path) {
            Ok(text) => {
                let mut loaded = Vec::new();
                let mut errors = Vec::new();
                parse_text(&name, &text, &mut loaded, &mut errors);
                let result = if errors.is_empty() {
                    Ok(loaded.into_iter().map(|l| l.manifest).collect())
                } else {
                    Err(errors)
                };
                (content_hash(&text), result)
            }
            Err(why) => (String::new(), Err(vec![file_error(&name, why)])),
        };
        out.push(FileLoad {
            file: relative,
            hash,
            result,
        });
    }
    Ok(out)
}

/// The text of a manifest file, refusing one larger than `MAX_MANIFEST_FILE_BYTES`.
fn read_file(path: &Path) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    read_bounded(&mut &file)
}

/// All of `input` as UTF-8 text, reading at most one byte past `MAX_MANIFEST_FILE_BYTES`, so
/// a huge (or endless) input is refused without being held in memory.
fn read_bounded(input: &mut dyn Read) -> Result<String, String> {
    let mut text = String::new();
    input
        .take(MAX_MANIFEST_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read: {e}"))?;
    if text.len() as u64 > MAX_MANIFEST_FILE_BYTES {
        return Err(format!(
            "larger than {MAX_MANIFEST_FILE_BYTES} bytes: split it into several files"
        ));
    }
    Ok(text)
}

/// A stable hash of a file's content (FNV-1a, 64 bit, hex).
pub fn content_hash(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The manifest files a path names: the file itself, or a directory's `*.yaml|*.yml|*.json`
/// files, recursively, sorted, skipping hidden entries (such as `.git`).
pub fn manifest_files(path: &Path) -> Result<Vec<PathBuf>, ManifestError> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| file_error(&name, format!("cannot read: {e}")))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut dirs = vec![path.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| file_error(&dir.display().to_string(), format!("cannot read directory: {e}")))?;
        for entry in entries.flatten() {
            let p = entry.path();
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if hidden {
                continue;
            }
            if p.is_dir() {
                dirs.push(p);
            } else if is_manifest_file(&p) {
                files.push(p);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Whether a file name is a manifest: `*.yaml`, `*.yml` or `*.json`.
pub fn is_manifest_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Parses every document of one file's text into `loaded`, or its problems into `errors`.
pub fn parse_text(file: &str, text: &str, loaded: &mut Vec<LoadedManifest>, errors: &mut Vec<ManifestError>) {
    if let Some(line) = too_deep_at(text) {
        errors.push(ManifestError {
            line: Some(line),
            ..file_error(
                file,
                format!("[ and {{ nest more than {MAX_YAML_FLOW_DEPTH} levels deep"),
            )
        });
        return;
    }
    for (line, doc) in split_documents(text) {
        match parse_document(file, line, doc) {
            Ok(Some(manifest)) => loaded.push(LoadedManifest {
                manifest,
                file: file.to_string(),
                line,
            }),
            Ok(None) => {}
            Err(mut errs) => errors.append(&mut errs),
        }
    }
}

/// The 1-based line where `[`/`{` first nest deeper than `MAX_YAML_FLOW_DEPTH`, if they do.
/// Brackets inside strings and comments count too: cheaper than a tokenizer, and only a text
/// with dozens of unclosed brackets in a row is refused.
fn too_deep_at(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut line = 1;
    for b in text.bytes() {
        match b {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'\n' => line += 1,
            _ => {}
        }
        if depth > MAX_YAML_FLOW_DEPTH {
            return Some(line);
        }
    }
    None
}

/// Splits a YAML stream at `---`/`...` marker lines; yields (1-based start line, text).
/// Each document keeps its own text so it can be parsed twice with exact positions.
fn split_documents(text: &str) -> Vec<(usize, &str)> {
    let mut docs = Vec::new();
    let mut start_byte = 0;
    let mut start_line = 1;
    let mut offset = 0;
    for (idx, line) in text.split_inclusive('\n').enumerate() {
        let bare = line.trim_end_matches(['\n', '\r']);
        let is_marker =
            |m: &str| bare == m || bare.starts_with(&format!("{m} ")) || bare.starts_with(&format!("{m}\t"));
        if is_marker("---") || is_marker("...") {
            docs.push((start_line, &text[start_byte..offset]));
            if bare[3..].trim().is_empty() {
                start_byte = offset + line.len();
                start_line = idx + 2;
            } else {
                // Content after `--- ` on the marker line belongs to the next document.
                start_byte = offset + 3;
                start_line = idx + 1;
            }
        }
        offset += line.len();
    }
    docs.push((start_line, &text[start_byte..]));
    docs
}

fn parse_document(file: &str, line: usize, doc: &str) -> Result<Option<Manifest>, Vec<ManifestError>> {
    let located = |path: Option<String>, message: String, at: Option<(usize, usize)>| ManifestError {
        file: file.to_string(),
        line: Some(at.map_or(line, |(l, _)| l)),
        column: at.map(|(_, c)| c),
        path,
        message,
    };
    let value: Value = serde_yaml_ng::from_str(doc).map_err(|e| {
        let at = e.location().map(|l| (line + l.line() - 1, l.column()));
        vec![located(None, strip_location(&e.to_string()), at)]
    })?;
    let map = match &value {
        Value::Null => return Ok(None),
        Value::Mapping(map) => map,
        _ => {
            return Err(vec![located(
                None,
                "expected a mapping with apiVersion, kind, metadata and spec".into(),
                None,
            )]);
        }
    };
    let has = |key: &str| map.contains_key(key);
    let mut manifest = if has("apiVersion") || has("kind") {
        parse_envelope(map.get("kind"), doc, line, &located)?
    } else if has("containerDefinitions") {
        Manifest::TaskDefinition(raw(
            typed::<TaskDefinitionSpec>(doc, line, &located)?,
            Kind::TaskDefinition,
        ))
    } else if has("serviceName") {
        Manifest::Service(raw(typed::<ServiceSpec>(doc, line, &located)?, Kind::Service))
    } else {
        return Err(vec![located(
            None,
            "not a manifest: expected apiVersion and kind, or ECS JSON with family and \
             containerDefinitions (RegisterTaskDefinition) or serviceName (CreateService)"
                .into(),
            None,
        )]);
    };
    let mut problems = manifest.normalize();
    problems.extend(manifest.validate());
    if problems.is_empty() {
        Ok(Some(manifest))
    } else {
        Err(problems
            .into_iter()
            .map(|p| {
                let at = locate::locate(doc, &p.path).map(|(l, c)| (line + l - 1, c));
                located(Some(p.path), p.message, at)
            })
            .collect())
    }
}

type Locate<'a> = &'a dyn Fn(Option<String>, String, Option<(usize, usize)>) -> ManifestError;

fn parse_envelope(
    kind: Option<&Value>,
    doc: &str,
    line: usize,
    located: Locate,
) -> Result<Manifest, Vec<ManifestError>> {
    let given = kind.and_then(Value::as_str);
    let kind = given.and_then(Kind::parse).ok_or_else(|| {
        const KINDS: [&str; 7] = [
            "Cluster",
            "ContainerInstance",
            "TaskDefinition",
            "Service",
            "TargetGroup",
            "LoadBalancer",
            "ScheduledTask",
        ];
        let hint = given
            .and_then(|g| crate::model::closest(g, &KINDS))
            .map(|k| format!("did you mean {k}? "))
            .unwrap_or_default();
        let at = locate::locate(doc, "kind").map(|(l, c)| (line + l - 1, c));
        vec![located(
            Some("kind".into()),
            format!("{hint}expected one of {}", KINDS.join(", ")),
            at,
        )]
    })?;
    Ok(match kind {
        Kind::Cluster => Manifest::Cluster(typed::<Document<ClusterSpec>>(doc, line, located)?),
        Kind::TaskDefinition => Manifest::TaskDefinition(typed(doc, line, located)?),
        Kind::Service => Manifest::Service(typed(doc, line, located)?),
        Kind::TargetGroup => Manifest::TargetGroup(typed(doc, line, located)?),
        Kind::LoadBalancer => Manifest::LoadBalancer(typed(doc, line, located)?),
        Kind::ScheduledTask => Manifest::ScheduledTask(typed(doc, line, located)?),
        Kind::ContainerInstance => Manifest::ContainerInstance(typed(doc, line, located)?),
    })
}

fn raw<S>(spec: S, kind: Kind) -> Document<S> {
    Document {
        api_version: API_VERSION.to_string(),
        kind: kind.as_str().to_string(),
        metadata: Metadata::default(),
        spec,
    }
}

fn typed<T: DeserializeOwned>(doc: &str, line: usize, located: Locate) -> Result<T, Vec<ManifestError>> {
    let de = serde_yaml_ng::Deserializer::from_str(doc);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner();
        let at = inner.location().map(|l| (line + l.line() - 1, l.column()));
        let mut message = strip_location(&inner.to_string());
        // serde_yaml names the enclosing path itself; ecsd prints the path once.
        if let Some((prefix, rest)) = message.split_once(": ")
            && (path == prefix || path.starts_with(prefix) || prefix == ".")
        {
            message = rest.to_string();
        }
        message = suggest_known(&message);
        let path = (path != ".").then_some(path);
        vec![located(path, message, at)]
    })
}

/// serde's "unknown field `comand`, expected one of `a`, `b`, …" (or "unknown variant")
/// with a "did you mean" when one of the expected names is close, instead of the whole list.
fn suggest_known(message: &str) -> String {
    let Some((head, list)) = message
        .split_once(", expected one of ")
        .or_else(|| message.split_once(", expected "))
    else {
        return message.to_string();
    };
    let Some(given) = head.split('`').nth(1) else {
        return message.to_string();
    };
    let known: Vec<&str> = list.split('`').skip(1).step_by(2).collect();
    match crate::model::closest(given, &known) {
        Some(k) => format!("{head}: did you mean `{k}`?"),
        None if known.len() > 12 => format!(
            "{head} ({} names are known; see the README's manifest reference)",
            known.len()
        ),
        None => message.to_string(),
    }
}

/// serde_yaml appends " at line L column C"; ecsd prints the location itself.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(idx) => message[..idx].to_string(),
        None => message.to_string(),
    }
}

mod locate;
#[cfg(test)]
mod tests;
