//! Grading: every argument set × repeated runs under the perturbations the exercise declares ×
//! every check → one verdict. A logic failure (wrong order, lost update, wrong value) fails at
//! once and is never retried: it is proof of a bug. A timing failure is run again, up to
//! [`TIMING_RETRIES`] times, so a busy machine does not fail a correct program; a retry that
//! happened is kept in the verdict so the report can say so.
//!
//! The engine knows nothing of terminals: it returns [`Verdict`]s for the reporters.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::build::{self, CompileError, Unit};
use crate::checks::{judge_ending, CheckSpec, Evidence, Failure, Outcome, Subject};
use crate::course::manifest::ArgSet;
use crate::course::{expected_output, Course, Exercise};
use crate::server::{DownloadReport, DownloadServer};
use crate::supervise::{self, Limits, Perturbation, RunRecord, RunRequest};

/// How many times a run that failed only timing rules is run again before it counts.
pub const TIMING_RETRIES: usize = 2;
/// Runs per argument set when the manifest does not say.
pub const DEFAULT_RUNS: u32 = 6;
/// Runs of an API exercise's harness.
pub const HARNESS_RUNS: u32 = 3;

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
}

impl RunConfig {
    /// `ARGSET:PERTURBATION`, the form `learn run --replay` takes.
    pub fn replay_key(&self) -> String {
        format!("{}:{}", self.args.name, self.perturbation.name())
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
    pub failures: Vec<Failure>,
    /// What was observed.
    pub record: RunRecord,
    /// Whether retries were made before this counted.
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
    /// Runs made (retries included).
    pub runs: usize,
    /// Runs that passed only on a retry after a timing failure: `(config, failed rule)`.
    pub retries: Vec<(RunConfig, String)>,
    /// Checks that could not be judged here, and why.
    pub skipped: Vec<String>,
    /// The first run of the program, to show its output when everything passed.
    pub sample: Option<RunRecord>,
    /// Wall time spent grading.
    pub elapsed: Duration,
}

impl Verdict {
    /// Whether it passed.
    pub fn passed(&self) -> bool {
        matches!(self.outcome, GradeOutcome::Passed)
    }
}

/// Grades exercises of one course.
pub struct Grader<'c> {
    course: &'c Course,
    target_dir: PathBuf,
    cores: usize,
    replay: Option<String>,
}

impl<'c> Grader<'c> {
    /// A grader building into `target_dir`.
    pub fn new(course: &'c Course, target_dir: PathBuf) -> Grader<'c> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Grader { course, target_dir, cores, replay: None }
    }

    /// Restricts every grading to the one configuration `ARGSET:PERTURBATION`, run once.
    pub fn replay(mut self, key: Option<String>) -> Self {
        self.replay = key;
        self
    }

    /// Grades `items` in order, building all of them first in one cargo invocation, and calls
    /// `each` with every verdict as soon as it is known.
    pub fn grade(&self, items: &[(&Exercise, Source)], mut each: impl FnMut(&Verdict)) -> Result<Vec<Verdict>, build::BuildError> {
        let units: Vec<(Unit, Option<Unit>)> = items.iter().map(|(e, s)| self.units(e, s)).collect();
        let all: Vec<Unit> = units.iter().flat_map(|(p, h)| std::iter::once(p.clone()).chain(h.clone())).collect();
        let built = build::build(&self.course.root, &self.target_dir, &all)?;
        let mut verdicts = Vec::new();
        for ((exercise, source), (program, harness)) in items.iter().zip(units) {
            let started = std::time::Instant::now();
            let file = source.path(self.course, exercise);
            let file = file.strip_prefix(&self.course.root).map(Path::to_path_buf).unwrap_or(file);
            let mut verdict = Verdict { id: exercise.id.clone(), file, outcome: GradeOutcome::Passed, runs: 0, retries: Vec::new(), skipped: Vec::new(), sample: None, elapsed: Duration::ZERO };
            let program_exe = built.get(&program).cloned().expect("every unit is in the build result");
            let harness_exe = harness.map(|h| built.get(&h).cloned().expect("every unit is in the build result"));
            verdict.outcome = match (program_exe, harness_exe.transpose()) {
                (Err(e), _) | (_, Err(e)) => GradeOutcome::CompileError(e),
                (Ok(exe), Ok(harness_exe)) => self.grade_runs(exercise, &exe, harness_exe.as_deref(), &mut verdict),
            };
            verdict.elapsed = started.elapsed();
            each(&verdict);
            verdicts.push(verdict);
        }
        Ok(verdicts)
    }

    /// The normalised stdout of one unperturbed run of each of `items` with each of its
    /// argument sets: what the course's snapshots hold for the solutions.
    pub fn outputs(&self, items: &[(&Exercise, Source)]) -> Result<Vec<SampleOutput>, build::BuildError> {
        let units: Vec<Unit> = items.iter().map(|(e, s)| self.units(e, s).0).collect();
        let built = build::build(&self.course.root, &self.target_dir, &units)?;
        let mut outputs = Vec::new();
        for ((exercise, _), unit) in items.iter().zip(&units) {
            let server = if exercise.spec.server { DownloadServer::start().ok() } else { None };
            for args in exercise.arg_sets() {
                let config = RunConfig { args: args.clone(), perturbation: Perturbation::None };
                let output = match &built[unit] {
                    Err(e) => Err(format!("does not compile: {}", e.headline)),
                    Ok(exe) => match self.run_once(exercise, exe, &config, Subject::Program, server.as_ref()) {
                        Err(e) => Err(e.to_string()),
                        Ok((record, _)) => match judge_ending(&record) {
                            Some(failure) => Err(format!("{}: {}", failure.rule, failure.seen.join("; "))),
                            None => Ok(exercise.spec.normalize.apply(record.stdout_texts())),
                        },
                    },
                };
                outputs.push((exercise.id.clone(), args, output));
            }
        }
        Ok(outputs)
    }

    fn units(&self, exercise: &Exercise, source: &Source) -> (Unit, Option<Unit>) {
        let path = source.path(self.course, exercise);
        let program = Unit { id: exercise.id.clone(), source: path.clone(), harness: None };
        let harness = exercise.harness_path().map(|h| Unit { id: exercise.id.clone(), source: path, harness: Some(self.course.root.join(h)) });
        (program, harness)
    }

    fn grade_runs(&self, exercise: &Exercise, exe: &Path, harness: Option<&Path>, verdict: &mut Verdict) -> GradeOutcome {
        let spec = &exercise.spec;
        let perturbations = spec.perturb.clone().unwrap_or_else(|| Perturbation::ALL.to_vec());
        let runs = spec.runs.unwrap_or(DEFAULT_RUNS) as usize;
        let server = match spec.server.then(DownloadServer::start).transpose() {
            Ok(server) => server,
            Err(e) => return GradeOutcome::CourseError(format!("cannot start the download server: {e}")),
        };
        let mut plan: Vec<(Subject, RunConfig, Option<String>)> = Vec::new();
        for args in exercise.arg_sets() {
            let expected = if spec.checks.iter().any(|c| matches!(c, CheckSpec::Output(_))) {
                match expected_output(&self.course.root, exercise, &args) {
                    Ok(text) => Some(text),
                    Err(e) => return GradeOutcome::CourseError(e.to_string()),
                }
            } else {
                None
            };
            for i in 0..runs {
                let config = RunConfig { args: args.clone(), perturbation: perturbations[i % perturbations.len()] };
                plan.push((Subject::Program, config, expected.clone()));
            }
        }
        if harness.is_some() {
            for i in 0..HARNESS_RUNS as usize {
                let config = RunConfig { args: ArgSet::default_set(), perturbation: perturbations[i % perturbations.len()] };
                plan.push((Subject::Harness, config, None));
            }
        }
        if let Some(key) = &self.replay {
            plan.retain(|(_, config, _)| &config.replay_key() == key);
            plan.truncate(1);
            if plan.is_empty() {
                return GradeOutcome::CourseError(format!("no run configuration `{key}` (ARGSET:PERTURBATION) for {}", exercise.id));
            }
        }
        for (number, (subject, config, expected)) in plan.into_iter().enumerate() {
            let program = if subject == Subject::Harness { harness.expect("planned only with a harness") } else { exe };
            let mut retried = 0;
            loop {
                verdict.runs += 1;
                let (record, downloads) = match self.run_once(exercise, program, &config, subject, server.as_ref()) {
                    Ok(observed) => observed,
                    Err(e) => return GradeOutcome::CourseError(format!("cannot start {}: {e}", program.display())),
                };
                let failures = self.judge(exercise, subject, &record, downloads.as_ref(), expected.as_deref(), &mut verdict.skipped);
                if failures.is_empty() {
                    if verdict.sample.is_none() && subject == Subject::Program {
                        verdict.sample = Some(record);
                    }
                    if retried > 0 {
                        verdict.retries.push((config.clone(), format!("passed on retry {retried}")));
                    }
                    break;
                }
                let only_timing = failures.iter().all(|f| f.timing);
                if only_timing && retried < TIMING_RETRIES {
                    retried += 1;
                    continue;
                }
                return GradeOutcome::Failed(Box::new(FailedRun { subject, config, run_number: number + 1, failures, record, retried }));
            }
        }
        GradeOutcome::Passed
    }

    fn run_once(&self, exercise: &Exercise, program: &Path, config: &RunConfig, subject: Subject, server: Option<&DownloadServer>) -> std::io::Result<(RunRecord, Option<DownloadReport>)> {
        let spec = &exercise.spec;
        let mut env = Vec::new();
        let out_dir = match server {
            Some(server) => {
                let dir = tempfile::tempdir()?;
                env.push(("LEARN_SERVER".to_string(), server.base_url()));
                env.push(("LEARN_OUT".to_string(), dir.path().display().to_string()));
                Some(dir)
            }
            None => None,
        };
        let limits = Limits { timeout: Duration::from_secs_f64(spec.timeout_secs.unwrap_or(10.0)), ..Limits::default() };
        let args = if subject == Subject::Program { config.args.values.clone() } else { Vec::new() };
        let request = RunRequest { program: program.to_path_buf(), args, env, cwd: self.course.root.clone(), limits, perturbation: config.perturbation };
        let mut record = supervise::run(&request)?;
        let root = format!("{}/", self.course.root.display());
        for line in &mut record.stderr {
            if line.text.contains(&root) {
                line.text = line.text.replace(&root, "");
            }
        }
        let downloads = server.zip(out_dir).map(|(server, dir)| server.take_report(dir.path()));
        Ok((record, downloads))
    }

    fn judge(&self, exercise: &Exercise, subject: Subject, record: &RunRecord, downloads: Option<&DownloadReport>, expected: Option<&str>, skipped: &mut Vec<String>) -> Vec<Failure> {
        if subject == Subject::Program
            && let Some(failure) = judge_ending(record)
        {
            return vec![failure];
        }
        let evidence = Evidence { run: record, downloads, expected, normalize: &exercise.spec.normalize, cores: self.cores };
        let mut failures = Vec::new();
        for check in exercise.spec.checks.iter().filter(|c| c.subject() == subject) {
            match check.judge(&evidence) {
                Outcome::Pass => {}
                Outcome::Fail(failure) => failures.push(failure),
                Outcome::Skip(why) => {
                    let note = format!("{}: {why}", check.kind());
                    if !skipped.contains(&note) {
                        skipped.push(note);
                    }
                }
            }
        }
        failures
    }
}
