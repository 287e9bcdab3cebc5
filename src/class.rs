//! A class graded at once by `learn grade --submission A --submission B …` (or
//! `--submissions DIR`): what [`ci::grade`](crate::ci::grade) needs beyond one submission —
//! each submission's name, a progress line per submission graded, and the conclusion: one
//! line per submission, the gradebook (`--report csv=PATH`), one report per submission in a
//! folder for the other formats, the class table in the job summary.
//!
//! Not here: building and grading (one [`Grader`](crate::grade::Grader) grades every
//! submission's files, within the machine's jobs) or the reports' formats (`src/report/`).

use std::collections::HashSet;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use anstream::{eprintln, println};

use crate::course::Course;
use crate::exit::{Exit, Outcome};
use crate::grade::Verdict;
use crate::report::gradebook::Gradebook;
use crate::report::neutral::neutralise;
use crate::report::scored::{ProtectedChange, Scored};
use crate::report::target::{self, Options, ReportFormat, ReportTarget};

/// One submission of the class, graded.
pub struct Graded {
    /// Its name: its folder's name.
    pub name: String,
    /// Its folder.
    pub root: PathBuf,
    /// The protected files it changed.
    pub changes: Vec<ProtectedChange>,
    /// The exercises whose file it lacks.
    pub missing: Vec<String>,
    /// Its verdicts, in course order.
    pub verdicts: Vec<Verdict>,
}

/// The submissions in `dir`: every folder in it whose name does not start with `.`, by name.
pub fn submissions_in(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        format!(
            "cannot read the folder of submissions {}: {e}",
            dir.display()
        )
    })?;
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if !hidden && entry.path().is_dir() {
            found.push(entry.path());
        }
    }
    found.sort();
    if found.is_empty() {
        return Err(format!(
            "{} holds no submission: each submission is a folder in it",
            dir.display()
        ));
    }
    Ok(found)
}

/// Each submission's name, its folder's name; refuses two of one name (their rows and
/// reports would be confused).
pub fn names(submissions: &[PathBuf]) -> Result<Vec<String>, String> {
    let mut seen = HashSet::new();
    let mut names = Vec::new();
    for submission in submissions {
        let name = submission.file_name().map_or_else(
            || "submission".to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        if !seen.insert(name.clone()) {
            return Err(format!(
                "two submissions are named `{name}` (the folder's name names the row and the reports): give their folders different names"
            ));
        }
        names.push(name);
    }
    Ok(names)
}

/// Says on stderr when each submission has been graded (verdicts come in order).
pub struct Progress {
    /// How many verdicts of present files end each submission, cumulated, with its name.
    ends: Vec<(usize, String)>,
    done: usize,
}

impl Progress {
    /// The progress of submissions given as their name and how many of their files are
    /// built and graded.
    pub fn new(submissions: impl IntoIterator<Item = (String, usize)>) -> Progress {
        let mut total = 0;
        let ends = submissions
            .into_iter()
            .map(|(name, files)| {
                total += files;
                (total, name)
            })
            .collect();
        Progress { ends, done: 0 }
    }

    /// One more verdict is known.
    pub fn graded(&mut self) {
        self.done += 1;
        if let Some(i) = self.ends.iter().position(|(end, _)| *end == self.done) {
            eprintln!(
                "graded {} ({} of {})",
                neutralise(&self.ends[i].1),
                i + 1,
                self.ends.len()
            );
        }
    }
}

/// Concludes the grading of a class: a line per submission, the reports, and the exit code
/// (success when every submission passed everything, or with `--exit-zero`); an error when a
/// report cannot be written.
pub fn conclude(
    course: &Course,
    graded: &[Graded],
    options: &Options,
    step_summary: Option<&Path>,
) -> Outcome {
    let mut book = Gradebook::default();
    let width = graded
        .iter()
        .map(|g| g.name.chars().count())
        .max()
        .unwrap_or(0);
    let mut all_passed = true;
    println!();
    for g in graded {
        let scored = Scored::new(course, &g.verdicts, Some(&g.changes)).with_missing(&g.missing);
        if book.exercises.is_empty() {
            book = Gradebook::of(&g.name, &scored);
        } else {
            book.add(&g.name, &scored);
        }
        all_passed &= scored.passed() == g.verdicts.len();
        println!("{}", neutralise(&line(&g.name, width, &scored, g)));
        for target in options
            .reports
            .iter()
            .filter(|t| per_submission(t, step_summary))
        {
            let path = target.path.join(file_name(&g.name, target.format));
            let one = ReportTarget {
                format: target.format,
                path,
            };
            target::write_report(&one, &g.name, &scored, step_summary)?;
        }
    }
    println!(
        "\n{} graded",
        crate::plural::of(graded.len(), "submission", "submissions")
    );
    for target in options
        .reports
        .iter()
        .filter(|t| !per_submission(t, step_summary))
    {
        let text = match target.format {
            ReportFormat::Csv => book.to_csv(),
            _ => class_table(course, &book),
        };
        target.write(&text, step_summary)?;
    }
    Ok(Exit::from_verdict(options.exit_zero || all_passed))
}

/// Whether `target` gets one report per submission (in a folder) rather than one for all:
/// the gradebook and the job's step summary (`step_summary`) are one for all.
fn per_submission(target: &ReportTarget, step_summary: Option<&Path>) -> bool {
    match target.format {
        ReportFormat::Csv => false,
        ReportFormat::Markdown => step_summary != Some(target.path.as_path()),
        _ => true,
    }
}

/// The file a submission's report of `format` gets in its folder.
fn file_name(name: &str, format: ReportFormat) -> String {
    let extension = match format {
        ReportFormat::Json => "json",
        ReportFormat::Junit => "xml",
        ReportFormat::Markdown => "md",
        ReportFormat::Gradescope => "gradescope.json",
        ReportFormat::Csv => "csv",
    };
    format!("{name}.{extension}")
}

/// A submission's line: its name, points, passes and protected changes.
fn line(name: &str, width: usize, scored: &Scored, g: &Graded) -> String {
    let mut out = format!(
        "{name:<width$}  {:>3}/{} points  {} of {} passed",
        scored.score(),
        scored.max_score(),
        scored.passed(),
        g.verdicts.len()
    );
    if !g.missing.is_empty() {
        let _ = write!(out, ", {} missing", g.missing.len());
    }
    if !g.changes.is_empty() {
        let workflow = g
            .changes
            .iter()
            .any(|c| c.path.starts_with(".github/workflows"));
        let _ = write!(
            out,
            "; {} changed{}",
            crate::plural::of(g.changes.len(), "protected file", "protected files"),
            if workflow {
                ", a workflow among them"
            } else {
                ""
            }
        );
    }
    out
}

/// The class as a Markdown table, for the job's summary.
fn class_table(course: &Course, book: &Gradebook) -> String {
    let mut out = format!(
        "## {}: {}\n\n| Submission | Points |\n|---|---:|\n",
        course.title,
        crate::plural::of(book.rows.len(), "submission", "submissions")
    );
    for row in &book.rows {
        let name = row.submission.replace('|', "\\|").replace('`', "'");
        let _ = writeln!(out, "| {name} | {}/{} |", row.total, row.max);
    }
    out
}
