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

    /// Reads the progress; a corrupt file is moved aside (never deleted).
    pub fn load(&self) -> std::io::Result<Loaded> {
        let path = self.root.join(PROGRESS_FILE);
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

    fn keep_aside(&self, path: &Path, reason: String) -> std::io::Result<Loaded> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let kept_at = self.root.join(format!("{PROGRESS_FILE}.corrupt-{stamp}"));
        std::fs::rename(path, &kept_at)?;
        Ok(Loaded::Corrupt { kept_at, reason })
    }
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
            std::fs::read_to_string(kept_at).unwrap(),
            "done = [unclosed"
        );
        assert!(!dir.path().join(PROGRESS_FILE).exists());
    }
}
