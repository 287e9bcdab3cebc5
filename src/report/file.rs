//! Writing a report file safely: only to a regular file (a FIFO would block learn forever
//! after a whole grading, a device is not a report), and atomically (a temporary file in the
//! same folder renamed over it, removed on any failure), so a failed write never leaves an
//! empty or half-written results.json behind.
//!
//! Not here: what a report says (the other modules of `report`), nor where reports go (`ci`).

use std::path::Path;

/// `Err` with a message when something other than a regular file stands at `path`; `Ok` when
/// nothing does, or a regular file (followed through symbolic links) does.
pub fn check_target(path: &Path) -> std::io::Result<()> {
    use std::io::{Error, ErrorKind};
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(Error::new(
            ErrorKind::IsADirectory,
            format!("{} is a folder", path.display()),
        )),
        Ok(meta) if !meta.is_file() => Err(Error::new(
            ErrorKind::InvalidInput,
            format!(
                "{} is not a regular file (a FIFO, a socket or a device): reports are written to files",
                path.display()
            ),
        )),
        _ => Ok(()),
    }
}

/// Writes `text` to `path` whole or not at all ([`atomic::write`](crate::atomic::write)),
/// when `path` is a regular file or nothing.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    check_target(path)?;
    crate::atomic::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_is_refused_at_once_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.json");
        crate::test_support::fifo(&path);
        let error = write_atomically(&path, "{}").unwrap_err().to_string();
        assert!(error.contains("not a regular file"), "{error}");
        assert!(check_target(Path::new("/dev/null")).is_err());
        assert!(
            !std::fs::metadata(&path).unwrap().is_file(),
            "the FIFO stays"
        );
    }

    #[test]
    fn a_failed_write_leaves_neither_an_empty_report_nor_a_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A folder full of something where the report goes: the rename fails.
        let path = dir.path().join("results.json");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("x"), "").unwrap();
        assert!(write_atomically(&path, "{}").is_err());
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["results.json"], "only the folder that was there");
    }

    #[test]
    fn writes_and_replaces_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.json");
        std::fs::write(&path, "old").unwrap();
        write_atomically(&path, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
