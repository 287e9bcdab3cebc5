//! The grading worker: one thread that checks the watched exercise with the engine
//! (`grade::Grader`) and reports each stage, so keys and saves are handled meanwhile.
//!
//! A new check cancels the one in progress (its runs are killed, its reports ignored), and
//! only the newest of several queued checks runs. Each check goes:
//!
//! 1. build: rustc replayed directly ([`Rebuilder`], the build backend of
//!    [`build::replay`](crate::build::replay)), or cargo when no command is known yet;
//! 2. one unperturbed run, judged: a compile error, a course error or a broken logic rule is
//!    the verdict already (grading would stop at the same place); otherwise it is shown as a
//!    first look, never as a pass;
//! 3. every run grading makes (perturbed schedules, retries of timing rules): the verdict.
//!
//! The stages are the engine's ([`Grader::grade_in_stages`](crate::grade::Grader::grade_in_stages));
//! this worker turns its events into reports for the screen.
//!
//! A file unchanged since it passed every check (see [`PassedCache`]) is not built or run
//! again: its verdict is that it passed, with no run made.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};

use super::Event;
use crate::build::BuildError;
use crate::build::replay::Rebuilder;
use crate::course::Exercise;
use crate::grade::{self, GradeOutcome, Source, Verdict};
use crate::passed::{Fingerprint, PassedCache};
use crate::settings::Settings;
use crate::tui::progress_line::describe_cargo_line;

/// A report of one check.
#[derive(Debug)]
pub(crate) struct Report {
    /// The check it belongs to.
    pub(crate) generation: u64,
    /// Where it is.
    pub(crate) stage: Stage,
}

/// Where a check is.
#[derive(Debug)]
pub(crate) enum Stage {
    /// Building (what cargo or rustc is doing).
    Building(String),
    /// The first run passed, or broke only timing rules (which grading retries): the other
    /// runs are on their way.
    FirstLook(Box<Verdict>),
    /// The verdict.
    Final(Box<Verdict>),
    /// The check could not run at all (cargo missing, a broken course manifest).
    Failed(String),
}

struct Job {
    generation: u64,
    exercise: Exercise,
    cancel: Arc<AtomicBool>,
}

/// The worker thread, fed checks.
pub(crate) struct Worker {
    jobs: Sender<Job>,
    running: Option<Arc<AtomicBool>>,
}

impl Worker {
    /// Starts the worker for the course of `settings`, reporting to `events`.
    pub(crate) fn start(settings: Settings, events: Sender<Event>) -> Worker {
        let (jobs, queue) = mpsc::channel();
        std::thread::spawn(move || work(&settings, &queue, &events));
        Worker {
            jobs,
            running: None,
        }
    }

    /// Checks `exercise`, cancelling the check in progress.
    pub(crate) fn check(&mut self, exercise: &Exercise, generation: u64) {
        self.stop();
        let cancel = Arc::new(AtomicBool::new(false));
        self.running = Some(Arc::clone(&cancel));
        let _ = self.jobs.send(Job {
            generation,
            exercise: exercise.clone(),
            cancel,
        });
    }

    /// Cancels the check in progress, if any.
    pub(crate) fn stop(&mut self) {
        if let Some(cancel) = self.running.take() {
            cancel.store(true, Ordering::Relaxed);
        }
    }
}

fn work(settings: &Settings, queue: &Receiver<Job>, events: &Sender<Event>) {
    let rebuilder = Rebuilder::new(settings.grader().cargo());
    while let Ok(mut job) = queue.recv() {
        while let Ok(newer) = queue.try_recv() {
            job = newer;
        }
        if !job.cancel.load(Ordering::Relaxed) {
            check(settings, &rebuilder, &job, events);
        }
    }
}

fn check(settings: &Settings, rebuilder: &Rebuilder, job: &Job, events: &Sender<Event>) {
    let report = |stage: Stage| {
        let _ = events.send(Event::Grading(Report {
            generation: job.generation,
            stage,
        }));
    };
    let cache = PassedCache::in_target(&settings.target_dir);
    let fingerprint = Fingerprint::of(&settings.course, &job.exercise);
    if let Some(warnings) = fingerprint
        .as_ref()
        .and_then(|f| cache.passed(&job.exercise.id, f))
    {
        return report(Stage::Final(Box::new(passed_before(
            &job.exercise,
            warnings,
        ))));
    }
    let events = |event: grade::Event| match event {
        grade::Event::Building(line) => {
            if let Some(what) = describe_cargo_line(line) {
                report(Stage::Building(what));
            }
        }
        grade::Event::Built => report(Stage::Building("running it once".into())),
        grade::Event::FirstLook(first) => report(Stage::FirstLook(Box::new(first.clone()))),
        grade::Event::Verdict(_) => {}
    };
    let grader = settings
        .grader()
        .cancel(Arc::clone(&job.cancel))
        .backend(rebuilder)
        .events(&events, true);
    let verdict = match grader.grade_in_stages(&job.exercise, &Source::Exercise) {
        Ok(verdict) => verdict,
        Err(BuildError::Cancelled) => return,
        Err(e) => return report(Stage::Failed(e.to_string())),
    };
    if let Some(fingerprint) = fingerprint.filter(|_| verdict.passed()) {
        let _ = cache.record(&job.exercise.id, fingerprint, &verdict.warnings);
    }
    if !matches!(verdict.outcome, GradeOutcome::Cancelled) {
        report(Stage::Final(Box::new(verdict)));
    }
}

/// The verdict on a file unchanged since it passed every check: passed, with no run made,
/// and the `warnings` rustc gave on it then.
fn passed_before(exercise: &Exercise, warnings: Vec<String>) -> Verdict {
    Verdict {
        warnings,
        ..Verdict::new(&exercise.id, exercise.path(), GradeOutcome::Passed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_unchanged_since_it_passed_is_shown_passed_with_its_warnings_without_a_build() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let course = crate::course::Course::load(root).unwrap();
        let target = tempfile::tempdir().unwrap();
        let exercise = course.exercises[0].clone();
        let fingerprint = Fingerprint::of(&course, &exercise).expect("the exercise file is there");
        let warnings = vec!["warning: unused variable: `handle`".to_string()];
        PassedCache::in_target(target.path())
            .record(&exercise.id, fingerprint, &warnings)
            .unwrap();
        let (events, heard) = mpsc::channel();
        let job = Job {
            generation: 7,
            exercise,
            cancel: Arc::new(AtomicBool::new(false)),
        };
        let settings = Settings::new(course, target.path());
        check(
            &settings,
            &Rebuilder::new(settings.grader().cargo()),
            &job,
            &events,
        );
        let Ok(Event::Grading(Report {
            generation: 7,
            stage: Stage::Final(verdict),
        })) = heard.try_recv()
        else {
            panic!("one final report at once")
        };
        assert!(verdict.passed() && verdict.runs == 0, "{verdict:?}");
        assert_eq!(
            verdict.warnings, warnings,
            "the warnings of the pass, shown again"
        );
        assert!(!target.path().join("build").exists(), "nothing was built");
    }
}
