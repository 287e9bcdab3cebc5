//! Schedule exploration: the learner's file built against shuttle's `thread` and `sync`
//! (`build/shuttle.rs`), run once, supervised and sandboxed like every run, trying the
//! manifest's number of schedules (`[exercise.explore]`). A schedule that deadlocks, panics or
//! prints what the exercise's order and output rules reject fails the exercise, with the
//! schedule to replay (`learn run ID --replay shuttle:SCHEDULE`), judged by the same checks as
//! the OS runs on the lines that schedule printed. A file shuttle cannot build or run (an API it
//! lacks) leaves the exploration *not judged*, and the OS runs decide.
//!
//! Not for: timing, threads or processes (shuttle runs every thread on one OS thread, and its
//! sleeps are yields): those rules are the OS runs'.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use super::{FailedRun, GradeOutcome, Grader, RunConfig};
use crate::build::shuttle::{
    ENV_DEPTH, ENV_EXPECTED, ENV_MAX_STEPS, ENV_REPLAY, ENV_SCHEDULER, ENV_SCHEDULES, ENV_SEED,
    ENV_SORT, MISMATCH, REPORT_PREFIX,
};
use crate::checks::{CheckKind, CheckSpec, Evidence, Failure, Failures, Outcome};
use crate::course::manifest::{ArgSet, Explore};
use crate::course::{Exercise, expected_output_kept};
use crate::supervise::{
    self, DEFAULT_TIMEOUT, Ending, Limits, Line, Perturbation, RunRecord, RunRequest,
    SandboxRequest,
};

/// The prefix of a `--replay` key that replays one shuttle schedule.
pub const REPLAY_PREFIX: &str = "shuttle:";

/// What exploring an exercise's schedules did, kept in its verdict for the reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exploration {
    /// `shuttle:SEED` with the scheduler and the schedules tried, as the reports print it.
    pub summary: String,
    /// Why the exploration judged nothing (the OS runs then decide), if it did not.
    pub not_judged: Option<NotExplored>,
}

/// Why an exploration judged nothing: the OS runs then decide alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotExplored {
    /// The learner's file does not build against shuttle's types (the compiler's headline).
    CannotBuild(String),
    /// The manifest explores an argument set the exercise does not have (its name).
    NoSuchArgSet(String),
    /// The expected output of the explored argument set could not be read (why).
    NoExpectedOutput(String),
    /// The explorer could not be started (why).
    DidNotStart(String),
    /// shuttle failed a schedule but printed none to replay (the failure's message).
    NoSchedulePrinted(String),
    /// The explorer ended without its report: how it ended, and its last words on stderr.
    NoReport(String),
}

impl fmt::Display for NotExplored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotExplored::CannotBuild(headline) => write!(
                f,
                "shuttle cannot build this program ({headline}): it may use a part of std that shuttle does not model"
            ),
            NotExplored::NoSuchArgSet(name) => write!(
                f,
                "the course explores the argument set `{name}`, which the exercise does not have"
            ),
            NotExplored::NoExpectedOutput(why) => f.write_str(why),
            NotExplored::DidNotStart(why) => write!(f, "the explorer did not start: {why}"),
            NotExplored::NoSchedulePrinted(why) => {
                write!(f, "shuttle failed a schedule without printing it: {why}")
            }
            NotExplored::NoReport(how) => write!(
                f,
                "the exploration under shuttle ended without a verdict ({how})"
            ),
        }
    }
}

/// What failed a schedule, as the explorer tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Broke {
    /// Every thread was blocked at once (shuttle's deadlock).
    Deadlock,
    /// The schedule's output was not the expected output.
    Mismatch,
    /// Some other panic.
    Panic,
}

impl Exploration {
    /// One sentence for the reports: what was explored, or why it judged nothing.
    pub fn describe(&self) -> String {
        match &self.not_judged {
            None => format!("schedules explored under shuttle: {}", self.summary),
            Some(why) => format!(
                "the exploration under shuttle ({}) judged nothing: {why}; the runs on the machine decided alone",
                self.summary
            ),
        }
    }
}

/// How one exploration ended.
enum Explored {
    /// Every schedule passed: how many, in how long (the explorer's wall time).
    Passed(usize, Duration),
    /// A schedule failed.
    Failed(Box<FailedRun>),
    /// Nothing judged, for this reason.
    NotJudged(NotExplored),
}

impl Grader<'_> {
    /// Explores the schedules of `exercise` with the explorer `exe` (or why it could not be
    /// built), replaying one schedule instead when grading replays `shuttle:SCHEDULE`. Returns
    /// the outcome when it settles the verdict (a failure), and what it did.
    pub(super) fn explore(
        &self,
        exercise: &Exercise,
        explore: &Explore,
        exe: Result<&Path, &str>,
    ) -> (Option<GradeOutcome>, Exploration) {
        let seed = self.explore_seed();
        let replayed = self
            .replay
            .as_deref()
            .and_then(|key| key.strip_prefix(REPLAY_PREFIX));
        let what = match replayed {
            Some(_) => "one schedule replayed".to_string(),
            None => format!(
                "{} schedules, {} scheduler",
                explore.schedules,
                explore.scheduler.name()
            ),
        };
        let explored = match exe {
            Err(headline) => Explored::NotJudged(NotExplored::CannotBuild(headline.to_string())),
            Ok(exe) => self.explore_with(exercise, explore, exe, seed, replayed),
        };
        let (outcome, not_judged, tried) = match explored {
            Explored::Passed(tried, wall) => (None, None, Some((tried, wall))),
            Explored::Failed(run) => (Some(GradeOutcome::Failed(run)), None, None),
            Explored::NotJudged(why) => (None, Some(why), None),
        };
        let tried = tried.map_or(String::new(), |(n, wall)| {
            format!(", {n} passed in {:.2} s", wall.as_secs_f64())
        });
        let summary = format!("{REPLAY_PREFIX}{seed} ({what}{tried})");
        (
            outcome,
            Exploration {
                summary,
                not_judged,
            },
        )
    }

    fn explore_with(
        &self,
        exercise: &Exercise,
        explore: &Explore,
        exe: &Path,
        seed: u64,
        replayed: Option<&str>,
    ) -> Explored {
        let token = run_token();
        let Some(args) = exercise
            .arg_sets()
            .into_iter()
            .find(|a| a.name == explore.args)
        else {
            return Explored::NotJudged(NotExplored::NoSuchArgSet(explore.args.clone()));
        };
        // Without an `output` check, a schedule's output is judged by nothing but its end.
        let has_output_check = exercise
            .spec
            .checks
            .iter()
            .any(|c| matches!(c, CheckSpec::Output(_)));
        let expected = match expected_output_kept(&self.course.root, exercise, &args) {
            Ok(expected) => expected.filter(|_| has_output_check),
            Err(e) => return Explored::NotJudged(NotExplored::NoExpectedOutput(e.to_string())),
        };
        let mut env = vec![
            (ENV_SCHEDULER, explore.scheduler.name().to_string()),
            (ENV_SCHEDULES, explore.schedules.to_string()),
            (ENV_SEED, seed.to_string()),
            (ENV_DEPTH, explore.depth.unwrap_or(3).to_string()),
            (ENV_MAX_STEPS, explore.max_steps.unwrap_or(0).to_string()),
        ];
        if let Some(schedule) = replayed {
            env.push((ENV_REPLAY, schedule.to_string()));
        }
        if exercise.spec.normalize.sort {
            env.push((ENV_SORT, "1".to_string()));
        }
        if expected.is_some() {
            env.push((ENV_EXPECTED, "1".to_string()));
        }
        let request = RunRequest {
            program: exe.to_path_buf(),
            args: args.values.clone(),
            env: env
                .into_iter()
                .map(|(name, value)| (name.to_string(), value))
                .collect(),
            sandbox: SandboxRequest {
                settings: self.sandbox,
                ..SandboxRequest::default()
            },
            stdin: Some(format!("{token}\n{}", expected.clone().unwrap_or_default()).into_bytes()),
            limits: Limits {
                timeout: exercise
                    .spec
                    .timeout_secs
                    .map_or(DEFAULT_TIMEOUT, Duration::from_secs_f64)
                    .max(EXPLORE_TIMEOUT),
                ..Limits::default()
            },
            perturbation: Perturbation::None,
            cancel: self.cancel.clone(),
        };
        let record = match supervise::run(&request) {
            Ok(record) => record,
            Err(e) => return Explored::NotJudged(NotExplored::DidNotStart(e.to_string())),
        };
        let report = Report::read(&record, &token);
        match (&record.ending, report) {
            (Ending::Exited(0), Report::Passed(tried)) => Explored::Passed(tried, record.wall),
            (Ending::Exited(_), Report::Failed { broke, why, lines }) => {
                let Some(schedule) =
                    failing_schedule(&record).or_else(|| replayed.map(str::to_string))
                else {
                    return Explored::NotJudged(NotExplored::NoSchedulePrinted(why.join(" / ")));
                };
                Explored::Failed(Box::new(self.failed_schedule(
                    exercise,
                    &args,
                    expected.as_deref(),
                    schedule,
                    (broke, &why),
                    lines,
                    record,
                )))
            }
            (ending, _) => Explored::NotJudged(NotExplored::NoReport(format!(
                "{ending:?}{}",
                record
                    .stderr
                    .iter()
                    .rev()
                    .find(|l| !l.text.trim().is_empty())
                    .map_or(String::new(), |l| format!(": {}", l.text))
            ))),
        }
    }

    /// The failed run of the schedule `schedule`, which printed `lines` and failed for `why`:
    /// judged by the exercise's order and output checks on those lines first, so that the
    /// learner reads the same rule as after an OS run.
    #[allow(clippy::too_many_arguments)]
    fn failed_schedule(
        &self,
        exercise: &Exercise,
        args: &ArgSet,
        expected: Option<&str>,
        schedule: String,
        (broke, why): (Broke, &[String]),
        lines: Vec<(String, String)>,
        mut record: RunRecord,
    ) -> FailedRun {
        record.stdout = lines
            .iter()
            .enumerate()
            .map(|(i, (_, text))| Line {
                text: text.clone(),
                at: Duration::from_millis(i as u64),
                writer: None,
            })
            .collect();
        record.stderr.clear();
        record.ending = Ending::Exited(0);
        let by_thread: Vec<String> = lines
            .iter()
            .map(|(thread, text)| format!("{thread}: {text}"))
            .collect();
        let message = why.join(" ");
        let mut failures = Vec::new();
        if broke == Broke::Deadlock {
            failures.push(Failure::logic(
                CheckKind::Deadlock,
                "the program must not deadlock, in any schedule",
                vec![format!(
                    "under one schedule shuttle tried, every thread was blocked at once, each waiting for a lock, a condition variable, a channel or a join: {}",
                    blocked_threads(&message).join(", ")
                )],
                "Look at the order in which the threads take their locks, and at every wait: is the condition it waits for checked under the same lock that the notifier holds?",
            ));
        } else {
            let evidence = Evidence {
                run: &record,
                downloads: None,
                expected,
                normalize: &exercise.spec.normalize,
                cores: self.cores,
            };
            failures.extend(
                exercise
                    .spec
                    .checks
                    .iter()
                    .filter(|c| judged_on_lines(c))
                    .filter_map(|c| match c.judge(&evidence) {
                        Outcome::Fail(failure) => Some(failure),
                        _ => None,
                    }),
            );
            if failures.is_empty() && broke == Broke::Mismatch {
                failures.push(Failure {
                    diff: expected.map(|e| {
                        (
                            e.to_string(),
                            exercise.spec.normalize.apply(record.stdout_texts()),
                        )
                    }),
                    ..Failure::logic(
                        CheckKind::Output,
                        "the output must match the expected output, in every schedule",
                        vec!["one schedule shuttle tried printed other lines".to_string()],
                        "Look at what the threads share: a value read and written in two steps can lose an update when another thread runs between them.",
                    )
                });
            }
            if failures.is_empty() {
                failures.push(Failure::logic(
                    CheckKind::ExitStatus,
                    "the program must not panic, in any schedule",
                    vec![format!("under one schedule shuttle tried, it panicked: {message}")],
                    "A panic that only some schedules reach is a race: look at what the panicking thread assumed about the others.",
                ));
            }
        }
        for failure in &mut failures {
            failure.seen.push(format!(
                "the lines that schedule printed, by thread: {}",
                if by_thread.is_empty() {
                    "(none)".to_string()
                } else {
                    by_thread.join(" / ")
                }
            ));
        }
        FailedRun {
            subject: crate::checks::Subject::Program,
            config: RunConfig {
                args: args.clone(),
                perturbation: Perturbation::None,
                schedule: Some(schedule),
            },
            run_number: 1,
            failures: Failures::new(failures).expect("one failure at least"),
            record,
            retried: 0,
        }
    }

    /// The seed of this grading's exploration: a new one each time, so that gradings explore
    /// different schedules (the report prints it).
    fn explore_seed(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    }
}

/// The time limit of an exploration, at least: it runs many schedules in one process.
const EXPLORE_TIMEOUT: Duration = Duration::from_secs(60);

/// Whether `check` judges only the order and text of the lines (what one schedule's lines can
/// show); the others judge threads, processes and time, which shuttle does not have.
fn judged_on_lines(check: &CheckSpec) -> bool {
    matches!(
        check,
        CheckSpec::Output(_)
            | CheckSpec::Before(_)
            | CheckSpec::Sequence(_)
            | CheckSpec::LastLine(_)
            | CheckSpec::Alternation(_)
    )
}

/// The threads shuttle's deadlock message names (`deadlock! blocked tasks: [main-thread (task
/// main-thread(0)), <unknown> (task main-thread(1))]`), named as the printed lines are: `main`,
/// `thread 1`, … (the message itself when it names none).
fn blocked_threads(message: &str) -> Vec<String> {
    let named: Vec<String> = message
        .split("(task ")
        .skip(1)
        .filter_map(|rest| {
            let (_, number) = rest.split_once('(')?;
            let (number, _) = number.split_once(')')?;
            Some(match number {
                "0" => "main".to_string(),
                n => format!("thread {n}"),
            })
        })
        .collect();
    if named.is_empty() {
        vec![message.to_string()]
    } else {
        named
    }
}

/// What the explorer reported on stdout.
#[derive(Debug, PartialEq, Eq)]
enum Report {
    /// Every schedule passed (how many were tried).
    Passed(usize),
    /// A schedule failed: what broke it, the panic's message, and the lines it printed, by
    /// thread.
    Failed {
        broke: Broke,
        why: Vec<String>,
        lines: Vec<(String, String)>,
    },
    /// No report (the program ended the explorer itself, or it did not run).
    Missing,
}

impl Report {
    /// The report in `record`'s stdout: its lines carrying `token` only (a line the learner's
    /// code printed itself cannot know it: see [`run_token`]).
    fn read(record: &RunRecord, token: &str) -> Report {
        let prefix = format!("{REPORT_PREFIX}{token} ");
        let mut report = Report::Missing;
        for text in record.stdout_texts() {
            let Some(rest) = text.strip_prefix(&prefix) else {
                continue;
            };
            let (word, rest) = rest.split_once(' ').unwrap_or((rest, ""));
            match (word, &mut report) {
                ("passed", _) => report = Report::Passed(rest.parse().unwrap_or(0)),
                ("failed", _) => {
                    report = Report::Failed {
                        broke: match rest {
                            "deadlock" => Broke::Deadlock,
                            "mismatch" => Broke::Mismatch,
                            _ => Broke::Panic,
                        },
                        why: Vec::new(),
                        lines: Vec::new(),
                    }
                }
                ("why", Report::Failed { why, .. }) => why.push(if rest == MISMATCH {
                    format!("{rest}.")
                } else {
                    rest.to_string()
                }),
                ("line", Report::Failed { lines, .. }) => {
                    let (thread, line) = rest.split_once('\t').unwrap_or(("?", rest));
                    lines.push((thread.to_string(), line.to_string()));
                }
                _ => {}
            }
        }
        report
    }
}

/// A token for one run of the explorer, which its report lines must carry: 128 bits from two
/// randomly keyed SipHash states (std's `RandomState`), read by the explorer from its stdin
/// before the learner's code runs, so that code cannot print a report of its own.
fn run_token() -> String {
    use std::hash::{BuildHasher, RandomState};
    let half = || RandomState::new().hash_one(std::time::Instant::now());
    format!("{:016x}{:016x}", half(), half())
}

/// The schedule shuttle printed on stderr for the failing execution: `failing schedule:`, then
/// the schedule between two lines of `"`, wrapped over several lines when it is long.
fn failing_schedule(record: &RunRecord) -> Option<String> {
    let lines: Vec<&str> = record.stderr.iter().map(|l| l.text.trim()).collect();
    let at = lines.iter().position(|l| *l == "failing schedule:")?;
    let rest = lines.get(at + 1..)?;
    let (open, rest) = rest.split_first()?;
    let end = rest.iter().position(|l| *l == "\"")?;
    let schedule: String = rest[..end].concat();
    (*open == "\"" && !schedule.is_empty()).then_some(schedule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervise::test_support::run;

    #[test]
    fn a_deadlock_names_its_threads_as_the_printed_lines_do() {
        assert_eq!(
            blocked_threads(
                "deadlock! blocked tasks: [main-thread (task main-thread(0)), <unknown> (task main-thread(2))]"
            ),
            ["main", "thread 2"]
        );
        assert_eq!(blocked_threads("deadlock!"), ["deadlock!"]);
    }

    #[test]
    fn a_report_printed_by_the_learners_code_without_the_runs_token_is_no_report() {
        let record = run(
            &[
                ("LEARN-SHUTTLE passed 1000", 0),
                ("LEARN-SHUTTLE guess passed 1000", 0),
            ],
            0,
        );
        assert_eq!(Report::read(&record, &run_token()), Report::Missing);
        let (a, b) = (run_token(), run_token());
        assert_ne!(a, b, "a new token each run");
        assert_eq!(a.len(), 32, "128 bits in hex: {a}");
    }

    #[test]
    fn the_explorers_report_and_shuttles_schedule_wrapped_over_lines_are_read() {
        let mut record = run(
            &[
                ("LEARN-SHUTTLE t0k3n failed deadlock", 0),
                ("LEARN-SHUTTLE t0k3n why deadlock! blocked tasks: [a, b]", 0),
                ("LEARN-SHUTTLE t0k3n line main\tPing", 0),
                ("a line of no report", 0),
            ],
            1,
        );
        assert_eq!(
            Report::read(&record, "t0k3n"),
            Report::Failed {
                broke: Broke::Deadlock,
                why: vec!["deadlock! blocked tasks: [a, b]".into()],
                lines: vec![("main".into(), "Ping".into())],
            }
        );
        record.stderr = [
            "test panicked in task 'main'",
            "failing schedule:",
            "\"",
            "91ab02",
            "cd",
            "\"",
            "pass that string",
        ]
        .iter()
        .map(|text| Line {
            text: text.to_string(),
            at: Duration::ZERO,
            writer: None,
        })
        .collect();
        assert_eq!(failing_schedule(&record).as_deref(), Some("91ab02cd"));
        record.stderr.clear();
        assert_eq!(failing_schedule(&record), None);
        assert_eq!(
            Report::read(&run(&[("hello", 0)], 1), "t0k3n"),
            Report::Missing
        );
    }
}
