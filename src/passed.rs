//! The files that passed every check, remembered so that watch mode can show an unchanged,
//! already-passed exercise as passed at once instead of grading it again.
//!
//! `passed.toml` in the build folder maps each exercise id to a fingerprint of what its verdict
//! depended on: the learner's file, the exercise's checks and expected outputs, and this build
//! of `learn`. Any change to one of them and the entry no longer matches. It is a cache, not a
//! record: losing it costs one grading. Never read by `learn verify` or `learn grade`, which
//! always run every check (CI must not trust a file it did not produce).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::build::content_address;
use crate::course::{Course, Exercise, expected_output};

/// What a verdict on an exercise's learner file depends on, hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// The fingerprint of `exercise`'s learner file as it is now, with its checks, expected
    /// outputs and this build of `learn`; `None` when the file cannot be read.
    pub fn of(course: &Course, exercise: &Exercise) -> Option<Fingerprint> {
        let source = std::fs::read(course.root.join(exercise.path())).ok()?;
        // Each part's SHA-256, then the SHA-256 of them all: no part's bytes can run into
        // the next one's, and no crafted file can take the fingerprint of one that passed.
        let mut parts = vec![
            content_address(&source),
            content_address(format!("{:?}", exercise.spec).as_bytes()),
        ];
        for args in exercise.arg_sets() {
            let expected = expected_output(&course.root, exercise, &args).ok();
            parts.push(content_address(format!("{expected:?}").as_bytes()));
        }
        parts.push(content_address(
            format!("{:?}", runner_identity()).as_bytes(),
        ));
        Some(Fingerprint(content_address(parts.join("\n").as_bytes())))
    }
}

/// What the cache keeps of one exercise: the fingerprint of the file that passed, and the
/// warnings rustc gave on it (shown with the pass again, as a graded pass shows them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    fingerprint: String,
    #[serde(default)]
    warnings: Vec<String>,
}

/// The cache of passed files of one build folder.
pub struct PassedCache {
    path: PathBuf,
}

impl PassedCache {
    /// The cache kept in `target_dir`.
    pub fn in_target(target_dir: &Path) -> PassedCache {
        PassedCache {
            path: target_dir.join("passed.toml"),
        }
    }

    /// The warnings rustc gave on the file of exercise `id` with this fingerprint, if it
    /// passed every check; `None` when it did not, or not as it is now.
    pub fn passed(&self, id: &str, fingerprint: &Fingerprint) -> Option<Vec<String>> {
        self.load()
            .remove(id)
            .filter(|entry| entry.fingerprint == fingerprint.0)
            .map(|entry| entry.warnings)
    }

    /// Remembers that the file of exercise `id` with this fingerprint passed every check,
    /// with these warnings.
    pub fn record(
        &self,
        id: &str,
        fingerprint: Fingerprint,
        warnings: &[String],
    ) -> std::io::Result<()> {
        let mut entries = self.load();
        let entry = Entry {
            fingerprint: fingerprint.0,
            warnings: warnings.to_vec(),
        };
        entries.insert(id.to_string(), entry);
        let text = toml::to_string(&entries).map_err(std::io::Error::other)?;
        std::fs::create_dir_all(self.path.parent().expect("the cache is in a folder"))?;
        crate::atomic::write(&self.path, &text)
    }

    /// The entries on disk; none when the file is missing or unreadable (or of an older
    /// format: a cache, it is rebuilt).
    fn load(&self) -> BTreeMap<String, Entry> {
        std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|text| toml::from_str(&text).ok())
            .unwrap_or_default()
    }
}

/// This build of `learn`: its version and when its executable was written.
fn runner_identity() -> (String, Option<std::time::SystemTime>) {
    let written = std::env::current_exe()
        .and_then(std::fs::metadata)
        .and_then(|m| m.modified())
        .ok();
    (env!("CARGO_PKG_VERSION").to_string(), written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course_copy() -> (tempfile::TempDir, Course) {
        let dir = crate::test_support::course_copy();
        let course = Course::load(dir.path()).unwrap();
        (dir, course)
    }

    #[test]
    fn a_recorded_file_counts_as_passed_until_it_changes() {
        let (dir, course) = course_copy();
        let cache = PassedCache::in_target(&dir.path().join("target"));
        let (first, second) = (&course.exercises[0], &course.exercises[1]);
        let now = |e| Fingerprint::of(&course, e).expect("the file is there");
        assert_eq!(
            cache.passed(&first.id, &now(first)),
            None,
            "nothing recorded yet"
        );
        let warnings = ["warning: unused variable: `handle`\n".to_string()];
        cache.record(&first.id, now(first), &warnings).unwrap();
        assert_eq!(
            cache.passed(&first.id, &now(first)),
            Some(warnings.to_vec()),
            "passed, with the warnings it had"
        );
        assert_eq!(
            cache.passed(&second.id, &now(second)),
            None,
            "only the exercise recorded"
        );
        let file = dir.path().join(first.path());
        std::fs::write(
            &file,
            format!("{}\n// changed\n", std::fs::read_to_string(&file).unwrap()),
        )
        .unwrap();
        assert_eq!(
            cache.passed(&first.id, &now(first)),
            None,
            "a changed file is graded again"
        );
    }

    #[test]
    fn a_changed_check_invalidates_the_entry() {
        let (dir, course) = course_copy();
        let cache = PassedCache::in_target(&dir.path().join("target"));
        let mut exercise = course.exercises[0].clone();
        cache
            .record(
                &exercise.id,
                Fingerprint::of(&course, &exercise).unwrap(),
                &[],
            )
            .unwrap();
        exercise.spec.timeout_secs = Some(exercise.spec.timeout_secs.unwrap_or(10.0) + 1.0);
        let now = Fingerprint::of(&course, &exercise).unwrap();
        assert_eq!(cache.passed(&exercise.id, &now), None);
    }
}
