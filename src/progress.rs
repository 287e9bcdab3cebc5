//! The learner's progress: which exercises are done. One small TOML file in the course root
//! (gitignored), read and written under an exclusive lock so two `learn` at once cannot corrupt
//! it, and written atomically (a temporary file renamed over it) so a crash cannot leave half a
//! file. A file that cannot be read is kept aside, never deleted, and reported.

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The progress file, relative to the course root.
pub const PROGRESS_FILE: &str = ".learn-progress.toml";
const LOCK_FILE: &str = ".learn-progress.lock";

/// A progress file larger than this is set aside unread: a course of a few hundred exercises
/// needs a few KiB, and reading 4 million entries took 20 s and 887 MB.
const MAX_PROGRESS_BYTES: u64 = 1 << 20;

/// What the learner has done.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progress {
    /// Ids of the exercises passed, in the order they were passed.
    pub done: Vec<String>,
}

impl Progress {
    /// Whether `id` is done.
    pub fn is_done(&self, id: &str) -> bool {
        self.done.iter().any(|d| d == id)
    }

    /// Records `id` as done.
    pub fn mark_done(&mut self, id: &str) {
        if !self.is_done(id) {
            self.done.push(id.to_string());
        }
    }
}

/// Where an exercise stands for the learner (`learn list`, watch mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Passed.
    Done,
    /// The one to do now.
    Current,
    /// Not reachable yet.
    Locked,
    /// Reachable because everything is unlocked.
    Open,
}

/// What loading found.
#[derive(Debug)]
pub enum Loaded {
    /// The file was read (or there was none yet).
    Fine(Progress),
    /// The file was corrupt: it was moved to this path and progress must be rebuilt.
    Corrupt {
        /// Where the unreadable file was kept.
        kept_at: PathBuf,
        /// Why it could not be read.
        reason: String,
    },
}

/// Exclusive access to the progress file while held.
pub struct ProgressStore {
    root: PathBuf,
    _lock: File,
}

impl ProgressStore {
    /// Waits for and takes the lock of the course at `root`.
    pub fn lock(root: &Path) -> std::io::Result<ProgressStore> {
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(root.join(LOCK_FILE))?;
        lock.lock()?;
        Ok(ProgressStore {
            root: root.to_path_buf(),
            _lock: lock,
        })
    }

    /// Reads the progress; a corrupt or oversized file is moved aside (never deleted). A folder,
    /// a FIFO or a device in its place is an error that names it (it is not read: a FIFO would
    /// block forever).
    pub fn load(&self) -> std::io::Result<Loaded> {
        let path = self.root.join(PROGRESS_FILE);
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => {
                return Err(not_a_file(&path, "a folder"));
            }
            Ok(meta) if !meta.is_file() => {
                return Err(not_a_file(
                    &path,
                    "not a regular file (a FIFO, a socket or a device)",
                ));
            }
            Ok(meta) if meta.len() > MAX_PROGRESS_BYTES => {
                let reason = format!(
                    "it is {} KiB, and no course needs more than {} KiB",
                    meta.len() / 1024,
                    MAX_PROGRESS_BYTES / 1024
                );
                return self.keep_aside(&path, reason);
            }
            _ => {}
        }
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Ok(Loaded::Fine(Progress::default()));
            }
            Err(e) if e.kind() == ErrorKind::InvalidData => {
                return self.keep_aside(&path, "it is not UTF-8 text".into());
            }
            Err(e) => return Err(e),
        };
        match toml::from_str::<Progress>(&text) {
            Ok(progress) => Ok(Loaded::Fine(progress)),
            Err(e) => self.keep_aside(&path, e.message().to_string()),
        }
    }

    /// Writes the progress atomically.
    pub fn save(&self, progress: &Progress) -> std::io::Result<()> {
        let text = format!(
            "# The exercises you have finished, kept by `learn`. Safe to delete: `learn` then starts over.\n{}",
            toml::to_string(progress).map_err(std::io::Error::other)?
        );
        crate::atomic::write(&self.root.join(PROGRESS_FILE), &text)
    }

    /// Renames the file at `path` to `.learn-progress.toml.corrupt-TIME` (numbered if that
    /// name is taken: an earlier copy is never replaced).
    fn keep_aside(&self, path: &Path, reason: String) -> std::io::Result<Loaded> {
        let stamp = crate::civil_time::file_stamp(std::time::SystemTime::now());
        let kept_at = (1..)
            .map(|n: u32| {
                let suffix = if n == 1 {
                    String::new()
                } else {
                    format!("-{n}")
                };
                self.root
                    .join(format!("{PROGRESS_FILE}.corrupt-{stamp}{suffix}"))
            })
            .find(|candidate| std::fs::symlink_metadata(candidate).is_err())
            .expect("some numbered name is free");
        std::fs::rename(path, &kept_at)?;
        Ok(Loaded::Corrupt { kept_at, reason })
    }
}

/// The error for something other than a file at the progress file's path.
fn not_a_file(path: &Path, what: &str) -> std::io::Error {
    std::io::Error::other(format!(
        "{} is {what}; learn keeps your progress in a file of that name: move it away, and learn starts a new one",
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_keeps_a_corrupt_file_aside() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::lock(dir.path()).unwrap();
        let mut progress = Progress::default();
        progress.mark_done("01_threads/spawn_join");
        store.save(&progress).unwrap();
        assert!(matches!(store.load().unwrap(), Loaded::Fine(p) if p == progress));
        std::fs::write(dir.path().join(PROGRESS_FILE), "done = [unclosed").unwrap();
        let Loaded::Corrupt { kept_at, .. } = store.load().unwrap() else {
            panic!("corrupt file accepted")
        };
        assert_eq!(
            std::fs::read_to_string(&kept_at).unwrap(),
            "done = [unclosed"
        );
        assert!(!dir.path().join(PROGRESS_FILE).exists());
        std::fs::write(dir.path().join(PROGRESS_FILE), "done = [again").unwrap();
        let Loaded::Corrupt {
            kept_at: second, ..
        } = store.load().unwrap()
        else {
            panic!("corrupt file accepted")
        };
        assert_ne!(second, kept_at, "the first copy is not replaced");
        assert_eq!(
            std::fs::read_to_string(&kept_at).unwrap(),
            "done = [unclosed"
        );
        assert_eq!(std::fs::read_to_string(second).unwrap(), "done = [again");
    }

    #[test]
    fn a_folder_at_the_progress_path_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(PROGRESS_FILE)).unwrap();
        let store = ProgressStore::lock(dir.path()).unwrap();
        let error = store.load().unwrap_err().to_string();
        assert!(
            error.contains(&format!("{PROGRESS_FILE} is a folder")),
            "{error}"
        );
        assert!(
            dir.path().join(PROGRESS_FILE).is_dir(),
            "the folder is kept"
        );
    }

    #[test]
    fn a_fifo_at_the_progress_path_is_refused_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(PROGRESS_FILE);
        crate::test_support::fifo(&path);
        let store = ProgressStore::lock(dir.path()).unwrap();
        let error = store.load().unwrap_err().to_string();
        assert!(error.contains("not a regular file"), "{error}");
    }

    #[test]
    fn an_oversized_progress_file_is_set_aside_unread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(PROGRESS_FILE);
        let huge = format!("done = [{}]\n", "\"x/y\", ".repeat(200_000));
        std::fs::write(&path, &huge).unwrap();
        let store = ProgressStore::lock(dir.path()).unwrap();
        let Loaded::Corrupt { kept_at, reason } = store.load().unwrap() else {
            panic!("an oversized file was read")
        };
        assert!(
            reason.contains("no course needs more than 1024 KiB"),
            "{reason}"
        );
        assert_eq!(std::fs::read_to_string(kept_at).unwrap(), huge);
        assert!(!path.exists());
    }

    #[test]
    fn a_failed_save_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the file should go: the rename fails.
        std::fs::create_dir(dir.path().join(PROGRESS_FILE)).unwrap();
        std::fs::write(dir.path().join(PROGRESS_FILE).join("inside"), "x").unwrap();
        let store = ProgressStore::lock(dir.path()).unwrap();
        assert!(store.save(&Progress::default()).is_err());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.contains(".tmp"))
            .collect();
        assert!(left.is_empty(), "left behind: {left:?}");
    }
}
