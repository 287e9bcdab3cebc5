//! `learn grade`: learners' submissions graded by a pristine course, so that checks,
//! snapshots or harnesses edited in a fork change nothing (the report lists those edits). Each
//! submission's exercise files are read as [`submission::read`](crate::submission::read) says
//! (no link followed, nothing that blocks), judged by the [`policy`], copied into the build
//! folder and graded from there: every file of every submission in one build, on one shared
//! machine budget. The process's working directory never changes: cargo is run in the
//! pristine course's folder, so its configuration (and rustup's) is the course's.
//!
//! Not here: the reports for CI ([`ci`](crate::ci)), a class's conclusion ([`class`]), the
//! protected-files diff ([`protected`]), grading itself ([`grade`](crate::grade)).

use std::path::{Path, PathBuf};

use anstream::eprintln;

use crate::build::CompileError;
use crate::ci::Reporting;
use crate::class::{self, ClassOptions, Roster};
use crate::course::{Course, Exercise};
use crate::exit::{Error, Outcome};
use crate::grade::{Event, GradeOutcome, Grader, Source, Verdict};
use crate::protected;
use crate::report::gradebook::About;
use crate::report::scored::missing_text;
use crate::report::target::Options;
use crate::settings::Settings;
use crate::submission::read::{self, Found};
use crate::submission::{history, policy};
use crate::template;

/// One submission, read and ready to build: its row, the verdicts known before any build
/// (refused files) and the files to build, copied into the build folder, with the folder of
/// each copy.
struct Prepared<'c> {
    graded: class::Graded,
    refused: Vec<Verdict>,
    present: Vec<(&'c Exercise, Source)>,
    copies: Vec<PathBuf>,
}

/// `learn grade`: grades each submission's `exercises/CHAPTER/NAME.rs` (of the exercises
/// `ids` name, or all), and nothing else of it, with the course of `settings`, which must be
/// a pristine checkout. One submission is concluded as `learn verify` would be, a class
/// (`as_class`, whatever its size) as [`class`] says.
pub fn grade(
    settings: &Settings,
    ids: &[String],
    submissions: &[PathBuf],
    as_class: bool,
    options: &Options,
    class_options: &ClassOptions,
) -> Outcome {
    let (submissions, course, target_dir, options) =
        absolute_paths(submissions, &settings.course, &settings.target_dir, options)?;
    let names = class::names(&submissions)?;
    let chosen = course.chosen(ids)?;
    let baseline = template::Baseline::of(&course, &submissions)
        .map_err(|e| Error::io("cannot lay out the student template", e))?;
    let sources = sources(&submissions, &names, class_options, &target_dir)?;
    let mut prepared = Vec::new();
    for ((submission, name), (from, about)) in submissions.iter().zip(names).zip(sources) {
        let pristine = baseline.for_submission(submission);
        let copies = target_dir.join("submissions");
        let mut one = prepare(&from, name, &chosen, pristine, &copies)?;
        one.graded.root = submission.clone();
        one.graded.about = about;
        prepared.push(one);
    }
    let one = !as_class && prepared.len() == 1;
    let protections = settings.sandbox.protections();
    let reporting = Reporting::new(&options, &settings.ci, protections, settings.invocation);
    let session = match &prepared[..] {
        [p] if one => reporting.of_submission(&p.graded.name, p.graded.missing.clone()),
        _ => reporting,
    };
    announce(&course, &prepared, one.then_some(&session));
    let progress = std::sync::Mutex::new(class::Progress::new(
        prepared
            .iter()
            .map(|p| (p.graded.name.clone(), p.present.len())),
    ));
    let events = |event: Event| {
        let mut progress = progress.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            Event::Verdict(v) if one => session.progress(v),
            Event::Verdict(_) => progress.graded(),
            Event::Building(line) => progress.building(line),
            Event::Built if !one => progress.built(),
            Event::Built | Event::FirstLook(_) => {}
        }
    };
    let items: Vec<(&Exercise, Source)> = prepared.iter().flat_map(|p| p.present.clone()).collect();
    let verdicts = if items.is_empty() {
        Vec::new()
    } else {
        eprintln!(
            "Building {}…",
            crate::plural::of(items.len(), "exercise file", "exercise files")
        );
        let grader = Grader::new(&course, target_dir.clone())
            .jobs(settings.jobs)
            .toolchain(settings.toolchain.clone())
            .sandbox(settings.sandbox)
            .events(&events, !one);
        let graded = grader.grade(&items);
        // The submissions' programs do not stay in the build folder; the dependencies do.
        if !grader.forget(&items) {
            eprintln!(
                "The build folder {} is in use by another grading: this class's programs stay in it",
                target_dir.display()
            );
        }
        graded?
    };
    let graded = distribute(prepared, verdicts, &chosen, &course.root);
    if one {
        session.conclude(&course, &graded[0].verdicts, Some(&graded[0].changes))
    } else {
        class::conclude(
            &course,
            &graded,
            &options,
            settings.ci.step_summary(),
            protections,
        )
    }
}

/// Says what is graded with which course; for one submission (`one`), its missing and
/// refused files at once.
fn announce(course: &Course, prepared: &[Prepared], one: Option<&Reporting>) {
    eprintln!(
        "Grading the exercises of {} with the course at {}",
        match (one, prepared) {
            (Some(_), [p]) => p.graded.root.display().to_string(),
            _ => format!("{} submissions", prepared.len()),
        },
        course.root.display()
    );
    if let (Some(session), [p]) = (one, prepared) {
        for id in &p.graded.missing {
            let exercise = course.exercise(id).expect("chosen from the course");
            session.progress(&missing(exercise));
        }
        for verdict in &p.refused {
            session.progress(verdict);
        }
    }
}

/// Where each submission's files are read from, and where they came from: the submission
/// itself (its `HEAD`, when it is a git repository), or with a deadline its last commit before
/// it, written out under the build folder; each with its roster identifier.
fn sources(
    submissions: &[PathBuf],
    names: &[String],
    class_options: &ClassOptions,
    target_dir: &Path,
) -> Result<Vec<(PathBuf, About)>, Error> {
    let roster = match &class_options.roster {
        Some(path) => Roster::read(path).map_err(Error::usage)?,
        None => Roster::default(),
    };
    if let Some(deadline) = &class_options.deadline {
        history::check_deadline(deadline).map_err(Error::usage)?;
    }
    let mut sources = Vec::new();
    for (submission, name) in submissions.iter().zip(names) {
        let mut about = About {
            identifier: roster.identifier_of(name).unwrap_or_default().to_string(),
            chosen_by: "HEAD".into(),
            ..About::default()
        };
        let (from, commit) = match &class_options.deadline {
            None => (submission.clone(), history::head(submission)),
            Some(deadline) => {
                let into = target_dir.join("at-deadline").join(name);
                if into.exists() {
                    std::fs::remove_dir_all(&into)
                        .map_err(|e| Error::path("cannot empty", &into, e))?;
                }
                let at = history::at_deadline(submission, deadline, &into).map_err(|problem| {
                    Error::Input {
                        origin: submission.display().to_string(),
                        problem,
                    }
                })?;
                about.chosen_by =
                    format!("last commit before {deadline} by {}", history::CHOSEN_BY);
                about.late = at
                    .late
                    .iter()
                    .map(|c| format!("{} {}", c.hash, c.date))
                    .collect();
                (into, at.graded)
            }
        };
        if let Some(commit) = commit {
            (about.commit, about.committed) = (commit.hash, commit.date);
        }
        sources.push((from, about));
    }
    Ok(sources)
}

/// Reads `submission` (named `name`) for the exercises `chosen`: its protected files compared
/// with `pristine`, each exercise's file missing, refused, or copied under `copies` to be built:
/// into a folder named by the SHA-256 of its path and bytes, so that identical files across a
/// class (unchanged starters, copies) are one unit of the build, built once.
fn prepare<'c>(
    submission: &Path,
    name: String,
    chosen: &[&'c Exercise],
    pristine: &Path,
    copies: &Path,
) -> Result<Prepared<'c>, Error> {
    let cannot = |e: std::io::Error| Error::path("cannot read", submission, e);
    let changes = protected::changes(pristine, submission).map_err(|e| {
        Error::io(
            format!("cannot compare {} with the course", submission.display()),
            e,
        )
    })?;
    let (mut present, mut refused, mut missing_ids) = (Vec::new(), Vec::new(), Vec::new());
    let mut folders = Vec::new();
    for &exercise in chosen {
        let relative = exercise.path();
        let found = read::read(submission, &relative, read::SOURCE_LIMIT).map_err(cannot)?;
        let why = match &found {
            Found::Missing => {
                missing_ids.push(exercise.id.clone());
                continue;
            }
            Found::File(bytes) => policy::compile_time_reach(&String::from_utf8_lossy(&bytes[..]))
                .map(|what| format!("{}: {what}", relative.display())),
            other => other.refusal(&relative),
        };
        match (why, found) {
            (Some(headline), _) => refused.push(refused_verdict(exercise, headline)),
            (None, Found::File(bytes)) => {
                let folder = copies.join(content_address(&relative, &bytes));
                let file = folder.join(&relative);
                // Named by its content: an existing copy is this file already.
                std::fs::create_dir_all(file.parent().expect("an exercise's file is in a folder"))
                    .and_then(|()| match file.exists() {
                        true => Ok(()),
                        false => std::fs::write(&file, bytes),
                    })
                    .map_err(|e| Error::path("cannot copy to", &file, e))?;
                present.push((exercise, Source::File(file)));
                folders.push(folder);
            }
            (None, _) => unreachable!("only a file read has no refusal"),
        }
    }
    Ok(Prepared {
        graded: class::Graded {
            name,
            root: submission.to_path_buf(),
            changes,
            missing: missing_ids,
            verdicts: Vec::new(),
            about: About::default(),
        },
        refused,
        present,
        copies: folders,
    })
}

/// Each submission's verdicts in course order: those of its built files (`verdicts`, in the
/// order of the items built), its refusals, and its missing exercises.
fn distribute(
    prepared: Vec<Prepared>,
    verdicts: Vec<Verdict>,
    chosen: &[&Exercise],
    course_root: &Path,
) -> Vec<class::Graded> {
    let mut verdicts = verdicts.into_iter();
    let mut graded = Vec::new();
    for p in prepared {
        let mut own = verdicts
            .by_ref()
            .take(p.present.len())
            .zip(&p.copies)
            .map(|(v, copy)| relocated(v, copy, course_root))
            .peekable();
        let mut submission = p.graded;
        submission.verdicts = chosen
            .iter()
            .map(|e| {
                own.next_if(|v| v.id == e.id).unwrap_or_else(|| {
                    p.refused
                        .iter()
                        .find(|v| v.id == e.id)
                        .cloned()
                        .unwrap_or_else(|| missing(e))
                })
            })
            .collect();
        graded.push(submission);
    }
    graded
}

/// The content address of a graded file: the SHA-256 of its path and bytes, in hex.
fn content_address(relative: &Path, bytes: &[u8]) -> String {
    let mut named = relative.as_os_str().as_encoded_bytes().to_vec();
    named.push(0);
    named.extend_from_slice(bytes);
    crate::build::content_address(&named)
}

/// Everything `grade` works with, its paths made absolute.
fn absolute_paths(
    submissions: &[PathBuf],
    course: &Course,
    target_dir: &Path,
    options: &Options,
) -> Result<(Vec<PathBuf>, Course, PathBuf, Options), Error> {
    let absolute = |path: &Path| {
        std::path::absolute(path).map_err(|e| Error::io(path.display().to_string(), e))
    };
    let canonical = |path: &Path, no_such: &'static str| {
        std::fs::canonicalize(path).map_err(|e| Error::path(no_such, path, e))
    };
    let submissions = submissions
        .iter()
        .map(|s| {
            canonical(
                s,
                "no submission (the folder of the learner's repository) at",
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let course = Course {
        root: canonical(&course.root, "no course at")?,
        ..course.clone()
    };
    let mut options = options.clone();
    for target in &mut options.reports {
        target.path = absolute(&target.path)?;
    }
    Ok((submissions, course, absolute(target_dir)?, options))
}

/// The verdict on an exercise whose file the submission lacks (its reports say `missing`:
/// see [`Scored::with_missing`](crate::report::scored::Scored::with_missing)).
fn missing(exercise: &Exercise) -> Verdict {
    let headline = missing_text(&exercise.path());
    let rendered = format!(
        "error: {headline}: restore its starter with `learn reset {}` and solve it\n",
        exercise.id
    );
    not_built(exercise, headline, rendered)
}

/// The verdict on an exercise whose file `learn grade` refuses to read or compile.
fn refused_verdict(exercise: &Exercise, headline: String) -> Verdict {
    let rendered = format!(
        "error: {headline}\n  = rule: the graded file is compiled alone: it must be a plain file that pulls no other file in\n  = hint: write the whole exercise in {} itself\n",
        exercise.path().display()
    );
    not_built(exercise, headline, rendered)
}

/// A verdict on an exercise whose file was never built, with a compile error's message.
fn not_built(exercise: &Exercise, headline: String, rendered: String) -> Verdict {
    Verdict::new(
        &exercise.id,
        exercise.path(),
        GradeOutcome::CompileError(CompileError {
            rendered,
            location: None,
            headline,
        }),
    )
}

/// `verdict` with the paths of the submission's copy (`copy`) written relative to it, as in
/// the learner's repository: the build wrote them absolute or relative to the course root.
fn relocated(mut verdict: Verdict, copy: &Path, course_root: &Path) -> Verdict {
    let mut prefixes = vec![format!("{}/", copy.display())];
    prefixes.extend(
        copy.strip_prefix(course_root)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_files_share_a_content_address_and_others_do_not() {
        let path = Path::new("exercises/01_threads/spawn_join.rs");
        let same = content_address(path, b"fn main() {}");
        assert_eq!(same.len(), 64, "SHA-256 in hex");
        assert_eq!(same, content_address(path, b"fn main() {}"));
        assert_ne!(same, content_address(path, b"fn main() { }"));
        let other = Path::new("exercises/01_threads/join_results.rs");
        assert_ne!(same, content_address(other, b"fn main() {}"));
    }
}
