//! What watch mode shows and what a key, a save or a grading report changes: the exercise
//! watched, the state of its check, the view (exercise, hint, timeline, list), notices.
//!
//! No I/O here: every decision that needs the outside world comes back as an [`Effect`]
//! for the loop in `mod.rs` to carry out, so the rules can be read (and tested) alone.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Mode;
use super::grading::{Report, Stage};
use crate::grade::{GradeOutcome, Verdict};
use crate::progress::Status;
use crate::session::Session;
use crate::tui::list::ListView;

/// Something the loop must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Check the exercise at this index (cancelling any check in progress).
    Check {
        /// Course index.
        index: usize,
        /// Reports of this check carry it; older ones are ignored.
        generation: u64,
    },
    /// Restore the starter of the exercise at this index (after a backup).
    Reset(usize),
    /// Record the exercise as done.
    MarkDone(String),
    /// Show one more level of the hints of the exercise at this index (the first, when
    /// none was shown yet), and record it.
    MoreHint(usize),
    /// Leave watch mode.
    Quit,
}

/// The check of the watched exercise.
#[derive(Debug, Clone)]
pub(crate) enum Check {
    /// The file is still the starter: the lesson is shown until the first save.
    Untouched,
    /// Not checked yet (manual mode).
    Waiting,
    /// A check is in progress.
    Running {
        /// What it is doing now.
        stage: String,
        /// When it started.
        since: Instant,
        /// One unperturbed run's verdict, while the other runs go on: never a pass.
        first_look: Option<Verdict>,
        /// The verdict on the version before, shown until there is something newer.
        previous: Option<Box<Verdict>>,
    },
    /// The verdict on the file as it was last saved.
    Done(Verdict),
}

/// The view on screen.
#[derive(Debug, Clone)]
pub(crate) enum View {
    /// The exercise and its verdict.
    Exercise,
    /// Its hint.
    Hint,
    /// The timeline of its last run.
    Timeline,
    /// Every exercise.
    List(ListView),
}

/// Everything watch mode shows.
pub(crate) struct WatchState<'a> {
    session: &'a Session,
    /// The exercise watched (course index); `None` once everything is done.
    pub(crate) watched: Option<usize>,
    /// Its check.
    pub(crate) check: Check,
    /// The view.
    pub(crate) view: View,
    /// A one-line notice under the view.
    pub(crate) notice: Option<String>,
    /// Lines scrolled in the body.
    pub(crate) scroll: usize,
    /// The exercise whose reset waits for y/n.
    pub(crate) confirm_reset: Option<usize>,
    /// How saves are noticed.
    pub(crate) mode: Mode,
    /// Ticks so far (the spinner).
    pub(crate) ticks: usize,
    generation: u64,
    /// When the verdict shown came *not judged*: it is checked again [`RECHECK_NOT_JUDGED`]
    /// later, when the machine may be freer.
    not_judged_at: Option<Instant>,
}

/// How far PageUp and PageDown move, in the list and in a long text: about a screen of a
/// small terminal.
const PAGE: isize = 10;

/// How long a verdict *not judged* stays before watch mode checks the file again by itself.
pub(crate) const RECHECK_NOT_JUDGED: Duration = Duration::from_secs(30);

impl<'a> WatchState<'a> {
    /// Watching the current exercise (the first not done).
    pub(crate) fn new(session: &'a Session, mode: Mode) -> WatchState<'a> {
        let watched = session
            .current()
            .and_then(|e| session.course().index_of(&e.id));
        WatchState {
            session,
            watched,
            check: Check::Waiting,
            view: View::Exercise,
            notice: None,
            scroll: 0,
            confirm_reset: None,
            mode,
            ticks: 0,
            generation: 0,
            not_judged_at: None,
        }
    }

    /// The session (course, progress, unlock policy).
    pub(crate) fn session(&self) -> &'a Session {
        self.session
    }

    /// What to do first: check the watched exercise unless it is untouched.
    pub(crate) fn start(&mut self) -> Vec<Effect> {
        match self.watched {
            Some(index) => self.watch(index),
            None => Vec::new(),
        }
    }

    /// A key was pressed.
    pub(crate) fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return vec![Effect::Quit];
        }
        if let Some(index) = self.confirm_reset.take() {
            self.notice = None;
            return if key.code == KeyCode::Char('y') {
                vec![Effect::Reset(index)]
            } else {
                Vec::new()
            };
        }
        if let View::List(_) = self.view {
            return self.on_list_key(key);
        }
        self.notice = None;
        match key.code {
            KeyCode::Char('q') => vec![Effect::Quit],
            KeyCode::Char('n') => self.next(),
            KeyCode::Char('h') => {
                let mut effects = self.toggle(View::Hint);
                if let (View::Hint, Some(index)) = (&self.view, self.watched) {
                    let id = &self.session.course().exercises[index].id;
                    if self.session.hint_levels().shown(id) == 0 {
                        effects.push(Effect::MoreHint(index));
                    }
                }
                effects
            }
            KeyCode::Char('m') if matches!(self.view, View::Hint) => {
                self.watched.map(Effect::MoreHint).into_iter().collect()
            }
            KeyCode::Char('t') => self.toggle(View::Timeline),
            KeyCode::Char('l') => {
                let statuses = self.statuses();
                self.view = View::List(ListView::new(
                    self.session.course(),
                    statuses,
                    self.watched.unwrap_or(0),
                ));
                Vec::new()
            }
            KeyCode::Char('r') | KeyCode::Enter => {
                self.watched.map_or_else(Vec::new, |i| self.check_now(i))
            }
            KeyCode::Char('x') => {
                self.ask_reset(self.watched);
                Vec::new()
            }
            code => {
                self.scroll_by(code);
                Vec::new()
            }
        }
    }

    /// The file of exercise `index` was saved with new content.
    pub(crate) fn on_saved(&mut self, index: usize) -> Vec<Effect> {
        if Some(index) == self.watched {
            return self.check_now(index);
        }
        let exercise = &self.session.course().exercises[index];
        if self.status(index) == Status::Locked {
            self.notice = Some(format!(
                "You saved {}: it is locked, so it was not checked. Finish the one shown first.",
                exercise.id
            ));
            return Vec::new();
        }
        self.switch_to(index);
        self.check_now(index)
    }

    /// A report from the grading worker.
    pub(crate) fn on_report(&mut self, report: Report) -> Vec<Effect> {
        if report.generation != self.generation {
            return Vec::new();
        }
        let Check::Running {
            stage, first_look, ..
        } = &mut self.check
        else {
            return Vec::new();
        };
        match report.stage {
            Stage::Building(text) => *stage = text,
            Stage::FirstLook(verdict) => {
                *stage = "first run OK; checking the other runs (perturbed schedules)".into();
                *first_look = Some(*verdict);
            }
            Stage::Failed(message) => {
                self.check = Check::Waiting;
                self.notice = Some(format!("The check could not run: {message}"));
            }
            Stage::Final(verdict) => {
                // A notice said something of the check before this verdict ("n moves on
                // once…", "checking again…"): the verdict replaces it.
                self.notice = None;
                let passed = verdict.passed();
                let id = verdict.id.clone();
                let machine_may_change = matches!(verdict.outcome, GradeOutcome::NotJudged)
                    && !verdict.wants_more_cores();
                self.not_judged_at = machine_may_change.then(Instant::now);
                self.check = Check::Done(*verdict);
                self.scroll = 0;
                if passed {
                    return vec![Effect::MarkDone(id)];
                }
            }
        }
        Vec::new()
    }

    /// The progress was saved.
    pub(crate) fn on_progress(&mut self) {
        let statuses = self.statuses();
        if let View::List(list) = &mut self.view {
            list.set_statuses(statuses);
        }
    }

    /// The starter of exercise `index` was restored; `backup` says where the learner's
    /// version went.
    pub(crate) fn on_reset(&mut self, index: usize, backup: Option<String>) {
        let id = &self.session.course().exercises[index].id;
        self.notice = Some(match backup {
            Some(path) => format!("Restored the starter of {id}; your version is kept at {path}"),
            None => format!("Restored the starter of {id}"),
        });
        if Some(index) == self.watched {
            self.check = Check::Untouched;
        }
    }

    /// Time passed (the spinner turns); `now`, it is. A verdict *not judged* shown for
    /// [`RECHECK_NOT_JUDGED`] is checked again.
    pub(crate) fn on_tick(&mut self, now: Instant) -> Vec<Effect> {
        self.ticks += 1;
        let due = self
            .not_judged_at
            .is_some_and(|at| now.saturating_duration_since(at) >= RECHECK_NOT_JUDGED);
        match self.watched {
            Some(index) if due && matches!(self.check, Check::Done(_)) => {
                self.not_judged_at = None;
                self.notice = Some(
                    "A rule could not be judged: checking again, now that the machine may be less busy."
                        .into(),
                );
                self.check_now(index)
            }
            _ => Vec::new(),
        }
    }

    /// The status of exercise `index`.
    pub(crate) fn status(&self, index: usize) -> Status {
        self.session
            .status_of(&self.session.course().exercises[index])
    }

    fn statuses(&self) -> Vec<Status> {
        (0..self.session.course().exercises.len())
            .map(|i| self.status(i))
            .collect()
    }

    fn on_list_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let course = self.session.course();
        let View::List(list) = &mut self.view else {
            return Vec::new();
        };
        if list.is_searching() {
            match key.code {
                KeyCode::Enter => list.end_search(course, true),
                KeyCode::Esc => list.end_search(course, false),
                KeyCode::Backspace => list.type_char(course, None),
                KeyCode::Char(c) => list.type_char(course, Some(c)),
                KeyCode::Up => list.move_by(-1),
                KeyCode::Down => list.move_by(1),
                _ => {}
            }
            return Vec::new();
        }
        self.notice = None;
        match key.code {
            KeyCode::Char('q') => return vec![Effect::Quit],
            KeyCode::Up | KeyCode::Char('k') => list.move_by(-1),
            KeyCode::Down | KeyCode::Char('j') => list.move_by(1),
            KeyCode::PageUp => list.move_by(-PAGE),
            KeyCode::PageDown => list.move_by(PAGE),
            KeyCode::Home | KeyCode::Char('g') => list.jump(false),
            KeyCode::End | KeyCode::Char('G') => list.jump(true),
            KeyCode::Char('/') => list.start_search(),
            KeyCode::Char('l') | KeyCode::Esc => self.view = View::Exercise,
            KeyCode::Char('x') => {
                let selected = list.selected();
                self.ask_reset(selected);
            }
            KeyCode::Enter => return self.choose_from_list(),
            _ => {}
        }
        Vec::new()
    }

    fn choose_from_list(&mut self) -> Vec<Effect> {
        let View::List(list) = &self.view else {
            return Vec::new();
        };
        let Some(index) = list.selected() else {
            return Vec::new();
        };
        if list.selected_status() == Some(Status::Locked) {
            let first = self
                .session
                .current()
                .map_or("the exercises before it".to_string(), |e| e.id.clone());
            self.notice = Some(format!(
                "🔒 {} is locked: finish {first} first",
                self.session.course().exercises[index].id
            ));
            return Vec::new();
        }
        self.view = View::Exercise;
        if Some(index) == self.watched {
            return Vec::new();
        }
        self.switch_to(index);
        self.watch(index)
    }

    fn next(&mut self) -> Vec<Effect> {
        if !matches!(&self.check, Check::Done(v) if v.passed()) {
            self.notice =
                Some("n moves on once this exercise passes every run; fix it and save.".into());
            return Vec::new();
        }
        let session = self.session;
        match session
            .current()
            .and_then(|e| session.course().index_of(&e.id))
        {
            Some(index) => {
                self.switch_to(index);
                self.watch(index)
            }
            None => {
                self.watched = None;
                self.check = Check::Waiting;
                Vec::new()
            }
        }
    }

    /// Starts watching `index`: checks it, unless it is still the starter.
    fn watch(&mut self, index: usize) -> Vec<Effect> {
        if self
            .session
            .is_untouched(&self.session.course().exercises[index])
        {
            self.check = Check::Untouched;
            return Vec::new();
        }
        if self.mode == Mode::Manual {
            self.check = Check::Waiting;
            return Vec::new();
        }
        self.check_now(index)
    }

    fn check_now(&mut self, index: usize) -> Vec<Effect> {
        self.generation += 1;
        let previous = match std::mem::replace(&mut self.check, Check::Waiting) {
            Check::Done(verdict) => Some(Box::new(verdict)),
            Check::Running { previous, .. } => previous,
            _ => None,
        };
        self.check = Check::Running {
            stage: "compiling".into(),
            since: Instant::now(),
            first_look: None,
            previous,
        };
        vec![Effect::Check {
            index,
            generation: self.generation,
        }]
    }

    fn switch_to(&mut self, index: usize) {
        self.watched = Some(index);
        self.view = View::Exercise;
        self.scroll = 0;
        self.check = Check::Waiting;
    }

    fn toggle(&mut self, view: View) -> Vec<Effect> {
        let same = std::mem::discriminant(&self.view) == std::mem::discriminant(&view);
        self.view = if same { View::Exercise } else { view };
        self.scroll = 0;
        Vec::new()
    }

    fn ask_reset(&mut self, index: Option<usize>) {
        let Some(index) = index else { return };
        let id = &self.session.course().exercises[index].id;
        self.notice = Some(format!(
            "Reset {id} to its starter? Your version is backed up first. y / n"
        ));
        self.confirm_reset = Some(index);
    }

    fn scroll_by(&mut self, code: KeyCode) {
        self.scroll = match code {
            KeyCode::Up | KeyCode::Char('k') => self.scroll.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => self.scroll + 1,
            KeyCode::PageUp => self.scroll.saturating_sub(PAGE as usize),
            KeyCode::PageDown | KeyCode::Char(' ') => self.scroll + PAGE as usize,
            KeyCode::Home => 0,
            _ => self.scroll,
        };
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn session() -> Session {
        Session::of_this_course(&[])
    }

    fn verdict(id: &str, outcome: GradeOutcome) -> Verdict {
        Verdict {
            runs: 1,
            ..Verdict::new(id, PathBuf::new(), outcome)
        }
    }

    fn key(c: char) -> KeyEvent {
        KeyEvent::from(KeyCode::Char(c))
    }

    /// Saves the first exercise: the generation of the check it starts.
    fn save_first(state: &mut WatchState) -> u64 {
        let Effect::Check { generation, .. } = state.on_saved(0)[0] else {
            panic!("a save checks")
        };
        generation
    }

    /// The final report of the check of `generation`: `verdict`.
    fn final_report(generation: u64, verdict: Verdict) -> Report {
        Report {
            generation,
            stage: Stage::Final(Box::new(verdict)),
        }
    }

    #[test]
    fn a_first_look_is_never_a_pass_and_only_the_final_verdict_marks_the_exercise_done() {
        let session = session();
        let mut state = WatchState::new(&session, Mode::Notify);
        let generation = save_first(&mut state);
        let id = session.course().exercises[0].id.clone();
        let first = Report {
            generation,
            stage: Stage::FirstLook(Box::new(verdict(&id, GradeOutcome::Passed))),
        };
        assert!(state.on_report(first).is_empty());
        assert!(
            state.on_key(key('n')).is_empty(),
            "n waits for the full verdict"
        );
        assert!(state.notice.is_some());
        let last = final_report(generation, verdict(&id, GradeOutcome::Passed));
        assert_eq!(state.on_report(last), vec![Effect::MarkDone(id)]);
    }

    #[test]
    fn a_verdict_not_judged_is_not_recorded_and_is_checked_again_later() {
        let session = session();
        let mut state = WatchState::new(&session, Mode::Notify);
        let generation = save_first(&mut state);
        let id = session.course().exercises[0].id.clone();
        let not_judged = final_report(generation, verdict(&id, GradeOutcome::NotJudged));
        assert!(state.on_report(not_judged).is_empty(), "not recorded done");
        let now = Instant::now();
        assert!(state.on_tick(now).is_empty(), "not at once");
        assert!(matches!(
            state.on_tick(now + RECHECK_NOT_JUDGED)[..],
            [Effect::Check { index: 0, .. }]
        ));
        assert!(
            state.on_tick(now + RECHECK_NOT_JUDGED * 2).is_empty(),
            "once per verdict"
        );
    }

    #[test]
    fn a_verdict_not_judged_for_want_of_a_second_core_is_not_checked_again_by_itself() {
        let session = session();
        let mut state = WatchState::new(&session, Mode::Notify);
        let generation = save_first(&mut state);
        let id = session.course().exercises[0].id.clone();
        let one_core = Verdict {
            skipped: vec![crate::grade::Skipped {
                rule: crate::grade::SkippedRule::Check(crate::checks::CheckKind::CpuParallelism),
                why: crate::checks::NotJudged::OneCore,
            }],
            ..verdict(&id, GradeOutcome::NotJudged)
        };
        assert!(one_core.wants_more_cores());
        assert!(
            state
                .on_report(final_report(generation, one_core))
                .is_empty(),
            "not recorded done"
        );
        assert!(
            state
                .on_tick(Instant::now() + RECHECK_NOT_JUDGED * 2)
                .is_empty(),
            "this machine's cores will not change"
        );
    }

    #[test]
    fn a_report_of_a_cancelled_check_is_ignored() {
        let session = session();
        let mut state = WatchState::new(&session, Mode::Notify);
        let old = save_first(&mut state);
        let new = save_first(&mut state);
        assert_ne!(old, new);
        let id = session.course().exercises[0].id.clone();
        assert!(
            state
                .on_report(final_report(old, verdict(&id, GradeOutcome::Passed)))
                .is_empty()
        );
        assert!(
            matches!(state.check, Check::Running { .. }),
            "still waiting for the newest version"
        );
    }

    #[test]
    fn a_locked_exercise_saved_is_not_checked_and_reset_waits_for_yes() {
        let session = session();
        let mut state = WatchState::new(&session, Mode::Notify);
        assert!(state.on_saved(2).is_empty());
        assert!(
            state
                .notice
                .as_deref()
                .is_some_and(|n| n.contains("locked"))
        );
        assert!(state.on_key(key('x')).is_empty());
        assert!(
            state.on_key(key('n')).is_empty(),
            "anything but y keeps the file"
        );
        assert!(state.on_key(key('x')).is_empty());
        assert_eq!(state.on_key(key('y')), vec![Effect::Reset(0)]);
    }
}
