//! The checks: what must hold of a run. Each kind is data in the manifest (`[[exercise.check]]`
//! with `kind = "…"`) and one small unit here with the rule it enforces and a failure message
//! that teaches: the rule, what was seen, and a hint.
//!
//! Checks judge a finished [`RunRecord`]; they never start or stop anything.

mod alternation;
mod downloads;
mod ending;
pub mod harness;
mod order;
mod output;
mod pids;
mod processes;
mod speedup;
mod timing;

use serde::Deserialize;

use crate::course::normalize::Normalize;
use crate::server::DownloadReport;
use crate::supervise::RunRecord;

pub use ending::judge_ending;

/// One check as the manifest declares it.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckSpec {
    /// Normalised stdout equals the argument set's snapshot.
    Output(output::Output),
    /// Every line matching `first` comes before every line matching `then`.
    Before(order::Before),
    /// The lines matching a pattern are exactly the expected ones, in order.
    Sequence(order::Sequence),
    /// The last line is the expected one.
    LastLine(order::LastLine),
    /// Lines matching the patterns strictly take turns.
    Alternation(alternation::Alternation),
    /// Work overlapped: every start line arrived before the first end line.
    Overlap(timing::Overlap),
    /// The run took at most so long.
    WallTime(timing::WallTime),
    /// Lines arrive on a fixed period without accumulated drift.
    Period(timing::Period),
    /// Results come in the order the work finishes (retried like timing).
    CompletionOrder(timing::CompletionOrder),
    /// The program started child processes (observed by the runner).
    ChildProcesses(processes::ChildProcesses),
    /// The process tree used more CPU time than wall time.
    CpuParallelism(processes::CpuParallelism),
    /// A job run in parallel took a share of its sequential time (timed from line arrivals).
    Speedup(speedup::Speedup),
    /// The main process never had more than so many threads.
    Threads(processes::Threads),
    /// The pids the program prints are those of the processes the runner saw.
    PrintedPids(pids::PrintedPids),
    /// The grading harness of an API exercise passed.
    Harness(harness::Harness),
    /// Every served file was saved with the served bytes.
    FilesSaved(downloads::FilesSaved),
    /// The download server saw the right number of downloads at once.
    ServerConcurrency(downloads::ServerConcurrency),
}

/// Whether a check judges the program's own runs or its grading harness's runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The learner's program.
    Program,
    /// The harness built around the learner's file.
    Harness,
}

/// What a check is given to judge.
pub struct Evidence<'a> {
    /// The run.
    pub run: &'a RunRecord,
    /// What the download server saw, for exercises that have one.
    pub downloads: Option<&'a DownloadReport>,
    /// The expected normalised stdout, where the argument set has a snapshot.
    pub expected: Option<&'a str>,
    /// The exercise's normalisation.
    pub normalize: &'a Normalize,
    /// Cores available to the runner.
    pub cores: usize,
}

/// A broken rule, written for the learner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The check kind that failed, as the manifest names it.
    pub check: &'static str,
    /// The rule, in one sentence.
    pub rule: String,
    /// What was seen instead: lines, counts, times.
    pub seen: Vec<String>,
    /// What to try.
    pub hint: String,
    /// Expected and actual normalised output, for a diff.
    pub diff: Option<(String, String)>,
    /// A timing rule: retried before it counts.
    pub timing: bool,
}

impl Failure {
    /// A logic failure of `check`.
    pub fn logic(
        check: &'static str,
        rule: impl Into<String>,
        seen: Vec<String>,
        hint: impl Into<String>,
    ) -> Failure {
        Failure {
            check,
            rule: rule.into(),
            seen,
            hint: hint.into(),
            diff: None,
            timing: false,
        }
    }

    /// A timing failure of `check`.
    pub fn timing(
        check: &'static str,
        rule: impl Into<String>,
        seen: Vec<String>,
        hint: impl Into<String>,
    ) -> Failure {
        Failure {
            timing: true,
            ..Failure::logic(check, rule, seen, hint)
        }
    }
}

/// The outcome of one check on one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The rule holds.
    Pass,
    /// The rule is broken.
    Fail(Failure),
    /// The rule cannot be judged here (told why), e.g. parallelism on one core.
    Skip(String),
}

impl CheckSpec {
    /// The manifest's name of the kind.
    pub fn kind(&self) -> &'static str {
        match self {
            CheckSpec::Output(_) => "output",
            CheckSpec::Before(_) => "before",
            CheckSpec::Sequence(_) => "sequence",
            CheckSpec::LastLine(_) => "last_line",
            CheckSpec::Alternation(_) => "alternation",
            CheckSpec::Overlap(_) => "overlap",
            CheckSpec::WallTime(_) => "wall_time",
            CheckSpec::Period(_) => "period",
            CheckSpec::CompletionOrder(_) => "completion_order",
            CheckSpec::ChildProcesses(_) => "child_processes",
            CheckSpec::CpuParallelism(_) => "cpu_parallelism",
            CheckSpec::Speedup(_) => "speedup",
            CheckSpec::Threads(_) => "threads",
            CheckSpec::PrintedPids(_) => "printed_pids",
            CheckSpec::Harness(_) => "harness",
            CheckSpec::FilesSaved(_) => "files_saved",
            CheckSpec::ServerConcurrency(_) => "server_concurrency",
        }
    }

    /// Whether it measures how the program uses the cores, so that its unperturbed runs
    /// need the machine to themselves (a neighbour's CPU use would skew them).
    pub fn measures_cpu(&self) -> bool {
        matches!(
            self,
            CheckSpec::CpuParallelism(_)
                | CheckSpec::Speedup(speedup::Speedup {
                    cpu_bound: true,
                    ..
                })
        )
    }

    /// Which runs it judges.
    pub fn subject(&self) -> Subject {
        match self {
            CheckSpec::Harness(_) => Subject::Harness,
            _ => Subject::Program,
        }
    }

    /// Judges one run.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        match self {
            CheckSpec::Output(c) => c.judge(evidence),
            CheckSpec::Before(c) => c.judge(evidence),
            CheckSpec::Sequence(c) => c.judge(evidence),
            CheckSpec::LastLine(c) => c.judge(evidence),
            CheckSpec::Alternation(c) => c.judge(evidence),
            CheckSpec::Overlap(c) => c.judge(evidence),
            CheckSpec::WallTime(c) => c.judge(evidence),
            CheckSpec::Period(c) => c.judge(evidence),
            CheckSpec::CompletionOrder(c) => c.judge(evidence),
            CheckSpec::ChildProcesses(c) => c.judge(evidence),
            CheckSpec::CpuParallelism(c) => c.judge(evidence),
            CheckSpec::Speedup(c) => c.judge(evidence),
            CheckSpec::Threads(c) => c.judge(evidence),
            CheckSpec::PrintedPids(c) => c.judge(evidence),
            CheckSpec::Harness(c) => c.judge(evidence),
            CheckSpec::FilesSaved(c) => c.judge(evidence),
            CheckSpec::ServerConcurrency(c) => c.judge(evidence),
        }
    }
}

/// Up to `max` of `lines`, numbered from 1 as the learner would count them, with a note of
/// how many more there were.
pub(crate) fn excerpt<'a>(
    lines: impl IntoIterator<Item = (usize, &'a str)>,
    max: usize,
) -> Vec<String> {
    let all: Vec<(usize, &str)> = lines.into_iter().collect();
    let mut out: Vec<String> = all
        .iter()
        .take(max)
        .map(|(i, l)| format!("line {}: {l}", i + 1))
        .collect();
    if all.len() > max {
        out.push(format!("… and {} more", all.len() - max));
    }
    out
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Runs made up for check tests.
    use std::time::Duration;

    use crate::supervise::{Ending, Line, Perturbation, ProcessLog, RunRecord};

    /// A run that printed `lines` at the given milliseconds and exited 0 after `wall_ms`.
    pub fn run(lines: &[(&str, u64)], wall_ms: u64) -> RunRecord {
        RunRecord {
            stdout: lines
                .iter()
                .map(|&(t, ms)| Line {
                    text: t.into(),
                    at: Duration::from_millis(ms),
                })
                .collect(),
            stderr: Vec::new(),
            ending: Ending::Exited(0),
            wall: Duration::from_millis(wall_ms),
            cpu: Duration::ZERO,
            processes: ProcessLog::default(),
            orphans: Vec::new(),
            perturbation: Perturbation::None,
            machine_busy: Duration::ZERO,
            machine_stall: None,
        }
    }
}
