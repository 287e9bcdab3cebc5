//! Noticing saves: file events from the operating system (inotify, through notify),
//! debounced so an editor's burst of writes (a temporary file, then a rename over the
//! original) counts once, or polling where events do not arrive (WSL, network drives).
//!
//! A [`Sentinel`] also looks at the watched file's modification time now and then: when it
//! changed and no event came, events are not arriving here, and watch mode says so and
//! switches to polling.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant, SystemTime};

use notify::{EventKind, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};
use notify_debouncer_full::{
    DebounceEventHandler, DebounceEventResult, Debouncer, RecommendedCache, new_debouncer_opt,
};

use super::Event;

/// Quiet time after the last event of a file before it counts as saved.
const DEBOUNCE: Duration = Duration::from_millis(10);
/// How often the debouncer looks for quiet files.
const TICK: Duration = Duration::from_millis(5);
/// How often polling looks at the files.
const POLL: Duration = Duration::from_millis(250);
/// A change the sentinel saw counts as missed when no event came within this time.
const MISSED_AFTER: Duration = Duration::from_millis(1500);

/// The watcher of the exercises folder; events stop when it is dropped.
pub(crate) struct FileEvents {
    polls: bool,
    /// The debouncer and its watcher, kept alive.
    _watching: Box<dyn std::any::Any>,
}

impl FileEvents {
    /// Watches `dir` (recursively), sending [`Event::Saved`] for each saved `.rs` file.
    pub(crate) fn start(
        dir: &Path,
        poll: bool,
        events: Sender<Event>,
    ) -> notify::Result<FileEvents> {
        let handler = move |result: DebounceEventResult| match result {
            Ok(batch) => {
                let mut saved: Vec<PathBuf> = batch
                    .iter()
                    .filter(|e| is_write(e.kind))
                    .flat_map(|e| e.paths.iter().cloned())
                    .filter(|p| p.extension().is_some_and(|x| x == "rs"))
                    .collect();
                saved.dedup();
                for path in saved {
                    let _ = events.send(Event::Saved(path));
                }
            }
            Err(errors) => {
                let _ = events.send(Event::FileWatchFailed(
                    errors
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                ));
            }
        };
        // notify's poller keeps modification times in whole seconds: without comparing
        // contents, a second save within the second of the first would go unseen.
        let config = notify::Config::default()
            .with_poll_interval(POLL)
            .with_compare_contents(poll);
        let watching: Box<dyn std::any::Any> = if poll {
            Box::new(watch::<PollWatcher>(dir, config, handler)?)
        } else {
            Box::new(watch::<RecommendedWatcher>(dir, config, handler)?)
        };
        Ok(FileEvents {
            polls: poll,
            _watching: watching,
        })
    }

    /// Whether this watcher polls.
    pub(crate) fn polls(&self) -> bool {
        self.polls
    }
}

fn watch<W: Watcher + 'static>(
    dir: &Path,
    config: notify::Config,
    handler: impl DebounceEventHandler,
) -> notify::Result<Debouncer<W, RecommendedCache>> {
    let mut debouncer = new_debouncer_opt::<_, W, _>(
        DEBOUNCE,
        Some(TICK),
        handler,
        RecommendedCache::new(),
        config,
    )?;
    debouncer.watch(dir, RecursiveMode::Recursive)?;
    Ok(debouncer)
}

/// Writes, creations, renames and removals; not reads (the compiler opens the file too).
fn is_write(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any
    )
}

/// Tells when the watched file changed without an event saying so.
#[derive(Debug)]
pub(crate) struct Sentinel {
    path: PathBuf,
    stamp: Option<(SystemTime, u64)>,
    unreported_since: Option<Instant>,
    after: Duration,
}

impl Sentinel {
    /// A sentinel watching nothing yet.
    pub(crate) fn new() -> Sentinel {
        Sentinel {
            path: PathBuf::new(),
            stamp: None,
            unreported_since: None,
            after: MISSED_AFTER,
        }
    }

    /// Watches `path` from now on.
    pub(crate) fn watch(&mut self, path: &Path) {
        if self.path != path {
            *self = Sentinel {
                path: path.to_path_buf(),
                stamp: stamp(path),
                unreported_since: None,
                after: self.after,
            };
        }
    }

    /// An event for the file arrived.
    pub(crate) fn saw_event(&mut self) {
        self.stamp = stamp(&self.path);
        self.unreported_since = None;
    }

    /// Looks at the file; true (once) when it changed and no event came in time.
    pub(crate) fn missed_event(&mut self) -> bool {
        let now = stamp(&self.path);
        if now != self.stamp {
            self.stamp = now;
            self.unreported_since.get_or_insert_with(Instant::now);
        }
        let missed = self
            .unreported_since
            .is_some_and(|since| since.elapsed() >= self.after);
        if missed {
            self.unreported_since = None;
        }
        missed
    }
}

fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_without_an_event_is_noticed_and_one_with_an_event_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.rs");
        std::fs::write(&file, "a").unwrap();
        let after = Duration::from_millis(50);
        let mut sentinel = Sentinel {
            after,
            ..Sentinel::new()
        };
        sentinel.watch(&file);
        std::fs::write(&file, "ab").unwrap();
        assert!(!sentinel.missed_event());
        sentinel.saw_event();
        std::thread::sleep(after);
        assert!(!sentinel.missed_event(), "the change was reported");
        std::fs::write(&file, "abc").unwrap();
        assert!(!sentinel.missed_event(), "not yet late");
        std::thread::sleep(after);
        assert!(sentinel.missed_event());
        assert!(!sentinel.missed_event(), "said once");
    }
}
