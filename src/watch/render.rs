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
    // Cut with an ellipsis, so a cut header or key line shows that it is cut.
    let header: Vec<String> = header(state)
        .iter()
        .map(|l| text::fit_or_ellipsis(l, width))
        .collect();
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
            format!(
                " {below} more {}: ↓ PgDn ",
                plural::noun(below, "line", "lines")
            )
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
    // The notice is wrapped, never cut: it may end with what matters (a backup's file name).
    let mut lines = match &state.notice {
        Some(notice) => text::wrap(&format!("{NOTE}{notice}{NOTE:#}"), width),
        None => vec![String::new()],
    };
    lines.push(text::fit_or_ellipsis(
        &format!("Progress {bar}{label}"),
        width,
    ));
    if !keys.is_empty() {
        lines.push(text::fit_or_ellipsis(&format!("{DIM}{keys}{DIM:#}"), width));
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::*;
    use crate::checks::test_support::run;
    use crate::commands::App;
    use crate::progress::Progress;

    fn app() -> App {
        App::open(Some(PathBuf::from(env!("CARGO_MANIFEST_DIR"))), false).expect("the course loads")
    }

    /// The frame as the eye sees it: no styles, links as their text, one `|` at each edge
    /// of the terminal so that the last column shows.
    fn seen(state: &mut WatchState, width: usize, height: usize) -> String {
        let link = regex::Regex::new(r"\x1b\]8;;[^\x1b]*\x1b\\").unwrap();
        let lines = frame(state, width, height);
        assert!(lines.len() <= height, "{lines:#?}");
        lines
            .iter()
            .map(|line| {
                let plain = link.replace_all(&text::strip_styles(line), "").into_owned();
                assert!(
                    text::width(&plain) <= width,
                    "wider than {width}: {plain:?}"
                );
                format!("|{}|", text::pad(&plain, width))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Watching `id`, its lesson on screen.
    fn watching<'a>(app: &'a App, id: &str) -> WatchState<'a> {
        let mut state = WatchState::new(app, Progress::default(), Mode::Notify);
        state.watched = app.course().index_of(id);
        state.check = Check::Untouched;
        state
    }

    #[test]
    fn a_lesson_wraps_between_words_and_a_long_title_ends_in_an_ellipsis() {
        let app = app();
        let mut state = watching(&app, "03_shared_state/lost_update");
        state.scroll = 0;
        let frames: Vec<String> = [40, 80, 120]
            .iter()
            .map(|&w| format!("{w} × 10\n{}", seen(&mut state, w, 10)))
            .collect();
        insta::assert_snapshot!(frames.join("\n\n"));
    }

    #[test]
    fn a_reset_notice_is_wrapped_to_the_backups_file_name() {
        let app = app();
        let mut state = watching(&app, "01_threads/spawn_join");
        state.notice = Some(
            "Restored the starter of 01_threads/spawn_join; your version is kept at .learn-backups/01_threads/spawn_join.2026-12-01T18-42-03.rs".into(),
        );
        let frames: Vec<String> = [40, 80, 120]
            .iter()
            .map(|&w| format!("{w} × 10\n{}", seen(&mut state, w, 10)))
            .collect();
        let text = frames.join("\n\n");
        assert!(
            text.contains("18-42-03.rs"),
            "the file name is shown:\n{text}"
        );
        insta::assert_snapshot!(text);
    }

    #[test]
    fn the_timeline_fills_the_width_with_its_scale_and_lanes_closed() {
        let app = app();
        let mut state = watching(&app, "01_threads/worker_loop");
        let sample = run(
            &[
                ("Worker 0 started", 0),
                ("Worker 1 started", 5),
                ("Worker 0 finished", 700),
                ("Worker 1 finished", 1200),
            ],
            1200,
        );
        let exercise = state.app().course().exercises[state.watched.unwrap()].clone();
        state.check = Check::Done(Verdict {
            id: exercise.id.clone(),
            file: exercise.path(),
            outcome: GradeOutcome::Passed,
            runs: 1,
            retries: Vec::new(),
            skipped: Vec::new(),
            sample: Some(sample),
            elapsed: Duration::from_millis(1300),
        });
        state.view = View::Timeline;
        let frames: Vec<String> = [40, 80, 120]
            .iter()
            .map(|&w| {
                // 16 rows: room for the title, the scale and both lanes at 40 columns.
                let frame = seen(&mut state, w, 16);
                assert!(
                    frame.contains(" ms|"),
                    "the scale ends in ms at {w}:\n{frame}"
                );
                assert!(
                    frame.contains("=F||"),
                    "the last lane is closed in the last column at {w}:\n{frame}"
                );
                format!("{w} × 16\n{frame}")
            })
            .collect();
        insta::assert_snapshot!(frames.join("\n\n"));
    }
}
