//! Grading: every argument set × repeated runs under the perturbations the exercise declares ×
//! every check → one verdict. A logic failure (wrong order, lost update, wrong value) fails at
//! once and is never retried: it is proof of a bug. A timing failure is run again, up to
//! [`TIMING_RETRIES`] times, alone, so a busy machine does not fail a correct program; a retry
//! that happened is kept in the verdict so the report can say so. A timing failure in a run
//! during which the machine was quiet (the kernel's pressure figures show no task waiting for a
//! CPU, I/O or memory beyond a sliver of the run) is not the machine's doing and counts at once.
//!
//! The engine knows nothing of terminals: it returns [`Verdict`]s for the reporters.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

mod events;
mod explore;
mod notes;
mod retry;
mod runs;
mod schedule;

pub use events::{Event, Events};
pub use explore::{Exploration, NotExplored, REPLAY_PREFIX};
pub use notes::{Retried, RetryReason, Skipped, SkippedRule};

use crate::build::{self, Backend, BuildError, CompileError, Unit};
use crate::checks::{Failures, Subject, judge_ending};
use crate::course::manifest::ArgSet;
use crate::course::{Course, Exercise};
use crate::server::DownloadServer;
use crate::supervise::{Perturbation, Protections, RunRecord, SandboxSettings};

/// How many times a run that failed only timing rules is run again before it counts.
pub const TIMING_RETRIES: usize = 2;
/// Runs per argument set when the manifest does not say.
pub const DEFAULT_RUNS: u32 = 6;
/// Exercises (and runs) graded at once per core, by default: most runs sleep or wait, and
/// `benches/verify_speed.rs` found 4 per core about a third faster than 2 on the whole
/// course, with no more retries.
pub const JOBS_PER_CORE: usize = 4;
/// Runs of an API exercise's harness.
pub const HARNESS_RUNS: u32 = 3;
/// Runs of the one configuration `learn run --replay` repeats until it fails: a failure that
/// does not show in that many is rare, which is not the same as gone, and the report says so.
pub const REPLAY_RUNS: usize = 20;

/// Which file of an exercise is graded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The learner's file in `exercises/`.
    Exercise,
    /// The reference solution.
    Solution,
    /// The pristine starter.
    Starter,
    /// Any other file (a test fixture, a submission).
    File(PathBuf),
}

impl Source {
    fn path(&self, course: &Course, exercise: &Exercise) -> PathBuf {
        match self {
            Source::Exercise => course.root.join(exercise.path()),
            Source::Solution => course.root.join(exercise.solution_path()),
            Source::Starter => course.root.join(exercise.starter_path()),
            Source::File(path) => path.clone(),
        }
    }
}

/// `(exercise id, argument set, normalised stdout or why there is none)`.
pub type SampleOutput = (String, ArgSet, Result<String, String>);

/// One run configuration: enough to replay it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunConfig {
    /// The argument set.
    pub args: ArgSet,
    /// The perturbation.
    pub perturbation: Perturbation,
    /// The schedule shuttle chose, for a run of the exploration (see `explore.rs`).
    pub schedule: Option<String>,
}

impl RunConfig {
    /// `ARGSET:PERTURBATION`, or `shuttle:SCHEDULE` for a schedule of the exploration: the
    /// form `learn run --replay` takes.
    pub fn replay_key(&self) -> String {
        match &self.schedule {
            Some(schedule) => format!("{REPLAY_PREFIX}{schedule}"),
            None => format!("{}:{}", self.args.name, self.perturbation.name()),
        }
    }
}

/// The run that failed, with everything needed to understand and replay it.
#[derive(Debug, Clone)]
pub struct FailedRun {
    /// Whether the program or its harness failed.
    pub subject: Subject,
    /// How it was run.
    pub config: RunConfig,
    /// Its number among the runs of the exercise (from 1).
    pub run_number: usize,
    /// The broken rules.
    pub failures: Failures,
    /// What was observed.
    pub record: RunRecord,
    /// How many retries were made before this counted.
    pub retried: usize,
}

/// How grading one exercise ended.
#[derive(Debug, Clone)]
pub enum GradeOutcome {
    /// Every run passed every check.
    Passed,
    /// The file did not compile.
    CompileError(CompileError),
    /// A run broke a rule.
    Failed(Box<FailedRun>),
    /// The course itself is broken for this exercise (e.g. a missing snapshot).
    CourseError(String),
    /// Grading was stopped through [`Grader::cancel`] before it could conclude.
    Cancelled,
    /// No run broke a rule, but a rule could not be judged, even on a retry (the notes are
    /// in [`Verdict::skipped`]): worth no points, and not recorded done, until it is judged.
    NotJudged,
}

/// What grading an exercise planned, kept in its verdict so that the reports say what was
/// done and never recompute it (after `verify --runs 20` they say 20 runs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Runs per argument set.
    pub runs_per_set: usize,
    /// Argument sets.
    pub arg_sets: usize,
    /// The schedules the runs cycle through.
    pub perturbations: Vec<Perturbation>,
    /// Argument sets whose expected output this copy of the course does not have (a student
    /// template): their output is judged by the teacher's grading, their other checks here.
    pub withheld_outputs: Vec<String>,
    /// The one configuration (`ARGSET:PERTURBATION`) repeated, up to [`REPLAY_RUNS`] times
    /// until it fails, when grading replays one (`learn run --replay`).
    pub replayed: Option<String>,
}

/// The verdict on one exercise.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The exercise id.
    pub id: String,
    /// The file graded, relative to the course root where it is inside it.
    pub file: PathBuf,
    /// How it ended.
    pub outcome: GradeOutcome,
    /// What was planned.
    pub plan: Plan,
    /// Runs made (retries included).
    pub runs: usize,
    /// Runs that passed only on a retry, in plan order.
    pub retries: Vec<Retried>,
    /// Rules that could not be judged, even on a retry, and why; when there are any and no
    /// run failed, the outcome is [`GradeOutcome::NotJudged`].
    pub skipped: Vec<Skipped>,
    /// The first run of the program, to show its output when everything passed.
    pub sample: Option<RunRecord>,
    /// The warnings rustc gave on the file graded, as it renders them (an unused
    /// `JoinHandle` is a thread never joined): shown on a pass too.
    pub warnings: Vec<String>,
    /// Wall time spent grading.
    pub elapsed: Duration,
    /// What the exploration of its schedules under shuttle did, for an explored exercise.
    pub explored: Option<Exploration>,
}

impl Verdict {
    /// A verdict of `outcome` on `file` before any run: nothing planned, run or skipped.
    pub fn new(id: &str, file: PathBuf, outcome: GradeOutcome) -> Verdict {
        Verdict {
            id: id.to_string(),
            file,
            outcome,
            plan: Plan::default(),
            runs: 0,
            retries: Vec::new(),
            skipped: Vec::new(),
            sample: None,
            warnings: Vec::new(),
            elapsed: Duration::ZERO,
            explored: None,
        }
    }

    /// Whether it passed.
    pub fn passed(&self) -> bool {
        matches!(self.outcome, GradeOutcome::Passed)
    }

    /// Whether it is not judged only because the machine has one core: no rule broken, and
    /// checking again on this machine would give the same.
    pub fn wants_more_cores(&self) -> bool {
        matches!(self.outcome, GradeOutcome::NotJudged)
            && !self.skipped.is_empty()
            && self.skipped.iter().all(|note| note.why.wants_more_cores())
    }
}

/// Whether `failures` are all timing rules broken while the machine was quiet: the slowness
/// was the program's own, so a retry could not excuse it. The grader does not retry such a
/// run, and the report says why.
fn slow_on_a_quiet_machine(failures: &Failures, record: &RunRecord) -> bool {
    failures.all_timing() && record.machine_was_quiet()
}

impl FailedRun {
    /// Whether it counted at once because it broke only timing rules on a quiet machine.
    pub fn slow_on_a_quiet_machine(&self) -> bool {
        slow_on_a_quiet_machine(&self.failures, &self.record)
    }
}

/// Grades exercises of one course.
pub struct Grader<'c> {
    course: &'c Course,
    target_dir: PathBuf,
    cores: usize,
    jobs: usize,
    replay: Option<String>,
    runs: Option<u32>,
    first_only: bool,
    os_runs: bool,
    cancel: Option<Arc<AtomicBool>>,
    events: Option<Events<'c>>,
    build_lines: bool,
    backend: Option<&'c dyn Backend>,
    toolchain: build::Toolchain,
    sandbox: SandboxSettings,
    gate: schedule::Gate,
}

impl<'c> Grader<'c> {
    /// A grader building into `target_dir`.
    pub fn new(course: &'c Course, target_dir: PathBuf) -> Grader<'c> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let jobs = cores * JOBS_PER_CORE;
        Grader {
            course,
            target_dir,
            cores,
            jobs,
            replay: None,
            runs: None,
            first_only: false,
            os_runs: true,
            cancel: None,
            events: None,
            build_lines: false,
            backend: None,
            toolchain: build::Toolchain::default(),
            sandbox: SandboxSettings::default(),
            gate: schedule::Gate::new(jobs),
        }
    }

    /// How many exercises, and runs, are graded at once (default: [`JOBS_PER_CORE`] per core;
    /// the commands pass `LEARN_JOBS` when it is set).
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self.gate = schedule::Gate::new(self.jobs);
        self
    }

    /// Restricts every grading to the one configuration `ARGSET:PERTURBATION`, run up to
    /// [`REPLAY_RUNS`] times, until it fails.
    pub fn replay(mut self, key: Option<String>) -> Self {
        self.replay = key;
        self
    }

    /// Runs every argument set `runs` times instead of what the manifest says (`None`: as it
    /// says): a teacher checking that a solution passes every time, or a stress test.
    pub fn runs(mut self, runs: Option<u32>) -> Self {
        self.runs = runs.map(|r| r.max(1));
        self
    }

    /// Without `os_runs`, an explored exercise is judged by its exploration under shuttle
    /// alone (for tests: what the exploration catches by itself).
    pub fn os_runs(mut self, os_runs: bool) -> Self {
        self.os_runs = os_runs;
        self
    }

    /// Stops grading as soon as `flag` is raised: a run in progress is killed and the
    /// outcome is [`GradeOutcome::Cancelled`].
    pub fn cancel(mut self, flag: Arc<AtomicBool>) -> Self {
        self.cancel = Some(flag);
        self
    }

    /// Sends what grading tells as it goes to `sink`; with `build_lines`, every line the
    /// build prints too ([`Event::Building`]: cargo is then very verbose, which watch mode
    /// needs to replay its rustc commands), instead of keeping it quiet.
    pub fn events(mut self, sink: Events<'c>, build_lines: bool) -> Self {
        self.events = Some(sink);
        self.build_lines = build_lines;
        self
    }

    /// Builds with `backend` instead of cargo (watch mode's replay of rustc commands).
    pub fn backend(mut self, backend: &'c dyn Backend) -> Self {
        self.backend = Some(backend);
        self
    }

    /// Builds with the cargo and rustc of `toolchain` (default: [`build::Toolchain::default`]).
    pub fn toolchain(mut self, toolchain: build::Toolchain) -> Self {
        self.toolchain = toolchain;
        self
    }

    /// Runs every program with the protections `sandbox` leaves on (default: every one the
    /// kernel offers); the build's landlock follows its `filesystem` protection.
    pub fn sandbox(mut self, sandbox: SandboxSettings) -> Self {
        self.sandbox = sandbox;
        self
    }

    /// The protections this grader's runs are confined by.
    pub fn protections(&self) -> Protections {
        self.sandbox.protections()
    }

    /// cargo on this grader's course and build folder, with its toolchain; its landlock only
    /// where the run's `filesystem` protection is in force.
    pub fn cargo(&self) -> build::Cargo {
        let mut toolchain = self.toolchain.clone();
        toolchain.sandbox.landlock &= self.protections().filesystem;
        build::Cargo {
            root: self.course.root.clone(),
            target_dir: self.target_dir.clone(),
            toolchain,
        }
    }

    fn emit(&self, event: Event<'_>) {
        if let Some(sink) = self.events {
            sink(event);
        }
    }

    /// Grades `items` in order, building all of them first in one build, and sends every
    /// verdict as soon as it is known ([`Event::Verdict`], in order).
    pub fn grade(&self, items: &[(&Exercise, Source)]) -> Result<Vec<Verdict>, BuildError> {
        // Held until the last run: no `forget` elsewhere removes these binaries meanwhile.
        let _in_use = self.cargo().in_use();
        let built = self.build(items)?;
        let grade_one = |i: usize| self.grade_built(items[i].0, &items[i].1, &built);
        Ok(schedule::in_order(items.len(), self.jobs, grade_one, |v| {
            self.emit(Event::Verdict(v))
        }))
    }

    /// Grades one exercise in two stages, as watch mode shows it: after the build, one
    /// unperturbed run is judged first; when it settles the verdict (a compile error, a
    /// course error, a broken logic rule: grading would stop at the same place) that is the
    /// verdict, otherwise it is sent as [`Event::FirstLook`] and every run is made.
    pub fn grade_in_stages(
        &self,
        exercise: &Exercise,
        source: &Source,
    ) -> Result<Verdict, BuildError> {
        // Held until the last run: no `forget` elsewhere removes these binaries meanwhile.
        let _in_use = self.cargo().in_use();
        let built = self.build(&[(exercise, source.clone())])?;
        if self.cancelled() {
            return Err(BuildError::Cancelled);
        }
        let first = Grader {
            course: self.course,
            target_dir: self.target_dir.clone(),
            cores: self.cores,
            jobs: self.jobs,
            replay: self.replay.clone(),
            runs: self.runs,
            first_only: true,
            os_runs: self.os_runs,
            cancel: self.cancel.clone(),
            events: None,
            build_lines: false,
            backend: self.backend,
            toolchain: self.toolchain.clone(),
            sandbox: self.sandbox,
            gate: schedule::Gate::new(self.jobs),
        }
        .grade_built(exercise, source, &built);
        match &first.outcome {
            GradeOutcome::Passed => self.emit(Event::FirstLook(&first)),
            GradeOutcome::Failed(run) if run.failures.all_timing() => {
                self.emit(Event::FirstLook(&first))
            }
            _ => return Ok(first),
        }
        Ok(self.grade_built(exercise, source, &built))
    }

    /// Starts building what grading `exercise` from `source` needs in a process of its own
    /// (see [`build::Cargo::build_in_background`]), and returns at once.
    pub fn build_ahead(&self, exercise: &Exercise, source: &Source) -> Result<(), BuildError> {
        let units: Vec<Unit> = self.every_unit(exercise, source).collect();
        self.cargo().build_in_background(&units)
    }

    /// Removes from the build folder what building `items` left (see
    /// [`build::Cargo::forget`]): after a class's grading, its programs.
    pub fn forget(&self, items: &[(&Exercise, Source)]) -> bool {
        let all: Vec<Unit> = items
            .iter()
            .flat_map(|(e, s)| self.every_unit(e, s))
            .collect();
        self.cargo().forget(&all)
    }

    /// Builds every binary `items` need, in one build.
    pub fn build(&self, items: &[(&Exercise, Source)]) -> Result<build::Built, BuildError> {
        let all: Vec<Unit> = items
            .iter()
            .flat_map(|(e, s)| self.every_unit(e, s))
            .collect();
        let cargo = self.cargo();
        let backend = self.backend.unwrap_or(&cargo);
        let lines = |line: &str| self.emit(Event::Building(line));
        let never = AtomicBool::new(false);
        let built = backend.build(
            &all,
            self.build_lines.then_some(&lines),
            self.cancel.as_deref().unwrap_or(&never),
        )?;
        self.emit(Event::Built);
        Ok(built)
    }

    /// What grading `exercise` plans with this grader's settings.
    pub fn plan_of(&self, exercise: &Exercise) -> Plan {
        if let Some(key) = &self.replay
            && key.starts_with(REPLAY_PREFIX)
        {
            return Plan {
                replayed: Some(key.clone()),
                ..Plan::default()
            };
        }
        if let Some(key) = &self.replay {
            let perturbation = key.rsplit_once(':').map_or("", |(_, p)| p);
            return Plan {
                runs_per_set: REPLAY_RUNS,
                arg_sets: 1,
                perturbations: exercise
                    .perturbations()
                    .into_iter()
                    .filter(|p| p.name() == perturbation)
                    .collect(),
                withheld_outputs: Vec::new(),
                replayed: Some(key.clone()),
            };
        }
        Plan {
            runs_per_set: self.runs.or(exercise.spec.runs).unwrap_or(DEFAULT_RUNS) as usize,
            arg_sets: exercise.arg_sets().len(),
            perturbations: exercise.perturbations(),
            replayed: None,
            withheld_outputs: exercise
                .arg_sets()
                .into_iter()
                .filter(|args| {
                    matches!(
                        crate::course::expected_output_kept(&self.course.root, exercise, args),
                        Ok(None)
                    )
                })
                .map(|args| args.name)
                .collect(),
        }
    }

    /// Grades one exercise whose binaries are in `built` (from [`Grader::build`], or built
    /// another way for the same units).
    pub fn grade_built(
        &self,
        exercise: &Exercise,
        source: &Source,
        built: &build::Built,
    ) -> Verdict {
        let (program, harness) = self.units(exercise, source);
        let explorer = self.explorer(exercise, source).map(|unit| {
            built
                .get(&unit)
                .cloned()
                .expect("every unit is in the build result")
        });
        let started = std::time::Instant::now();
        let file = source.path(self.course, exercise);
        let file = file
            .strip_prefix(&self.course.root)
            .map(Path::to_path_buf)
            .unwrap_or(file);
        let mut verdict = Verdict {
            plan: self.plan_of(exercise),
            ..Verdict::new(&exercise.id, file, GradeOutcome::Passed)
        };
        let program_exe = built
            .get(&program)
            .cloned()
            .expect("every unit is in the build result");
        let harness_exe = harness.as_ref().map(|h| {
            built
                .get(h)
                .cloned()
                .expect("every unit is in the build result")
        });
        verdict.outcome = match (program_exe, harness_exe.transpose()) {
            (Err(e), _) | (_, Err(e)) => GradeOutcome::CompileError(e),
            (Ok(program), Ok(harness)) => {
                verdict.warnings = program.warnings;
                let harness_exe = harness.as_ref().map(|h| h.exe.as_path());
                let explorer = explorer.as_ref().map(|built| match built {
                    Ok(binary) => Ok(binary.exe.as_path()),
                    Err(e) => Err(e.headline.as_str()),
                });
                self.grade_runs(exercise, &program.exe, harness_exe, explorer, &mut verdict)
            }
        };
        verdict.elapsed = started.elapsed();
        verdict
    }

    /// The normalised stdout of one unperturbed run of each of `items` with each of its
    /// argument sets, in order: what the course's snapshots hold for the solutions. The
    /// exercises run [`Grader::jobs`] at once (outputs are normalised, so neighbours cannot
    /// change them).
    pub fn outputs(&self, items: &[(&Exercise, Source)]) -> Result<Vec<SampleOutput>, BuildError> {
        let units: Vec<Unit> = items.iter().map(|(e, s)| self.units(e, s).0).collect();
        let built = self.cargo().build_quietly(&units)?;
        let outputs_of = |i: usize| {
            let exercise = items[i].0;
            let server = if exercise.spec.server {
                DownloadServer::start().ok()
            } else {
                None
            };
            let output = |args: &ArgSet| {
                let config = RunConfig {
                    args: args.clone(),
                    perturbation: Perturbation::None,
                    schedule: None,
                };
                match &built[&units[i]] {
                    Err(e) => Err(format!("does not compile: {}", e.headline)),
                    Ok(binary) => match self.run_once(
                        exercise,
                        &binary.exe,
                        &config,
                        Subject::Program,
                        server.as_ref(),
                    ) {
                        Err(e) => Err(e.to_string()),
                        Ok((record, ..)) => match judge_ending(&record) {
                            Some(failure) => {
                                Err(format!("{}: {}", failure.rule, failure.seen.join("; ")))
                            }
                            None => Ok(exercise.spec.normalize.apply(record.stdout_texts())),
                        },
                    },
                }
            };
            exercise
                .arg_sets()
                .into_iter()
                .map(|args| {
                    let output = output(&args);
                    (exercise.id.clone(), args, output)
                })
                .collect::<Vec<SampleOutput>>()
        };
        Ok(
            schedule::in_order(items.len(), self.jobs, outputs_of, |_| {})
                .into_iter()
                .flatten()
                .collect(),
        )
    }

    /// Whether the cancel flag was raised.
    fn cancelled(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
    }

    /// [`Grader::units`] one after the other: the program, then the harness if any, then the
    /// explorer if the exercise is explored.
    fn every_unit(&self, exercise: &Exercise, source: &Source) -> impl Iterator<Item = Unit> {
        let (program, harness) = self.units(exercise, source);
        std::iter::once(program)
            .chain(harness)
            .chain(self.explorer(exercise, source))
    }

    /// The explorer of `exercise`'s schedules under shuttle, when the manifest explores it.
    fn explorer(&self, exercise: &Exercise, source: &Source) -> Option<Unit> {
        exercise.spec.explore.as_ref().map(|_| Unit {
            id: exercise.id.clone(),
            source: source.path(self.course, exercise),
            harness: None,
            shuttle: true,
        })
    }

    /// The binaries grading `exercise` from `source` needs: its program, and the harness
    /// wrapped around it for API exercises.
    pub fn units(&self, exercise: &Exercise, source: &Source) -> (Unit, Option<Unit>) {
        let path = source.path(self.course, exercise);
        let program = Unit {
            id: exercise.id.clone(),
            source: path.clone(),
            harness: None,
            shuttle: false,
        };
        let harness = exercise.harness_path().map(|h| Unit {
            id: exercise.id.clone(),
            source: path,
            harness: Some(self.course.root.join(h)),
            shuttle: false,
        });
        (program, harness)
    }
}
