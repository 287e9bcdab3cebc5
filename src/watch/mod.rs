//! Watch mode: where a learner spends hours. It shows the exercise being worked on, its
//! file as a link, the state of its check and its last verdict, the progress and the keys;
//! it re-checks the exercise within moments of every save, and answers keys while a check
//! runs (a newer save cancels the check in progress and starts over).
//!
//! Five threads feed one loop here with [`Event`]s: file events (`file_events`), keys and
//! stop signals (`terminal_event`), the grading worker (`grading`, which drives the engine)
//! and the clock. The loop hands each event to the [`state::WatchState`], carries out the
//! [`state::Effect`]s it returns, and draws the state (`render`) on the
//! [`Screen`](crate::tui::screen::Screen). Grading itself is the engine's business, and
//! drawing the list and the timeline is `tui`'s.

mod file_events;
mod grading;
mod render;
mod state;
mod terminal_event;

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use crossterm::event::KeyEvent;

use crate::exit::{Error, Exit, Outcome};
use crate::session::Session;
use crate::tui::screen::Screen;
use file_events::{FileEvents, Sentinel};
use grading::{Report, Worker};
use state::{Effect, WatchState};

/// How often the spinner turns and the sentinel looks at the watched file.
const TICK: Duration = Duration::from_millis(100);

/// How watch mode notices saves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// File events from the operating system (the default).
    Notify,
    /// Polling the files (where events do not arrive: WSL, network drives).
    Poll,
    /// No watching: Enter re-checks.
    Manual,
}

impl Mode {
    /// The mode the flags `--poll` and `--manual` ask for.
    pub fn from_flags(poll: bool, manual: bool) -> Mode {
        match (poll, manual) {
            (_, true) => Mode::Manual,
            (true, false) => Mode::Poll,
            (false, false) => Mode::Notify,
        }
    }
}

/// What the loop hears about.
#[derive(Debug)]
pub(crate) enum Event {
    /// A key was pressed.
    Key(KeyEvent),
    /// The terminal changed size.
    Resize,
    /// A file was saved (debounced).
    Saved(PathBuf),
    /// Watching files failed.
    FileWatchFailed(String),
    /// Reading the terminal failed.
    TerminalFailed(std::io::Error),
    /// The grading worker got somewhere.
    Grading(Report),
    /// The process was told to stop (SIGTERM, SIGHUP, SIGINT): leave as `q` does.
    Stop,
}

/// Runs watch mode until the learner quits.
pub fn run(session: &Session, mode: Mode) -> Outcome {
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        let learn = session.settings().invocation.learn();
        return Err(Error::usage(format!(
            "watch mode needs a terminal; elsewhere use `{learn} run` or `{learn} next`"
        )));
    }
    let (events, heard) = mpsc::channel();
    let mut state = WatchState::new(session, mode);
    let mut watch = Loop {
        session,
        worker: Worker::start(session.settings().clone(), events.clone()),
        files: None,
        sentinel: Sentinel::new(),
        fingerprints: HashMap::new(),
        events: events.clone(),
    };
    if mode != Mode::Manual {
        watch.watch_files(&mut state, mode == Mode::Poll);
    }
    terminal_event::start(events);
    // The choice `cli` made once (`--color`); in `auto`, anstream's own reading of NO_COLOR
    // and the terminal, as for every line `learn` prints.
    let colors = anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never;
    let mut screen =
        Screen::enter(colors).map_err(|e| Error::io("cannot take over the terminal", e))?;
    let ended = watch.run(&mut state, &mut screen, &heard);
    watch.worker.stop();
    drop(screen);
    ended?;
    // Not `println!`: after a SIGHUP the terminal is gone, and writing to it must not panic.
    let _ = writeln!(
        anstream::stdout(),
        "{}/{} exercises done. Run `{}` again to carry on.",
        session.done_count(),
        session.course().exercises.len(),
        session.settings().invocation.learn()
    );
    Ok(Exit::Success)
}

/// What the loop owns besides the state.
struct Loop<'a> {
    session: &'a Session,
    worker: Worker,
    files: Option<FileEvents>,
    sentinel: Sentinel,
    /// A hash of each exercise file's content when it was last checked or restored: a save
    /// that changed nothing (or an editor touching the file) checks nothing.
    fingerprints: HashMap<PathBuf, String>,
    events: Sender<Event>,
}

impl Loop<'_> {
    fn run(
        &mut self,
        state: &mut WatchState,
        screen: &mut Screen,
        heard: &Receiver<Event>,
    ) -> Result<(), Error> {
        let mut effects = state.start();
        if let Some(index) = state.watched {
            // From now on, not from the first tick: a save in between must not become the
            // sentinel's idea of the file as it was.
            self.sentinel.watch(&self.exercise_file(index));
        }
        let mut last_tick = Instant::now();
        loop {
            for effect in std::mem::take(&mut effects) {
                match effect {
                    Effect::Quit => return Ok(()),
                    Effect::Check { index, generation } => self.check(index, generation),
                    Effect::Reset(index) => self.reset(index, state),
                    Effect::MoreHint(index) => {
                        let exercise = &self.session.course().exercises[index];
                        let levels = exercise.spec.hint.levels().len();
                        if let Err(e) = self.session.hint_levels().ask(&exercise.id, levels) {
                            state.notice =
                                Some(format!("cannot save which hints you have seen: {e}"));
                        }
                    }
                    Effect::MarkDone(id) => match self.session.mark_done(&id) {
                        Ok(()) => state.on_progress(),
                        Err(e) => state.notice = Some(format!("cannot save your progress: {e}")),
                    },
                }
            }
            let (width, height) = Screen::size();
            screen
                .draw(&render::frame(state, width, height))
                .map_err(|e| Error::io("watch mode stopped", e))?;
            effects = match heard.recv_timeout(TICK) {
                Ok(event) => self.on_event(event, state)?,
                Err(RecvTimeoutError::Timeout) => Vec::new(),
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            };
            if last_tick.elapsed() >= TICK {
                last_tick = Instant::now();
                effects.extend(state.on_tick(Instant::now()));
                effects.extend(self.look_for_missed_events(state));
            }
        }
    }

    fn on_event(&mut self, event: Event, state: &mut WatchState) -> Result<Vec<Effect>, Error> {
        Ok(match event {
            Event::Key(key) => state.on_key(key),
            Event::Resize => Vec::new(),
            Event::Saved(path) => self.on_saved(&path, state),
            Event::Grading(report) => state.on_report(report),
            Event::FileWatchFailed(message) => {
                state.notice = Some(format!(
                    "Watching files failed ({message}); switched to polling."
                ));
                self.watch_files(state, true);
                Vec::new()
            }
            Event::TerminalFailed(e) => {
                return Err(Error::io("watch mode stopped: cannot read the terminal", e));
            }
            Event::Stop => vec![Effect::Quit],
        })
    }

    /// The learner's file of exercise `index`.
    fn exercise_file(&self, index: usize) -> PathBuf {
        self.session
            .exercise_file(&self.session.course().exercises[index])
    }

    fn check(&mut self, index: usize, generation: u64) {
        let path = self.exercise_file(index);
        self.fingerprints.insert(path.clone(), fingerprint(&path));
        self.sentinel.watch(&path);
        self.worker
            .check(&self.session.course().exercises[index], generation);
    }

    fn reset(&mut self, index: usize, state: &mut WatchState) {
        let course = self.session.course();
        let exercise = &course.exercises[index];
        if state.watched == Some(index) {
            self.worker.stop();
        }
        match self.session.restore_starter(exercise) {
            Ok(backup) => {
                let path = course.root.join(exercise.path());
                self.fingerprints.insert(path.clone(), fingerprint(&path));
                state.on_reset(
                    index,
                    backup.map(|b| {
                        b.strip_prefix(&course.root)
                            .unwrap_or(&b)
                            .display()
                            .to_string()
                    }),
                );
            }
            Err(e) => state.notice = Some(e.to_string()),
        }
    }

    /// A file was saved: checked when it is an exercise whose content changed.
    fn on_saved(&mut self, path: &Path, state: &mut WatchState) -> Vec<Effect> {
        let course = self.session.course();
        let Some(index) = course
            .exercises
            .iter()
            .position(|e| path.ends_with(e.path()))
        else {
            return Vec::new();
        };
        if state.watched == Some(index) {
            self.sentinel.saw_event();
        }
        let content = fingerprint(path);
        if self.fingerprints.get(path) == Some(&content) || !path.exists() {
            return Vec::new();
        }
        self.fingerprints.insert(path.to_path_buf(), content);
        state.on_saved(index)
    }

    /// Events that should have come and did not: say so, poll from now on, and check.
    fn look_for_missed_events(&mut self, state: &mut WatchState) -> Vec<Effect> {
        let Some(index) = state.watched.filter(|_| state.mode != Mode::Manual) else {
            return Vec::new();
        };
        let path = self.exercise_file(index);
        self.sentinel.watch(&path);
        if !self.sentinel.missed_event() {
            return Vec::new();
        }
        if !self.files.as_ref().is_some_and(FileEvents::polls) {
            self.watch_files(state, true);
            state.notice = Some(format!(
                "File events do not arrive from this folder (WSL or a network drive?): switched to polling. Next time: `{} watch --poll`.",
                self.session.settings().invocation.learn()
            ));
        }
        self.on_saved(&path, state)
    }

    /// Watches the exercises folder (polling when `poll`); falls back to polling, then to
    /// manual checks, saying so.
    fn watch_files(&mut self, state: &mut WatchState, poll: bool) {
        self.files = None;
        let dir = self.session.course().root.join("exercises");
        match FileEvents::start(&dir, poll, self.events.clone()) {
            Ok(files) => self.files = Some(files),
            Err(e) if !poll => {
                state.notice = Some(format!(
                    "File events are not available ({e}): polling instead. Next time: `{} watch --poll`.",
                    self.session.settings().invocation.learn()
                ));
                self.watch_files(state, true);
            }
            Err(e) => {
                state.notice = Some(format!(
                    "Cannot watch {} ({e}): press Enter to check.",
                    dir.display()
                ));
                state.mode = Mode::Manual;
            }
        }
    }
}

/// The SHA-256 of a file's content (that of no bytes when it cannot be read).
fn fingerprint(path: &Path) -> String {
    crate::build::content_address(&std::fs::read(path).unwrap_or_default())
}
