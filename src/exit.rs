//! How a command ends: its exit code, and the one error type that reaches the top.
//!
//! Commands return `Result<Exit, Error>`; only [`cli`](crate::cli) prints an [`Error`], once,
//! with exit code 2. Nothing here prints.

use std::fmt;
use std::process::ExitCode;

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
/// be read or written. Printed once, as `error: …`, and the exit code is [`Exit::Usage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl Error {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Error {
        Error(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Error {
    fn from(message: String) -> Error {
        Error(message)
    }
}

/// What a command returns.
pub type Outcome = Result<Exit, Error>;
