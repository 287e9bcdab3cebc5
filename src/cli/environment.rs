//! The environment, read once, here at the edge, into the typed [`Settings`]: the course
//! (`--course`, or the nearest one above the working directory), `LEARN_TARGET_DIR`,
//! `LEARN_JOBS`, `CI`, the CI job's `GITHUB_ACTIONS` and `GITHUB_STEP_SUMMARY`, the
//! toolchain's `CARGO`, `RUSTC`, `CARGO_HOME` and `HOME`, the build's
//! `LEARN_BUILD_DEADLINE` and `LEARN_BUILD_SANDBOX`, the sandbox's `LEARN_SANDBOX_DISABLE`, and how the learner typed
//! the command (cargo's `CARGO_PKG_NAME`, or a parent named `cargo` in `/proc`). A bad value
//! is an [`Error`] here, before anything runs; nothing below the command line reads these.
//!
//! Not here: what the settings mean ([`settings`](crate::settings)), the command line's own
//! flags (clap reads `LEARN_COURSE` and `LEARN_UNLOCK_ALL` with them).

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::build::sandbox::Sandbox;
use crate::build::{Toolchain, cargo_home};
use crate::course::Course;
use crate::exit::Error;
use crate::invocation::Invocation;
use crate::settings::{CiEnvironment, Settings, default_jobs};
use crate::supervise::SandboxSettings;

/// Loads the course at `course` (or the nearest one above the working directory) and reads
/// the environment; `sandbox` was read first ([`sandbox`]), before any command, and
/// `invocation` from it and the command line ([`by_cargo`]).
pub(super) fn settings(
    course: Option<PathBuf>,
    sandbox: SandboxSettings,
    invocation: Invocation,
) -> Result<Settings, Error> {
    let start = match course {
        Some(dir) => dir,
        None => std::env::current_dir()
            .map_err(|e| Error::io("cannot read the working directory", e))?,
    };
    let root = Course::find_root(&start)?;
    let course = Course::load(&root)?;
    // Absolute: cargo runs in a generated package elsewhere, where a relative path would
    // name another folder.
    let target_dir = match std::env::var_os("LEARN_TARGET_DIR") {
        Some(dir) => std::path::absolute(dir).map_err(|e| Error::io("LEARN_TARGET_DIR", e))?,
        None => root.join("target/learn"),
    };
    let jobs = match std::env::var("LEARN_JOBS") {
        Ok(jobs) => jobs
            .parse::<usize>()
            .ok()
            .filter(|&j| j > 0)
            .ok_or_else(|| {
                Error::usage(format!(
                    "LEARN_JOBS must be a whole number of 1 or more, not `{jobs}`"
                ))
            })?,
        Err(_) => default_jobs(),
    };
    let in_ci = std::env::var_os("CI").is_some();
    Ok(Settings {
        course,
        target_dir,
        jobs,
        progress_lines: std::io::stderr().is_terminal() && !in_ci,
        build_ahead: std::io::stdout().is_terminal() && !in_ci,
        ci: ci(),
        toolchain: toolchain()?,
        sandbox,
        invocation,
    })
}

/// The CI job: `GITHUB_ACTIONS` and `GITHUB_STEP_SUMMARY`.
pub(super) fn ci() -> CiEnvironment {
    CiEnvironment {
        github_actions: std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"),
        step_summary: std::env::var_os("GITHUB_STEP_SUMMARY").map(PathBuf::from),
    }
}

/// The protections of the sandbox to switch off (to simulate an older kernel):
/// `LEARN_SANDBOX_DISABLE`, none when unset.
pub(super) fn sandbox() -> Result<SandboxSettings, Error> {
    match std::env::var_os("LEARN_SANDBOX_DISABLE") {
        Some(disable) => Ok(SandboxSettings::parse(&disable.to_string_lossy())?),
        None => Ok(SandboxSettings::default()),
    }
}

/// The cargo and rustc to build with: `CARGO` and `RUSTC` where set (cargo sets `CARGO` for
/// the programs it starts, `cargo run -- next` and the tests, so that learn builds with the
/// toolchain that built it), else those `PATH` finds; cargo's home (`CARGO_HOME`, else
/// `.cargo` in `HOME`, which a build reads); the build's deadline in seconds
/// (`LEARN_BUILD_DEADLINE`), and its landlock off with `LEARN_BUILD_SANDBOX=off` (for the
/// benchmark beside it; the grader also turns it off with the run's `filesystem` protection).
fn toolchain() -> Result<Toolchain, Error> {
    let mut sandbox = Sandbox::default();
    if let Ok(seconds) = std::env::var("LEARN_BUILD_DEADLINE") {
        let seconds = seconds.parse::<u64>().ok().filter(|&s| s > 0).ok_or_else(|| {
            Error::usage(format!(
                "LEARN_BUILD_DEADLINE must be a whole number of seconds, 1 or more, not `{seconds}`"
            ))
        })?;
        sandbox.deadline = std::time::Duration::from_secs(seconds);
    }
    sandbox.landlock = std::env::var("LEARN_BUILD_SANDBOX").map_or(true, |v| v != "off");
    Ok(Toolchain {
        cargo: std::env::var_os("CARGO").map_or_else(|| "cargo".into(), PathBuf::from),
        rustc: std::env::var_os("RUSTC").map_or_else(|| "rustc".into(), PathBuf::from),
        cargo_home: cargo_home(|name| std::env::var_os(name)),
        sandbox,
    })
}

/// Whether cargo started this process (`cargo run --`, in a fresh clone): `cargo run` on
/// Linux replaces itself with the program (so no process named `cargo` is left above it) and
/// gives it the package's variables (`CARGO_PKG_NAME` = `learn`, `CARGO`); elsewhere cargo
/// waits as the parent, named `cargo`.
pub(super) fn by_cargo() -> bool {
    let run_by_cargo = std::env::var_os("CARGO").is_some()
        && std::env::var("CARGO_PKG_NAME").is_ok_and(|name| name == env!("CARGO_PKG_NAME"));
    run_by_cargo
        || std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|stat| parent_pid(&stat))
            .and_then(|ppid| std::fs::read_to_string(format!("/proc/{ppid}/comm")).ok())
            .is_some_and(|comm| comm.trim() == "cargo")
}

/// The parent pid in the text of `/proc/PID/stat` (the field after the state, which
/// follows the command name in parentheses, which may itself hold spaces and parentheses).
fn parent_pid(stat: &str) -> Option<u32> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parent_pid_is_read_past_a_command_name_with_spaces_and_parentheses() {
        assert_eq!(
            parent_pid("4242 (my (odd) prog) S 17 4242 4242 0"),
            Some(17)
        );
        assert_eq!(parent_pid("garbage"), None);
    }
}
