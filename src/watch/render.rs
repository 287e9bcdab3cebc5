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
use crate::invocation::Invocation;
use crate::lines::shown::shown;
use crate::plural;
use crate::progress::Status;
use crate::report::terminal;
use crate::tui::{SPINNER, text, timeline};

const GOOD: Style = AnsiColor::Green.on_default().bold();
const BAD: Style = AnsiColor::Red.on_default().bold();
const NOTE: Style = AnsiColor::Yellow.on_default();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();

/// The screen: `height` lines of at most `width` cells.
pub(crate) fn frame(state: &mut WatchState, width: usize, height: usize) -> Vec<String> {
    let footer = footer(state, width);
    let session = state.session();
    if let View::List(list) = &mut state.view {
        let mut lines = list.lines(session.course(), width, height.saturating_sub(footer.len()));
        lines.extend(footer);
        return lines;
    }
    // The title and the file are cut with an ellipsis, so a cut line shows that it is cut;
    // the status line is wrapped: its end says what to do.
    let header: Vec<String> = header(state)
        .iter()
        .enumerate()
        .flat_map(|(i, l)| match i {
            0 | 1 => vec![text::fit_or_ellipsis(l, width)],
            _ => text::wrap(l, width),
        })
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
    // The mark follows the last verdict: a done exercise that fails again is ✗ here too.
    let mark = match (&state.check, state.status(state.watched.unwrap_or(0))) {
        (Check::Done(verdict), _)
            if matches!(
                verdict.outcome,
                GradeOutcome::Failed(_) | GradeOutcome::CompileError(_)
            ) =>
        {
            format!("{BAD}✗{BAD:#}")
        }
        (_, Status::Done) => format!("{GOOD}✓{GOOD:#}"),
        _ => format!("{NOTE}▶{NOTE:#}"),
    };
    let path = exercise.path();
    let url = format!(
        "file://{}",
        state.session().course().root.join(&path).display()
    );
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
        GradeOutcome::Passed => format!(
            "  {GOOD}✓ passed every run{GOOD:#}{} {time} · n: the next exercise",
            terminal::with_warnings(verdict)
        ),
        GradeOutcome::CompileError(_) => {
            format!("  {BAD}✗ does not compile{BAD:#} · fix it and save")
        }
        GradeOutcome::Failed(run) => format!(
            "  {BAD}✗ failed: {}{BAD:#} {time} · fix it and save",
            run.failures.first().check
        ),
        GradeOutcome::CourseError(_) => {
            format!("  {BAD}✗ course error{BAD:#} (not your fault: tell your teacher)")
        }
        GradeOutcome::Cancelled => format!("  {DIM}● cancelled{DIM:#}"),
        GradeOutcome::NotJudged => format!(
            "  {NOTE}? not judged: {}{NOTE:#} {time} · not recorded yet; {}",
            verdict
                .skipped
                .first()
                .map(ToString::to_string)
                .unwrap_or_default(),
            if verdict.wants_more_cores() {
                "a machine with two cores or more can judge it"
            } else {
                "r: check again when the machine is less busy"
            }
        ),
    }
}

fn body(state: &WatchState, width: usize) -> Vec<String> {
    let Some(exercise) = watched(state) else {
        return Vec::new();
    };
    let text = match &state.view {
        View::Hint => format!(
            "{DIM}(h: back · m: one more hint){DIM:#}\n{}",
            terminal::hints(
                exercise,
                state.session().hint_levels().shown(&exercise.id),
                true,
                state.session().settings().invocation
            )
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
    let invocation = state.session().settings().invocation;
    match &state.check {
        Check::Untouched | Check::Waiting => lesson(exercise),
        Check::Running {
            first_look: Some(first),
            ..
        } => first_look(first, invocation),
        Check::Running {
            previous: Some(previous),
            ..
        } => verdict_text(previous, exercise, width, invocation),
        Check::Running { .. } => lesson(exercise),
        Check::Done(verdict) => verdict_text(verdict, exercise, width, invocation),
    }
}

fn verdict_text(
    verdict: &Verdict,
    exercise: &Exercise,
    width: usize,
    invocation: Invocation,
) -> String {
    let mut out = terminal::verdict(verdict, invocation);
    if let Some(drawn) = timeline::under_verdict(verdict, exercise, false, width) {
        let _ = write!(out, "\n{drawn}");
    }
    out
}

/// The first run, while the others go on: its output, or the timing rule it broke.
fn first_look(first: &Verdict, invocation: Invocation) -> String {
    if first.passed() {
        let mut out =
            format!("{DIM}── Output of the first run (the other runs are still going) ──{DIM:#}\n");
        for line in first.sample.iter().flat_map(|s| &s.stdout) {
            let _ = writeln!(out, "   {}", shown(&line.text));
        }
        for warning in &first.warnings {
            let _ = write!(out, "\n{}\n", warning.trim_end());
        }
        return out;
    }
    format!(
        "{NOTE}The first run broke a timing rule; grading runs it again, as it always does:{NOTE:#}\n{}",
        terminal::verdict(first, invocation)
    )
}

/// The lesson, each paragraph one line that the body wraps once to the screen's width.
fn lesson(exercise: &Exercise) -> String {
    terminal::reflow(&exercise.spec.lesson)
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
    let done = state.session().done_count();
    let total = state.session().course().exercises.len();
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
        View::List(_) => Vec::new(),
        _ => vec![
            "n next",
            "h hint",
            "l list",
            "t timeline",
            check,
            "x reset",
            "q quit",
        ],
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
    lines.extend(
        key_lines(&keys, width)
            .into_iter()
            .map(|keys| text::fit_or_ellipsis(&format!("{DIM}{keys}{DIM:#}"), width)),
    );
    lines
}

/// The keys, ` · ` between them, on as many lines as `width` needs (never one cut).
fn key_lines(keys: &[&str], width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for key in keys {
        match lines.last_mut() {
            Some(line) if text::width(line) + 3 + text::width(key) <= width => {
                line.push_str(" · ");
                line.push_str(key);
            }
            _ => lines.push((*key).to_string()),
        }
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
    state
        .watched
        .map(|i| &state.session().course().exercises[i])
}

#[cfg(test)]
mod tests {
    //! Every state of the screen, drawn at 80 × 24 and compared with its snapshot (colours
    //! and the machine's course path taken out, elapsed times redacted).

    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use super::*;
    use crate::build::CompileError;
    use crate::checks::{CheckKind, Failure, Failures, Subject};
    use crate::course::manifest::ArgSet;
    use crate::grade::{FailedRun, RunConfig};
    use crate::session::Session;
    use crate::supervise::Perturbation;
    use crate::supervise::test_support::run;
    use crate::tui::list::ListView;

    fn session(done: &[&str]) -> Session {
        Session::of_this_course(done)
    }

    fn verdict(outcome: GradeOutcome, runs: usize) -> Verdict {
        let file = PathBuf::from("exercises/01_threads/spawn_join.rs");
        Verdict {
            runs,
            sample: Some(run(&[("Thread running...", 3), ("Main done.", 4)], 5)),
            elapsed: Duration::from_millis(1500),
            ..Verdict::new("01_threads/spawn_join", file, outcome)
        }
    }

    fn failed() -> GradeOutcome {
        GradeOutcome::Failed(Box::new(FailedRun {
            subject: Subject::Program,
            config: RunConfig {
                args: ArgSet::default_set(),
                perturbation: Perturbation::OneCore,
                schedule: None,
            },
            run_number: 2,
            failures: Failures::new(vec![Failure::logic(
                CheckKind::Before,
                "every line matching /^Thread running/ must come before every line matching /^Main done/",
                vec![
                    "line 1: Main done.".into(),
                    "line 2: Thread running...".into(),
                ],
                "Wait (join) for the thread before printing `Main done.`.",
            )])
            .expect("one failure"),
            record: run(&[("Main done.", 1), ("Thread running...", 2)], 3),
            retried: 0,
        }))
    }

    /// The frame as plain text: no colours or links, the course root as `[ROOT]`, times
    /// redacted.
    fn drawn(state: &mut WatchState) -> String {
        let root = state.session().course().root.display().to_string();
        let escapes = regex::Regex::new(r"\x1b\[[0-9;]*m|\x1b\]8;;[^\x1b]*\x1b\\").unwrap();
        let seconds = regex::Regex::new(r"\d+\.\d s").unwrap();
        let text = frame(state, 80, 24).join("\n");
        let text = escapes.replace_all(&text, "");
        seconds.replace_all(&text, "[T] s").replace(&root, "[ROOT]")
    }

    fn state(session: &Session, check: Check) -> WatchState<'_> {
        let mut state = WatchState::new(session, Mode::Notify);
        state.check = check;
        state
    }

    #[test]
    fn the_starter_untouched_shows_the_lesson() {
        let session = session(&[]);
        insta::assert_snapshot!(drawn(&mut state(&session, Check::Untouched)));
    }

    #[test]
    fn manual_mode_waits_for_enter() {
        let session = session(&[]);
        let mut state = state(&session, Check::Waiting);
        state.mode = Mode::Manual;
        insta::assert_snapshot!(drawn(&mut state));
    }

    #[test]
    fn a_check_in_progress_shows_its_stage() {
        let session = session(&[]);
        let running = Check::Running {
            stage: "building 3/40: tokio".into(),
            since: Instant::now(),
            first_look: None,
            previous: None,
        };
        insta::assert_snapshot!(drawn(&mut state(&session, running)));
    }

    #[test]
    fn a_first_look_that_passed_shows_the_output_and_is_not_a_pass() {
        let session = session(&[]);
        let running = Check::Running {
            stage: "the other runs".into(),
            since: Instant::now(),
            first_look: Some(verdict(GradeOutcome::Passed, 1)),
            previous: None,
        };
        insta::assert_snapshot!(drawn(&mut state(&session, running)));
    }

    #[test]
    fn a_pass_offers_the_next_exercise() {
        let session = session(&[]);
        let done = Check::Done(verdict(GradeOutcome::Passed, 6));
        insta::assert_snapshot!(drawn(&mut state(&session, done)));
    }

    #[test]
    fn not_judged_on_a_busy_machine_offers_a_recheck_and_on_one_core_says_what_can_judge_it() {
        let not_judged = |why| Verdict {
            skipped: vec![crate::grade::Skipped {
                rule: crate::grade::SkippedRule::Check(crate::checks::CheckKind::CpuParallelism),
                why,
            }],
            ..verdict(GradeOutcome::NotJudged, 6)
        };
        let busy = verdict_line(&not_judged(crate::checks::NotJudged::Busy {
            free: 0.4,
            cores: 2,
        }));
        assert!(
            busy.contains("r: check again")
                && busy.contains("cpu_parallelism: the machine was busy with other work (only 0.4 of 2 cores free during a run)"),
            "{busy}"
        );
        let one_core = verdict_line(&not_judged(crate::checks::NotJudged::OneCore));
        assert!(
            one_core.contains("a machine with two cores or more can judge it")
                && !one_core.contains("check again"),
            "{one_core}"
        );
    }

    #[test]
    fn a_pass_with_warnings_says_how_many_and_shows_them_as_rustc_renders_them() {
        let session = session(&[]);
        let done = Check::Done(Verdict {
            warnings: vec![
                "warning: unused variable: `started`\n  --> exercises/01_threads/spawn_join.rs:13:9\n   |\n13 |     let started = \"the thread\";\n   |         ^^^^^^^\n\n".into(),
            ],
            ..verdict(GradeOutcome::Passed, 6)
        });
        insta::assert_snapshot!(drawn(&mut state(&session, done)));
    }

    #[test]
    fn a_compile_error_is_shown_as_rustc_renders_it() {
        let session = session(&[]);
        let error = CompileError {
            rendered:
                "error[E0308]: mismatched types\n --> exercises/01_threads/spawn_join.rs:2:18\n"
                    .into(),
            location: Some(("exercises/01_threads/spawn_join.rs".into(), 2, 18)),
            headline: "mismatched types".into(),
        };
        let done = Check::Done(verdict(GradeOutcome::CompileError(error), 0));
        insta::assert_snapshot!(drawn(&mut state(&session, done)));
    }

    #[test]
    fn a_broken_rule_names_it_with_what_was_seen() {
        let session = session(&[]);
        let done = Check::Done(verdict(failed(), 2));
        insta::assert_snapshot!(drawn(&mut state(&session, done)));
    }

    #[test]
    fn the_hint_view() {
        let session = session(&[]);
        let mut state = state(&session, Check::Untouched);
        state.view = View::Hint;
        insta::assert_snapshot!(drawn(&mut state));
    }

    #[test]
    fn the_list_view() {
        let session = session(&["01_threads/spawn_join"]);
        let mut state = state(&session, Check::Untouched);
        let statuses = (0..session.course().exercises.len())
            .map(|i| state.status(i))
            .collect();
        state.view = View::List(ListView::new(
            session.course(),
            statuses,
            state.watched.unwrap_or(0),
        ));
        insta::assert_snapshot!(drawn(&mut state));
    }

    #[test]
    fn every_exercise_done() {
        let ids: Vec<String> = session(&[])
            .course()
            .exercises
            .iter()
            .map(|e| e.id.clone())
            .collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let session = session(&ids);
        insta::assert_snapshot!(drawn(&mut state(&session, Check::Waiting)));
    }

    #[test]
    fn progress_naming_exercises_the_course_no_longer_has_counts_only_the_course() {
        let session = session(&[
            "01_threads/spawn_join",
            "00_gone/a",
            "00_gone/b",
            "00_gone/c",
        ]);
        let text = drawn(&mut state(&session, Check::Untouched));
        assert!(text.contains(" 1/"), "{text}");
        for width in [1, 5, 20] {
            frame(&mut state(&session, Check::Untouched), width, 3);
        }
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
    fn watching<'a>(session: &'a Session, id: &str) -> WatchState<'a> {
        let mut state = WatchState::new(session, Mode::Notify);
        state.watched = session.course().index_of(id);
        state.check = Check::Untouched;
        state
    }

    #[test]
    fn a_lesson_wraps_between_words_and_a_long_title_ends_in_an_ellipsis() {
        let session = session(&[]);
        let mut state = watching(&session, "03_shared_state/lost_update");
        state.scroll = 0;
        let frames: Vec<String> = [40, 80, 120]
            .iter()
            .map(|&w| format!("{w} × 10\n{}", seen(&mut state, w, 10)))
            .collect();
        insta::assert_snapshot!(frames.join("\n\n"));
    }

    #[test]
    fn a_reset_notice_is_wrapped_to_the_backups_file_name() {
        let session = session(&[]);
        let mut state = watching(&session, "01_threads/spawn_join");
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
        let session = session(&[]);
        let mut state = watching(&session, "01_threads/worker_loop");
        let sample = run(
            &[
                ("Worker 0 started", 0),
                ("Worker 1 started", 5),
                ("Worker 0 finished", 700),
                ("Worker 1 finished", 1200),
            ],
            1200,
        );
        let exercise = state.session().course().exercises[state.watched.unwrap()].clone();
        state.check = Check::Done(Verdict {
            runs: 1,
            sample: Some(sample),
            elapsed: Duration::from_millis(1300),
            ..Verdict::new(&exercise.id, exercise.path(), GradeOutcome::Passed)
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
