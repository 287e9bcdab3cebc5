//! The settings every command shares, built once at the edge from the command line and the
//! environment (`LEARN_TARGET_DIR`, `LEARN_JOBS`, `CI`, the CI job's `GITHUB_ACTIONS` and
//! `GITHUB_STEP_SUMMARY`, the toolchain's `CARGO` and `RUSTC`, the build's
//! `LEARN_BUILD_DEADLINE` and `LEARN_BUILD_SANDBOX`): nothing below reads the
//! environment for them. A bad value is an [`Error`] here, before anything runs.
//!
//! Not here: the learner's progress (see [`session`](crate::session)), what each subcommand
//! takes on its own command line.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::build::Toolchain;
use crate::course::Course;
use crate::exit::Error;
use crate::grade::{Grader, JOBS_PER_CORE};

/// The course, where builds go, and how much is graded at once.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The course.
    pub course: Course,
    /// Where builds go: `LEARN_TARGET_DIR`, or `target/learn/` in the course; absolute.
    pub target_dir: PathBuf,
    /// Exercises, and runs, graded at once: `LEARN_JOBS`, or [`JOBS_PER_CORE`] per core.
    pub jobs: usize,
    /// Whether a progress line may turn on stderr: it is a terminal and `CI` is not set.
    pub progress_lines: bool,
    /// Whether `learn next` builds the exercise it shows in the background: a person reads
    /// the lesson (stdout is a terminal and `CI` is not set). A script's next command comes
    /// at once, and would only wait for it.
    pub build_ahead: bool,
    /// The CI job `learn` runs in, if any.
    pub ci: CiEnvironment,
    /// The cargo and rustc builds run.
    pub toolchain: Toolchain,
}

/// What the reports need to know of the CI job `learn` runs in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CiEnvironment {
    /// Inside GitHub Actions (`GITHUB_ACTIONS=true`): annotations, and the text a learner's
    /// program shaped printed between stop-commands markers.
    pub github_actions: bool,
    /// The job's step summary (`GITHUB_STEP_SUMMARY`), which other steps write too: a report
    /// written there is appended to it.
    pub step_summary: Option<PathBuf>,
}

impl CiEnvironment {
    /// Reads `GITHUB_ACTIONS` and `GITHUB_STEP_SUMMARY`.
    pub fn from_env() -> CiEnvironment {
        CiEnvironment {
            github_actions: std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"),
            step_summary: std::env::var_os("GITHUB_STEP_SUMMARY").map(PathBuf::from),
        }
    }

    /// The step summary, if the job has one.
    pub fn step_summary(&self) -> Option<&Path> {
        self.step_summary.as_deref()
    }
}

impl Settings {
    /// Loads the course at `course` (or the nearest one above the working directory) and
    /// reads the environment.
    pub fn from_env(course: Option<PathBuf>) -> Result<Settings, Error> {
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
            ci: CiEnvironment::from_env(),
            toolchain: toolchain_from_env()?,
        })
    }

    /// Settings for `course` with the default jobs, outside CI (tests, benchmarks).
    pub fn new(course: Course, target_dir: &Path) -> Settings {
        Settings {
            course,
            target_dir: target_dir.to_path_buf(),
            jobs: default_jobs(),
            progress_lines: false,
            build_ahead: false,
            ci: CiEnvironment::default(),
            toolchain: Toolchain::default(),
        }
    }

    /// A grader of this course with these settings.
    pub fn grader(&self) -> Grader<'_> {
        Grader::new(&self.course, self.target_dir.clone())
            .jobs(self.jobs)
            .toolchain(self.toolchain.clone())
    }
}

/// The cargo and rustc to build with: `CARGO` and `RUSTC` where set (cargo sets `CARGO` for
/// the programs it starts, `cargo run -- next` and the tests, so that learn builds with the
/// toolchain that built it), else those `PATH` finds; the build's deadline in seconds
/// (`LEARN_BUILD_DEADLINE`), and its landlock off with `LEARN_BUILD_SANDBOX=off` (for the
/// benchmark beside it) or with the run's `filesystem` protection.
fn toolchain_from_env() -> Result<Toolchain, Error> {
    let default = Toolchain::default();
    let mut sandbox = default.sandbox;
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
        cargo: std::env::var_os("CARGO").map_or(default.cargo, PathBuf::from),
        rustc: std::env::var_os("RUSTC").map_or(default.rustc, PathBuf::from),
        sandbox,
    })
}

/// [`JOBS_PER_CORE`] per core the runner may use.
fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()) * JOBS_PER_CORE
}
