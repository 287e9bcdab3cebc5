//! The checks: what must hold of a run. Each kind is data in the manifest (`[[exercise.check]]`
//! with `kind = "…"`) and one small unit here with the rule it enforces and a failure message
//! that teaches: the rule, what was seen, and a hint.
//!
//! Checks judge a finished [`RunRecord`]; they never start or stop anything.

mod alternation;
mod children_work;
mod downloads;
mod ending;

pub mod harness;
mod kind;
mod not_judged;
mod order;
mod output;
mod pids;
mod printed_by;
mod processes;
mod slot_reuse;
mod slow;
mod speedup;
mod threads_joined;
mod threads_started;
mod timing;
mod work_spread;

use serde::Deserialize;

use crate::lines::normalize::Normalize;
use crate::server::DownloadReport;
use crate::supervise::{RunRecord, ThreadSeen};

pub use ending::judge_ending;
pub use kind::CheckKind;
pub use not_judged::NotJudged;

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
    /// The program created at least (at most) so many threads, child processes included.
    ThreadsStarted(threads_started::ThreadsStarted),
    /// Every thread was joined before a line, or before the exit.
    ThreadsJoined(threads_joined::ThreadsJoined),
    /// CPU-bound work was shared by several threads (CPU time per thread).
    WorkSpread(work_spread::WorkSpread),
    /// Every child process did a share of the work (its CPU time or its output).
    ChildrenWork(children_work::ChildrenWork),
    /// Who printed the lines: a spawned thread, a child process, the pid named, one thread
    /// per group.
    PrintedBy(printed_by::PrintedBy),
    /// Every served file was saved with the served bytes.
    FilesSaved(downloads::FilesSaved),
    /// The download server saw the right number of downloads at once.
    ServerConcurrency(downloads::ServerConcurrency),
    /// A finished download's slot was reused at once while files waited.
    SlotReuse(slot_reuse::SlotReuse),
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
    /// The rule that failed.
    pub check: CheckKind,
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
        check: CheckKind,
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
        check: CheckKind,
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

/// The rules one run broke: at least one, by construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failures {
    first: Failure,
    others: Vec<Failure>,
}

impl Failures {
    /// The failures in `all`, or `None` when there are none (the run passed).
    pub fn new(all: Vec<Failure>) -> Option<Failures> {
        let mut all = all.into_iter();
        let first = all.next()?;
        Some(Failures {
            first,
            others: all.collect(),
        })
    }

    /// The first rule broken: the one a report leads with.
    pub fn first(&self) -> &Failure {
        &self.first
    }

    /// The other rules broken, after the first.
    pub fn others(&self) -> &[Failure] {
        &self.others
    }

    /// Every rule broken, the first first.
    pub fn iter(&self) -> impl Iterator<Item = &Failure> {
        std::iter::once(&self.first).chain(&self.others)
    }

    /// Whether every rule broken is a timing rule (retried before it counts).
    pub fn all_timing(&self) -> bool {
        self.iter().all(|f| f.timing)
    }
}

/// The outcome of one check on one run.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The rule holds.
    Pass,
    /// The rule is broken.
    Fail(Failure),
    /// The rule could not be judged on this run (told why), e.g. the kernel keeps none of the
    /// figures it needs. Never a pass: the grader runs it again, and an exercise with a rule
    /// still not judged is *not judged*, worth no points and not recorded done.
    NotJudged(NotJudged),
    /// The rule is judged by the teacher's grading, not by this copy of the course: the
    /// expected output of a hidden argument set stays with the teacher in a student template.
    /// Neither a pass nor a failure here; `learn grade` with the pristine course judges it.
    ByTheTeacher,
}

impl CheckSpec {
    /// Its kind.
    pub fn kind(&self) -> CheckKind {
        match self {
            CheckSpec::Output(_) => CheckKind::Output,
            CheckSpec::Before(_) => CheckKind::Before,
            CheckSpec::Sequence(_) => CheckKind::Sequence,
            CheckSpec::LastLine(_) => CheckKind::LastLine,
            CheckSpec::Alternation(_) => CheckKind::Alternation,
            CheckSpec::Overlap(_) => CheckKind::Overlap,
            CheckSpec::WallTime(_) => CheckKind::WallTime,
            CheckSpec::Period(_) => CheckKind::Period,
            CheckSpec::CompletionOrder(_) => CheckKind::CompletionOrder,
            CheckSpec::ChildProcesses(_) => CheckKind::ChildProcesses,
            CheckSpec::CpuParallelism(_) => CheckKind::CpuParallelism,
            CheckSpec::Speedup(_) => CheckKind::Speedup,
            CheckSpec::Threads(_) => CheckKind::Threads,
            CheckSpec::PrintedPids(_) => CheckKind::PrintedPids,
            CheckSpec::Harness(_) => CheckKind::Harness,
            CheckSpec::ThreadsStarted(_) => CheckKind::ThreadsStarted,
            CheckSpec::ThreadsJoined(_) => CheckKind::ThreadsJoined,
            CheckSpec::WorkSpread(_) => CheckKind::WorkSpread,
            CheckSpec::ChildrenWork(_) => CheckKind::ChildrenWork,
            CheckSpec::PrintedBy(_) => CheckKind::PrintedBy,
            CheckSpec::FilesSaved(_) => CheckKind::FilesSaved,
            CheckSpec::ServerConcurrency(_) => CheckKind::ServerConcurrency,
            CheckSpec::SlotReuse(_) => CheckKind::SlotReuse,
        }
    }

    /// Whether it times how fast the program computes on free cores, so that its unperturbed
    /// runs need the machine to themselves (a neighbour's CPU use would slow them).
    /// `cpu_parallelism` does not: it counts the threads that wanted a CPU, which a neighbour
    /// does not change.
    pub fn measures_cpu(&self) -> bool {
        matches!(
            self,
            CheckSpec::Speedup(speedup::Speedup {
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
            CheckSpec::ThreadsStarted(c) => c.judge(evidence),
            CheckSpec::ThreadsJoined(c) => c.judge(evidence),
            CheckSpec::WorkSpread(c) => c.judge(evidence),
            CheckSpec::ChildrenWork(c) => c.judge(evidence),
            CheckSpec::PrintedBy(c) => c.judge(evidence),
            CheckSpec::FilesSaved(c) => c.judge(evidence),
            CheckSpec::ServerConcurrency(c) => c.judge(evidence),
            CheckSpec::SlotReuse(c) => c.judge(evidence),
        }
    }
}

/// One thread as a failure message lists it: who created it, when it began and ended, its
/// CPU time and its join.
pub(crate) fn describe_thread(thread: &ThreadSeen) -> String {
    use timing::ms;
    let name = if thread.main {
        format!("main thread of pid {}", thread.pid)
    } else {
        format!("thread {} (created by {})", thread.tid, thread.creator)
    };
    let ended = thread
        .ended
        .map_or("still running at exit".to_string(), |t| {
            format!("ended {}", ms(t))
        });
    let cpu = thread
        .cpu
        .map_or(String::new(), |c| format!(", {} of CPU", ms(c)));
    let joined = match thread.joined {
        Some((at, by)) => format!(", joined by {by} at {}", ms(at)),
        None if thread.main => String::new(),
        None => ", never joined".to_string(),
    };
    format!("{name}: began {}, {ended}{cpu}{joined}", ms(thread.started))
}

/// Why a check of thread evidence cannot judge this run, if it cannot: the probe recorded
/// nothing of the main process (it was not linked in).
pub(crate) fn unprobed(evidence: &Evidence) -> Option<Outcome> {
    (!evidence.run.processes.probed).then_some(Outcome::NotJudged(NotJudged::Unprobed))
}

/// The most threads a failure describes one by one, each on its own line: enough to show the
/// pattern (who worked, who was never joined), few enough to read.
pub(crate) const THREADS_SHOWN: usize = 8;

/// The most lines a failure quotes of a list the program printed or started (a harness's
/// stderr, the threads started).
pub(crate) const LINES_QUOTED: usize = 12;

/// Up to `max` of `lines`, with a note of how many more there were.
pub(crate) fn excerpt_of(lines: Vec<String>, max: usize) -> Vec<String> {
    let more = lines.len().saturating_sub(max);
    let mut out: Vec<String> = lines.into_iter().take(max).collect();
    if more > 0 {
        out.push(format!("… and {more} more"));
    }
    out
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
impl Evidence<'_> {
    /// Judges `run` alone, as on a 2-core machine: no download server, no snapshot, no
    /// normalisation (check tests).
    pub(crate) fn judge_alone(
        run: &RunRecord,
        judge: impl FnOnce(&Evidence) -> Outcome,
    ) -> Outcome {
        judge(&Evidence {
            run,
            downloads: None,
            expected: None,
            normalize: &Normalize::default(),
            cores: 2,
        })
    }
}
