//! What each subcommand does. The learner's commands work on a [`Session`] (the course, the
//! progress, the unlock policy); `verify` and `grade` need only a course and a build folder.
//! Output goes through `anstream` so colours follow the terminal and NO_COLOR. Errors are
//! returned, never printed here: [`cli`](crate::cli) prints them once.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};

use anstream::{eprintln, print, println};

use crate::ci;
use crate::course::Exercise;
use crate::exit::{Error, Exit, Outcome};
use crate::grade::{Event, Source, Verdict};
use crate::invocation;
use crate::progress::{Progress, Status};
use crate::report::{target, terminal};
use crate::session::{CorruptProgress, Session};
use crate::settings::Settings;
use crate::tui::{self, progress_line::ProgressLine, screen::Screen};

/// `learn` alone, off a terminal: where the learner stands.
pub fn status(session: &Session) -> Outcome {
    match session.current() {
        Some(exercise) => introduce(session, exercise),
        None => println!("Every exercise is done. Well played!"),
    }
    Ok(Exit::Success)
}

/// `learn next`.
pub fn next(session: &Session) -> Outcome {
    let Some(exercise) = session.current() else {
        println!(
            "Every exercise is done ({} of {}). Well played!",
            session.done_count(),
            session.course().exercises.len()
        );
        return Ok(Exit::Success);
    };
    if session.is_untouched(exercise) {
        introduce(session, exercise);
        return Ok(Exit::Success);
    }
    let verdict = grade_one(session.settings(), exercise, None)?;
    print_verdict(exercise, &verdict, false);
    if !verdict.passed() {
        println!(
            "\nStill on {}: nothing was recorded. Fix it and run `{} next` again.",
            exercise.id,
            invocation::learn()
        );
        return Ok(Exit::Failed);
    }
    session
        .mark_done(&exercise.id)
        .map_err(|e| Error(format!("cannot save progress: {e}")))?;
    println!();
    match session.current() {
        Some(next) => introduce(session, next),
        None => println!("That was the last one: every exercise is done. Well played!"),
    }
    Ok(Exit::Success)
}

/// Shows the lesson of `exercise`; with a person at the terminal
/// ([`Settings::build_ahead`]), starts building it in the background meanwhile, so that the
/// check after their edit finds the course's crates built (the first one builds rayon,
/// tokio and ureq).
fn introduce(session: &Session, exercise: &Exercise) {
    println!("{}", terminal::exercise_intro(session.course(), exercise));
    let settings = session.settings();
    if settings.build_ahead {
        // A build ahead that cannot start only saves no time: the check builds, and reports.
        let _ = settings.grader().build_ahead(exercise, &Source::Exercise);
    }
}

/// `learn run [ID]`; `timeline` draws the run's timeline under the verdict whatever it is.
pub fn run(session: &Session, id: Option<&str>, replay: Option<String>, timeline: bool) -> Outcome {
    let exercise = pick(session, id)?;
    if let Some(key) = &replay {
        let keys = exercise.replay_keys();
        let a_schedule = key.starts_with(crate::grade::REPLAY_PREFIX);
        if a_schedule && exercise.spec.explore.is_none() {
            return Err(Error(format!(
                "{} is not explored under shuttle, so there is no schedule to replay: --replay takes ARGSET:PERTURBATION for it, one of {}",
                exercise.id,
                keys.join(", ")
            )));
        }
        if !a_schedule && !keys.contains(key) {
            return Err(Error(format!(
                "no run configuration `{key}` for {}: --replay takes ARGSET:PERTURBATION, one of {}{}",
                exercise.id,
                keys.join(", "),
                if exercise.spec.explore.is_some() {
                    ", or shuttle:SCHEDULE (a schedule a report printed)"
                } else {
                    ""
                }
            )));
        }
    }
    let verdict = grade_one(session.settings(), exercise, replay)?;
    print_verdict(exercise, &verdict, timeline);
    Ok(Exit::from_verdict(verdict.passed()))
}

/// `learn hint [ID]`.
pub fn hint(session: &Session, id: Option<&str>) -> Outcome {
    let exercise = pick(session, id)?;
    println!("Hint for {}:\n", exercise.id);
    for line in exercise.spec.hint.trim_end().lines() {
        println!("  {line}");
    }
    Ok(Exit::Success)
}

/// `learn list`.
pub fn list(session: &Session) -> Outcome {
    print!(
        "{}",
        terminal::list(session.course(), session.done_count(), |e| session
            .status_of(e))
    );
    Ok(Exit::Success)
}

/// `learn reset ID`: backs the learner's file up, then restores the starter.
pub fn reset(session: &Session, id: &str) -> Outcome {
    let exercise = session
        .course()
        .exercise(id)
        .map_err(|e| Error(e.to_string()))?;
    let backup = session.restore_starter(exercise)?;
    if let Some(backup) = backup {
        println!("Your version is kept at {}", backup.display());
    }
    println!(
        "Restored the starter of {} in {}",
        exercise.id,
        exercise.path().display()
    );
    Ok(Exit::Success)
}

/// `learn solution ID`: only once the exercise is done.
pub fn solution(session: &Session, id: &str) -> Outcome {
    let exercise = session
        .course()
        .exercise(id)
        .map_err(|e| Error(e.to_string()))?;
    if crate::course::is_student_template(&session.course().root) {
        return Err(Error(format!(
            "the reference solutions are with your teacher: this repository is a student template ({}); for help with {}, see `{} hint`",
            crate::course::TEMPLATE_MARKER,
            exercise.id,
            invocation::learn()
        )));
    }
    if !session.unlock_all() && !session.is_done(&exercise.id) {
        return Err(Error(format!(
            "finish {} first: its solution is shown once it passes",
            exercise.id
        )));
    }
    let path = exercise.solution_path();
    let text = std::fs::read_to_string(session.course().root.join(&path))
        .map_err(|e| Error(format!("cannot read {}: {e}", path.display())))?;
    println!("// {}\n{text}", path.display());
    Ok(Exit::Success)
}

/// `learn verify [IDS]`: course order, one line each and a total.
pub fn verify(
    settings: &Settings,
    ids: &[String],
    source: Source,
    runs: Option<u32>,
    options: &target::Options,
) -> Outcome {
    let course = &settings.course;
    let wanted = ids
        .iter()
        .map(|id| course.exercise(id).map(|e| e.id.as_str()))
        .collect::<Result<Vec<&str>, _>>()
        .map_err(|e| Error(e.to_string()))?;
    let chosen: Vec<(&Exercise, Source)> = course
        .exercises
        .iter()
        .filter(|e| ids.is_empty() || wanted.contains(&e.id.as_str()))
        .map(|e| (e, source.clone()))
        .collect();
    eprintln!(
        "Building {}…",
        crate::plural::of(chosen.len(), "exercise", "exercises")
    );
    let progress = ProgressLine::start("building the exercises", settings.progress_lines);
    let reporting = ci::Reporting::new(options, &settings.ci);
    let graded = AtomicUsize::new(0);
    let events = |event: Event| match event {
        Event::Building(line) => progress.cargo_line(line),
        Event::Verdict(v) => {
            let graded = graded.fetch_add(1, Ordering::Relaxed) + 1;
            progress.set(format!(
                "graded {graded} of {}; grading the others",
                chosen.len()
            ));
            progress.suspend(|| reporting.progress(v));
        }
        Event::Built | Event::FirstLook(_) => {}
    };
    let grader = settings
        .grader()
        .runs(runs)
        .events(&events, progress.is_shown());
    let verdicts = grader.grade(&chosen).map_err(|e| Error(e.to_string()))?;
    reporting.conclude(course, &verdicts, None)
}

/// Rebuilds a progress file that could not be read by checking the learner's exercises in
/// order, up to the first that does not pass, and saves it: the explicit step after
/// [`Session::open`] reported `corrupt`.
pub fn recover_progress(session: &Session, corrupt: &CorruptProgress) -> Result<(), Error> {
    eprintln!(
        "warning: the progress file could not be read ({}); it is kept at {}.",
        corrupt.reason,
        corrupt.kept_at.display()
    );
    eprintln!("Rebuilding progress by checking your exercises in order…");
    let mut progress = Progress::default();
    for exercise in &session.course().exercises {
        if session.is_untouched(exercise) {
            break;
        }
        match grade_one(session.settings(), exercise, None) {
            Ok(v) if v.passed() => progress.mark_done(&exercise.id),
            _ => break,
        }
    }
    let done = progress.done.len();
    session
        .replace_progress(progress)
        .map_err(|e| Error(format!("cannot save progress: {e}")))?;
    eprintln!(
        "Progress rebuilt: {} done.",
        crate::plural::of(done, "exercise", "exercises")
    );
    Ok(())
}

/// Grades the learner's file of one exercise, with a progress line while it builds.
fn grade_one(
    settings: &Settings,
    exercise: &Exercise,
    replay: Option<String>,
) -> Result<Verdict, Error> {
    eprintln!("Checking {}…", exercise.id);
    let progress = ProgressLine::start(
        &format!("building {}", exercise.id),
        settings.progress_lines,
    );
    let events = |event: Event| {
        if let Event::Building(line) = event {
            progress.cargo_line(line);
        }
    };
    let grader = settings
        .grader()
        .replay(replay)
        .events(&events, progress.is_shown());
    let mut verdicts = grader
        .grade(&[(exercise, Source::Exercise)])
        .map_err(|e| Error(e.to_string()))?;
    Ok(verdicts.pop().expect("one exercise graded, one verdict"))
}

/// The exercise named, or the current one; refuses a locked one, naming what to finish.
fn pick<'s>(session: &'s Session, id: Option<&str>) -> Result<&'s Exercise, Error> {
    let exercise = match id {
        Some(id) => session
            .course()
            .exercise(id)
            .map_err(|e| Error(e.to_string()))?,
        None => session.current().ok_or_else(|| {
            Error(format!(
                "every exercise is done; name one: {} run ID",
                invocation::learn()
            ))
        })?,
    };
    if session.status_of(exercise) == Status::Locked {
        let first = session
            .current()
            .map_or("the exercises before it", |e| e.id.as_str());
        return Err(Error(format!(
            "{} is locked: finish {first} first (`{} next`)",
            exercise.id,
            invocation::learn()
        )));
    }
    Ok(exercise)
}

/// Prints a verdict, and under it the timeline of its run when it failed on order or time
/// (or always, with `timeline`).
fn print_verdict(exercise: &Exercise, verdict: &Verdict, timeline: bool) {
    print!("{}", terminal::verdict(verdict));
    let width = if std::io::stdout().is_terminal() {
        Screen::size().0
    } else {
        100
    };
    if let Some(drawn) = tui::timeline::under_verdict(verdict, exercise, timeline, width) {
        print!("\n{drawn}");
    }
}
