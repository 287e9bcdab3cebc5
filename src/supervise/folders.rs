//! What a run's writable folders hold (its working folder, which is also its HOME and
//! TMPDIR, `LEARN_OUT`, the probe's folder): bytes on disk and entries, measured by walking
//! them, plus the files of theirs the run deleted but keeps open (found in
//! `/proc/PID/fd`), for the bounds on a run's disk use (`limits.rs`). RLIMIT_FSIZE caps one
//! file; only a walk sees how many there are. Where the temporary folder is a tmpfs, these bytes are memory
//! outside the run's resident memory, so the same bound keeps them small.
//!
//! Not here: the bounds themselves and the verdict on them (`limits.rs`).

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How often the folders are walked: a walk costs a `stat` per entry (at most the entry bound
/// plus one), so less often than the /proc samples.
const EVERY: Duration = Duration::from_millis(50);

/// What the folders held at the last walk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Usage {
    /// Bytes allocated on disk (a sparse file counts what it uses, not its length), deleted
    /// files still open included.
    pub(super) bytes: u64,
    /// Files, folders, links and other entries, the roots left out.
    pub(super) entries: u64,
}

/// Walks a run's writable folders, at most every [`EVERY`].
pub(super) struct FolderWatch {
    roots: Vec<PathBuf>,
    walked: Option<Instant>,
    usage: Usage,
}

impl FolderWatch {
    /// Watches `roots` (missing ones count as empty).
    pub(super) fn new(roots: Vec<PathBuf>) -> FolderWatch {
        FolderWatch {
            // As /proc names open files: without symbolic links.
            roots: roots
                .into_iter()
                .map(|root| std::fs::canonicalize(&root).unwrap_or(root))
                .collect(),
            walked: None,
            usage: Usage::default(),
        }
    }

    /// What the folders hold, walked again when the last walk is older than [`EVERY`] (with
    /// the open files of the processes `pids`); a walk stops counting once it has seen more
    /// than `max_entries` entries.
    pub(super) fn usage(&mut self, max_entries: u64, pids: &[u32]) -> Usage {
        if self.walked.is_none_or(|at| at.elapsed() >= EVERY) {
            self.usage = walk(&self.roots, max_entries);
            self.usage.bytes += deleted_but_open(&self.roots, pids);
            self.walked = Some(Instant::now());
        }
        self.usage
    }
}

/// Bytes and entries under `roots`, without following symbolic links, up to the first entry
/// past `max_entries`. An entry that vanishes during the walk is skipped.
fn walk(roots: &[PathBuf], max_entries: u64) -> Usage {
    let mut usage = Usage::default();
    let mut folders = roots.to_vec();
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            // DirEntry::metadata does not follow a symbolic link.
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            usage.entries += 1;
            usage.bytes += meta.blocks() * 512;
            if usage.entries > max_entries {
                return usage;
            }
            if meta.is_dir() {
                folders.push(entry.path());
            }
        }
    }
    usage
}

/// Bytes on disk of the files under `roots` that were deleted while a process of `pids`
/// keeps them open, each counted once however many descriptors share it.
fn deleted_but_open(roots: &[PathBuf], pids: &[u32]) -> u64 {
    let mut counted = HashSet::new();
    let mut bytes = 0;
    for pid in pids {
        let Ok(descriptors) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for descriptor in descriptors.flatten() {
            let Ok(target) = std::fs::read_link(descriptor.path()) else {
                continue;
            };
            let Some(path) = target.to_str().and_then(|t| t.strip_suffix(" (deleted)")) else {
                continue;
            };
            if !roots.iter().any(|root| Path::new(path).starts_with(root)) {
                continue;
            }
            // fs::metadata follows /proc's link to the open file itself.
            if let Ok(meta) = std::fs::metadata(descriptor.path())
                && counted.insert((meta.dev(), meta.ino()))
            {
                bytes += meta.blocks() * 512;
            }
        }
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_counts_nested_entries_and_their_bytes_and_stops_past_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(nested.join("data"), vec![7u8; 64 << 10]).unwrap();
        std::os::unix::fs::symlink("/usr", dir.path().join("link")).unwrap();
        let usage = walk(&[dir.path().to_path_buf()], 100);
        assert_eq!(usage.entries, 4, "a, a/b, a/b/data, link (not followed)");
        assert!(usage.bytes >= 64 << 10, "{usage:?}");
        assert_eq!(walk(&[dir.path().to_path_buf()], 1).entries, 2);
    }

    #[test]
    fn a_deleted_file_still_open_counts_once_and_only_under_the_roots() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let path = root.join("gone");
        std::fs::write(&path, vec![7u8; 64 << 10]).unwrap();
        let open = std::fs::File::open(&path).unwrap();
        let again = open.try_clone().unwrap();
        std::fs::remove_file(&path).unwrap();
        let me = [std::process::id()];
        let bytes = deleted_but_open(std::slice::from_ref(&root), &me);
        assert!((64 << 10..128 << 10).contains(&bytes), "{bytes}");
        let elsewhere = tempfile::tempdir().unwrap();
        assert_eq!(deleted_but_open(&[elsewhere.path().to_path_buf()], &me), 0);
        drop((open, again));
    }
}
