//! Reporting in CI: what `learn verify` and `learn grade` share there (reports to write, exit
//! 0 whatever the verdict, annotations and stop-commands inside GitHub Actions).
//!
//! Not here: the reports' formats (`src/report/`), grading itself (`src/grade/`), and `learn
//! grade`'s reading of submissions (`src/grading.rs`).

use anstream::{print, println};

use crate::course::Course;
use crate::exit::{Exit, Outcome};
use crate::grade::{GradeOutcome, Verdict};
use crate::invocation::Invocation;
use crate::report::scored::{ProtectedChange, Scored, missing_text};
use crate::report::target::{Options, write_report};
use crate::report::{github, terminal};
use crate::settings::CiEnvironment;
use crate::submission::read::shown_path;
use crate::supervise::Protections;

/// One grading as CI sees it: lines while it runs, then the conclusion and the reports.
pub struct Reporting<'o> {
    options: &'o Options,
    ci: &'o CiEnvironment,
    protections: Protections,
    invocation: Invocation,
    name: String,
    missing: Vec<String>,
}

impl<'o> Reporting<'o> {
    /// A grading writing the reports `options` asks for, in the CI job `ci`, of programs run
    /// under `protections`; a command to paste is as the person typed `invocation`.
    pub fn new(
        options: &'o Options,
        ci: &'o CiEnvironment,
        protections: Protections,
        invocation: Invocation,
    ) -> Reporting<'o> {
        Reporting {
            options,
            ci,
            protections,
            invocation,
            name: "exercises".to_string(),
            missing: Vec::new(),
        }
    }

    /// The same, for the submission `name` (its row in the gradebook), which lacks the files
    /// of the exercises `missing` names.
    pub fn of_submission(mut self, name: &str, missing: Vec<String>) -> Reporting<'o> {
        self.name = name.to_string();
        self.missing = missing;
        self
    }

    /// Called with each verdict as soon as it is known: its line. Inside GitHub Actions the
    /// lines wait for [`Reporting::conclude`], which prints them between stop-commands markers
    /// drawn only then, when no learner's program is running any more.
    pub fn progress(&self, verdict: &Verdict) {
        if !self.ci.github_actions {
            println!("{}", self.line(verdict));
        }
    }

    /// A verdict's line; a missing exercise's says so (its verdict has nothing compiled).
    fn line(&self, verdict: &Verdict) -> String {
        if self.missing.contains(&verdict.id) {
            format!("✗ {}  missing: {}", verdict.id, missing_text(&verdict.file))
        } else {
            terminal::verify_line(verdict)
        }
    }

    /// Prints the conclusion (with each failure explained for `grade`, given `changes`, and
    /// inside GitHub Actions, where nobody can `learn run` it), writes the reports, and tells
    /// how to exit: success when everything passed or `--exit-zero` was given; an error when
    /// a report cannot be written.
    pub fn conclude(
        &self,
        course: &Course,
        verdicts: &[Verdict],
        changes: Option<&[ProtectedChange]>,
    ) -> Outcome {
        let scored =
            Scored::new(course, verdicts, changes, self.protections).with_missing(&self.missing);
        let mut shaped_by_learner = String::new();
        if self.ci.github_actions {
            shaped_by_learner.extend(verdicts.iter().map(|v| format!("{}\n", self.line(v))));
        }
        if self.ci.github_actions || changes.is_some() {
            shaped_by_learner.extend(
                verdicts
                    .iter()
                    .filter(|v| !v.passed() && !self.missing.contains(&v.id))
                    .map(|v| format!("\n{}", terminal::verdict(v, self.invocation))),
            );
        }
        if let Some(changes) = changes {
            // File names come from the submission: git carries names with newlines.
            shaped_by_learner.push_str(&protected_list(changes));
        }
        if self.ci.github_actions {
            print!("{}", github::stop_commands(&shaped_by_learner));
            print!("{}", github::annotations(&scored));
        } else {
            print!("{shaped_by_learner}");
        }
        let not_judged = match scored.not_judged() {
            0 => String::new(),
            n => format!(
                " ({n} of them not judged: no rule broken, but this machine could not judge every rule (too busy, or too few cores: each says why); no points until judged)"
            ),
        };
        let warned: Vec<usize> = verdicts
            .iter()
            .map(|v| v.warnings.len())
            .filter(|&n| n > 0)
            .collect();
        let warnings = match warned.len() {
            0 => String::new(),
            n => format!(
                "; {} from rustc in {}",
                crate::plural::of(warned.iter().sum(), "warning", "warnings"),
                crate::plural::of(n, "exercise", "exercises")
            ),
        };
        println!(
            "\n{} passed, {} failed{not_judged}{warnings}",
            scored.passed(),
            verdicts.len() - scored.passed()
        );
        println!("Score: {}/{} points", scored.score(), scored.max_score());
        for target in &self.options.reports {
            write_report(target, &self.name, &scored, self.ci.step_summary())?;
        }
        let course_error = verdicts
            .iter()
            .any(|v| matches!(v.outcome, GradeOutcome::CourseError(_)));
        Ok(
            if self.options.exit_zero || scored.passed() == verdicts.len() {
                Exit::Success
            } else if course_error {
                // Not the program's fault: a missing snapshot, a broken manifest entry.
                Exit::Usage
            } else {
                Exit::Failed
            },
        )
    }
}

/// The protected files a submission changed, one a line, their names with control
/// characters shown (a name may hold a newline).
fn protected_list(changes: &[ProtectedChange]) -> String {
    if changes.is_empty() {
        return "\nNo protected file was changed.\n".to_string();
    }
    let mut out = String::from(
        "\nProtected files the submission changed (graded with the pristine course's versions instead):\n",
    );
    for change in changes {
        out.push_str(&format!(
            "  {:<8} {}\n",
            change.kind.as_str(),
            shown_path(&change.path)
        ));
    }
    out
}
