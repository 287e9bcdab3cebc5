//! How far into each exercise's hints the learner has asked: a small TOML file of its own in
//! the course root (`.learn-hints.toml`, gitignored), beside the progress file, which it
//! leaves untouched (older `learn`s read that one and refuse fields they do not know).
//!
//! Not here: the hints themselves (the manifest), nor what is done (`progress`). Losing this
//! file loses nothing of the learner's work: the hints start again at the first nudge, so an
//! unreadable one is read as empty and replaced at the next hint asked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The file, relative to the course root.
pub const HINT_LEVELS_FILE: &str = ".learn-hints.toml";

/// The hint levels the learner has seen, by exercise id.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Seen {
    /// How many levels of each exercise's hints have been shown.
    #[serde(default)]
    shown: BTreeMap<String, usize>,
}

/// The hint levels file of one course.
#[derive(Debug, Clone)]
pub struct HintLevels {
    path: PathBuf,
}

impl HintLevels {
    /// The file of the course at `root`.
    pub fn in_course(root: &Path) -> HintLevels {
        HintLevels {
            path: root.join(HINT_LEVELS_FILE),
        }
    }

    /// How many levels of `id`'s hints have been shown (0: none yet).
    pub fn shown(&self, id: &str) -> usize {
        self.load().shown.get(id).copied().unwrap_or(0)
    }

    /// Asks for one more level of `id`'s hints, of `levels` in all: records it and returns
    /// how many are shown now (at least 1, at most `levels`).
    pub fn ask(&self, id: &str, levels: usize) -> std::io::Result<usize> {
        let mut seen = self.load();
        let shown = seen.shown.entry(id.to_string()).or_insert(0);
        *shown = (*shown + 1).clamp(1, levels.max(1));
        let now = *shown;
        let text = toml::to_string(&seen).map_err(std::io::Error::other)?;
        crate::atomic::write(&self.path, &text)?;
        Ok(now)
    }

    fn load(&self) -> Seen {
        std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|text| toml::from_str(&text).ok())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_ask_shows_one_more_level_up_to_the_last_and_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let levels = HintLevels::in_course(dir.path());
        assert_eq!(levels.shown("a/b"), 0);
        assert_eq!(levels.ask("a/b", 3).unwrap(), 1);
        assert_eq!(levels.ask("a/b", 3).unwrap(), 2);
        assert_eq!(levels.ask("a/b", 3).unwrap(), 3);
        assert_eq!(levels.ask("a/b", 3).unwrap(), 3, "no level past the last");
        assert_eq!(HintLevels::in_course(dir.path()).shown("a/b"), 3);
        assert_eq!(levels.shown("a/c"), 0, "each exercise on its own");
    }

    #[test]
    fn an_unreadable_file_starts_again_at_the_first_nudge() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(HINT_LEVELS_FILE), "not = [toml").unwrap();
        let levels = HintLevels::in_course(dir.path());
        assert_eq!(levels.shown("a/b"), 0);
        assert_eq!(levels.ask("a/b", 2).unwrap(), 1);
    }
}
