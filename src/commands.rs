//! What each subcommand does, on an [`App`]: the loaded course, the learner's progress, and
//! where builds go. Output goes through `anstream` so colours follow the terminal and NO_COLOR.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anstream::{eprintln, print, println};

use crate::ci;
use crate::course::{Course, Exercise, starters};
use crate::grade::{Grader, Source, Verdict};
use crate::progress::{Loaded, Progress, ProgressStore};
use crate::report::terminal::{self, Status};
use crate::tui::{self, progress_line::ProgressLine, screen::Screen};
use crate::watch;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// It did what was asked and every check passed.
    Success = 0,
    /// A check failed.
    Failed = 1,
    /// Bad usage or a broken course.
    Usage = 2,
}

/// Prints an error and returns the usage exit code.
pub fn fail_usage(message: &str) -> ExitCode {
    ExitCode::from(usage(message) as u8)
}

/// A course opened for one command.
pub struct App {
    course: Course,
    target_dir: PathBuf,
    unlock_all: bool,
}

impl App {
    /// Finds and loads the course (at `course`, or above the working directory).
    pub fn open(course: Option<PathBuf>, unlock_all: bool) -> Result<App, String> {
        let start = match course {
            Some(dir) => dir,
            None => std::env::current_dir().map_err(|e| e.to_string())?,
        };
        let root = Course::find_root(&start).map_err(|e| e.to_string())?;
        let course = Course::load(&root).map_err(|e| e.to_string())?;
        // Absolute: cargo runs in a generated package elsewhere, where a relative path would
        // name another folder.
        let target_dir = match std::env::var_os("LEARN_TARGET_DIR") {
            Some(dir) => std::path::absolute(dir).map_err(|e| format!("LEARN_TARGET_DIR: {e}"))?,
            None => root.join("target/learn"),
        };
        Ok(App {
            course,
            target_dir,
            unlock_all,
        })
    }

    /// `learn` alone: where the learner stands.
    pub fn status(&self) -> Exit {
        let Ok(progress) = self.progress() else {
            return Exit::Usage;
        };
        match self.current(&progress) {
            Some(exercise) => println!("{}", terminal::exercise_intro(&self.course, exercise)),
            None => println!("Every exercise is done. Well played!"),
        }
        Exit::Success
    }

    /// `learn next`.
    pub fn next(&self) -> Exit {
        let Ok(progress) = self.progress() else {
            return Exit::Usage;
        };
        let Some(exercise) = self.current(&progress) else {
            println!(
                "Every exercise is done ({} of {}). Well played!",
                progress.done.len(),
                self.course.exercises.len()
            );
            return Exit::Success;
        };
        if self.is_untouched(exercise) {
            println!("{}", terminal::exercise_intro(&self.course, exercise));
            return Exit::Success;
        }
        let Some(verdict) = self.grade_one(exercise, Source::Exercise, None) else {
            return Exit::Usage;
        };
        print_verdict(exercise, &verdict, false);
        if !verdict.passed() {
            println!(
                "\nStill on {}: nothing was recorded. Fix it and run `learn next` again.",
                exercise.id
            );
            return Exit::Failed;
        }
        let progress = match self.update_progress(|p| p.mark_done(&exercise.id)) {
            Ok(progress) => progress,
            Err(e) => {
                eprintln!("error: cannot save progress: {e}");
                return Exit::Usage;
            }
        };
        println!();
        match self.current(&progress) {
            Some(next) => println!("{}", terminal::exercise_intro(&self.course, next)),
            None => println!("That was the last one: every exercise is done. Well played!"),
        }
        Exit::Success
    }

    /// `learn run [ID]`; `timeline` draws the run's timeline under the verdict whatever it is.
    pub fn run(&self, id: Option<&str>, replay: Option<String>, timeline: bool) -> Exit {
        let Some(exercise) = self.pick(id) else {
            return Exit::Usage;
        };
        let Some(verdict) = self.grade_one(exercise, Source::Exercise, replay) else {
            return Exit::Usage;
        };
        print_verdict(exercise, &verdict, timeline);
        if verdict.passed() {
            Exit::Success
        } else {
            Exit::Failed
        }
    }

    /// `learn watch` (and `learn` alone on a terminal): re-checks the exercise on every save.
    pub fn watch(&self, mode: watch::Mode) -> Exit {
        watch::run(self, mode)
    }

    /// `learn hint [ID]`.
    pub fn hint(&self, id: Option<&str>) -> Exit {
        let Some(exercise) = self.pick(id) else {
            return Exit::Usage;
        };
        println!("Hint for {}:\n", exercise.id);
        for line in exercise.spec.hint.trim_end().lines() {
            println!("  {line}");
        }
        Exit::Success
    }

    /// `learn list`.
    pub fn list(&self) -> Exit {
        let Ok(progress) = self.progress() else {
            return Exit::Usage;
        };
        print!(
            "{}",
            terminal::list(&self.course, &progress, |e| self.status_of(e, &progress))
        );
        Exit::Success
    }

    /// `learn reset ID`: backs the learner's file up, then restores the starter.
    pub fn reset(&self, id: &str) -> Exit {
        let exercise = match self.course.exercise(id) {
            Ok(e) => e,
            Err(e) => return usage(&e.to_string()),
        };
        match self.restore_starter(exercise) {
            Ok(backup) => {
                if let Some(backup) = backup {
                    println!("Your version is kept at {}", backup.display());
                }
                println!(
                    "Restored the starter of {} in {}",
                    exercise.id,
                    exercise.path().display()
                );
                Exit::Success
            }
            Err(message) => usage(&message),
        }
    }

    /// Backs the learner's file of `exercise` up (when there is one) and restores the
    /// starter; returns where the backup went.
    pub(crate) fn restore_starter(&self, exercise: &Exercise) -> Result<Option<PathBuf>, String> {
        let Some(starter) = starters::starter(&exercise.id) else {
            return Err(format!(
                "no starter of {} is embedded in this build of learn (rebuild it)",
                exercise.id
            ));
        };
        let path = self.course.root.join(exercise.path());
        let backup = if path.exists() {
            Some(self.back_up(exercise, &path).map_err(|e| {
                format!(
                    "cannot back up {}: {e}; nothing was changed",
                    path.display()
                )
            })?)
        } else {
            None
        };
        std::fs::create_dir_all(path.parent().expect("exercise paths have a folder"))
            .and_then(|_| std::fs::write(&path, starter))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(backup)
    }

    /// `learn solution ID`: only once the exercise is done.
    pub fn solution(&self, id: &str) -> Exit {
        let exercise = match self.course.exercise(id) {
            Ok(e) => e,
            Err(e) => return usage(&e.to_string()),
        };
        let Ok(progress) = self.progress() else {
            return Exit::Usage;
        };
        if !self.unlock_all && !progress.is_done(&exercise.id) {
            return usage(&format!(
                "finish {} first: its solution is shown once it passes",
                exercise.id
            ));
        }
        match std::fs::read_to_string(self.course.root.join(exercise.solution_path())) {
            Ok(text) => {
                println!("// {}\n{text}", exercise.solution_path().display());
                Exit::Success
            }
            Err(e) => usage(&format!(
                "cannot read {}: {e}",
                exercise.solution_path().display()
            )),
        }
    }

    /// `learn verify [IDS]`: course order, one line each and a total.
    pub fn verify(
        &self,
        ids: &[String],
        source: Source,
        runs: Option<u32>,
        options: &ci::Options,
    ) -> Exit {
        let wanted = match ids
            .iter()
            .map(|id| self.course.exercise(id).map(|e| e.id.as_str()))
            .collect::<Result<Vec<&str>, _>>()
        {
            Ok(wanted) => wanted,
            Err(e) => return usage(&e.to_string()),
        };
        let mut chosen = Vec::new();
        for exercise in &self.course.exercises {
            if ids.is_empty() || wanted.contains(&exercise.id.as_str()) {
                chosen.push((exercise, source.clone()));
            }
        }
        eprintln!(
            "Building {}…",
            crate::plural::of(chosen.len(), "exercise", "exercises")
        );
        let progress = ProgressLine::start("building the exercises");
        let cargo = |line: &str| progress.cargo_line(line);
        let grader = Grader::new(&self.course, self.target_dir.clone())
            .runs(runs)
            .cargo_lines(progress.is_shown().then_some(&cargo));
        let session = ci::Session::new(options);
        let mut graded = 0;
        let each = |v: &Verdict| {
            graded += 1;
            progress.set(format!(
                "graded {graded} of {}; grading the others",
                chosen.len()
            ));
            progress.suspend(|| session.progress(v));
        };
        let verdicts = match grader.grade(&chosen, each) {
            Ok(v) => v,
            Err(e) => return usage(&e.to_string()),
        };
        session.conclude(&self.course, &verdicts, None)
    }

    /// `learn grade --course DIR --submission DIR [IDS]`: this course, which must be pristine,
    /// grades the submission's exercises (see [`ci::grade`]).
    pub fn grade(&self, ids: &[String], submission: &Path, options: &ci::Options) -> Exit {
        ci::grade(&self.course, &self.target_dir, ids, submission, options)
    }

    fn grade_one(
        &self,
        exercise: &Exercise,
        source: Source,
        replay: Option<String>,
    ) -> Option<Verdict> {
        eprintln!("Checking {}…", exercise.id);
        let progress = ProgressLine::start(&format!("building {}", exercise.id));
        let cargo = |line: &str| progress.cargo_line(line);
        let grader = Grader::new(&self.course, self.target_dir.clone())
            .replay(replay)
            .cargo_lines(progress.is_shown().then_some(&cargo));
        match grader.grade(&[(exercise, source)], |_| {}) {
            Ok(mut verdicts) => verdicts.pop(),
            Err(e) => {
                eprintln!("error: {e}");
                None
            }
        }
    }

    /// The exercise named, or the current one; refuses a locked one, naming what to finish.
    fn pick(&self, id: Option<&str>) -> Option<&Exercise> {
        let progress = self.progress().ok()?;
        let exercise = match id {
            Some(id) => match self.course.exercise(id) {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("error: {e}");
                    return None;
                }
            },
            None => match self.current(&progress) {
                Some(e) => e,
                None => {
                    eprintln!("error: every exercise is done; name one: learn run ID");
                    return None;
                }
            },
        };
        if self.status_of(exercise, &progress) == Status::Locked {
            let first = self
                .current(&progress)
                .map_or("the exercises before it", |e| e.id.as_str());
            eprintln!(
                "error: {} is locked: finish {first} first (`learn next`)",
                exercise.id
            );
            return None;
        }
        Some(exercise)
    }

    /// The course.
    pub(crate) fn course(&self) -> &Course {
        &self.course
    }

    /// Where builds go.
    pub(crate) fn target_dir(&self) -> &Path {
        &self.target_dir
    }

    /// The first exercise not done yet.
    pub(crate) fn current<'a>(&'a self, progress: &Progress) -> Option<&'a Exercise> {
        self.course
            .exercises
            .iter()
            .find(|e| !progress.is_done(&e.id))
    }

    /// Done, current, locked, or open (everything unlocked).
    pub(crate) fn status_of(&self, exercise: &Exercise, progress: &Progress) -> Status {
        if progress.is_done(&exercise.id) {
            Status::Done
        } else if self.current(progress).is_some_and(|c| c.id == exercise.id) {
            Status::Current
        } else if self.unlock_all {
            Status::Open
        } else {
            Status::Locked
        }
    }

    /// Whether the learner's file is still the starter.
    pub(crate) fn is_untouched(&self, exercise: &Exercise) -> bool {
        let text = std::fs::read_to_string(self.course.root.join(exercise.path())).ok();
        text.is_some() && text.as_deref() == starters::starter(&exercise.id)
    }

    /// The progress; a corrupt file is kept aside and progress rebuilt by checking the
    /// exercises in order.
    pub(crate) fn progress(&self) -> Result<Progress, ()> {
        let store = ProgressStore::lock(&self.course.root)
            .map_err(|e| eprintln!("error: cannot lock the progress file: {e}"))?;
        match store.load() {
            Ok(Loaded::Fine(progress)) => Ok(progress),
            Ok(Loaded::Corrupt { kept_at, reason }) => {
                eprintln!(
                    "warning: the progress file could not be read ({reason}); it is kept at {}.",
                    kept_at.display()
                );
                eprintln!("Rebuilding progress by checking your exercises in order…");
                let progress = self.rebuild_progress();
                store
                    .save(&progress)
                    .map_err(|e| eprintln!("error: cannot save progress: {e}"))?;
                eprintln!(
                    "Progress rebuilt: {} done.",
                    crate::plural::of(progress.done.len(), "exercise", "exercises")
                );
                Ok(progress)
            }
            Err(e) => {
                eprintln!("error: cannot read the progress file: {e}");
                Err(())
            }
        }
    }

    fn rebuild_progress(&self) -> Progress {
        let mut progress = Progress::default();
        for exercise in &self.course.exercises {
            if self.is_untouched(exercise) {
                break;
            }
            match self.grade_one(exercise, Source::Exercise, None) {
                Some(v) if v.passed() => progress.mark_done(&exercise.id),
                _ => break,
            }
        }
        progress
    }

    /// Applies `change` to the progress as it is on disk now, under the lock, and saves it.
    pub(crate) fn update_progress(
        &self,
        change: impl FnOnce(&mut Progress),
    ) -> std::io::Result<Progress> {
        let store = ProgressStore::lock(&self.course.root)?;
        let mut progress = match store.load()? {
            Loaded::Fine(p) => p,
            Loaded::Corrupt { .. } => self.rebuild_progress(),
        };
        change(&mut progress);
        store.save(&progress)?;
        Ok(progress)
    }

    fn back_up(&self, exercise: &Exercise, path: &Path) -> std::io::Result<PathBuf> {
        crate::backup::keep_copy(&self.course.root, exercise, path)
    }
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

fn usage(message: &str) -> Exit {
    eprintln!("error: {message}");
    Exit::Usage
}
