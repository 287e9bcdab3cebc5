//! Watch mode drawn as lines for the screen, fitted to any size: the exercise (id, title,
//! its file as a link, the state of its check), a scrollable body (verdict, lesson, hint or
//! timeline), a notice, the progress bar and the keys. The smallest terminals keep the
//! status line and the keys.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::Mode;
use super::state::{Check, View, WatchState};
use crate::course::Exercise;
use crate::grade::{GradeOutcome, Verdict};
use crate::plural;
use crate::report::shown::shown;
use crate::report::terminal::{self, Status};
use crate::tui::{text, timeline};

const GOOD: Style = AnsiColor::Green.on_default().bold();
const BAD: Style = AnsiColor::Red.on_default().bold();
const NOTE: Style = AnsiColor::Yellow.on_default();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();
const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// The screen: `height` lines of at most `width` cells.
pub(crate) fn frame(state: &mut WatchState, width: usize, height: usize) -> Vec<String> {
    let footer = footer(state, width);
    let app = state.app();
    if let View::List(list) = &mut state.view {
        let mut lines = list.lines(app.course(), width, height.saturating_sub(footer.len()));
        lines.extend(footer);
        return lines;
    }
    let header = header(state);
    if height < header.len() + footer.len() + 3 {
        let mut lines: Vec<String> = header.into_iter().chain(footer).collect();
        lines.drain(..lines.len().saturating_sub(height));
        return lines;
    }
    let rows = height - header.len() - footer.len() - 2;
    let body: Vec<String> = body(state, width)
        .iter()
        .flat_map(|l| text::wrap(l, width))
        .collect();
    state.scroll = state.scroll.min(body.len().saturating_sub(rows));
    let below = body.len().saturating_sub(state.scroll + rows);
    let mut lines = header;
    lines.push(rule(width, ""));
    lines.extend(body.iter().skip(state.scroll).take(rows).cloned());
    lines.resize(height - footer.len() - 1, String::new());
    lines.push(rule(
        width,
        &if below > 0 {
            format!(" {} more: ↓ PgDn ", plural::of(below, "line", "lines"))
        } else {
            String::new()
        },
    ));
    lines.extend(footer);
    lines
}

fn header(state: &WatchState) -> Vec<String> {
    let Some(exercise) = watched(state) else {
        return vec![
            format!("{GOOD}✓{GOOD:#} {BOLD}Every exercise is done. Well played!{BOLD:#}"),
            String::new(),
            "l: the list of exercises".into(),
        ];
    };
    let mark = match state.status(state.watched.unwrap_or(0)) {
        Status::Done => format!("{GOOD}✓{GOOD:#}"),
        _ => format!("{NOTE}▶{NOTE:#}"),
    };
    let path = exercise.path();
    let url = format!("file://{}", state.app().course().root.join(&path).display());
    vec![
        format!(
            "{mark} {BOLD}{}{BOLD:#}  {}",
            exercise.id, exercise.spec.title
        ),
        format!(
            "  {DIM}open{DIM:#} {}",
            text::hyperlink(&url, &path.display().to_string())
        ),
        status_line(state),
    ]
}

fn status_line(state: &WatchState) -> String {
    let save = match state.mode {
        Mode::Manual => "press Enter to check it",
        Mode::Poll => "save the file to check it (saves are found by polling)",
        Mode::Notify => "save the file to check it",
    };
    match &state.check {
        Check::Untouched => format!("  {NOTE}●{NOTE:#} still the starter: edit it, then {save}"),
        Check::Waiting => format!("  {DIM}●{DIM:#} {save}"),
        Check::Running { stage, since, .. } => {
            format!(
                "  {NOTE}{}{NOTE:#} {stage}… {DIM}{:.1} s{DIM:#}",
                SPINNER[state.ticks % SPINNER.len()],
                since.elapsed().as_secs_f64()
            )
        }
        Check::Done(verdict) => verdict_line(verdict),
    }
}

fn verdict_line(verdict: &Verdict) -> String {
    let time = format!(
        "{DIM}({}, {:.1} s){DIM:#}",
        plural::of(verdict.runs, "run", "runs"),
        verdict.elapsed.as_secs_f64()
    );
    match &verdict.outcome {
        GradeOutcome::Passed if verdict.runs == 0 => format!(
            "  {GOOD}✓ passed every run{GOOD:#} {DIM}(unchanged since it passed){DIM:#} · n: the next exercise"
        ),
        GradeOutcome::Passed => {
            format!("  {GOOD}✓ passed every run{GOOD:#} {time} · n: the next exercise")
        }
        GradeOutcome::CompileError(_) => {
            format!("  {BAD}✗ does not compile{BAD:#} · fix it and save")
        }
        GradeOutcome::Failed(run) => format!(
            "  {BAD}✗ failed: {}{BAD:#} {time} · fix it and save",
            run.failures[0].check
        ),
        GradeOutcome::CourseError(_) => {
            format!("  {BAD}✗ course error{BAD:#} (not your fault: tell your teacher)")
        }
        GradeOutcome::Cancelled => format!("  {DIM}● cancelled{DIM:#}"),
    }
}

fn body(state: &WatchState, width: usize) -> Vec<String> {
    let Some(exercise) = watched(state) else {
        return Vec::new();
    };
    let text = match &state.view {
        View::Hint => format!(
            "{BOLD}Hint{BOLD:#}  {DIM}(h: back){DIM:#}\n\n{}",
            exercise.spec.hint.trim_end()
        ),
        View::Timeline => shown_verdict(state)
            .and_then(|v| timeline::under_verdict(v, exercise, true, width))
            .map_or_else(
                || "No run to draw yet: save the file to run it.".to_string(),
                |t| format!("{t}\n{DIM}(t: back){DIM:#}"),
            ),
        View::Exercise | View::List(_) => exercise_body(state, exercise, width),
    };
    text.lines().map(str::to_string).collect()
}

fn exercise_body(state: &WatchState, exercise: &Exercise, width: usize) -> String {
    match &state.check {
        Check::Untouched | Check::Waiting => lesson(exercise),
        Check::Running {
            first_look: Some(first),
            ..
        } => first_look(first),
        Check::Running {
            previous: Some(previous),
            ..
        } => verdict_text(previous, exercise, width),
        Check::Running { .. } => lesson(exercise),
        Check::Done(verdict) => verdict_text(verdict, exercise, width),
    }
}

fn verdict_text(verdict: &Verdict, exercise: &Exercise, width: usize) -> String {
    let mut out = terminal::verdict(verdict);
    if let Some(drawn) = timeline::under_verdict(verdict, exercise, false, width) {
        let _ = write!(out, "\n{drawn}");
    }
    out
}

/// The first run, while the others go on: its output, or the timing rule it broke.
fn first_look(first: &Verdict) -> String {
    if first.passed() {
        let mut out =
            format!("{DIM}── Output of the first run (the other runs are still going) ──{DIM:#}\n");
        for line in first.sample.iter().flat_map(|s| &s.stdout) {
            let _ = writeln!(out, "   {}", shown(&line.text));
        }
        return out;
    }
    format!(
        "{NOTE}The first run broke a timing rule; grading runs it again, as it always does:{NOTE:#}\n{}",
        terminal::verdict(first)
    )
}

fn lesson(exercise: &Exercise) -> String {
    exercise
        .spec
        .lesson
        .trim_end()
        .lines()
        .map(|l| format!("  {l}\n"))
        .collect()
}

/// The verdict the timeline draws: the last one, or the first look at the new version.
fn shown_verdict<'s>(state: &'s WatchState) -> Option<&'s Verdict> {
    match &state.check {
        Check::Done(verdict) => Some(verdict),
        Check::Running {
            first_look: Some(first),
            ..
        } => Some(first),
        Check::Running { previous, .. } => previous.as_deref(),
        _ => None,
    }
}

fn footer(state: &WatchState, width: usize) -> Vec<String> {
    let done = state.progress.done.len();
    let total = state.app().course().exercises.len();
    let label = format!(" {done}/{total}");
    let bar = terminal::bar(
        done,
        total,
        width.saturating_sub(label.len() + 12).clamp(1, 60),
    );
    let check = if state.mode == Mode::Manual {
        "Enter check"
    } else {
        "r re-run"
    };
    let keys = match state.view {
        View::List(_) => String::new(),
        _ if width >= 72 => {
            format!("n next · h hint · l list · t timeline · {check} · x reset · q quit")
        }
        _ => format!("q quit · n next · h hint · l list · t timeline · {check} · x reset"),
    };
    let mut lines = vec![
        state
            .notice
            .as_ref()
            .map_or_else(String::new, |n| format!("{NOTE}{n}{NOTE:#}")),
        format!("Progress {bar}{label}"),
    ];
    if !keys.is_empty() {
        lines.push(format!("{DIM}{keys}{DIM:#}"));
    }
    lines
}

fn rule(width: usize, label: &str) -> String {
    let label_width = text::width(label);
    format!(
        "{DIM}──{label}{}{DIM:#}",
        "─".repeat(width.saturating_sub(label_width + 2))
    )
}

fn watched<'s>(state: &'s WatchState) -> Option<&'s Exercise> {
    state.watched.map(|i| &state.app().course().exercises[i])
}
