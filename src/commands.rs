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
use crate::grade::{Event, GradeOutcome, Source, Verdict};
use crate::progress::{Progress, Status};
use crate::report::{target, terminal};
use crate::session::{CorruptProgress, Session};
use crate::settings::Settings;
use crate::tui::{self, progress_line::ProgressLine, screen::Screen};

/// The folder, in the build folder, that holds the whole output of each exercise's last
/// failed run that `learn next` or `learn run` showed folded (`CHAPTER/NAME.txt`).
pub const LAST_OUTPUT: &str = "last-output";

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
    print_verdict(session.settings(), exercise, &verdict, false);
    if !verdict.passed() {
        println!(
            "\nStill on {}: nothing was recorded. Fix it and run `{} next` again.",
            exercise.id,
            session.settings().invocation.learn()
        );
        return Ok(Exit::Failed);
    }
    session
        .mark_done(&exercise.id)
        .map_err(|e| Error::io("cannot save progress", e))?;
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
    // At a terminal, the lesson is wrapped once, to its width (not the manifest's and then
    // the terminal's).
    let at_a_terminal = std::io::stdout().is_terminal();
    print_wrapped(&terminal::exercise_intro(
        session.course(),
        exercise,
        at_a_terminal,
        session.settings().invocation,
    ));
    println!();
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
            return Err(Error::usage(format!(
                "{} is not explored under shuttle, so there is no schedule to replay: --replay takes ARGSET:PERTURBATION for it, one of {}",
                exercise.id,
                keys.join(", ")
            )));
        }
        if !a_schedule && !keys.contains(key) {
            return Err(Error::usage(format!(
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
    let replayed = replay.is_some();
    let verdict = grade_one(session.settings(), exercise, replay)?;
    print_verdict(session.settings(), exercise, &verdict, timeline);
    if verdict.passed() && !replayed && !session.is_done(&exercise.id) {
        println!("\n{}", not_recorded(session, exercise));
    }
    Ok(Exit::from_verdict(verdict.passed()))
}

/// Why a pass of `learn run` was not recorded, and what records it.
fn not_recorded(session: &Session, exercise: &Exercise) -> String {
    let learn = session.settings().invocation.learn();
    match session.current() {
        Some(current) if current.id == exercise.id => format!(
            "Not recorded yet: `{learn} run` only checks; `{learn} next` records it and unlocks the next exercise."
        ),
        Some(current) => format!(
            "Not recorded: {} is open only because of --unlock-all; exercises are recorded in course order, by `{learn} next`, and the current one is {}.",
            exercise.id, current.id
        ),
        None => format!("Not recorded: `{learn} run` only checks."),
    }
}

/// `learn hint [ID]`: one more level of the exercise's hints each time (a nudge first, the
/// code last), with the levels shown before.
pub fn hint(session: &Session, id: Option<&str>) -> Outcome {
    let exercise = pick(session, id)?;
    let levels = exercise.spec.hint.levels();
    let shown = session
        .hint_levels()
        .ask(&exercise.id, levels.len())
        .map_err(|e| Error::io("cannot save which hints you have seen", e))?;
    let at_a_terminal = std::io::stdout().is_terminal();
    print_wrapped(&terminal::hints(
        exercise,
        shown,
        at_a_terminal,
        session.settings().invocation,
    ));
    Ok(Exit::Success)
}

/// Prints `text`, wrapped once to the terminal's width at a terminal (its paragraphs were
/// reflowed for that), as it is elsewhere.
fn print_wrapped(text: &str) {
    if std::io::stdout().is_terminal() {
        for line in tui::text::wrap(text.trim_end_matches('\n'), Screen::size().0) {
            println!("{line}");
        }
    } else {
        print!("{text}");
    }
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

/// `learn reset [ID]` (default: the current exercise): backs the learner's file up, then
/// restores the starter.
pub fn reset(session: &Session, id: Option<&str>) -> Outcome {
    let exercise = named_or_current(session, id)?;
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
    let exercise = session.course().exercise(id)?;
    if crate::course::is_student_template(&session.course().root) {
        // A plain answer, not a usage error: exit 1, the solution is not shown.
        println!(
            "The reference solutions are with your teacher: this repository is a student template ({}); for help with {}, see `{} hint`",
            crate::course::TEMPLATE_MARKER,
            exercise.id,
            session.settings().invocation.learn()
        );
        return Ok(Exit::Failed);
    }
    if !session.unlock_all() && !session.is_done(&exercise.id) {
        return Err(Error::usage(format!(
            "finish {} first: its solution is shown once it passes",
            exercise.id
        )));
    }
    let path = exercise.solution_path();
    let text = std::fs::read_to_string(session.course().root.join(&path))
        .map_err(|e| Error::path("cannot read", &path, e))?;
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
    let chosen: Vec<(&Exercise, Source)> = course
        .chosen(ids)?
        .into_iter()
        .map(|e| (e, source.clone()))
        .collect();
    eprintln!(
        "Building {}…",
        crate::plural::of(chosen.len(), "exercise", "exercises")
    );
    let progress = ProgressLine::start("building the exercises", settings.progress_lines);
    let reporting = ci::Reporting::new(
        options,
        &settings.ci,
        settings.sandbox.protections(),
        settings.invocation,
    );
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
    let verdicts = grader.grade(&chosen)?;
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
        .map_err(|e| Error::io("cannot save progress", e))?;
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
    let grader = settings.grader().replay(replay);
    let running = runs_planned(&grader, exercise);
    let events = |event: Event| match event {
        Event::Building(line) => progress.cargo_line(line),
        // Built: what the wait is now for (the runs take longer than the build, often).
        Event::Built => progress.set(running.clone()),
        Event::FirstLook(_) | Event::Verdict(_) => {}
    };
    let grader = grader.events(&events, progress.is_shown());
    let mut verdicts = grader.grade(&[(exercise, Source::Exercise)])?;
    Ok(verdicts.pop().expect("one exercise graded, one verdict"))
}

/// What the grading of `exercise` does once built, for the progress line: how many runs,
/// under which schedules, and why it may take longer.
fn runs_planned(grader: &crate::grade::Grader, exercise: &Exercise) -> String {
    let plan = grader.plan_of(exercise);
    let mut runs = plan.runs_per_set * plan.arg_sets;
    if exercise.spec.harness && plan.replayed.is_none() {
        runs += crate::grade::HARNESS_RUNS as usize;
    }
    let schedules: Vec<&str> = plan
        .perturbations
        .iter()
        .map(|&p| terminal::perturbation_words(p))
        .collect();
    format!(
        "running it {} ({}); a timing failure is retried alone",
        crate::plural::of(runs, "time", "times"),
        schedules.join(", ")
    )
}

/// The exercise named, or the current one (locked or not).
fn named_or_current<'s>(session: &'s Session, id: Option<&str>) -> Result<&'s Exercise, Error> {
    match id {
        Some(id) => Ok(session.course().exercise(id)?),
        None => session.current().ok_or_else(|| {
            Error::usage(format!(
                "every exercise is done; name one: `{} run ID`",
                session.settings().invocation.learn()
            ))
        }),
    }
}

/// The exercise named, or the current one; refuses a locked one, naming what to finish.
fn pick<'s>(session: &'s Session, id: Option<&str>) -> Result<&'s Exercise, Error> {
    let exercise = named_or_current(session, id)?;
    if session.status_of(exercise) == Status::Locked {
        let first = session
            .current()
            .map_or("the exercises before it", |e| e.id.as_str());
        return Err(Error::usage(format!(
            "{} is locked: finish {first} first (`{} next`)",
            exercise.id,
            session.settings().invocation.learn()
        )));
    }
    Ok(exercise)
}

/// Prints a verdict, and under it the timeline of its run when it failed on order or time
/// (or always, with `timeline`).
fn print_verdict(settings: &Settings, exercise: &Exercise, verdict: &Verdict, timeline: bool) {
    // The whole output of a failed run goes to a file; the terminal shows it folded.
    let saved = match &verdict.outcome {
        GradeOutcome::Failed(run) => {
            let path = settings
                .target_dir
                .join(LAST_OUTPUT)
                .join(format!("{}.txt", exercise.id));
            let written = path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::write(&path, terminal::full_output(run)));
            written.is_ok().then_some(path)
        }
        _ => None,
    };
    print!(
        "{}",
        terminal::verdict_saved_at(verdict, saved.as_deref(), settings.invocation)
    );
    let width = if std::io::stdout().is_terminal() {
        Screen::size().0
    } else {
        100
    };
    if let Some(drawn) = tui::timeline::under_verdict(verdict, exercise, timeline, width) {
        print!("\n{drawn}");
    }
}
