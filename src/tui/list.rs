//! The exercise list as a full-screen view: chapter headers, every exercise with ✓ ▶ 🔒,
//! a selection that scrolls, and a search that narrows the list as you type.
//!
//! It holds what is shown and selected, and turns it into lines; the keys that move it, and
//! what choosing an exercise does, belong to the caller (watch mode).

use anstyle::{AnsiColor, Style};

use super::text;
use crate::course::Course;
use crate::progress::Status;

const SELECTED: Style = Style::new().invert();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();

/// One row of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Row {
    /// A chapter header.
    Chapter(String),
    /// An exercise, by its index in course order.
    Exercise(usize),
}

/// The list's state.
#[derive(Debug, Clone)]
pub struct ListView {
    statuses: Vec<Status>,
    rows: Vec<Row>,
    selected: usize,
    offset: usize,
    query: String,
    searching: bool,
}

impl ListView {
    /// The list of `course`, with `statuses` in course order, the exercise at `selected`
    /// (an index in course order) selected.
    pub fn new(course: &Course, statuses: Vec<Status>, selected: usize) -> ListView {
        let mut view = ListView {
            statuses,
            rows: Vec::new(),
            selected: 0,
            offset: 0,
            query: String::new(),
            searching: false,
        };
        view.filter(course);
        view.select_exercise(selected);
        view
    }

    /// The selected exercise, as an index in course order.
    pub fn selected(&self) -> Option<usize> {
        self.exercise_rows().nth(self.selected)
    }

    /// Its status.
    pub fn selected_status(&self) -> Option<Status> {
        self.selected().map(|i| self.statuses[i])
    }

    /// Whether keys go to the search field.
    pub fn is_searching(&self) -> bool {
        self.searching
    }

    /// Moves the selection by `delta` exercises (clamped).
    pub fn move_by(&mut self, delta: isize) {
        let count = self.exercise_rows().count();
        if count == 0 {
            return;
        }
        self.selected = self.selected.saturating_add_signed(delta).min(count - 1);
    }

    /// Selects the first (`false`) or last (`true`) exercise.
    pub fn jump(&mut self, to_end: bool) {
        let last = self.exercise_rows().count().saturating_sub(1);
        self.selected = if to_end { last } else { 0 };
    }

    /// Starts typing a search.
    pub fn start_search(&mut self) {
        self.searching = true;
    }

    /// Ends typing: `keep` leaves the list narrowed, otherwise the search is cleared.
    pub fn end_search(&mut self, course: &Course, keep: bool) {
        self.searching = false;
        if !keep {
            let chosen = self.selected();
            self.query.clear();
            self.filter(course);
            if let Some(i) = chosen {
                self.select_exercise(i);
            }
        }
    }

    /// Types `c` into the search (`None`: backspace).
    pub fn type_char(&mut self, course: &Course, c: Option<char>) {
        match c {
            Some(c) => self.query.push(c),
            None => {
                self.query.pop();
            }
        }
        self.filter(course);
        self.selected = 0;
    }

    /// Updates the statuses (after progress changed).
    pub fn set_statuses(&mut self, statuses: Vec<Status>) {
        self.statuses = statuses;
    }

    /// The list as `height` lines of at most `width` cells: title, rows, and the keys.
    pub fn lines(&mut self, course: &Course, width: usize, height: usize) -> Vec<String> {
        let search = if self.searching || !self.query.is_empty() {
            format!(
                "  search: {}{}",
                self.query,
                if self.searching { "▏" } else { "" }
            )
        } else {
            String::new()
        };
        let mut lines = vec![format!("{BOLD}{}{BOLD:#}", course.title), search];
        let room = height.saturating_sub(lines.len() + 1).max(1);
        let selected_row = self.selected_row();
        self.scroll_to(selected_row, room);
        for (i, row) in self.rows.iter().enumerate().skip(self.offset).take(room) {
            lines.push(match row {
                Row::Chapter(title) => format!("{BOLD}{title}{BOLD:#}"),
                Row::Exercise(e) => self.exercise_line(course, *e, Some(i) == selected_row, width),
            });
        }
        if self.rows.is_empty() {
            lines.push(format!(
                "  {DIM}no exercise matches `{}`{DIM:#}",
                self.query
            ));
        }
        while lines.len() + 1 < height {
            lines.push(String::new());
        }
        lines.push(format!(
            "{DIM}↑↓ move · Enter watch it · / search · x reset · l or Esc back · q quit{DIM:#}"
        ));
        lines.truncate(height.max(1));
        lines
    }

    fn exercise_line(&self, course: &Course, index: usize, selected: bool, width: usize) -> String {
        let exercise = &course.exercises[index];
        let (mark, style) = match self.statuses[index] {
            Status::Done => ("✓ ", AnsiColor::Green.on_default()),
            Status::Current => ("▶ ", AnsiColor::Yellow.on_default()),
            Status::Locked => ("🔒", DIM),
            Status::Open => ("  ", Style::new()),
        };
        let name = text::pad(
            &format!("{} {}", exercise.id, exercise.spec.title),
            width.saturating_sub(5),
        );
        let (cursor, name) = if selected {
            ("›", format!("{SELECTED}{name}{SELECTED:#}"))
        } else {
            (" ", name)
        };
        format!("{cursor} {style}{mark}{style:#} {name}")
    }

    fn exercise_rows(&self) -> impl Iterator<Item = usize> + '_ {
        self.rows.iter().filter_map(|r| {
            if let Row::Exercise(i) = r {
                Some(*i)
            } else {
                None
            }
        })
    }

    fn selected_row(&self) -> Option<usize> {
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r, Row::Exercise(_)))
            .nth(self.selected)
            .map(|(i, _)| i)
    }

    fn select_exercise(&mut self, index: usize) {
        let position = self.exercise_rows().position(|i| i == index);
        self.selected = position.unwrap_or(0);
    }

    /// Keeps `row` in the window of `room` rows; shows its chapter header when it fits.
    fn scroll_to(&mut self, row: Option<usize>, room: usize) {
        let Some(row) = row else {
            self.offset = 0;
            return;
        };
        if row < self.offset + 1 {
            self.offset = row.saturating_sub(1);
        } else if row >= self.offset + room {
            self.offset = row + 1 - room;
        }
        self.offset = self.offset.min(self.rows.len().saturating_sub(room));
    }

    /// The rows that match the search, with the headers of their chapters.
    fn filter(&mut self, course: &Course) {
        let query = self.query.to_lowercase();
        self.rows.clear();
        for chapter in &course.chapters {
            let matching: Vec<usize> = course
                .exercises
                .iter()
                .enumerate()
                .filter(|(_, e)| e.chapter == chapter.name)
                .filter(|(_, e)| {
                    query.is_empty()
                        || e.id.to_lowercase().contains(&query)
                        || e.spec.title.to_lowercase().contains(&query)
                })
                .map(|(i, _)| i)
                .collect();
            if !matching.is_empty() {
                self.rows
                    .push(Row::Chapter(format!("{} {}", chapter.name, chapter.title)));
                self.rows.extend(matching.into_iter().map(Row::Exercise));
            }
        }
        self.offset = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course() -> Course {
        Course::load(std::path::Path::new(env!("CARGO_MANIFEST_DIR"))).expect("the course loads")
    }

    #[test]
    fn the_selection_stays_on_screen_and_search_narrows_the_list() {
        let course = course();
        let statuses = vec![Status::Locked; course.exercises.len()];
        let mut list = ListView::new(&course, statuses, 0);
        list.jump(true);
        let lines = list.lines(&course, 80, 8);
        assert_eq!(lines.len(), 8);
        let last = &course.exercises.last().unwrap().id;
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with('›') && l.contains(last.as_str())),
            "{lines:#?}"
        );
        list.start_search();
        for c in "scoped".chars() {
            list.type_char(&course, Some(c));
        }
        list.end_search(&course, true);
        assert_eq!(
            list.selected().map(|i| course.exercises[i].id.as_str()),
            Some("01_threads/scoped_sum")
        );
        list.move_by(5);
        assert_eq!(
            list.selected().map(|i| course.exercises[i].id.as_str()),
            Some("01_threads/scoped_sum"),
            "only one matches"
        );
    }
}
