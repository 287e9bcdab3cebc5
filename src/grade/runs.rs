//! Grading one exercise: the plan of runs (argument sets × repeated runs × perturbations, then
//! the harness), each run supervised and judged, timing failures retried alone.
//!
//! The runs of one exercise go at once, as many as the [`Gate`](super::schedule::Gate) admits
//! (each download run with a server of its own). The verdict is the one running them in plan
//! order would give: no run starts after one failed, the failure reported is the earliest in
//! the plan, and the sample is the earliest passing run of the program before it.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use super::retry::{Retries, RetryPolicy};
use super::{
    FailedRun, GradeOutcome, Grader, HARNESS_RUNS, REPLAY_PREFIX, REPLAY_RUNS, Retried,
    RetryReason, RunConfig, Skipped, SkippedRule, TIMING_RETRIES, Verdict, slow_on_a_quiet_machine,
};
use crate::checks::harness::HarnessProof;
use crate::checks::{
    CheckKind, CheckSpec, Evidence, Failure, Failures, NotJudged, Outcome, Subject, judge_ending,
};
use crate::course::manifest::ArgSet;
use crate::course::{Exercise, expected_output_kept};
use crate::server::{DownloadReport, DownloadServer};
use crate::supervise::{
    self, Affinity, DEFAULT_TIMEOUT, Ending, Limits, Perturbation, RunRecord, RunRequest,
    SandboxRequest, StopReason,
};

/// Runs that did not conclude are made again up to [`TIMING_RETRIES`] times, for any reason.
const RETRY_POLICY: RetryPolicy = RetryPolicy {
    retries: TIMING_RETRIES,
};

/// How one run went, judged.
enum Attempt {
    /// Grading ends here (cancelled, or an error of the course or of learn).
    Ended(GradeOutcome),
    /// Every rule held.
    Passed(RunRecord),
    /// No rule broken, but these could not be judged.
    NotJudged(Vec<Skipped>),
    /// Rules broken.
    Failed(Failures, RunRecord),
}

/// What one run showed: its record, the download server's report, and for a harness whether
/// it printed its proof.
pub(super) type Observed = (RunRecord, Option<DownloadReport>, Option<bool>);

/// One planned run: who runs, how, and the expected output.
#[derive(Debug, Clone)]
struct Planned {
    /// The program or its harness.
    subject: Subject,
    /// Its arguments and perturbation.
    config: RunConfig,
    /// The expected normalised stdout, where an `output` check has a snapshot.
    expected: Option<String>,
}

impl Grader<'_> {
    pub(super) fn grade_runs(
        &self,
        exercise: &Exercise,
        exe: &Path,
        harness: Option<&Path>,
        explorer: Option<Result<&Path, &str>>,
        verdict: &mut Verdict,
    ) -> GradeOutcome {
        let replays_a_schedule = self
            .replay
            .as_ref()
            .is_some_and(|key| key.starts_with(REPLAY_PREFIX));
        let explore = exercise.spec.explore.as_ref().filter(|_| !self.first_only);
        let outcome = if replays_a_schedule || (!self.os_runs && explore.is_some()) {
            GradeOutcome::Passed
        } else {
            self.os_graded_runs(exercise, exe, harness, verdict)
        };
        let (explore, explorer) = match (explore, explorer, &outcome) {
            (Some(explore), Some(explorer), GradeOutcome::Passed | GradeOutcome::NotJudged) => {
                (explore, explorer)
            }
            _ if replays_a_schedule => {
                return GradeOutcome::CourseError(format!(
                    "{} is not explored under shuttle: --replay takes ARGSET:PERTURBATION for it",
                    exercise.id
                ));
            }
            _ => return self.judged_on_cores(exercise, outcome, false, verdict),
        };
        let (failed, exploration) = self.explore(exercise, explore, explorer);
        let judged = exploration.not_judged.is_none();
        verdict.explored = Some(exploration);
        verdict.runs += 1;
        match failed {
            Some(failed) => failed,
            None => self.judged_on_cores(exercise, outcome, judged, verdict),
        }
    }

    /// `outcome` as the machine's cores let it stand (see [`judged_on`]): an exploration that
    /// judged the exercise (`explored`) proves what a second core would, without one.
    fn judged_on_cores(
        &self,
        exercise: &Exercise,
        outcome: GradeOutcome,
        explored: bool,
        verdict: &mut Verdict,
    ) -> GradeOutcome {
        let needs_two_cores = exercise
            .spec
            .needs_two_cores
            .as_deref()
            .filter(|_| !explored);
        judged_on(self.cores, needs_two_cores, outcome, verdict)
    }

    /// The OS runs: every planned run, supervised and judged.
    fn os_graded_runs(
        &self,
        exercise: &Exercise,
        exe: &Path,
        harness: Option<&Path>,
        verdict: &mut Verdict,
    ) -> GradeOutcome {
        let plan = match self.plan(exercise, harness.is_some()) {
            Ok(plan) => plan,
            Err(outcome) => return outcome,
        };
        let measures_cpu = exercise.spec.checks.iter().any(CheckSpec::measures_cpu);
        let tally = Tally::default();
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..self.jobs.min(plan.len()) {
                scope.spawn(|| {
                    while !tally.stop.load(Ordering::SeqCst) {
                        let number = next.fetch_add(1, Ordering::SeqCst);
                        let Some(planned) = plan.get(number) else {
                            break;
                        };
                        let program = if planned.subject == Subject::Harness {
                            harness.expect("planned only with a harness")
                        } else {
                            exe
                        };
                        self.run_planned(exercise, program, planned, number, measures_cpu, &tally);
                    }
                });
            }
        });
        tally.conclude(verdict)
    }

    /// The runs grading `exercise` makes, in order; a course error when its expected output
    /// is missing or the replayed configuration does not exist.
    fn plan(&self, exercise: &Exercise, with_harness: bool) -> Result<Vec<Planned>, GradeOutcome> {
        let spec = &exercise.spec;
        let perturbations = exercise.perturbations();
        // A replay picks its configuration among one run of each, wherever grading would
        // have made it.
        let runs = match self.replay {
            Some(_) => perturbations.len(),
            None => self.plan_of(exercise).runs_per_set,
        };
        let mut plan: Vec<Planned> = Vec::new();
        for args in exercise.arg_sets() {
            let expected = if spec
                .checks
                .iter()
                .any(|c| matches!(c, CheckSpec::Output(_)))
            {
                match expected_output_kept(&self.course.root, exercise, &args) {
                    Ok(text) => text,
                    Err(e) => return Err(GradeOutcome::CourseError(e.to_string())),
                }
            } else {
                None
            };
            for i in 0..runs {
                let config = RunConfig {
                    args: args.clone(),
                    perturbation: perturbations[i % perturbations.len()],
                    schedule: None,
                };
                plan.push(Planned {
                    subject: Subject::Program,
                    config,
                    expected: expected.clone(),
                });
            }
        }
        if with_harness {
            for i in 0..HARNESS_RUNS as usize {
                let config = RunConfig {
                    args: ArgSet::harness_set(),
                    perturbation: perturbations[i % perturbations.len()],
                    schedule: None,
                };
                plan.push(Planned {
                    subject: Subject::Harness,
                    config,
                    expected: None,
                });
            }
        }
        if let Some(key) = &self.replay {
            let Some(chosen) = plan.iter().find(|p| &p.config.replay_key() == key) else {
                return Err(GradeOutcome::CourseError(format!(
                    "no run configuration `{key}` (ARGSET:PERTURBATION) for {}",
                    exercise.id
                )));
            };
            plan = vec![chosen.clone(); REPLAY_RUNS];
        }
        if self.first_only {
            plan.truncate(1);
        }
        Ok(plan)
    }

    /// Makes one planned run (number `number` in the plan, from 0), made again as
    /// [`RETRY_POLICY`] says while it does not conclude (unless another run has failed the
    /// exercise by then: it is then left unconcluded), and records how it went in `tally`.
    fn run_planned(
        &self,
        exercise: &Exercise,
        program: &Path,
        planned: &Planned,
        number: usize,
        measures_cpu: bool,
        tally: &Tally,
    ) {
        let mut retries = Retries::default();
        let mut skipped = Vec::new();
        // Held from this run's first retry to its end: the exercise's retries go one at a
        // time, so the first to fail for good ends the others before they take the machine.
        let mut retry_turn = None;
        let end = loop {
            if self.cancelled() {
                break Some(GradeOutcome::Cancelled);
            }
            tally.runs.fetch_add(1, Ordering::SeqCst);
            let retrying = retries.made > 0;
            // Only unperturbed runs can show parallelism (the checks pass the others).
            let alone =
                (measures_cpu && planned.config.perturbation == Perturbation::None) || retrying;
            if retrying && retry_turn.is_none() {
                retry_turn = Some(lock(&tally.retrying));
            }
            let hold = self.gate.hold(alone);
            if retrying && tally.stop.load(Ordering::SeqCst) {
                // Another run has failed the exercise meanwhile: confirming this one's timing
                // failure would only keep the machine, and the verdict, waiting.
                break None;
            }
            let observed =
                self.run_with_own_server(exercise, program, &planned.config, planned.subject);
            drop(hold);
            let (reason, not_judged) =
                match self.attempt(exercise, program, (planned, number), observed) {
                    Attempt::Ended(outcome) => break Some(outcome),
                    Attempt::Passed(record) => {
                        tally.passed(planned, number, record, retries);
                        break None;
                    }
                    Attempt::NotJudged(notes) => (RetryReason::NotJudged, notes),
                    Attempt::Failed(failures, record) => {
                        if !slow_on_a_quiet_machine(&failures, &record)
                            && failures.all_timing()
                            && retries.next(RETRY_POLICY, RetryReason::Timing).is_some()
                        {
                            continue;
                        }
                        let failed = FailedRun {
                            subject: planned.subject,
                            config: planned.config.clone(),
                            run_number: number + 1,
                            failures,
                            record,
                            retried: retries.made,
                        };
                        break Some(GradeOutcome::Failed(Box::new(failed)));
                    }
                };
            let Some(retry) = retries.next(RETRY_POLICY, reason) else {
                skipped = not_judged;
                break None;
            };
            if let Some((cores, max_wait)) = retry.wait_for_free_cores {
                supervise::wait_for_free_cores(cores, max_wait);
            }
        };
        lock(&tally.skipped).extend(skipped.into_iter().map(|note| (number, note)));
        if let Some(end) = end {
            tally.stop.store(true, Ordering::SeqCst);
            keep_earliest(&tally.end, number, end);
        }
    }

    /// What run `number` of the plan, `planned`, showed (`observed`, the run of `program`),
    /// judged.
    fn attempt(
        &self,
        exercise: &Exercise,
        program: &Path,
        (planned, number): (&Planned, usize),
        observed: std::io::Result<Observed>,
    ) -> Attempt {
        let (record, downloads, proven) = match observed {
            Ok(observed) => observed,
            Err(e) => {
                return Attempt::Ended(GradeOutcome::CourseError(format!(
                    "cannot start {}: {e}",
                    program.display()
                )));
            }
        };
        if matches!(record.ending, Ending::Stopped(StopReason::Cancelled)) {
            return Attempt::Ended(GradeOutcome::Cancelled);
        }
        if let Affinity::NotApplied { wanted, seen } = &record.affinity {
            return Attempt::Ended(GradeOutcome::CourseError(format!(
                "an error of learn, not of the program: run #{} was to be pinned to core {wanted}, but could run on cores {seen}",
                number + 1
            )));
        }
        let (mut failures, not_judged) = self.judge(
            exercise,
            planned.subject,
            &record,
            downloads.as_ref(),
            planned.expected.as_deref(),
        );
        if failures.is_empty() && proven == Some(false) {
            failures.push(crate::checks::harness::unproven());
        }
        if failures.is_empty() && !not_judged.is_empty() {
            return Attempt::NotJudged(not_judged);
        }
        match Failures::new(failures) {
            None => Attempt::Passed(record),
            Some(failures) => Attempt::Failed(failures, record),
        }
    }

    /// [`Grader::run_once`], with a download server of its own when the exercise needs one, so
    /// that runs at once never share the server's counters.
    fn run_with_own_server(
        &self,
        exercise: &Exercise,
        program: &Path,
        config: &RunConfig,
        subject: Subject,
    ) -> std::io::Result<Observed> {
        let server = exercise
            .spec
            .server
            .then(DownloadServer::start)
            .transpose()
            .map_err(|e| {
                std::io::Error::other(format!("its download server did not start ({e})"))
            })?;
        self.run_once(exercise, program, config, subject, server.as_ref())
    }

    pub(super) fn run_once(
        &self,
        exercise: &Exercise,
        program: &Path,
        config: &RunConfig,
        subject: Subject,
        server: Option<&DownloadServer>,
    ) -> std::io::Result<Observed> {
        let spec = &exercise.spec;
        let mut env = Vec::new();
        let mut sandbox = SandboxRequest {
            settings: self.sandbox,
            ..SandboxRequest::default()
        };
        let out_dir = match server {
            Some(server) => {
                let dir = tempfile::tempdir()?;
                env.push(("LEARN_SERVER".to_string(), server.base_url()));
                env.push(("LEARN_OUT".to_string(), dir.path().display().to_string()));
                sandbox.writable.push(dir.path().to_path_buf());
                sandbox.connect_port = Some(server.port());
                Some(dir)
            }
            None => None,
        };
        let proof = (subject == Subject::Harness).then(HarnessProof::new);
        sandbox.secret_in_memory = proof.is_some();
        let limits = Limits {
            timeout: spec
                .timeout_secs
                .map_or(DEFAULT_TIMEOUT, Duration::from_secs_f64),
            ..Limits::default()
        };
        let args = if subject == Subject::Program {
            config.args.values.clone()
        } else {
            Vec::new()
        };
        let request = RunRequest {
            program: program.to_path_buf(),
            args,
            env,
            sandbox,
            stdin: proof.as_ref().map(HarnessProof::stdin),
            limits,
            perturbation: config.perturbation,
            cancel: self.cancel.clone(),
        };
        let mut record = supervise::run(&request)?;
        let proven = proof.map(|proof| proof.take_from(&mut record));
        let root = format!("{}/", self.course.root.display());
        for line in &mut record.stderr {
            if line.text.contains(&root) {
                line.text = line.text.replace(&root, "");
            }
        }
        let downloads = server
            .zip(out_dir)
            .map(|(server, dir)| server.take_report(dir.path()));
        Ok((record, downloads, proven))
    }

    /// The rules `record` broke, and those it could not judge, with why.
    fn judge(
        &self,
        exercise: &Exercise,
        subject: Subject,
        record: &RunRecord,
        downloads: Option<&DownloadReport>,
        expected: Option<&str>,
    ) -> (Vec<Failure>, Vec<Skipped>) {
        if let Some((waited, elapsed)) = record.timed_out_waiting() {
            let skipped = Skipped {
                rule: SkippedRule::Check(CheckKind::Timeout),
                why: NotJudged::WaitedForCpu { waited, elapsed },
            };
            return (Vec::new(), vec![skipped]);
        }
        if subject == Subject::Program
            && let Some(failure) = judge_ending(record)
        {
            return (vec![failure], Vec::new());
        }
        let evidence = Evidence {
            run: record,
            downloads,
            expected,
            normalize: &exercise.spec.normalize,
            cores: self.cores,
        };
        let (mut failures, mut not_judged) = (Vec::new(), Vec::new());
        for check in exercise
            .spec
            .checks
            .iter()
            .filter(|c| c.subject() == subject)
        {
            match check.judge(&evidence) {
                Outcome::Pass | Outcome::ByTheTeacher => {}
                Outcome::Fail(failure) => failures.push(failure),
                Outcome::NotJudged(why) => {
                    let note = Skipped {
                        rule: SkippedRule::Check(check.kind()),
                        why,
                    };
                    if !not_judged.contains(&note) {
                        not_judged.push(note);
                    }
                }
            }
        }
        (failures, not_judged)
    }
}

/// What the runs of one exercise found so far, each finding with its number in the plan.
#[derive(Default)]
struct Tally {
    /// Runs made, retries included.
    runs: AtomicUsize,
    /// Raised by a run that ended grading (a failure, a course error, a cancel).
    stop: AtomicBool,
    /// The earliest run that ended grading, and how.
    end: Mutex<Option<(usize, GradeOutcome)>>,
    /// The earliest passing run of the program.
    sample: Mutex<Option<(usize, RunRecord)>>,
    /// Runs that passed on a retry.
    retries: Mutex<Vec<Retried>>,
    /// Rules that could not be judged, even on a retry.
    skipped: Mutex<Vec<(usize, Skipped)>>,
    /// Taken by a run for its retries: one run of the exercise retries at a time.
    retrying: Mutex<()>,
}

impl Tally {
    /// Records that run `number` of the plan, `planned`, passed after `retries`.
    fn passed(&self, planned: &Planned, number: usize, record: RunRecord, retries: Retries) {
        if planned.subject == Subject::Program {
            keep_earliest(&self.sample, number, record);
        }
        if let Some(reason) = retries.first {
            lock(&self.retries).push(Retried {
                config: planned.config.clone(),
                run_number: number + 1,
                reason,
                passed_on: retries.made,
            });
        }
    }

    /// Fills `verdict` with what runs up to the earliest end found, and returns the outcome.
    fn conclude(self, verdict: &mut Verdict) -> GradeOutcome {
        let end = self.end.into_inner().unwrap_or_else(|e| e.into_inner());
        let last = end.as_ref().map_or(usize::MAX, |(number, _)| *number);
        verdict.runs += self.runs.into_inner();
        verdict.sample = self
            .sample
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .filter(|(n, _)| *n < last)
            .map(|(_, record)| record);
        let mut retries = self.retries.into_inner().unwrap_or_else(|e| e.into_inner());
        retries.sort_by_key(|retried| retried.run_number);
        verdict.retries.extend(
            retries
                .into_iter()
                .filter(|r| r.run_number <= last.saturating_add(1)),
        );
        let mut skipped = self.skipped.into_inner().unwrap_or_else(|e| e.into_inner());
        skipped.sort_by_key(|(number, _)| *number);
        for (_, note) in skipped.into_iter().filter(|(n, _)| *n <= last) {
            if !verdict.skipped.contains(&note) {
                verdict.skipped.push(note);
            }
        }
        let passed = if verdict.skipped.is_empty() {
            GradeOutcome::Passed
        } else {
            GradeOutcome::NotJudged
        };
        end.map_or(passed, |(_, outcome)| outcome)
    }
}

/// The outcome of runs made on `cores` for an exercise that needs two cores (`Some(why)`):
/// with fewer, runs that passed prove nothing (a wrong program passes as well), so the
/// exercise is not judged and `verdict` says why. A failure stays a failure.
fn judged_on(
    cores: usize,
    needs_two_cores: Option<&str>,
    outcome: GradeOutcome,
    verdict: &mut Verdict,
) -> GradeOutcome {
    match (needs_two_cores, outcome) {
        (Some(why), GradeOutcome::Passed | GradeOutcome::NotJudged) if cores < 2 => {
            verdict.skipped.push(Skipped {
                rule: SkippedRule::NeedsTwoCores,
                why: NotJudged::NeedsTwoCores { why: why.into() },
            });
            GradeOutcome::NotJudged
        }
        (_, outcome) => outcome,
    }
}

/// Locks `mutex`, whatever a run that panicked holding it left (every value kept is whole).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Puts `(number, value)` in `slot` unless it holds an earlier number.
fn keep_earliest<T>(slot: &Mutex<Option<(usize, T)>>, number: usize, value: T) {
    let mut slot = lock(slot);
    if slot.as_ref().is_none_or(|(held, _)| number < *held) {
        *slot = Some((number, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervise::test_support::run;
    use std::path::PathBuf;

    fn no_verdict_yet() -> Verdict {
        Verdict::new("x", PathBuf::new(), GradeOutcome::Passed)
    }

    fn config() -> RunConfig {
        RunConfig {
            args: ArgSet::harness_set(),
            perturbation: Perturbation::None,
            schedule: None,
        }
    }

    #[test]
    fn runs_finishing_out_of_order_give_the_verdict_of_plan_order() {
        let tally = Tally::default();
        keep_earliest(&tally.sample, 4, run(&[("four", 0)], 1));
        keep_earliest(&tally.end, 5, GradeOutcome::CourseError("run 6".into()));
        keep_earliest(&tally.sample, 1, run(&[("one", 0)], 1));
        keep_earliest(&tally.end, 3, GradeOutcome::CourseError("run 4".into()));
        let retried = |run_number| Retried {
            config: config(),
            run_number,
            reason: RetryReason::Timing,
            passed_on: 1,
        };
        tally
            .retries
            .lock()
            .unwrap()
            .extend([retried(7), retried(3)]);
        let mut verdict = no_verdict_yet();
        let outcome = tally.conclude(&mut verdict);
        assert!(
            matches!(outcome, GradeOutcome::CourseError(ref e) if e == "run 4"),
            "{outcome:?}"
        );
        assert_eq!(
            verdict
                .sample
                .map(|r| r.stdout_texts().collect::<Vec<_>>().join("")),
            Some("one".to_string())
        );
        assert_eq!(
            verdict
                .retries
                .iter()
                .map(|r| r.run_number)
                .collect::<Vec<_>>(),
            [3],
            "nothing after the failure"
        );
    }

    #[test]
    fn a_pass_on_one_core_of_an_exercise_that_needs_two_is_not_judged() {
        let why = "rayon's pool has one thread on one core";
        let mut verdict = no_verdict_yet();
        let outcome = judged_on(1, Some(why), GradeOutcome::Passed, &mut verdict);
        assert!(matches!(outcome, GradeOutcome::NotJudged), "{outcome:?}");
        assert_eq!(
            verdict
                .skipped
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            [format!(
                "needs_two_cores: only 1 core available, where a wrong program passes as well: {why}"
            )]
        );
        assert!(verdict.skipped[0].why.wants_more_cores());

        let failed = GradeOutcome::CourseError("a failure stays one".into());
        let outcome = judged_on(1, Some(why), failed, &mut no_verdict_yet());
        assert!(
            matches!(outcome, GradeOutcome::CourseError(_)),
            "{outcome:?}"
        );
        for (cores, needs) in [(2, Some(why)), (1, None)] {
            let mut verdict = no_verdict_yet();
            let outcome = judged_on(cores, needs, GradeOutcome::Passed, &mut verdict);
            assert!(
                matches!(outcome, GradeOutcome::Passed),
                "{cores} cores: {outcome:?}"
            );
            assert!(verdict.skipped.is_empty());
        }
    }

    #[test]
    fn a_passing_run_after_the_failure_is_no_sample() {
        let tally = Tally::default();
        keep_earliest(&tally.end, 0, GradeOutcome::CourseError("run 1".into()));
        keep_earliest(&tally.sample, 2, run(&[("three", 0)], 1));
        let mut verdict = no_verdict_yet();
        tally.conclude(&mut verdict);
        assert!(verdict.sample.is_none());
    }
}
