//! The protected files of a course repository (the manifest, snapshots, harnesses, solutions,
//! runner, build configuration, workflows) and which of them a submission changed, compared
//! with the pristine course's: read as [`submission::read`] reads, so a link is compared by its
//! target's text and a FIFO, a device or a file over the bound counts as changed, never read.
//!
//! Not here: what is graded (`grading`), how a change is reported (`report`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::report::scored::{ChangeKind, ProtectedChange};
use crate::submission::read::{self, Found};
use crate::tree;

/// The files of a course repository that a learner has no reason to change: the manifest,
/// snapshots, starters and harnesses (`course/`), the solutions, the runner and its tests, its
/// build configuration and the CI workflows. Paths relative to the repository root.
pub const PROTECTED: [&str; 11] = [
    "course",
    "solutions",
    "tests",
    "src",
    ".github",
    ".cargo",
    "Cargo.toml",
    "Cargo.lock",
    "build.rs",
    "rust-toolchain",
    "rust-toolchain.toml",
];

/// The [`PROTECTED`] files that differ between the pristine course and the submission.
pub fn changes(pristine: &Path, submission: &Path) -> std::io::Result<Vec<ProtectedChange>> {
    let (before, after) = (files(pristine)?, files(submission)?);
    let mut changes = Vec::new();
    for path in before.union(&after) {
        let kind = match (before.contains(path), after.contains(path)) {
            (true, false) => ChangeKind::Removed,
            (false, true) => ChangeKind::Added,
            _ if !same(&content(pristine, path)?, &content(submission, path)?) => {
                ChangeKind::Changed
            }
            _ => continue,
        };
        changes.push(ProtectedChange {
            path: path.clone(),
            kind,
        });
    }
    Ok(changes)
}

/// Every file under the protected paths of `root`, relative to it.
fn files(root: &Path) -> std::io::Result<BTreeSet<PathBuf>> {
    let mut files = BTreeSet::new();
    for top in PROTECTED {
        tree::collect(root, Path::new(top), &mut files)?;
    }
    Ok(files)
}

/// A protected file's bytes or a link's target, never followed, within the source bound.
fn content(root: &Path, path: &Path) -> std::io::Result<Found> {
    read::read(root, path, read::SOURCE_LIMIT)
}

/// Whether two contents are the same file: equal bytes, or links to the same target text;
/// anything not read (a FIFO, a device, a file over the bound) is never the same.
fn same(a: &Found, b: &Found) -> bool {
    matches!(
        (a, b),
        (Found::File(_), Found::File(_)) | (Found::Link { .. }, Found::Link { .. })
    ) && a == b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_name_added_changed_and_removed_files() {
        let (pristine, fork) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        for dir in [pristine.path(), fork.path()] {
            std::fs::create_dir_all(dir.join("course/snapshots")).unwrap();
            std::fs::create_dir_all(dir.join("exercises")).unwrap();
            std::fs::write(dir.join("course/course.toml"), "same").unwrap();
            std::fs::write(dir.join("exercises/a.rs"), format!("{}", dir.display())).unwrap();
        }
        std::fs::write(pristine.path().join("course/snapshots/a.snap"), "expected").unwrap();
        std::fs::write(
            fork.path().join("course/snapshots/a.snap"),
            "what my program prints",
        )
        .unwrap();
        std::fs::write(pristine.path().join("Cargo.lock"), "lock").unwrap();
        std::fs::create_dir_all(fork.path().join(".github/workflows")).unwrap();
        std::fs::write(fork.path().join(".github/workflows/learn.yml"), "on: push").unwrap();
        let seen: Vec<(String, ChangeKind)> = changes(pristine.path(), fork.path())
            .unwrap()
            .iter()
            .map(|c| (c.path.display().to_string(), c.kind))
            .collect();
        assert_eq!(
            seen,
            [
                (".github/workflows/learn.yml".to_string(), ChangeKind::Added),
                ("Cargo.lock".to_string(), ChangeKind::Removed),
                ("course/snapshots/a.snap".to_string(), ChangeKind::Changed),
            ]
        );
    }

    #[test]
    fn a_link_to_dev_zero_is_compared_by_its_target_never_read() {
        let (pristine, fork) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        std::fs::write(pristine.path().join("Cargo.toml"), "[package]").unwrap();
        std::fs::write(pristine.path().join("Cargo.lock"), "lock").unwrap();
        std::os::unix::fs::symlink("/dev/zero", fork.path().join("Cargo.toml")).unwrap();
        std::os::unix::fs::symlink("/dev/stdin", fork.path().join("Cargo.lock")).unwrap();
        let started = std::time::Instant::now();
        let found = changes(pristine.path(), fork.path()).unwrap();
        assert!(started.elapsed().as_secs() < 5);
        let kinds: Vec<ChangeKind> = found.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, [ChangeKind::Changed, ChangeKind::Changed]);
    }
}
