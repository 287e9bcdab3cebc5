//! Grading one exercise: the plan of runs (argument sets × repeated runs × perturbations, then
//! the harness), each run supervised and judged, timing failures retried alone.

use std::path::Path;
use std::time::Duration;

use super::{FailedRun, GradeOutcome, Grader, RunConfig, Verdict, DEFAULT_RUNS, HARNESS_RUNS, TIMING_RETRIES};
use crate::checks::{judge_ending, CheckSpec, Evidence, Failure, Outcome, Subject};
use crate::course::manifest::ArgSet;
use crate::course::{expected_output, Exercise};
use crate::server::{DownloadReport, DownloadServer};
use crate::supervise::{self, Ending, Limits, Perturbation, RunRecord, RunRequest, StopReason};

/// One planned run: who runs, how, and the expected output.
type Planned = (Subject, RunConfig, Option<String>);

impl Grader<'_> {
    pub(super) fn grade_runs(&self, exercise: &Exercise, exe: &Path, harness: Option<&Path>, verdict: &mut Verdict) -> GradeOutcome {
        let spec = &exercise.spec;
        let perturbations = spec.perturb.clone().unwrap_or_else(|| Perturbation::ALL.to_vec());
        let runs = spec.runs.unwrap_or(DEFAULT_RUNS) as usize;
        let server = match spec.server.then(DownloadServer::start).transpose() {
            Ok(server) => server,
            Err(e) => return GradeOutcome::CourseError(format!("cannot start the download server: {e}")),
        };
        let mut plan: Vec<Planned> = Vec::new();
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
                let config = RunConfig { args: ArgSet::harness_set(), perturbation: perturbations[i % perturbations.len()] };
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
        if self.first_only {
            plan.truncate(1);
        }
        let measures_cpu = spec.checks.iter().any(|c| matches!(c, CheckSpec::CpuParallelism(_)));
        for (number, (subject, config, expected)) in plan.into_iter().enumerate() {
            let program = if subject == Subject::Harness { harness.expect("planned only with a harness") } else { exe };
            let mut retried = 0;
            loop {
                if self.cancelled() {
                    return GradeOutcome::Cancelled;
                }
                verdict.runs += 1;
                let hold = self.gate.hold(measures_cpu || retried > 0);
                let observed = self.run_once(exercise, program, &config, subject, server.as_ref());
                drop(hold);
                let (record, downloads) = match observed {
                    Ok(observed) => observed,
                    Err(e) => return GradeOutcome::CourseError(format!("cannot start {}: {e}", program.display())),
                };
                if matches!(record.ending, Ending::Stopped(StopReason::Cancelled)) {
                    return GradeOutcome::Cancelled;
                }
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

    pub(super) fn run_once(&self, exercise: &Exercise, program: &Path, config: &RunConfig, subject: Subject, server: Option<&DownloadServer>) -> std::io::Result<(RunRecord, Option<DownloadReport>)> {
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
        let request = RunRequest { program: program.to_path_buf(), args, env, cwd: self.course.root.clone(), limits, perturbation: config.perturbation, cancel: self.cancel.clone() };
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
