//! How a command ends: its exit code, and the one error type that reaches the top.
//!
//! Commands return `Result<Exit, Error>`; only [`cli`](crate::cli) prints an [`Error`], once,
//! with exit code 2. Nothing here prints.

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::build::BuildError;
use crate::course::CourseError;
use crate::supervise::UnknownProtection;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// It did what was asked and every check passed.
    Success = 0,
    /// A check failed.
    Failed = 1,
    /// Bad usage or a broken course.
    Usage = 2,
}

impl Exit {
    /// `Success` when `passed`, else `Failed`.
    pub fn from_verdict(passed: bool) -> Exit {
        if passed { Exit::Success } else { Exit::Failed }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// Why a command could not do what was asked: bad usage, a broken course, a file that cannot
/// be read or written. Printed once, as `error: …`, by [`cli`](crate::cli) alone, and the exit
/// code is [`Exit::Usage`]. Each variant keeps its cause (`source`) and says it in its message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The course is broken, or names no such exercise.
    #[error(transparent)]
    Course(#[from] CourseError),
    /// The exercises could not be built (cargo could not run, course/Cargo.toml is broken).
    #[error(transparent)]
    Build(#[from] BuildError),
    /// `LEARN_SANDBOX_DISABLE` names no protection of the sandbox.
    #[error(transparent)]
    Sandbox(#[from] UnknownProtection),
    /// A file or folder could not be read, written or used: `cannot read PATH: why`.
    #[error("{doing} {}: {source}", path.display())]
    Path {
        /// What was done to it, as the message says it (`cannot read`).
        doing: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: io::Error,
    },
    /// The learner's file could not be backed up before a reset, which then changed nothing.
    #[error("cannot back up {}: {source}; nothing was changed", path.display())]
    BackUp {
        /// The learner's file.
        path: PathBuf,
        /// Why the copy failed.
        #[source]
        source: io::Error,
    },
    /// Something else of the machine failed (the terminal, the progress file's lock).
    #[error("{doing}: {source}")]
    Io {
        /// What was done, as the message says it (`cannot take over the terminal`).
        doing: String,
        /// Why it failed.
        #[source]
        source: io::Error,
    },
    /// A file given to `learn` says what it cannot (a gradebook that is not one): where, and
    /// what is wrong.
    #[error("{origin}: {problem}")]
    Input {
        /// The file, and the line where there is one (`book.csv:3`).
        origin: String,
        /// What is wrong there.
        problem: String,
    },
    /// The command cannot do what was asked as asked: the message says why and what to do.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// Bad usage, said with this message.
    pub fn usage(message: impl Into<String>) -> Error {
        Error::Usage(message.into())
    }

    /// `doing` to `path` failed with `source`: `cannot read PATH: why`.
    pub fn path(doing: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error::Path {
            doing,
            path: path.into(),
            source,
        }
    }

    /// `doing` failed with `source`: `DOING: why`.
    pub fn io(doing: impl Into<String>, source: io::Error) -> Error {
        Error::Io {
            doing: doing.into(),
            source,
        }
    }
}

/// What a command returns.
pub type Outcome = Result<Exit, Error>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn an_error_from_below_keeps_its_message_and_its_cause() {
        let unreadable = CourseError::Unreadable {
            path: "course/course.toml".into(),
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        let said = unreadable.to_string();
        let error = Error::from(unreadable);
        assert_eq!(error.to_string(), said, "the course's own message, once");
        assert!(error.source().is_some(), "the io error is kept");

        let error = Error::path(
            "cannot read",
            "solutions/a.rs",
            io::Error::from(io::ErrorKind::NotFound),
        );
        assert_eq!(
            error.to_string(),
            "cannot read solutions/a.rs: entity not found"
        );
        assert!(error.source().is_some_and(|s| s.is::<io::Error>()));
    }
}
