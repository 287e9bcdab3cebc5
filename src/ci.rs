//! Grading in CI: what `learn verify` and `learn grade` share there (reports to write, exit 0
//! whatever the verdict, annotations and stop-commands inside GitHub Actions), and `learn
//! grade` itself: a learner's submission graded by a pristine course, so that checks,
//! snapshots or harnesses edited in a fork change nothing (the report lists those edits).
//!
//! Not here: the reports' formats (`src/report/`) and grading itself (`src/grade/`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anstream::{eprintln, print, println};

use crate::build::CompileError;
use crate::commands::Exit;
use crate::course::{Course, CourseError, Exercise};
use crate::grade::{GradeOutcome, Grader, Source, Verdict};
use crate::report::scored::{ChangeKind, ProtectedChange, Scored};
use crate::report::{github, json, junit, markdown, terminal};

/// The files of a course repository that a learner has no reason to change: the manifest,
/// snapshots, starters and harnesses (`course/`), the solutions, the runner and its tests, its
/// build configuration and the CI workflows. Paths relative to the repository root.
pub const PROTECTED: [&str; 11] = [
    "course",
    "solutions",
    "tests",
    "src",
    ".github",
    ".cargo",
    "Cargo.toml",
    "Cargo.lock",
    "build.rs",
    "rust-toolchain",
    "rust-toolchain.toml",
];

/// The options `verify` and `grade` share for CI.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Options {
    /// Write a report, FORMAT=PATH (repeatable): `json` (results.json v3 for Exercism and
    /// GitHub Classroom), `junit` (JUnit XML) or `markdown` (for $GITHUB_STEP_SUMMARY).
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = parse_report)]
    pub reports: Vec<ReportTarget>,
    /// Exit 0 whatever the verdict: the reports carry the score.
    #[arg(long)]
    pub exit_zero: bool,
}

/// One report to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTarget {
    /// Its format.
    pub format: ReportFormat,
    /// Where to write it.
    pub path: PathBuf,
}

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// results.json, version 3, with scores.
    Json,
    /// JUnit XML.
    Junit,
    /// A Markdown table.
    Markdown,
}

/// Parses `FORMAT=PATH`.
fn parse_report(text: &str) -> Result<ReportTarget, String> {
    let (format, path) = text
        .split_once('=')
        .filter(|(_, path)| !path.is_empty())
        .ok_or("expected FORMAT=PATH, e.g. json=results.json")?;
    let format = match format {
        "json" => ReportFormat::Json,
        "junit" => ReportFormat::Junit,
        "markdown" => ReportFormat::Markdown,
        other => {
            return Err(format!(
                "unknown report format `{other}`: json, junit or markdown"
            ));
        }
    };
    let path = PathBuf::from(path);
    // Refused before grading, not after it: writing to a FIFO would block forever.
    crate::report::file::check_target(&path)?;
    Ok(ReportTarget { format, path })
}

/// One grading as CI sees it: lines while it runs, then the conclusion and the reports.
pub struct Session<'o> {
    options: &'o Options,
    github: bool,
}

impl<'o> Session<'o> {
    /// A session writing the reports `options` asks for.
    pub fn new(options: &'o Options) -> Session<'o> {
        Session {
            options,
            github: github::in_github_actions(),
        }
    }

    /// Called with each verdict as soon as it is known: its line. Inside GitHub Actions the
    /// lines wait for [`Session::conclude`], which prints them between stop-commands markers
    /// drawn only then, when no learner's program is running any more.
    pub fn progress(&self, verdict: &Verdict) {
        if !self.github {
            println!("{}", terminal::verify_line(verdict));
        }
    }

    /// Prints the conclusion (with each failure explained for `grade`, given `changes`, and
    /// inside GitHub Actions, where nobody can `learn run` it), writes the reports, and tells
    /// how to exit: success when everything passed or `--exit-zero` was given.
    pub fn conclude(
        &self,
        course: &Course,
        verdicts: &[Verdict],
        changes: Option<&[ProtectedChange]>,
    ) -> Exit {
        let scored = Scored::new(course, verdicts, changes);
        let mut shaped_by_learner = String::new();
        if self.github {
            shaped_by_learner.extend(
                verdicts
                    .iter()
                    .map(|v| format!("{}\n", terminal::verify_line(v))),
            );
        }
        if self.github || changes.is_some() {
            shaped_by_learner.extend(
                verdicts
                    .iter()
                    .filter(|v| !v.passed())
                    .map(|v| format!("\n{}", terminal::verdict(v))),
            );
        }
        if self.github {
            print!("{}", github::stop_commands(&shaped_by_learner));
            print!("{}", github::annotations(&scored));
        } else {
            print!("{shaped_by_learner}");
        }
        if let Some(changes) = changes {
            print!("{}", protected_list(changes));
        }
        println!(
            "\n{} passed, {} failed",
            scored.passed(),
            verdicts.len() - scored.passed()
        );
        println!("Score: {}/{} points", scored.score(), scored.max_score());
        for target in &self.options.reports {
            if let Err(e) = write_report(target, &scored) {
                eprintln!(
                    "error: cannot write the {:?} report to {}: {e}",
                    target.format,
                    target.path.display()
                );
                return Exit::Usage;
            }
        }
        if self.options.exit_zero || scored.passed() == verdicts.len() {
            Exit::Success
        } else {
            Exit::Failed
        }
    }
}

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
            change.path.display()
        ));
    }
    out
}

fn write_report(target: &ReportTarget, scored: &Scored) -> std::io::Result<()> {
    let text = match target.format {
        ReportFormat::Json => json::render(scored),
        ReportFormat::Junit => junit::render(scored),
        ReportFormat::Markdown => markdown::render(scored),
    };
    if let Some(folder) = target.path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)?;
    }
    let is_step_summary =
        std::env::var_os("GITHUB_STEP_SUMMARY").is_some_and(|s| Path::new(&s) == target.path);
    if is_step_summary {
        use std::io::Write;
        crate::report::file::check_target(&target.path).map_err(std::io::Error::other)?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&target.path)?
            .write_all(text.as_bytes())
    } else {
        crate::report::file::write_atomically(&target.path, &text)
    }
}

/// `learn grade`: grades the submission's `exercises/CHAPTER/NAME.rs` (of the exercises `ids`
/// name, or all), and nothing else of it, with `course` (manifest, snapshots, harnesses,
/// runner), which must be a pristine checkout.
pub fn grade(
    course: &Course,
    target_dir: &Path,
    ids: &[String],
    submission: &Path,
    options: &Options,
) -> Exit {
    let (submission, course, target_dir, options) =
        match absolute_paths(submission, course, target_dir, options) {
            Ok(prepared) => prepared,
            Err(message) => return usage(&message),
        };
    // cargo and rustup read their configuration (`.cargo/config.toml`, `rust-toolchain.toml`)
    // from the working directory upwards: from the pristine course's, never the submission's.
    if let Err(e) = std::env::set_current_dir(&course.root) {
        return usage(&format!("cannot work in {}: {e}", course.root.display()));
    }
    let changes = match protected_changes(&course.root, &submission) {
        Ok(changes) => changes,
        Err(e) => {
            return usage(&format!(
                "cannot compare the submission with the course: {e}"
            ));
        }
    };
    eprintln!(
        "Grading the exercises of {} with the course at {}",
        submission.display(),
        course.root.display()
    );
    let chosen = match chosen(&course, ids) {
        Ok(chosen) => chosen,
        Err(e) => return usage(&e.to_string()),
    };
    let session = Session::new(&options);
    let mut items = Vec::new();
    for &exercise in &chosen {
        let file = submission.join(exercise.path());
        if file.is_file() {
            items.push((exercise, Source::File(file)));
        } else {
            session.progress(&missing(exercise));
        }
    }
    let graded = if items.is_empty() {
        Vec::new()
    } else {
        eprintln!(
            "Building {}…",
            crate::plural::of(items.len(), "exercise", "exercises")
        );
        match Grader::new(&course, target_dir).grade(&items, |v| session.progress(v)) {
            Ok(verdicts) => verdicts,
            Err(e) => return usage(&e.to_string()),
        }
    };
    let mut graded = graded
        .into_iter()
        .map(|v| relocated(v, &submission, &course.root))
        .peekable();
    let verdicts: Vec<Verdict> = chosen
        .iter()
        .map(|e| {
            graded
                .next_if(|v| v.id == e.id)
                .unwrap_or_else(|| missing(e))
        })
        .collect();
    session.conclude(&course, &verdicts, Some(&changes))
}

/// The exercises `ids` name (all when none), in course order.
fn chosen<'c>(course: &'c Course, ids: &[String]) -> Result<Vec<&'c Exercise>, CourseError> {
    let mut chosen = ids
        .iter()
        .map(|id| course.exercise(id))
        .collect::<Result<Vec<_>, _>>()?;
    if ids.is_empty() {
        chosen = course.exercises.iter().collect();
    }
    chosen.sort_by_key(|e| course.index_of(&e.id));
    chosen.dedup_by_key(|e| &e.id);
    Ok(chosen)
}

/// Everything `grade` works with, its paths made absolute before it changes folder.
fn absolute_paths(
    submission: &Path,
    course: &Course,
    target_dir: &Path,
    options: &Options,
) -> Result<(PathBuf, Course, PathBuf, Options), String> {
    let absolute =
        |path: &Path| std::path::absolute(path).map_err(|e| format!("{}: {e}", path.display()));
    let canonical = |path: &Path, what: &str| {
        std::fs::canonicalize(path).map_err(|e| format!("no {what} at {}: {e}", path.display()))
    };
    let submission = canonical(
        submission,
        "submission (the folder of the learner's repository)",
    )?;
    let course = Course {
        root: canonical(&course.root, "course")?,
        ..course.clone()
    };
    let mut options = options.clone();
    for target in &mut options.reports {
        target.path = absolute(&target.path)?;
    }
    Ok((submission, course, absolute(target_dir)?, options))
}

/// The verdict on an exercise whose file the submission lacks.
fn missing(exercise: &Exercise) -> Verdict {
    let headline = format!(
        "{} is missing from the submission",
        exercise.path().display()
    );
    let rendered = format!(
        "error: {headline}: restore its starter with `learn reset {}` and solve it\n",
        exercise.id
    );
    Verdict {
        id: exercise.id.clone(),
        file: exercise.path(),
        outcome: GradeOutcome::CompileError(CompileError {
            rendered,
            location: None,
            headline,
        }),
        runs: 0,
        retries: Vec::new(),
        skipped: Vec::new(),
        sample: None,
        elapsed: Duration::ZERO,
    }
}

/// `verdict` with the submission's paths written relative to it, as in the learner's
/// repository: the build already wrote them relative to the course root, where they are in it.
fn relocated(mut verdict: Verdict, submission: &Path, course_root: &Path) -> Verdict {
    let mut prefixes = vec![format!("{}/", submission.display())];
    prefixes.extend(
        submission
            .strip_prefix(course_root)
            .ok()
            .map(|inside| format!("{}/", inside.display())),
    );
    let relative = |text: &str| {
        prefixes.iter().fold(text.to_string(), |text, prefix| {
            text.replace(prefix.as_str(), "")
        })
    };
    verdict.file = PathBuf::from(relative(&verdict.file.display().to_string()));
    match &mut verdict.outcome {
        GradeOutcome::CompileError(e) => {
            e.rendered = relative(&e.rendered);
            if let Some((file, _, _)) = &mut e.location {
                *file = relative(file);
            }
        }
        GradeOutcome::Failed(run) => {
            for line in &mut run.record.stderr {
                line.text = relative(&line.text);
            }
        }
        _ => {}
    }
    verdict
}

/// The [`PROTECTED`] files that differ between the pristine course and the submission.
pub fn protected_changes(
    pristine: &Path,
    submission: &Path,
) -> std::io::Result<Vec<ProtectedChange>> {
    let (before, after) = (protected_files(pristine)?, protected_files(submission)?);
    let mut changes = Vec::new();
    for path in before.union(&after) {
        let kind = match (before.contains(path), after.contains(path)) {
            (true, false) => ChangeKind::Removed,
            (false, true) => ChangeKind::Added,
            _ if content(&pristine.join(path)) != content(&submission.join(path)) => {
                ChangeKind::Changed
            }
            _ => continue,
        };
        changes.push(ProtectedChange {
            path: path.clone(),
            kind,
        });
    }
    Ok(changes)
}

/// Every file under the protected paths of `root`, relative to it.
fn protected_files(root: &Path) -> std::io::Result<BTreeSet<PathBuf>> {
    let mut files = BTreeSet::new();
    for top in PROTECTED {
        collect(root, Path::new(top), &mut files)?;
    }
    Ok(files)
}

fn collect(root: &Path, relative: &Path, files: &mut BTreeSet<PathBuf>) -> std::io::Result<()> {
    let metadata = match std::fs::symlink_metadata(root.join(relative)) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !metadata.is_dir() {
        files.insert(relative.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(root.join(relative))? {
        collect(root, &relative.join(entry?.file_name()), files)?;
    }
    Ok(())
}

/// A file's bytes, or a symbolic link's target.
fn content(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok().or_else(|| {
        std::fs::read_link(path)
            .ok()
            .map(|target| target.into_os_string().into_encoded_bytes())
    })
}

fn usage(message: &str) -> Exit {
    eprintln!("error: {message}");
    Exit::Usage
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_format_then_path() {
        assert_eq!(
            parse_report("json=out/results.json"),
            Ok(ReportTarget {
                format: ReportFormat::Json,
                path: "out/results.json".into()
            })
        );
        assert_eq!(
            parse_report("markdown=a=b.md").map(|t| t.path),
            Ok(PathBuf::from("a=b.md"))
        );
        assert!(
            parse_report("xml=x")
                .unwrap_err()
                .contains("json, junit or markdown")
        );
        assert!(parse_report("json=").is_err());
        assert!(parse_report("results.json").is_err());
        let device = parse_report("json=/dev/null").unwrap_err();
        assert!(device.contains("not a regular file"), "{device}");
    }

    #[test]
    fn protected_changes_name_added_changed_and_removed_files() {
        let (pristine, fork) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        for dir in [pristine.path(), fork.path()] {
            std::fs::create_dir_all(dir.join("course/snapshots")).unwrap();
            std::fs::create_dir_all(dir.join("exercises")).unwrap();
            std::fs::write(dir.join("course/course.toml"), "same").unwrap();
            std::fs::write(dir.join("exercises/a.rs"), format!("{}", dir.display())).unwrap();
        }
        std::fs::write(pristine.path().join("course/snapshots/a.snap"), "expected").unwrap();
        std::fs::write(
            fork.path().join("course/snapshots/a.snap"),
            "what my program prints",
        )
        .unwrap();
        std::fs::write(pristine.path().join("Cargo.lock"), "lock").unwrap();
        std::fs::create_dir_all(fork.path().join(".github/workflows")).unwrap();
        std::fs::write(fork.path().join(".github/workflows/learn.yml"), "on: push").unwrap();
        let changes = protected_changes(pristine.path(), fork.path()).unwrap();
        let seen: Vec<(String, ChangeKind)> = changes
            .iter()
            .map(|c| (c.path.display().to_string(), c.kind))
            .collect();
        assert_eq!(
            seen,
            [
                (".github/workflows/learn.yml".to_string(), ChangeKind::Added),
                ("Cargo.lock".to_string(), ChangeKind::Removed),
                ("course/snapshots/a.snap".to_string(), ChangeKind::Changed),
            ]
        );
    }
}
