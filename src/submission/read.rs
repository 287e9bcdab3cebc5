//! Reading a file of a submission folder, which the learner controls: no symbolic link is
//! followed (on the way or at the end: a link is reported as such, with its target's text),
//! only a regular file is read, up to a size bound, and nothing can block: the file is opened
//! with `O_NOFOLLOW | O_NONBLOCK` and checked with `fstat` before a byte is read, so a FIFO,
//! a device (`/dev/zero`, `/dev/stdin`) or a socket is named and refused, never read.
//!
//! Not here: what is done with the bytes (the policy, the protected-files diff, the build).

use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The largest graded source file read: 1 MiB, far above any exercise.
pub const SOURCE_LIMIT: u64 = 1 << 20;

/// What a submission holds at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Nothing there.
    Missing,
    /// A regular file within the bound: its bytes.
    File(Vec<u8>),
    /// A symbolic link at `at` (the path itself or a folder on the way, relative to the
    /// submission), never followed: its target's text.
    Link {
        /// Where the link is, relative to the submission.
        at: PathBuf,
        /// What it points to, as written in the link.
        target: PathBuf,
    },
    /// Something not read, said as a phrase: "a FIFO (named pipe)", "a folder",
    /// "larger than 1 MiB (… bytes)".
    Refused(String),
}

impl Found {
    /// Why the file at `path` is not graded, as a sentence; `None` for a file read or missing.
    pub fn refusal(&self, path: &Path) -> Option<String> {
        match self {
            Found::Missing | Found::File(_) => None,
            Found::Link { at, target } => Some(format!(
                "{}{} is a symbolic link, not a file (it points to {}): links are never followed, only the submission's own files are graded",
                if at == path {
                    String::new()
                } else {
                    format!("{}: ", path.display())
                },
                at.display(),
                shown_path(target)
            )),
            Found::Refused(what) => Some(format!(
                "{} is {what}: only a regular file of at most {} KiB is read",
                path.display(),
                SOURCE_LIMIT / 1024
            )),
        }
    }
}

/// What `root` holds at `relative` (a path without `..`), read as this module says, with at
/// most `limit` bytes read. An error only when the folder cannot be read at all.
pub fn read(root: &Path, relative: &Path, limit: u64) -> std::io::Result<Found> {
    let mut path = root.to_path_buf();
    let mut at = PathBuf::new();
    let mut metadata = None;
    for part in relative.components() {
        path.push(part);
        at.push(part);
        let here = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if is_absent(&e) => return Ok(Found::Missing),
            Err(e) => return Err(e),
        };
        if here.file_type().is_symlink() {
            let target = std::fs::read_link(&path)?;
            return Ok(Found::Link { at, target });
        }
        metadata = Some(here);
    }
    let Some(metadata) = metadata else {
        return Ok(Found::Refused("the submission's folder itself".into()));
    };
    if let Some(what) = not_regular(&metadata.file_type()) {
        return Ok(Found::Refused(what.into()));
    }
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&path)
    {
        Ok(file) => file,
        // Replaced by a link between the look and the open.
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Ok(Found::Refused("a symbolic link".into()));
        }
        Err(e) if is_absent(&e) => return Ok(Found::Missing),
        Err(e) => return Err(e),
    };
    let opened = file.metadata()?;
    if let Some(what) = not_regular(&opened.file_type()) {
        return Ok(Found::Refused(what.into()));
    }
    if opened.len() > limit {
        return Ok(Found::Refused(format!(
            "larger than {} KiB ({} bytes)",
            limit / 1024,
            opened.len()
        )));
    }
    let mut bytes = Vec::with_capacity(opened.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Ok(Found::Refused(format!(
            "larger than {} KiB (it grew while read)",
            limit / 1024
        )));
    }
    Ok(Found::File(bytes))
}

/// A path the learner named (a file name, a link's target) as one line: control characters
/// (a newline, a carriage return, an escape) and bidirectional overrides shown as escapes such
/// as `\n` ([`one_line`](crate::lines::shown::one_line)), so that printed it cannot start a line
/// of its own, nor a workflow command, nor reorder what is read.
pub fn shown_path(path: &Path) -> String {
    crate::lines::shown::one_line(&path.to_string_lossy()).into_owned()
}

fn is_absent(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::NotFound || e.raw_os_error() == Some(libc::ENOTDIR)
}

/// What a file that is not a regular file is, said as a phrase.
fn not_regular(kind: &std::fs::FileType) -> Option<&'static str> {
    if kind.is_file() {
        None
    } else if kind.is_dir() {
        Some("a folder")
    } else if kind.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if kind.is_char_device() {
        Some("a character device")
    } else if kind.is_block_device() {
        Some("a block device")
    } else if kind.is_socket() {
        Some("a socket")
    } else {
        Some("not a regular file")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_shown_on_one_line() {
        let shown = shown_path(Path::new(
            "tests/a\n::add-mask::x\r\u{1b}[2J\t\u{202e}gpj.rs",
        ));
        assert_eq!(
            shown,
            "tests/a\\n::add-mask::x\\r\\x1b[2J\\t\\u{202e}gpj.rs"
        );
    }

    #[test]
    fn a_regular_file_is_read_and_a_missing_one_said_missing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/x.rs"), "fn main() {}").unwrap();
        let found = read(dir.path(), Path::new("a/x.rs"), SOURCE_LIMIT).unwrap();
        assert_eq!(found, Found::File(b"fn main() {}".to_vec()));
        for absent in ["a/y.rs", "b/x.rs", "a/x.rs/z"] {
            let found = read(dir.path(), Path::new(absent), SOURCE_LIMIT).unwrap();
            assert_eq!(found, Found::Missing, "{absent}");
        }
    }

    #[test]
    fn links_are_named_with_their_target_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero")).unwrap();
        std::os::unix::fs::symlink("/", dir.path().join("up")).unwrap();
        let found = read(dir.path(), Path::new("zero"), SOURCE_LIMIT).unwrap();
        assert_eq!(
            found,
            Found::Link {
                at: "zero".into(),
                target: "/dev/zero".into()
            }
        );
        let found = read(dir.path(), Path::new("up/etc/passwd"), SOURCE_LIMIT).unwrap();
        assert!(matches!(&found, Found::Link { at, .. } if at == Path::new("up")));
        let why = found.refusal(Path::new("up/etc/passwd")).unwrap();
        assert!(
            why.starts_with("up/etc/passwd: up is a symbolic link, not a file (it points to /)"),
            "{why}"
        );
    }

    #[test]
    fn a_fifo_a_device_and_a_large_file_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        crate::test_support::fifo(&dir.path().join("pipe.rs"));
        let found = read(dir.path(), Path::new("pipe.rs"), SOURCE_LIMIT).unwrap();
        assert_eq!(found, Found::Refused("a FIFO (named pipe)".into()));
        let found = read(Path::new("/dev"), Path::new("null"), SOURCE_LIMIT).unwrap();
        assert_eq!(found, Found::Refused("a character device".into()));
        std::fs::write(dir.path().join("big.rs"), vec![b' '; 2048]).unwrap();
        let found = read(dir.path(), Path::new("big.rs"), 1024).unwrap();
        assert_eq!(
            found,
            Found::Refused("larger than 1 KiB (2048 bytes)".into())
        );
        let found = read(dir.path(), Path::new(""), 1024).unwrap();
        assert!(matches!(found, Found::Refused(_)));
    }
}
