//! The verdicts of one `learn verify` or `learn grade` as every CI report sees them: each
//! exercise with its status (pass, fail or error), the points it earns, what went wrong in
//! plain text (no ANSI) and what the program printed; the score; and, for `learn grade`, the
//! protected files a submission changed.
//!
//! Nothing here is written anywhere: the JSON, JUnit, Markdown and GitHub reporters format it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::checks::Subject;
use crate::course::{Course, Exercise};
use crate::grade::{GradeOutcome, Verdict};
use crate::report::terminal;
use crate::supervise::{Line, Protections};

/// The longest message a report carries (Exercism's limit).
pub const MESSAGE_LIMIT: usize = 65_535;

/// What a report says of grading stopped before it concluded.
const CANCELLED: &str = "cancelled: grading stopped before it concluded";

/// A test's status, with the names results.json and GitHub Classroom use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestStatus {
    /// Every check passed.
    Pass,
    /// A run broke a rule.
    Fail,
    /// Nothing could run: a compile error, a broken course, or grading cancelled.
    Error,
    /// No rule was broken, but one could not be judged (the machine was too busy): no points
    /// until it is.
    NotJudged,
    /// The submission lacks the exercise's file (`learn grade`): 0 points, and nothing to
    /// compile.
    Missing,
}

impl TestStatus {
    /// `pass`, `fail` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            TestStatus::Pass => "pass",
            TestStatus::Fail => "fail",
            TestStatus::Error => "error",
            TestStatus::NotJudged => "not_judged",
            TestStatus::Missing => "missing",
        }
    }

    /// The status in Exercism's results.json, whose statuses are `pass`, `fail` and `error`:
    /// a missing exercise is an `error` there (its message says `missing`); a verdict not
    /// judged keeps its own `not_judged` (score 0), as [load] asks every report to say.
    pub fn as_exercism(self) -> &'static str {
        match self {
            TestStatus::Missing => "error",
            other => other.as_str(),
        }
    }
}

/// How a protected file of a submission differs from the pristine course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// Only in the submission.
    Added,
    /// In both, with other bytes.
    Changed,
    /// Only in the pristine course.
    Removed,
}

impl ChangeKind {
    /// `added`, `changed` or `removed`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Changed => "changed",
            ChangeKind::Removed => "removed",
        }
    }
}

/// A protected file (checks, snapshots, harnesses, the runner, the workflows) that a
/// submission changed. `learn grade` never uses it; the report names it for the teacher.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProtectedChange {
    /// The path, relative to the repository root.
    pub path: PathBuf,
    /// Added, changed or removed.
    pub kind: ChangeKind,
}

impl ProtectedChange {
    /// How telling the change is, most telling (0) first: a workflow (the grading itself may
    /// have been edited), then the checks and expected outputs, then the rest of `.github/`,
    /// then the runner and its build configuration, then the rest.
    pub fn importance(&self) -> u8 {
        let path = &self.path;
        let runner = ["src", "build.rs", "Cargo.toml", "Cargo.lock", ".cargo"];
        if path.starts_with(".github/workflows") {
            0
        } else if path.starts_with("course") {
            1
        } else if path.starts_with(".github") {
            2
        } else if runner.iter().any(|p| path.starts_with(p))
            || path.to_string_lossy().starts_with("rust-toolchain")
        {
            3
        } else {
            4
        }
    }
}

/// One graded exercise, scored.
pub struct ScoredExercise<'a> {
    /// The exercise, from the course that graded it.
    pub exercise: &'a Exercise,
    /// Its verdict.
    pub verdict: &'a Verdict,
    /// Its chapter's position in the course, from 1 (results.json's `task_id`).
    pub task_id: usize,
    /// The submission lacks its file (see [`Scored::with_missing`]).
    pub missing: bool,
}

impl ScoredExercise<'_> {
    /// Pass, fail or error.
    pub fn status(&self) -> TestStatus {
        if self.missing {
            return TestStatus::Missing;
        }
        match self.verdict.outcome {
            GradeOutcome::Passed => TestStatus::Pass,
            GradeOutcome::Failed(_) => TestStatus::Fail,
            GradeOutcome::NotJudged => TestStatus::NotJudged,
            GradeOutcome::CompileError(_)
            | GradeOutcome::CourseError(_)
            | GradeOutcome::Cancelled => TestStatus::Error,
        }
    }

    /// The points the exercise is worth.
    pub fn points(&self) -> u32 {
        self.exercise.spec.points
    }

    /// The points earned: all of them when it passed, none otherwise (none when a rule was
    /// not judged).
    pub fn score(&self) -> u32 {
        if self.status() == TestStatus::Pass {
            self.points()
        } else {
            0
        }
    }

    /// The file graded, relative to the repository root.
    pub fn file(&self) -> &Path {
        &self.verdict.file
    }

    /// What went wrong, in one line (none when it passed).
    pub fn headline(&self) -> Option<String> {
        if self.missing {
            return Some(format!("missing: {}", self.missing_text()));
        }
        match &self.verdict.outcome {
            GradeOutcome::Passed => None,
            GradeOutcome::CompileError(e) => {
                Some(format!("compile error: {}", one_line(&e.headline)))
            }
            GradeOutcome::Failed(run) => Some(format!(
                "{}: {}",
                run.failures.first().check,
                one_line(&run.failures.first().rule)
            )),
            GradeOutcome::CourseError(m) => Some(format!("course error: {}", one_line(m))),
            GradeOutcome::Cancelled => Some(CANCELLED.to_string()),
            GradeOutcome::NotJudged => Some(format!(
                "not judged: {}",
                one_line(
                    &self
                        .verdict
                        .skipped
                        .first()
                        .map(ToString::to_string)
                        .unwrap_or_default()
                )
            )),
        }
    }

    /// What went wrong in full, as plain text: the rule, what was seen and the hint, or the
    /// compiler's messages (none when it passed).
    pub fn message(&self) -> Option<String> {
        if self.missing {
            return Some(format!(
                "missing: {}: restore its starter with `learn reset {}` and solve it",
                self.missing_text(),
                self.verdict.id
            ));
        }
        let text = match &self.verdict.outcome {
            GradeOutcome::Passed => return None,
            GradeOutcome::CompileError(e) => {
                format!("does not compile: {}\n\n{}", e.headline, e.rendered)
            }
            GradeOutcome::Failed(run) => {
                let who = if run.subject == Subject::Harness {
                    "the grading harness, "
                } else {
                    ""
                };
                let mut text = format!(
                    "the {} check failed ({who}run #{}; replay: learn run {} --replay {})\n",
                    run.failures.first().check,
                    run.run_number,
                    self.verdict.id,
                    run.config.replay_key()
                );
                text.push_str(&terminal::failure_text(run.failures.first()));
                for other in run.failures.others() {
                    text.push_str(&format!("  also: {}: {}\n", other.check, other.rule));
                }
                text
            }
            GradeOutcome::CourseError(m) => format!("course error: {m}"),
            GradeOutcome::Cancelled => CANCELLED.to_string(),
            GradeOutcome::NotJudged => terminal::not_judged_text(self.verdict),
        };
        Some(cut(&plain(&text), MESSAGE_LIMIT, "message"))
    }

    fn missing_text(&self) -> String {
        missing_text(self.file())
    }

    /// What the program printed: the failing run's stdout, or a passing run's (none when
    /// nothing ran).
    pub fn stdout(&self) -> Option<&[Line]> {
        match &self.verdict.outcome {
            GradeOutcome::Failed(run) => Some(&run.record.stdout),
            _ => self.verdict.sample.as_ref().map(|s| s.stdout.as_slice()),
        }
    }

    /// What the failing run printed on stderr (none unless a run failed).
    pub fn stderr(&self) -> Option<&[Line]> {
        match &self.verdict.outcome {
            GradeOutcome::Failed(run) => Some(&run.record.stderr),
            _ => None,
        }
    }

    /// What was checked: the check kinds, the runs and the schedules.
    pub fn test_code(&self) -> String {
        let spec = &self.exercise.spec;
        let mut kinds: Vec<&str> = Vec::new();
        for kind in spec.checks.iter().map(|c| c.kind().name()) {
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        let plan = &self.verdict.plan;
        let perturb: Vec<&str> = plan.perturbations.iter().map(|p| p.name()).collect();
        let explored = self
            .verdict
            .explored
            .as_ref()
            .map_or(String::new(), |e| format!("; {}", e.describe()));
        format!(
            "learn grades {}: checks {} on {} per argument set ({}, schedules: {}); every run must also exit 0 in time, without deadlock, flood or stray processes{explored}",
            self.verdict.file.display(),
            kinds.join(", "),
            crate::plural::count(plan.runs_per_set as u64, "run", "runs"),
            crate::plural::of(plan.arg_sets, "argument set", "argument sets"),
            perturb.join(", ")
        )
    }

    /// The line of the compile error, when it is in the graded file.
    pub fn error_line(&self) -> Option<usize> {
        match &self.verdict.outcome {
            GradeOutcome::CompileError(e) => e
                .location
                .as_ref()
                .filter(|(file, _, _)| Path::new(file) == self.file())
                .map(|(_, line, _)| *line),
            _ => None,
        }
    }

    /// The compile error's file, line and column, wherever it is.
    pub fn compile_location(&self) -> Option<(&str, usize, usize)> {
        match &self.verdict.outcome {
            GradeOutcome::CompileError(e) => e
                .location
                .as_ref()
                .map(|(file, line, column)| (file.as_str(), *line, *column)),
            _ => None,
        }
    }

    /// Wall time spent grading it.
    pub fn duration(&self) -> Duration {
        self.verdict.elapsed
    }
}

/// Every verdict of one grading, scored, in course order.
pub struct Scored<'a> {
    /// The course that graded them.
    pub course: &'a Course,
    /// The exercises graded.
    pub exercises: Vec<ScoredExercise<'a>>,
    /// For `learn grade`: the protected files the submission changed (`None` for `verify`).
    pub changes: Option<&'a [ProtectedChange]>,
    /// The sandbox protections the programs ran under.
    pub protections: Protections,
}

impl<'a> Scored<'a> {
    /// Scores `verdicts`, each of an exercise of `course`, whose programs ran under
    /// `protections`.
    pub fn new(
        course: &'a Course,
        verdicts: &'a [Verdict],
        changes: Option<&'a [ProtectedChange]>,
        protections: Protections,
    ) -> Scored<'a> {
        let exercises = verdicts
            .iter()
            .map(|verdict| {
                let exercise = course
                    .exercise(&verdict.id)
                    .expect("every verdict is of an exercise of the course");
                let task_id = course
                    .chapters
                    .iter()
                    .position(|c| c.name == exercise.chapter)
                    .map_or(0, |i| i + 1);
                ScoredExercise {
                    exercise,
                    verdict,
                    task_id,
                    missing: false,
                }
            })
            .collect();
        Scored {
            course,
            exercises,
            changes,
            protections,
        }
    }

    /// The same, with the exercises `ids` names marked missing from the submission.
    pub fn with_missing(mut self, ids: &[String]) -> Scored<'a> {
        for e in &mut self.exercises {
            e.missing = ids.contains(&e.verdict.id);
        }
        self
    }

    /// Points earned.
    pub fn score(&self) -> u32 {
        self.exercises.iter().map(ScoredExercise::score).sum()
    }

    /// Points possible.
    pub fn max_score(&self) -> u32 {
        self.exercises.iter().map(ScoredExercise::points).sum()
    }

    /// How many passed.
    pub fn passed(&self) -> usize {
        self.exercises
            .iter()
            .filter(|e| e.status() == TestStatus::Pass)
            .count()
    }

    /// How many could not be judged.
    pub fn not_judged(&self) -> usize {
        self.exercises
            .iter()
            .filter(|e| e.status() == TestStatus::NotJudged)
            .count()
    }

    /// Pass when every exercise passed; error when none could even run; fail otherwise.
    pub fn status(&self) -> TestStatus {
        if self
            .exercises
            .iter()
            .all(|e| e.status() == TestStatus::Pass)
        {
            TestStatus::Pass
        } else if self
            .exercises
            .iter()
            .all(|e| matches!(e.status(), TestStatus::Error | TestStatus::Missing))
        {
            TestStatus::Error
        } else {
            TestStatus::Fail
        }
    }
}

/// What is said of an exercise file a submission lacks.
pub fn missing_text(file: &Path) -> String {
    format!("{} is not in the submission", file.display())
}

/// `text` without ANSI styles.
pub fn plain(text: &str) -> String {
    anstream::adapter::strip_str(text).to_string()
}

/// `text` cut to at most `max` characters, the cut said at the end (the note included in `max`).
pub fn cut(text: &str, max: usize, what: &str) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let note = format!("\n… ({what} cut at {max} characters)");
    let keep = max.saturating_sub(note.chars().count());
    let mut out: String = text.chars().take(keep).collect();
    out.push_str(&note);
    out
}

/// The lines' texts, one per line.
pub fn joined(lines: &[Line]) -> String {
    lines
        .iter()
        .map(|l| l.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Protected changes made up for the reporters' tests.
    use super::{ChangeKind, ProtectedChange, Scored};
    use crate::course::Course;

    /// `count` protected files added, the `i`th at `path(i)`, then the classroom workflow
    /// changed: the change every report must keep in view however many others there are.
    pub fn added_then_a_changed_workflow(
        count: usize,
        path: impl Fn(usize) -> String,
    ) -> Vec<ProtectedChange> {
        let mut changes: Vec<ProtectedChange> = (0..count)
            .map(|i| ProtectedChange {
                path: path(i).into(),
                kind: ChangeKind::Added,
            })
            .collect();
        changes.push(ProtectedChange {
            path: ".github/workflows/classroom.yml".into(),
            kind: ChangeKind::Changed,
        });
        changes
    }

    /// A course of no exercises.
    pub fn empty_course() -> Course {
        Course {
            root: "/nowhere".into(),
            title: "t".into(),
            chapters: Vec::new(),
            exercises: Vec::new(),
        }
    }

    /// A grading of no exercise that lists `changes`.
    pub fn only_changes<'a>(course: &'a Course, changes: &'a [ProtectedChange]) -> Scored<'a> {
        Scored {
            course,
            exercises: Vec::new(),
            changes: Some(changes),
            protections: crate::supervise::kernel_protections(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_is_cut_to_the_limit_with_a_note() {
        let long = "é".repeat(700);
        let out = cut(&long, 500, "output");
        assert_eq!(out.chars().count(), 500);
        assert!(out.ends_with("(output cut at 500 characters)"), "{out}");
        assert_eq!(cut("short", 500, "output"), "short");
    }

    #[test]
    fn a_rule_not_judged_earns_nothing_and_every_report_says_so() {
        let course = Course::load(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        let id = "08_parallelism/cpu_threads";
        let note = crate::grade::Skipped {
            rule: crate::grade::SkippedRule::Check(crate::checks::CheckKind::CpuParallelism),
            why: crate::checks::NotJudged::OneCore,
        };
        let file = PathBuf::from("exercises/08_parallelism/cpu_threads.rs");
        let verdict = Verdict {
            runs: 6,
            skipped: vec![note.clone()],
            elapsed: Duration::from_secs(3),
            ..Verdict::new(id, file, GradeOutcome::NotJudged)
        };
        let verdicts = [verdict];
        let scored = Scored::new(
            &course,
            &verdicts,
            None,
            crate::supervise::kernel_protections(),
        );
        assert_eq!(scored.score(), 0);
        assert_eq!(
            scored.status(),
            TestStatus::Fail,
            "not every exercise passed"
        );

        let json: serde_json::Value =
            serde_json::from_str(&crate::report::json::render(&scored)).unwrap();
        let test = &json["tests"][0];
        assert_eq!(test["status"], "not_judged");
        assert_eq!(test["score"], 0);
        let message = test["message"].as_str().unwrap();
        assert!(
            message.contains(&note.to_string()) && message.contains("no points"),
            "{message}"
        );
        assert!(
            message.contains("a machine with two cores or more") && !message.contains("less busy"),
            "one core will not become two by waiting: {message}"
        );

        let junit = crate::report::junit::render(&scored);
        assert!(junit.contains("<skipped"), "{junit}");
        assert!(junit.contains("not judged: cpu_parallelism"), "{junit}");

        let markdown = crate::report::markdown::render(&scored);
        assert!(
            markdown.contains(
                "| `08_parallelism/cpu_threads` | ⏸ not judged | 0/2 | not judged: cpu_parallelism"
            ),
            "{markdown}"
        );

        let line = plain(&terminal::verify_line(&verdicts[0]));
        assert!(line.contains("not judged: cpu_parallelism"), "{line}");
    }

    #[test]
    fn plain_text_has_no_ansi_styles() {
        assert_eq!(plain("\x1b[1mrule:\x1b[0m x"), "rule: x");
    }
}
