//! `learn dev check [ID…]`: checks a course as CI would, one note per problem at its file
//! (and line where one is to blame): every reference solution passes and every starter fails
//! for the reason the manifest declares (`starter_fails_by`; any failure where it declares
//! none), both graded by the real engine; every snapshot an argument set needs is there and
//! none is left over; the derived files are in sync ([`update`](super::update), compared);
//! the README's course map has a row for every chapter with its seed lessons; no placeholder
//! of `dev new` is left (`TODO(author)`).
//!
//! IDs limit the grading (the slow part) to those exercises; the other checks, which read
//! files only, cover the whole course. Exit 0 when nothing is wrong, 1 otherwise.
//!
//! Not here: how a program is graded ([`grade`](crate::grade)), nor fixing anything (`update`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anstream::{eprintln, println};

use super::update::{self, Mode};
use super::{Note, TODO};
use crate::course::{Course, Exercise};
use crate::exit::{Error, Exit, Outcome};
use crate::grade::{Event, GradeOutcome, Source, Verdict};
use crate::plural;
use crate::settings::Settings;
use crate::tui::progress_line::ProgressLine;

/// The README whose course map lists the chapters, relative to the course root.
const README: &str = "README.md";

/// `learn dev check [ID…]`.
pub fn check(settings: &Settings, ids: &[String]) -> Outcome {
    let course = &settings.course;
    super::refuse_template(course)?;
    let chosen = course.chosen(ids).map_err(Error::from)?;
    // The file checks first: they take no time, and the grading takes minutes.
    let mut problems = update::derived(course, Mode::Compare(settings.invocation))?;
    problems.extend(snapshots(course));
    problems.extend(course_map(course));
    problems.extend(placeholders(course));
    for problem in &problems {
        println!("{problem}");
    }
    let graded = graded(settings, &chosen)?;
    for problem in &graded {
        println!("{problem}");
    }
    problems.extend(graded);
    let checked = plural::of(chosen.len(), "exercise", "exercises");
    if problems.is_empty() {
        println!(
            "The course is in order: {checked} graded (solutions pass, starters fail as declared), files in sync."
        );
    } else {
        println!(
            "\n{} ({checked} graded).",
            plural::of(problems.len(), "problem", "problems")
        );
    }
    Ok(Exit::from_verdict(problems.is_empty()))
}

/// Grades the solution and the starter of each exercise with the engine, and names those
/// that do not behave.
fn graded(settings: &Settings, chosen: &[&Exercise]) -> Result<Vec<Note>, Error> {
    let items: Vec<(&Exercise, Source)> = chosen
        .iter()
        .flat_map(|e| [(*e, Source::Solution), (*e, Source::Starter)])
        .collect();
    eprintln!(
        "Grading the solution and the starter of {}…",
        plural::of(chosen.len(), "exercise", "exercises")
    );
    let progress = ProgressLine::start(
        "building the solutions and starters",
        settings.progress_lines,
    );
    let graded = AtomicUsize::new(0);
    let events = |event: Event| match event {
        Event::Building(line) => progress.cargo_line(line),
        Event::Verdict(_) => {
            let graded = graded.fetch_add(1, Ordering::Relaxed) + 1;
            progress.set(format!("graded {graded} of {}", items.len()));
        }
        Event::Built | Event::FirstLook(_) => {}
    };
    let verdicts = settings
        .grader()
        .events(&events, progress.is_shown())
        .grade(&items)
        .map_err(Error::from)?;
    drop(progress);
    let root = &settings.course.root;
    Ok(items
        .iter()
        .zip(&verdicts)
        .filter_map(|((exercise, source), verdict)| match source {
            Source::Starter => starter_problem(root, exercise, verdict),
            _ => solution_problem(root, exercise, verdict),
        })
        .collect())
}

/// What is wrong with a solution's verdict: any rule it broke.
fn solution_problem(root: &Path, exercise: &Exercise, verdict: &Verdict) -> Option<Note> {
    if verdict.passed() || verdict.wants_more_cores() {
        return None;
    }
    let (line, why) = match &verdict.outcome {
        GradeOutcome::CompileError(error) => (
            error.location.as_ref().map(|(_, line, _)| *line),
            format!("does not compile: {}", error.headline),
        ),
        GradeOutcome::Failed(run) => {
            let first = run.failures.first();
            let seen = first
                .seen
                .iter()
                .take(3)
                .map(|s| format!("\n    {s}"))
                .collect::<String>();
            (
                None,
                format!(
                    "the reference solution fails `{}` (run {}, {}): {}{seen}",
                    first.check,
                    run.run_number,
                    run.config.replay_key(),
                    first.rule
                ),
            )
        }
        _ => (
            None,
            format!("the reference solution {}", not_graded(verdict)),
        ),
    };
    let path = exercise.solution_path();
    let todo = std::fs::read_to_string(root.join(&path))
        .ok()
        .and_then(|text| text.lines().position(|l| l.contains(TODO)))
        .map(|i| i + 1);
    Some(match todo {
        Some(todo) => Note {
            path,
            line: Some(todo),
            what: format!("still a stub marked {TODO}, to write: {why}"),
        },
        None => Note {
            path,
            line,
            what: why,
        },
    })
}

/// What is wrong with a starter's verdict: it passed, or failed by a rule the manifest does
/// not declare.
fn starter_problem(root: &Path, exercise: &Exercise, verdict: &Verdict) -> Option<Note> {
    let declared = &exercise.spec.starter_fails_by;
    let failed_by: Vec<String> = match &verdict.outcome {
        GradeOutcome::Passed => {
            return Some(Note::file(
                exercise.starter_path(),
                "the starter passes every check: it must fail for the reason its lesson is about (add the check that catches it)",
            ));
        }
        GradeOutcome::CompileError(_) => vec!["compile".into()],
        GradeOutcome::Failed(run) => run.failures.iter().map(|f| f.check.to_string()).collect(),
        _ if verdict.wants_more_cores() => return None,
        _ => {
            return Some(Note::file(
                exercise.starter_path(),
                format!("the starter {}", not_graded(verdict)),
            ));
        }
    };
    if declared.is_empty() || failed_by.iter().any(|f| declared.contains(f)) {
        return None;
    }
    Some(Note {
        path: super::chapter_file(&exercise.chapter),
        line: super::line_of(root, exercise, "starter_fails_by"),
        what: format!(
            "the starter of {} fails by {}, not by what `starter_fails_by` declares ({})",
            exercise.id,
            failed_by.join(", "),
            declared.join(", ")
        ),
    })
}

/// Why a verdict that neither passed nor broke a rule says nothing of the file.
fn not_graded(verdict: &Verdict) -> String {
    match &verdict.outcome {
        GradeOutcome::CourseError(e) => format!("could not be graded: {e}"),
        GradeOutcome::Cancelled => "was not graded: cancelled".into(),
        _ => format!(
            "was not judged: {}",
            verdict
                .skipped
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

/// Files the author has not finished since `dev new` scaffolded them: a chapter file, a
/// starter or a snapshot that still says [`TODO`], at its first line that does. (A solution
/// that does is named by its grading.)
fn placeholders(course: &Course) -> Vec<Note> {
    let chapters = course.chapters.iter().map(|c| super::chapter_file(&c.name));
    let per_exercise = course.exercises.iter().flat_map(|e| {
        let snapshots = e.arg_sets().into_iter().map(|args| e.snapshot_path(&args));
        std::iter::once(e.starter_path()).chain(snapshots)
    });
    chapters
        .chain(per_exercise)
        .filter_map(|path| {
            let text = std::fs::read_to_string(course.root.join(&path)).ok()?;
            let mut lines = text.lines().enumerate().filter(|(_, l)| l.contains(TODO));
            let (first, _) = lines.next()?;
            let more = match lines.count() {
                0 => String::new(),
                n => format!(" (and {} below)", plural::of(n, "other", "others")),
            };
            Some(Note {
                path,
                line: Some(first + 1),
                what: format!("still says {TODO}, a placeholder of `dev new`{more}"),
            })
        })
        .collect()
}

/// Snapshots missing for an argument set, and snapshot files no argument set names.
fn snapshots(course: &Course) -> Vec<Note> {
    let mut problems = Vec::new();
    let mut expected = BTreeSet::new();
    for exercise in &course.exercises {
        for args in exercise.arg_sets() {
            let path = exercise.snapshot_path(&args);
            if !course.root.join(&path).is_file() {
                problems.push(Note {
                    path: super::chapter_file(&exercise.chapter),
                    line: super::line_of(&course.root, exercise, "name"),
                    what: format!(
                        "{}'s argument set `{}` has no snapshot {} (the solution's output: `cargo insta test --review`)",
                        exercise.id,
                        args.name,
                        path.display()
                    ),
                });
            }
            expected.insert(path);
        }
    }
    let folder = Path::new("course/snapshots");
    let entries = std::fs::read_dir(course.root.join(folder))
        .into_iter()
        .flatten();
    let mut present: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| folder.join(entry.file_name()))
        .filter(|path| path.extension().is_some_and(|e| e == "snap"))
        .collect();
    present.sort();
    problems.extend(present.into_iter().filter(|p| !expected.contains(p)).map(|p| {
        Note::file(
            p,
            "no argument set of any exercise has this snapshot: left over from a renamed or removed one?",
        )
    }));
    problems
}

/// Chapters the README's course map lacks, or lists without their seed lessons.
fn course_map(course: &Course) -> Vec<Note> {
    let Ok(readme) = std::fs::read_to_string(course.root.join(README)) else {
        return vec![Note::file(
            README,
            "missing: its course map lists every chapter (`| `CHAPTER` | … |`)",
        )];
    };
    let map = readme
        .lines()
        .position(|l| l.trim() == "## Course map")
        .map(|i| i + 1);
    course
        .chapters
        .iter()
        .filter_map(|chapter| {
            let prefix = format!("| `{}` |", chapter.name);
            let Some((i, row)) = readme
                .lines()
                .enumerate()
                .find(|(_, l)| l.starts_with(&prefix))
            else {
                return Some(Note {
                    path: README.into(),
                    line: map,
                    what: format!("the course map has no row for chapter {} (`{prefix} … |`)", chapter.name),
                });
            };
            let seeds: Vec<String> = chapter.seeds.iter().map(|s| format!("{s:03}")).collect();
            let (Some(first), Some(last)) = (seeds.first(), seeds.last()) else {
                return None;
            };
            let (list, range) = (seeds.join(", "), format!("{first}–{last}"));
            (!row.contains(&list) && !row.contains(&range)).then(|| Note {
                path: README.into(),
                line: Some(i + 1),
                what: format!(
                    "the course map's row for {} should name the seed lessons its manifest declares: {list}",
                    chapter.name
                ),
            })
        })
        .collect()
}
