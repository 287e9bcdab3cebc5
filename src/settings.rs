//! The settings every command shares, as one typed tree: the course, the build folder, jobs,
//! the CI job, cargo and rustc, the sandbox's protections switched off, how the learner typed
//! the command. Built once at the edge, from the command line and the environment
//! (`cli/environment.rs` reads every variable, and `/proc` for the invocation), and
//! passed down by reference: nothing here or below reads the environment for them, and no
//! global holds them.
//!
//! Not here: reading the environment (the command line's edge), the learner's progress (see
//! [`session`](crate::session)), what each subcommand takes on its own command line.

use std::path::{Path, PathBuf};

use crate::build::Toolchain;
use crate::course::Course;
use crate::grade::{Grader, JOBS_PER_CORE};
use crate::invocation::Invocation;
use crate::supervise::SandboxSettings;

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
    /// The sandbox protections switched off (`LEARN_SANDBOX_DISABLE`) for every program run
    /// and build.
    pub sandbox: SandboxSettings,
    /// How the learner typed this command (`cargo run --` or `learn`, with `--unlock-all` or
    /// not), for the commands that messages tell them to paste.
    pub invocation: Invocation,
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
    /// The step summary, if the job has one.
    pub fn step_summary(&self) -> Option<&Path> {
        self.step_summary.as_deref()
    }
}

impl Settings {
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
            sandbox: SandboxSettings::default(),
            invocation: Invocation::default(),
        }
    }

    /// A grader of this course with these settings.
    pub fn grader(&self) -> Grader<'_> {
        Grader::new(&self.course, self.target_dir.clone())
            .jobs(self.jobs)
            .toolchain(self.toolchain.clone())
            .sandbox(self.sandbox)
    }
}

/// [`JOBS_PER_CORE`] per core the runner may use.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()) * JOBS_PER_CORE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervise::{Protection, kernel_protections};

    #[test]
    fn two_graders_with_different_sandbox_settings_confine_differently_in_either_order() {
        let course = Course::load(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        let target = tempfile::tempdir().unwrap();
        let full = Settings::new(course.clone(), target.path());
        let weakened = Settings {
            sandbox: SandboxSettings::parse("filesystem, seccomp").unwrap(),
            ..Settings::new(course, target.path())
        };
        let kernel = kernel_protections();
        for (first, second) in [(&full, &weakened), (&weakened, &full)] {
            let graders = [first.grader(), second.grader()];
            for (settings, grader) in [first, second].into_iter().zip(&graders) {
                let switched_off = |p| settings.sandbox.disables(p);
                let protections = grader.protections();
                for p in Protection::ALL {
                    assert_eq!(
                        protections.has(p),
                        kernel.has(p) && !switched_off(p),
                        "{} with {:?}",
                        p.name(),
                        settings.sandbox
                    );
                }
                assert_eq!(
                    grader.cargo().toolchain.sandbox.landlock,
                    kernel.filesystem && !switched_off(Protection::Filesystem),
                    "the build's landlock follows the grader's filesystem protection"
                );
            }
        }
        assert!(!weakened.grader().protections().filesystem);
        assert!(!weakened.grader().protections().seccomp);
    }
}
