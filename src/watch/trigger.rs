//! The trigger side of folder sync: watch a folder of manifests and collapse bursts of file
//! events into one `Trigger`, so a long `git checkout` causes one sync, not a storm.
//!
//! Events only say *that* something changed; the consumer always rescans the whole folder.
//! That makes every doubt cheap to resolve: when the watcher may have missed something
//! (overflow, error, the folder appearing or vanishing), it sends `Trigger::Rescan`.

use notify::event::{AccessKind, AccessMode, CreateKind, MetadataKind, ModifyKind, RemoveKind};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::{CancellationToken, DropGuard};
use tracing::{debug, warn};

/// Paths kept per trigger: they are informational, so a huge checkout need not list them all.
const MAX_PATHS: usize = 64;
/// How often the folder's whereabouts are re-checked regardless of events, because some losses
/// produce no event (an unmounted disk, a symlink retargeted, a watch lost in a race).
const LIVENESS_INTERVAL: Duration = Duration::from_secs(5);
/// Bound on re-watching while the tree keeps changing under us; the liveness check retries.
const SETTLE_ATTEMPTS: usize = 8;

/// Events as the platform watcher reports them, before filtering and debouncing.
type RawEvents = mpsc::UnboundedReceiver<notify::Result<Event>>;

/// Why a sync should run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// Files changed; a burst of changes was collapsed into this one trigger (paths are informational).
    Changed {
        /// Some of the relevant paths seen in the burst, sorted.
        paths: Vec<PathBuf>,
    },
    /// The watcher lost track (overflow, error, folder appeared/vanished): rescan everything.
    Rescan {
        /// What made the watcher unsure.
        reason: String,
    },
}

/// Errors starting a watch.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The folder path could not be made absolute.
    #[error("resolve watch folder {path}: {source}")]
    Resolve {
        /// Folder as given.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `start` was called outside a tokio runtime, so the debounce task cannot run.
    #[error("spawn watch task for {path}: {source}")]
    Spawn {
        /// Folder to watch.
        path: PathBuf,
        /// Why.
        source: tokio::runtime::TryCurrentError,
    },
    /// The platform's file watcher could not be created (e.g. too many inotify instances).
    #[error("create file watcher for {path}: {source}")]
    CreateWatcher {
        /// Folder to watch.
        path: PathBuf,
        /// Why.
        source: notify::Error,
    },
    /// A path could not be watched (e.g. permission denied, inotify watch limit reached).
    #[error("watch {path}: {source}")]
    Watch {
        /// The folder, or the ancestor watched while waiting for it to appear.
        path: PathBuf,
        /// Why.
        source: notify::Error,
    },
}

/// Watches one folder recursively for manifest changes.
#[derive(Debug)]
pub struct FolderWatcher {
    /// Cancels the debounce task, which owns (and so drops) the platform watcher.
    _stop: DropGuard,
}

impl FolderWatcher {
    /// Starts watching `dir` recursively. Triggers arrive on the returned receiver once changes
    /// have settled: no new relevant event for `quiet` (e.g. 300 ms), but at most `max_wait`
    /// (e.g. 2 s) after the first event of a burst, so a long `git checkout` yields one trigger,
    /// not a storm. Dropping the FolderWatcher stops watching. Must be called inside a tokio
    /// runtime. A missing `dir` is not an error: a `Rescan` arrives when it appears.
    pub fn start(
        dir: &Path,
        quiet: Duration,
        max_wait: Duration,
    ) -> Result<(FolderWatcher, mpsc::Receiver<Trigger>), WatchError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|source| WatchError::Spawn {
            path: dir.to_path_buf(),
            source,
        })?;
        let root = std::path::absolute(dir).map_err(|source| WatchError::Resolve {
            path: dir.to_path_buf(),
            source,
        })?;
        let (watcher, event_rx) = platform_watcher(&root)?;
        // One slot is enough: a trigger still waiting in it already promises a full rescan that
        // will see every later change, so later triggers are dropped while it waits.
        let (trigger_tx, trigger_rx) = mpsc::channel(1);
        let mut task = WatchTask {
            root,
            watcher,
            watched: Target::Nothing,
            burst: None,
            quiet,
            max_wait,
            triggers: trigger_tx,
        };
        task.settle()?;
        let stop = CancellationToken::new();
        runtime.spawn(task.run(event_rx, stop.clone()));
        Ok((
            FolderWatcher {
                _stop: stop.drop_guard(),
            },
            trigger_rx,
        ))
    }
}

/// The OS watcher (inotify, FSEvents, ...) feeding its events into a tokio channel.
fn platform_watcher(root: &Path) -> Result<(RecommendedWatcher, RawEvents), WatchError> {
    // The handler runs on notify's own thread and must not block; the task drains the queue
    // as fast as events arrive, so an unbounded channel stays short.
    let (event_tx, event_rx) = mpsc::unbounded_channel();
    let watcher = notify::recommended_watcher(move |event| {
        // Fails only once the task has stopped, when nobody wants the event any more.
        let _ = event_tx.send(event);
    })
    .map_err(|source| WatchError::CreateWatcher {
        path: root.to_path_buf(),
        source,
    })?;
    Ok((watcher, event_rx))
}

/// Whether a path can affect the manifests: `*.yaml|*.yml|*.json` files and directories, never
/// hidden entries (any path component starting with `.`, e.g. `.git/…`, `.file.yaml.swp`) nor
/// editor backups (`~` suffix, `#…#`).
///
/// Components above `root` are not judged, so a root under `~/.config` still works. A path
/// that no longer exists and has no extension may have been a directory, so it counts.
pub fn is_relevant(root: &Path, path: &Path) -> bool {
    let Some(relative) = visible_relative(root, path) else {
        return false;
    };
    relative.as_os_str().is_empty()
        || has_manifest_extension(path)
        || path.is_dir()
        || (path.extension().is_none() && !path.exists())
}

/// `path` relative to `root`, or `None` when a component is hidden or an editor backup.
/// A path outside `root` (spelled differently, e.g. through a symlink) is judged by its name.
fn visible_relative<'a>(root: &Path, path: &'a Path) -> Option<&'a Path> {
    let relative = path
        .strip_prefix(root)
        .unwrap_or_else(|_| path.file_name().map_or(path, Path::new));
    let hidden = relative
        .components()
        .any(|c| matches!(c, Component::Normal(name) if is_hidden_or_backup(name)));
    (!hidden).then_some(relative)
}

fn is_hidden_or_backup(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.')
        || name.ends_with('~')
        || (name.len() > 1 && name.starts_with('#') && name.ends_with('#'))
}

/// The manifest loader's own rule, so watching and loading never disagree.
fn has_manifest_extension(path: &Path) -> bool {
    crate::model::is_manifest_file(path)
}

/// Whether an event inside the watched folder can affect the manifests.
fn event_is_relevant(root: &Path, event: &Event) -> bool {
    match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => {}
        // Reads, including the consumer's own rescan, must not cause another sync.
        EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)) => {
            return false;
        }
        // The kind says it was a directory, whatever its name; it may have held manifests.
        EventKind::Create(CreateKind::Folder) | EventKind::Remove(RemoveKind::Folder) => {
            return event.paths.iter().any(|p| visible_relative(root, p).is_some());
        }
        _ => {}
    }
    event.paths.iter().any(|p| is_relevant(root, p))
}

/// Whether the event says the watched folder itself was removed or moved away; its watch is
/// then dead even if a new folder already stands at the same path.
fn event_loses_root(root: &Path, event: &Event) -> bool {
    matches!(
        event.kind,
        EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_))
    ) && event.paths.iter().any(|p| p == root)
}

/// What the platform watcher is pointed at.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// The folder itself, recursively, by its canonical path (the one events report).
    Folder(PathBuf),
    /// The nearest existing ancestor, non-recursively, to see the folder appear.
    Ancestor(PathBuf),
    /// Nothing could be watched; only the liveness check notices changes.
    Nothing,
}

impl Target {
    /// Where the watch belongs now, judged from the file system.
    fn for_root(root: &Path) -> Target {
        if root.is_dir() {
            return Target::Folder(std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()));
        }
        match root.ancestors().find(|p| p.exists()) {
            Some(ancestor) => Target::Ancestor(ancestor.to_path_buf()),
            None => Target::Nothing,
        }
    }
}

/// Changes seen since the last trigger, collapsed into one.
#[derive(Debug)]
struct Burst {
    first: Instant,
    last: Instant,
    paths: BTreeSet<PathBuf>,
    rescan: Option<String>,
}

impl Burst {
    fn new(now: Instant) -> Burst {
        Burst {
            first: now,
            last: now,
            paths: BTreeSet::new(),
            rescan: None,
        }
    }

    /// When the burst is over: `quiet` after its last event, but no later than `max_wait`
    /// after its first.
    fn deadline(&self, quiet: Duration, max_wait: Duration) -> Instant {
        (self.last + quiet).min(self.first + max_wait)
    }

    /// A rescan reason wins over paths: the first reason is kept, as it started the doubt.
    fn into_trigger(self) -> Trigger {
        match self.rescan {
            Some(reason) => Trigger::Rescan { reason },
            None => Trigger::Changed {
                paths: self.paths.into_iter().collect(),
            },
        }
    }
}

/// The debounce loop: owns the platform watcher, moves it as the folder comes and goes, and
/// sends triggers when bursts settle.
struct WatchTask {
    /// The folder as configured (absolute, not canonical), checked for existence.
    root: PathBuf,
    watcher: RecommendedWatcher,
    watched: Target,
    burst: Option<Burst>,
    quiet: Duration,
    max_wait: Duration,
    triggers: mpsc::Sender<Trigger>,
}

impl WatchTask {
    async fn run(
        mut self,
        mut events: mpsc::UnboundedReceiver<notify::Result<Event>>,
        stop: CancellationToken,
    ) {
        let start = Instant::now() + LIVENESS_INTERVAL;
        let mut liveness = tokio::time::interval_at(start, LIVENESS_INTERVAL);
        liveness.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let deadline = self.burst.as_ref().map(|b| b.deadline(self.quiet, self.max_wait));
            tokio::select! {
                () = stop.cancelled() => return,
                () = self.triggers.closed() => return,
                event = events.recv() => match event {
                    Some(event) => self.on_event(event),
                    None => return,
                },
                () = sleep_until(deadline) => self.flush(),
                _ = liveness.tick() => self.refresh(),
            }
        }
    }

    fn on_event(&mut self, event: notify::Result<Event>) {
        let event = match event {
            Ok(event) => event,
            Err(err) => {
                warn!(root = %self.root.display(), error = %err, "file watcher error");
                return self.record_rescan(format!("watcher error: {err}"));
            }
        };
        if event.need_rescan() {
            warn!(root = %self.root.display(), "file watcher lost events");
            return self.record_rescan("file events overflowed".to_string());
        }
        let Target::Folder(watched) = &self.watched else {
            // Waiting for the folder: anything in the ancestor may be a step towards it.
            return self.refresh();
        };
        if event_loses_root(watched, &event) {
            self.watched = Target::Nothing;
            self.record_rescan("folder vanished".to_string());
            self.refresh();
        } else if event.paths.is_empty() && !matches!(event.kind, EventKind::Access(_)) {
            self.record_rescan(format!("file event without paths: {:?}", event.kind));
        } else if event_is_relevant(watched, &event) {
            let paths = event.paths;
            self.record_change(paths);
        } else {
            debug!(kind = ?event.kind, paths = ?event.paths, "irrelevant file event dropped");
        }
    }

    /// Re-checks where the folder is, moves the watch to match, and says so when the folder
    /// came or went.
    fn refresh(&mut self) {
        let was_watching = matches!(self.watched, Target::Folder(_));
        if let Err(err) = self.settle() {
            warn!(root = %self.root.display(), error = %err, "cannot watch folder; retrying later");
            self.watched = Target::Nothing;
        }
        match (was_watching, matches!(self.watched, Target::Folder(_))) {
            (true, false) => self.record_rescan("folder vanished".to_string()),
            (false, true) => self.record_rescan("folder appeared".to_string()),
            _ => {}
        }
    }

    /// Points the platform watcher where `Target::for_root` says. The tree may change between
    /// looking and watching, so the target is looked up again afterwards.
    fn settle(&mut self) -> Result<(), WatchError> {
        for _ in 0..SETTLE_ATTEMPTS {
            let target = Target::for_root(&self.root);
            if target == self.watched {
                return Ok(());
            }
            self.unwatch();
            let (path, mode) = match &target {
                Target::Folder(path) => (path, RecursiveMode::Recursive),
                Target::Ancestor(path) => (path, RecursiveMode::NonRecursive),
                Target::Nothing => return Ok(()),
            };
            self.watcher
                .watch(path, mode)
                .map_err(|source| WatchError::Watch {
                    path: path.clone(),
                    source,
                })?;
            debug!(root = %self.root.display(), target = ?target, "watching");
            self.watched = target;
        }
        Ok(())
    }

    fn unwatch(&mut self) {
        if let Target::Folder(path) | Target::Ancestor(path) = &self.watched {
            // The platform may already have dropped the watch with the path; nothing to undo.
            if let Err(err) = self.watcher.unwatch(path) {
                debug!(path = %path.display(), error = %err, "unwatch failed");
            }
        }
        self.watched = Target::Nothing;
    }

    fn record_change(&mut self, paths: Vec<PathBuf>) {
        let burst = self.burst.get_or_insert_with(|| Burst::new(Instant::now()));
        burst.last = Instant::now();
        for path in paths {
            if burst.paths.len() < MAX_PATHS {
                burst.paths.insert(path);
            }
        }
    }

    fn record_rescan(&mut self, reason: String) {
        let burst = self.burst.get_or_insert_with(|| Burst::new(Instant::now()));
        burst.last = Instant::now();
        burst.rescan.get_or_insert(reason);
    }

    fn flush(&mut self) {
        let Some(burst) = self.burst.take() else {
            return;
        };
        if let Err(mpsc::error::TrySendError::Full(trigger)) = self.triggers.try_send(burst.into_trigger()) {
            debug!(
                ?trigger,
                "previous trigger not taken yet; its rescan will cover this one"
            );
        }
    }
}

/// Sleeps until `deadline`, or forever when there is none.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests;
