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
use crate::exit::{Error, Exit, Outcome};
use crate::grade::{GradeOutcome, Verdict};
use crate::report::gradebook::{About, Explained, Gradebook, explained_path};
use crate::report::html;
use crate::report::neutral::neutralise;
use crate::report::scored::{ProtectedChange, Scored};
use crate::report::target::{self, Options, ReportFormat, ReportTarget};
use crate::supervise::Protections;

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
    /// Where its files came from (commit, deadline) and its roster identifier.
    pub about: About,
}

/// What grading a class takes beyond one submission: a deadline and a roster.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ClassOptions {
    /// Grade each submission (a git repository) at its last commit dated before DATE, with
    /// its zone (2026-12-08T23:59:00Z); the commits after it are listed as late.
    #[arg(long, value_name = "DATE")]
    pub deadline: Option<String>,
    /// GitHub Classroom's roster (its CSV export, with `identifier` and `github_username`
    /// columns): each submission's row carries its student's identifier.
    #[arg(long, value_name = "CSV")]
    pub roster: Option<PathBuf>,
}

/// A class roster: GitHub user names (lower case) and their identifiers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster(pub Vec<(String, String)>);

impl Roster {
    /// Reads GitHub Classroom's roster export at `path`.
    pub fn read(path: &Path) -> Result<Roster, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the roster {}: {e}", path.display()))?;
        Roster::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// A roster from its CSV text: the columns `identifier` and `github_username`; rows
    /// without a user name (a student who has not joined) are skipped.
    pub fn parse(text: &str) -> Result<Roster, String> {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader.headers().map_err(|e| e.to_string())?.clone();
        let column = |name: &str| {
            header.iter().position(|h| h == name).ok_or_else(|| {
                format!(
                    "not GitHub Classroom's roster export: no `{name}` column (found {})",
                    header.iter().collect::<Vec<_>>().join(", ")
                )
            })
        };
        let (identifier, user) = (column("identifier")?, column("github_username")?);
        let mut students = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| format!("line {}: {e}", i + 2))?;
            let login = record.get(user).unwrap_or_default().trim().to_lowercase();
            if !login.is_empty() {
                let id = record.get(identifier).unwrap_or_default().trim();
                students.push((login, id.to_string()));
            }
        }
        Ok(Roster(students))
    }

    /// The identifier of the student whose repository is named `name` (`USER` or, as GitHub
    /// Classroom names them, `ASSIGNMENT-USER`): the longest user name that fits.
    pub fn identifier_of(&self, name: &str) -> Option<&str> {
        let name = name.to_lowercase();
        self.0
            .iter()
            .filter(|(login, _)| name == *login || name.ends_with(&format!("-{login}")))
            .max_by_key(|(login, _)| login.len())
            .map(|(_, id)| id.as_str())
    }
}

/// The submissions in `dir`: every folder in it whose name does not start with `.`, by name.
pub fn submissions_in(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::path("cannot read the folder of submissions", dir, e))?;
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir.display().to_string(), e))?;
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if !hidden && entry.path().is_dir() {
            found.push(entry.path());
        }
    }
    found.sort();
    if found.is_empty() {
        return Err(Error::usage(format!(
            "{} holds no submission: each submission is a folder in it",
            dir.display()
        )));
    }
    Ok(found)
}

/// Each submission's name, its folder's name; refuses two of one name (their rows and
/// reports would be confused).
pub fn names(submissions: &[PathBuf]) -> Result<Vec<String>, Error> {
    let mut seen = HashSet::new();
    let mut names = Vec::new();
    for submission in submissions {
        let name = submission.file_name().map_or_else(
            || "submission".to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        if !seen.insert(name.clone()) {
            return Err(Error::usage(format!(
                "two submissions are named `{name}` (the folder's name names the row and the reports): give their folders different names"
            )));
        }
        names.push(name);
    }
    Ok(names)
}

/// Says on stderr how a class's grading goes: the programs compiled while it builds, when the
/// build is done, and each submission when its last verdict is known (verdicts come in order),
/// with the time since grading began.
pub struct Progress {
    /// How many verdicts of built files end each submission, cumulated, with its name.
    ends: Vec<(usize, String)>,
    done: usize,
    compiled: usize,
    started: std::time::Instant,
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
        Progress {
            ends,
            done: 0,
            compiled: 0,
            started: std::time::Instant::now(),
        }
    }

    /// A line of the build (cargo's, verbose): every tenth program compiled is said.
    pub fn building(&mut self, line: &str) {
        let program = line.trim_start().starts_with("Running `")
            && line.contains("--crate-type bin")
            && !line.contains("build_script");
        if program {
            self.compiled += 1;
            if self.compiled.is_multiple_of(10) {
                eprintln!(
                    "building: {} compiled ({:.0} s)",
                    crate::plural::of(self.compiled, "program", "programs"),
                    self.started.elapsed().as_secs_f64()
                );
            }
        }
    }

    /// The build is done: the runs begin.
    pub fn built(&self) {
        let files = self.ends.last().map_or(0, |(end, _)| *end);
        eprintln!(
            "built ({} compiled) in {:.0} s; grading {} of {}",
            crate::plural::of(self.compiled, "program", "programs"),
            self.started.elapsed().as_secs_f64(),
            crate::plural::of(files, "exercise file", "exercise files"),
            crate::plural::of(self.ends.len(), "submission", "submissions")
        );
    }

    /// One more verdict is known.
    pub fn graded(&mut self) {
        self.done += 1;
        if let Some(i) = self.ends.iter().position(|(end, _)| *end == self.done) {
            let before = if i == 0 { 0 } else { self.ends[i - 1].0 };
            eprintln!(
                "graded submission {} of {}: {} ({}) at {:.0} s",
                i + 1,
                self.ends.len(),
                neutralise(&self.ends[i].1),
                crate::plural::of(self.done - before, "exercise", "exercises"),
                self.started.elapsed().as_secs_f64()
            );
        }
    }
}

/// Concludes the grading of a class: a line per submission, the reports, a summary (the
/// compile errors, the paths written) and the exit code (success when every submission passed
/// everything, or with `--exit-zero`); an error when a report cannot be written.
pub fn conclude(
    course: &Course,
    graded: &[Graded],
    options: &Options,
    step_summary: Option<&Path>,
    protections: Protections,
) -> Outcome {
    let mut book = Gradebook::default();
    let mut explained = Explained::default();
    let width = graded
        .iter()
        .map(|g| g.name.chars().count())
        .max()
        .unwrap_or(0);
    let mut all_passed = true;
    let mut written = Vec::new();
    let scored_all: Vec<Scored> = graded
        .iter()
        .map(|g| {
            Scored::new(course, &g.verdicts, Some(&g.changes), protections).with_missing(&g.missing)
        })
        .collect();
    println!();
    for (g, scored) in graded.iter().zip(&scored_all) {
        if book.exercises.is_empty() {
            book = Gradebook::of(&g.name, scored);
        } else {
            book.add(&g.name, scored);
        }
        explained.add(&g.name, &g.about, scored);
        all_passed &= scored.passed() == g.verdicts.len();
        println!("{}", neutralise(&line(&g.name, width, scored, g)));
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
            target::write_report(&one, &g.name, scored, step_summary)?;
            if !written.contains(&target.path) {
                written.push(target.path.clone());
            }
        }
    }
    for target in options
        .reports
        .iter()
        .filter(|t| !per_submission(t, step_summary))
    {
        let text = match target.format {
            ReportFormat::Csv => book.to_csv(),
            ReportFormat::Html => {
                let class: Vec<(&str, &Scored)> = graded
                    .iter()
                    .map(|g| g.name.as_str())
                    .zip(&scored_all)
                    .collect();
                html::render(&course.title, &class)
            }
            _ => class_table(course, &book),
        };
        target.write(&text, step_summary)?;
        written.push(target.path.clone());
        if target.format == ReportFormat::Csv {
            let beside = ReportTarget {
                format: ReportFormat::Csv,
                path: explained_path(&target.path),
            };
            beside.write(&explained.to_csv(), None)?;
            written.push(beside.path);
        }
    }
    print!("{}", neutralise(&summary(graded, &written)));
    Ok(Exit::from_verdict(options.exit_zero || all_passed))
}

/// The closing lines: how many submissions, which did not compile where, the late commits,
/// and the paths written.
fn summary(graded: &[Graded], written: &[PathBuf]) -> String {
    let mut out = format!(
        "\n{} graded\n",
        crate::plural::of(graded.len(), "submission", "submissions")
    );
    for g in graded {
        let broken: Vec<&str> = g
            .verdicts
            .iter()
            .filter(|v| {
                matches!(v.outcome, GradeOutcome::CompileError(_)) && !g.missing.contains(&v.id)
            })
            .map(|v| v.id.as_str())
            .collect();
        if !broken.is_empty() {
            let _ = writeln!(out, "{}: does not compile: {}", g.name, broken.join(", "));
        }
        if !g.about.late.is_empty() {
            let _ = writeln!(
                out,
                "{}: {} after the deadline, not graded",
                g.name,
                crate::plural::of(g.about.late.len(), "commit", "commits")
            );
        }
    }
    for path in written {
        let _ = writeln!(out, "Wrote {}", path.display());
    }
    out
}

/// Whether `target` gets one report per submission (in a folder) rather than one for all:
/// the gradebook and the job's step summary (`step_summary`) are one for all.
fn per_submission(target: &ReportTarget, step_summary: Option<&Path>) -> bool {
    match target.format {
        ReportFormat::Csv | ReportFormat::Html => false,
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
        ReportFormat::Html => "html",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_classroom_roster_names_repositories_by_their_user() {
        let roster = Roster::parse(
            "\"identifier\",\"github_username\",\"github_id\",\"name\"\n\"Ann A.\",\"Ann\",\"1\",\"\"\n\"Annie\",\"ann-b\",\"2\",\"\"\n\"Not joined\",\"\",\"\",\"\"\n",
        )
        .unwrap();
        assert_eq!(roster.0.len(), 2, "a student who has not joined is skipped");
        assert_eq!(roster.identifier_of("hello-world-ann"), Some("Ann A."));
        assert_eq!(roster.identifier_of("ann"), Some("Ann A."));
        assert_eq!(roster.identifier_of("hello-world-ann-b"), Some("Annie"));
        assert_eq!(roster.identifier_of("hello-world-bo"), None);
        let why = Roster::parse("name,login\nx,y\n").unwrap_err();
        assert!(why.contains("no `identifier` column"), "{why}");
    }
}
