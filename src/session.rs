//! The learner's session: the course, where builds go, the unlock policy and the progress, in
//! one owner. Every learner command and watch mode read the progress from here and change it
//! only through [`Session::mark_done`] and [`Session::replace_progress`], which save it under
//! the progress file's lock; nothing keeps a second copy.
//!
//! Not here: grading (see [`grade`](crate::grade)), printing (the commands and reports), and
//! the rebuilding of a corrupt progress file, which needs grading: opening a session only says
//! that the file was corrupt ([`CorruptProgress`]), and the caller decides to rebuild it.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use crate::course::{Course, Exercise, starters};
use crate::exit::Error;
use crate::progress::{Loaded, Progress, ProgressStore, Status};
use crate::settings::Settings;

/// A progress file that could not be read, kept aside when the session opened: the session
/// starts with nothing done until the caller rebuilds the progress.
#[derive(Debug, Clone)]
pub struct CorruptProgress {
    /// Where the unreadable file was kept.
    pub kept_at: PathBuf,
    /// Why it could not be read.
    pub reason: String,
}

/// The course a learner works through, with their progress.
pub struct Session {
    settings: Settings,
    /// The progress as last read or saved. A `RefCell` because watch mode holds the session
    /// shared while it records an exercise done; the session is never shared across threads.
    progress: RefCell<Progress>,
}

impl Session {
    /// Opens the session of `course`: reads the progress under its lock. A corrupt progress
    /// file is kept aside and said in the second value; the progress is then empty. Every
    /// exercise is unlocked when the settings' invocation says so (`--unlock-all`).
    pub fn open(settings: Settings) -> Result<(Session, Option<CorruptProgress>), Error> {
        let store = ProgressStore::lock(&settings.course.root)
            .map_err(|e| Error::io("cannot lock the progress file", e))?;
        let (progress, corrupt) = match store.load() {
            Ok(Loaded::Fine(progress)) => (progress, None),
            Ok(Loaded::Corrupt { kept_at, reason }) => (
                Progress::default(),
                Some(CorruptProgress { kept_at, reason }),
            ),
            Err(e) => return Err(Error::io("cannot read the progress file", e)),
        };
        Ok((Session::new(settings, progress), corrupt))
    }

    /// A session with this progress, read from nowhere (saving still writes the file).
    pub fn new(settings: Settings, progress: Progress) -> Session {
        Session {
            settings,
            progress: RefCell::new(progress),
        }
    }

    /// The settings: the course, where builds go, how much is graded at once.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The course.
    pub fn course(&self) -> &Course {
        &self.settings.course
    }

    /// Whether every exercise is unlocked (teachers, course authors).
    pub fn unlock_all(&self) -> bool {
        self.settings.invocation.unlock_all
    }

    /// Whether exercise `id` is done.
    pub fn is_done(&self, id: &str) -> bool {
        self.progress.borrow().is_done(id)
    }

    /// How many exercises of this course are done: ids the course no longer has do not count.
    pub fn done_count(&self) -> usize {
        let progress = self.progress.borrow();
        self.settings
            .course
            .exercises
            .iter()
            .filter(|e| progress.is_done(&e.id))
            .count()
    }

    /// The first exercise not done yet.
    pub fn current(&self) -> Option<&Exercise> {
        let progress = self.progress.borrow();
        self.settings
            .course
            .exercises
            .iter()
            .find(|e| !progress.is_done(&e.id))
    }

    /// Done, current, locked, or open (everything unlocked).
    pub fn status_of(&self, exercise: &Exercise) -> Status {
        if self.is_done(&exercise.id) {
            Status::Done
        } else if self.current().is_some_and(|c| c.id == exercise.id) {
            Status::Current
        } else if self.unlock_all() {
            Status::Open
        } else {
            Status::Locked
        }
    }

    /// How far into each exercise's hints the learner has asked.
    pub fn hint_levels(&self) -> crate::hint_levels::HintLevels {
        crate::hint_levels::HintLevels::in_course(&self.settings.course.root)
    }

    /// The learner's file of `exercise`.
    pub fn exercise_file(&self, exercise: &Exercise) -> PathBuf {
        self.settings.course.root.join(exercise.path())
    }

    /// Whether the learner's file is still the starter.
    pub fn is_untouched(&self, exercise: &Exercise) -> bool {
        let text = std::fs::read_to_string(self.exercise_file(exercise)).ok();
        text.is_some() && text.as_deref() == starters::starter(&exercise.id)
    }

    /// Records `id` as done: applied to the progress as it is on disk now (another `learn`
    /// may have recorded something meanwhile), under the lock, and saved.
    pub fn mark_done(&self, id: &str) -> std::io::Result<()> {
        let store = ProgressStore::lock(&self.settings.course.root)?;
        let mut progress = match store.load()? {
            Loaded::Fine(progress) => progress,
            // Unreadable since the session opened (and now kept aside): what this session
            // knows is the best there is.
            Loaded::Corrupt { .. } => self.progress.borrow().clone(),
        };
        progress.mark_done(id);
        store.save(&progress)?;
        *self.progress.borrow_mut() = progress;
        Ok(())
    }

    /// Replaces the progress with `progress` (a rebuilt one) and saves it.
    pub fn replace_progress(&self, progress: Progress) -> std::io::Result<()> {
        ProgressStore::lock(&self.settings.course.root)?.save(&progress)?;
        *self.progress.borrow_mut() = progress;
        Ok(())
    }

    /// Backs the learner's file of `exercise` up (when there is one) and restores the
    /// starter; returns where the backup went.
    pub fn restore_starter(&self, exercise: &Exercise) -> Result<Option<PathBuf>, Error> {
        let Some(starter) = starters::starter(&exercise.id) else {
            return Err(Error::usage(format!(
                "no starter of {} is embedded in this build of learn (rebuild it)",
                exercise.id
            )));
        };
        let path = self.exercise_file(exercise);
        let backup = if path.exists() {
            Some(
                self.back_up(exercise, &path)
                    .map_err(|source| Error::BackUp {
                        path: path.clone(),
                        source,
                    })?,
            )
        } else {
            None
        };
        std::fs::create_dir_all(path.parent().expect("exercise paths have a folder"))
            .and_then(|_| std::fs::write(&path, starter))
            .map_err(|e| Error::path("cannot write", &path, e))?;
        Ok(backup)
    }

    fn back_up(&self, exercise: &Exercise, path: &Path) -> std::io::Result<PathBuf> {
        crate::backup::keep_copy(&self.settings.course.root, exercise, path)
    }
}

#[cfg(test)]
impl Session {
    /// A session on this repository's course with `done` recorded (nothing is read; tests).
    pub(crate) fn of_this_course(done: &[&str]) -> Session {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let course = Course::load(root).expect("the course loads");
        let progress = Progress {
            done: done.iter().map(|d| d.to_string()).collect(),
        };
        Session::new(Settings::new(course, &root.join("target/learn")), progress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(done: &[&str]) -> Session {
        Session::of_this_course(done)
    }

    #[test]
    fn ids_the_course_no_longer_has_are_not_counted_done() {
        let session = session(&["01_threads/spawn_join", "00_gone/removed", "99_x/y"]);
        assert_eq!(session.done_count(), 1);
        assert_eq!(
            session.current().map(|e| e.id.as_str()),
            Some("01_threads/thread_args")
        );
    }

    #[test]
    fn only_the_first_unfinished_exercise_is_open_in_order() {
        let session = session(&["01_threads/spawn_join"]);
        let course = session.course();
        let status = |i: usize| session.status_of(&course.exercises[i]);
        assert_eq!(
            (status(0), status(1), status(2)),
            (Status::Done, Status::Current, Status::Locked)
        );
    }
}
