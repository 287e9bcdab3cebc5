//! Writing a file whole or not at all: the text goes to a temporary file beside it, is
//! flushed to disk, then renamed over the file, so a crash or a second `learn` never sees half
//! a file; the temporary file is removed on every failure path.
//!
//! Not here: locking (see [`progress`](crate::progress)), what the files hold.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `text` to `path` atomically.
pub fn write(path: &Path, text: &str) -> std::io::Result<()> {
    let temp = temporary_beside(path);
    let written = File::create(&temp)
        .and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Writes `text` to `path` atomically unless the file already holds exactly it (its
/// modification time then stays, and cargo rebuilds nothing).
pub fn write_if_changed(path: &Path, text: &str) -> std::io::Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    write(path, text)
}

/// `.NAME.tmpPID` in the folder of `path`: hidden, and one per process.
fn temporary_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy());
    path.with_file_name(format!(".{name}.tmp{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.toml");
        write(&path, "one").unwrap();
        write(&path, "two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_write_leaves_the_file_as_it_was_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("taken");
        std::fs::create_dir(&path).unwrap();
        assert!(write(&path, "text").is_err(), "a folder cannot be replaced");
        assert!(path.is_dir());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
