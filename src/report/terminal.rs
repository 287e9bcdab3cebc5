//! Text for a person in a terminal (or a CI log): verdicts with their failure explained, the
//! exercise list, lessons. Styles are ANSI; `anstream` strips them where colour is off
//! (NO_COLOR, `--color never`, not a terminal).

use std::fmt::Write;
use std::path::Path;

use anstyle::{AnsiColor, Style};

use crate::checks::{Failure, Subject};
use crate::course::{Course, Exercise};
use crate::grade::{FailedRun, GradeOutcome, REPLAY_RUNS, Verdict};
use crate::invocation::Invocation;
use crate::lines::shown::shown;
use crate::plural;
use crate::progress::Status;
use crate::supervise::{Line, Perturbation};

const GOOD: Style = AnsiColor::Green.on_default().bold();
const BAD: Style = AnsiColor::Red.on_default().bold();
const NOTE: Style = AnsiColor::Yellow.on_default();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();

/// Lines of a program's output shown under a verdict that passed.
const OUTPUT_LINES: usize = 40;

/// Lines of a failed run's output shown under its verdict: enough to recognise the run, few
/// enough that the rule stays on screen (the rest is in a file, see [`full_output`]).
const FOLDED_LINES: usize = 8;

/// Lines of a failed run's stderr shown under its output: a panic's message and a few more.
const STDERR_LINES: usize = 12;

/// The width of `learn list`'s progress bar, in characters.
const PROGRESS_BAR_WIDTH: usize = 30;

/// `text` in `style`.
fn paint(style: Style, text: impl std::fmt::Display) -> String {
    format!("{style}{text}{style:#}")
}

/// A verdict's headline: `mark`, the exercise's id, then `said` (which starts with its own
/// separator: ` passed …`, `: course error: …`).
fn headline(mark: String, v: &Verdict, said: impl std::fmt::Display) -> String {
    format!("{mark} {}{said}\n", paint(BOLD, &v.id))
}

/// The headline `mark id said (runs)` of a grading that made its runs, under the output of
/// its sample run when one was kept.
fn with_its_runs(v: &Verdict, mark: String, said: &str) -> String {
    with_sample(
        v,
        &headline(
            mark,
            v,
            format_args!(" {said} {}", paint(DIM, runs_summary(v))),
        ),
    )
}

/// A note under a verdict, on its own line.
fn note(text: impl std::fmt::Display) -> String {
    format!("{}\n", paint(NOTE, format_args!("  note: {text}")))
}

/// The full report of one graded exercise: compile errors as rustc renders them, or the
/// verdict with the broken rule explained, then the program's output folded; a command to
/// paste is as the learner typed `invocation`.
pub fn verdict(v: &Verdict, invocation: Invocation) -> String {
    verdict_saved_at(v, None, invocation)
}

/// [`verdict`], naming `saved` as the file that holds the whole output of a failed run
/// (written by the caller from [`full_output`]) when the output is folded.
pub fn verdict_saved_at(v: &Verdict, saved: Option<&Path>, invocation: Invocation) -> String {
    let mut out = String::new();
    match &v.outcome {
        GradeOutcome::Passed => {
            out.push_str(&match &v.plan.replayed {
                Some(key) => with_sample(v, &did_not_recur(v, key, invocation)),
                None => with_its_runs(v, paint(GOOD, "✓"), &format!("passed{}", with_warnings(v))),
            });
            out.push_str(&warnings_block(v));
        }
        GradeOutcome::CompileError(e) => {
            out.push_str(&e.rendered);
            let place = e
                .location
                .as_ref()
                .map_or(String::new(), |(f, l, c)| format!(" at {f}:{l}:{c}"));
            out.push_str(&headline(
                paint(BAD, "✗"),
                v,
                format_args!(" does not compile{place}: {}", e.headline),
            ));
        }
        GradeOutcome::Failed(run) => {
            out.push_str(&failed_run(v, run, saved, invocation));
            out.push_str(&warnings_block(v));
        }
        GradeOutcome::CourseError(message) => out.push_str(&headline(
            paint(BAD, "✗"),
            v,
            format_args!(": course error: {message}"),
        )),
        GradeOutcome::Cancelled => {
            out.push_str(&headline(paint(NOTE, "…"), v, ": checking was cancelled"))
        }
        GradeOutcome::NotJudged => {
            out.push_str(&with_its_runs(v, paint(NOTE, "?"), "not judged"));
            out.push_str(&not_judged_text(v));
            out.push_str(&warnings_block(v));
        }
    }
    if let Some(explored) = &v.explored {
        out.push_str(&note(explored.describe()));
    }
    for retried in &v.retries {
        out.push_str(&note(format_args!("{retried}")));
    }
    if !v.plan.withheld_outputs.is_empty() {
        out.push_str(&note(format_args!(
            "not judged here: output of the hidden arguments ({}): your teacher's grading judges it",
            v.plan.withheld_outputs.join(", ")
        )));
    }
    if !matches!(v.outcome, GradeOutcome::NotJudged) {
        for skipped in &v.skipped {
            out.push_str(&note(format_args!("not judged here: {skipped}")));
        }
    }
    out
}

/// `, with 2 warnings` when rustc warned of the file graded, else nothing.
pub fn with_warnings(v: &Verdict) -> String {
    match v.warnings.len() {
        0 => String::new(),
        n => format!(", with {}", plural::of(n, "warning", "warnings")),
    }
}

/// The warnings rustc gave on the file, as it renders them, under the verdict (a pass's
/// too: an unused `JoinHandle` is a thread nobody waits for); on a failure, introduced as a
/// likely lead.
fn warnings_block(v: &Verdict) -> String {
    if v.warnings.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n");
    if !v.passed() {
        out.push_str(&note(format_args!(
            "rustc warned of your file ({}): it may point at the cause",
            plural::of(v.warnings.len(), "warning", "warnings")
        )));
    }
    let rendered: Vec<&str> = v.warnings.iter().map(|w| w.trim_end()).collect();
    out.push_str(&rendered.join("\n\n"));
    out.push('\n');
    out
}

/// Why a verdict is *not judged*, and what it means: every rule that could not be judged,
/// even on a retry, and that the exercise earns nothing until it is.
pub fn not_judged_text(v: &Verdict) -> String {
    let (tried, then) = if v.wants_more_cores() {
        (
            "on this machine",
            "which takes a machine with two cores or more",
        )
    } else {
        (
            "even on a retry",
            "check it again when the machine is less busy",
        )
    };
    let mut out = format!("  no rule was broken, but these could not be judged {tried}:\n");
    for note in &v.skipped {
        let _ = writeln!(out, "    - {note}");
    }
    let _ = writeln!(
        out,
        "  it earns no points and is not recorded done until it is judged: {then}"
    );
    out
}

/// The output of the verdict's sample run, if any, then `line`.
fn with_sample(v: &Verdict, line: &str) -> String {
    let mut out = v.sample.as_ref().map_or(String::new(), |sample| {
        output_block("Output", &sample.stdout, OUTPUT_LINES)
    });
    out.push_str(line);
    out
}

/// A replay that never failed: not "passed", since a failure that shows once in a while can
/// hide in more runs, and only `learn run` without `--replay` checks every configuration.
fn did_not_recur(v: &Verdict, key: &str, invocation: Invocation) -> String {
    let mut out = headline(
        paint(GOOD, "✓"),
        v,
        format_args!(
            ": the failure did not recur in {} of `{key}` {}",
            plural::of(v.runs, "run", "runs"),
            paint(DIM, format!("({:.1} s)", v.elapsed.as_secs_f64()))
        ),
    );
    out.push_str(&note(format!(
        "a rare failure can still hide; `{} run {}` checks every configuration",
        invocation.learn(),
        v.id
    )));
    out
}

/// A failed run, verdict first: the rule, what was seen, the hint, where and how to replay
/// it; then the run's output folded to [`FOLDED_LINES`] (its stderr to [`STDERR_LINES`]),
/// the whole of it in `saved` where the caller wrote it ([`full_output`]).
fn failed_run(
    v: &Verdict,
    run: &FailedRun,
    saved: Option<&Path>,
    invocation: Invocation,
) -> String {
    let mut out = String::new();
    let failure = run.failures.first();
    let _ = writeln!(
        out,
        "{} {} failed: {}",
        paint(BAD, "✗"),
        paint(BOLD, &v.id),
        failure.check
    );
    out.push_str(&failure_text(failure));
    let args = if run.config.args.hidden {
        "hidden arguments".to_string()
    } else {
        format!("arguments {:?}", run.config.args.values)
    };
    let _ = writeln!(out, "  {} {}", paint(BOLD, "where:"), v.file.display());
    let of = match &v.plan.replayed {
        Some(_) => format!("of this replay (up to {REPLAY_RUNS})"),
        None => "of this exercise".to_string(),
    };
    let _ = writeln!(
        out,
        "  {} #{} {of}, {args}, {}{}",
        paint(BOLD, "run:"),
        run.run_number,
        perturbation_words(run.config.perturbation),
        retry_words(run)
    );
    let _ = writeln!(
        out,
        "  {} {} run {}{} --replay {}",
        paint(BOLD, "replay:"),
        invocation.learn(),
        invocation.unlock_flag(),
        v.id,
        run.config.replay_key()
    );
    for other in run.failures.others() {
        let _ = writeln!(
            out,
            "  {} {}: {}",
            paint(BOLD, "also:"),
            other.check,
            other.rule
        );
    }
    let who = if run.subject == Subject::Harness {
        " (grading harness)"
    } else {
        ""
    };
    out.push('\n');
    out.push_str(&output_block(
        &format!("Output of the failing run{who}"),
        &run.record.stdout,
        FOLDED_LINES,
    ));
    if !run.record.stderr.is_empty() {
        out.push_str(&output_block(
            "Its stderr",
            &run.record.stderr,
            STDERR_LINES,
        ));
    }
    let folded = run.record.stdout.len() > FOLDED_LINES || run.record.stderr.len() > STDERR_LINES;
    if let (true, Some(path)) = (folded, saved) {
        out.push_str(&paint(
            DIM,
            format_args!("   the whole output: {}\n", path.display()),
        ));
    }
    out
}

/// The whole output of a failed run (stdout, then stderr under a title), as
/// [`verdict_saved_at`] names the file it is written to.
pub fn full_output(run: &FailedRun) -> String {
    let mut out = String::new();
    for line in &run.record.stdout {
        let _ = writeln!(out, "{}", shown(&line.text));
    }
    if !run.record.stderr.is_empty() {
        out.push_str("── stderr ──\n");
        for line in &run.record.stderr {
            let _ = writeln!(out, "{}", shown(&line.text));
        }
    }
    out
}

/// Why a failed run counted: after how many tries, or why a timing failure was not retried.
fn retry_words(run: &FailedRun) -> String {
    if run.retried > 0 {
        format!(", failed {} times in a row", run.retried + 1)
    } else if run.slow_on_a_quiet_machine() {
        ", not retried: the machine had CPU to spare all through the run, so the timing is the program's own".to_string()
    } else {
        String::new()
    }
}

/// The rule, what was seen, the diff and the hint of one failure.
pub fn failure_text(failure: &Failure) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "  {} {}", paint(BOLD, "rule:"), shown(&failure.rule));
    for (i, seen) in failure.seen.iter().enumerate() {
        let label = if i == 0 {
            paint(BOLD, "seen:")
        } else {
            "     ".to_string()
        };
        let _ = writeln!(out, "  {label} {}", shown(seen));
    }
    if let Some((expected, actual)) = &failure.diff {
        out.push_str(&diff(expected, actual));
    }
    let _ = writeln!(out, "  {} {}", paint(BOLD, "hint:"), failure.hint);
    out
}

/// A line diff of expected against actual, `-` expected, `+` yours.
pub fn diff(expected: &str, actual: &str) -> String {
    let mut out = String::from("  diff (- expected, + yours):\n");
    // Sanitised first: a carriage return inside a line would otherwise split it in two.
    let (expected, actual) = (
        format!("{}\n", shown(expected)),
        format!("{}\n", shown(actual)),
    );
    let changes = similar::TextDiff::from_lines(&expected, &actual);
    for change in changes.iter_all_changes() {
        let line = change.value().trim_end_matches('\n');
        let _ = match change.tag() {
            similar::ChangeTag::Delete => writeln!(out, "    {}", paint(BAD, format!("-{line}"))),
            similar::ChangeTag::Insert => writeln!(out, "    {}", paint(GOOD, format!("+{line}"))),
            similar::ChangeTag::Equal => writeln!(out, "     {line}"),
        };
    }
    out
}

fn output_block(title: &str, lines: &[Line], max: usize) -> String {
    let mut out = format!("{}\n", paint(DIM, format!("── {title} ──")));
    if lines.is_empty() {
        out.push_str(&paint(DIM, "   (nothing printed)\n"));
    }
    for line in lines.iter().take(max) {
        let _ = writeln!(out, "   {}", shown(&line.text));
    }
    if lines.len() > max {
        let more = lines.len() - max;
        let noun = plural::noun(more, "line", "lines");
        let _ = writeln!(out, "{}", paint(DIM, format!("   … {more} more {noun}")));
    }
    out
}

fn runs_summary(v: &Verdict) -> String {
    format!(
        "({}, {:.1} s)",
        plural::of(v.runs, "run", "runs"),
        v.elapsed.as_secs_f64()
    )
}

/// A schedule in words: `unperturbed`, `pinned to one core`, ….
pub fn perturbation_words(p: Perturbation) -> &'static str {
    match p {
        Perturbation::None => "unperturbed",
        Perturbation::OneCore => "pinned to one core",
        Perturbation::Busy => "beside busy threads loading every core",
    }
}

/// One line for `learn verify`.
pub fn verify_line(v: &Verdict) -> String {
    match &v.outcome {
        GradeOutcome::Passed => format!(
            "{} {}{} {}",
            paint(GOOD, "✓"),
            v.id,
            with_warnings(v),
            paint(DIM, runs_summary(v))
        ),
        GradeOutcome::CompileError(e) => format!(
            "{} {}  compile error: {}",
            paint(BAD, "✗"),
            v.id,
            e.headline
        ),
        GradeOutcome::Failed(run) => format!(
            "{} {}  {}: {}{}",
            paint(BAD, "✗"),
            v.id,
            run.failures.first().check,
            run.failures.first().rule,
            with_warnings(v)
        ),
        GradeOutcome::CourseError(m) => format!("{} {}  course error: {m}", paint(BAD, "✗"), v.id),
        GradeOutcome::Cancelled => format!("{} {}  cancelled", paint(NOTE, "…"), v.id),
        GradeOutcome::NotJudged => format!(
            "{} {}  not judged: {}",
            paint(NOTE, "?"),
            v.id,
            v.skipped
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

/// `learn list`: chapters, exercises with ✓ ▶ 🔒, and the progress N/M.
pub fn list(course: &Course, done: usize, status: impl Fn(&Exercise) -> Status) -> String {
    let mut out = format!("{}\n", paint(BOLD, &course.title));
    for chapter in &course.chapters {
        let _ = writeln!(
            out,
            "\n{} {}",
            paint(BOLD, &chapter.name),
            paint(DIM, &chapter.title)
        );
        for exercise in course
            .exercises
            .iter()
            .filter(|e| e.chapter == chapter.name)
        {
            let (mark, style) = match status(exercise) {
                Status::Done => ("✓", GOOD),
                Status::Current => ("▶", NOTE),
                Status::Locked => ("🔒", DIM),
                Status::Open => (" ", Style::new()),
            };
            let _ = writeln!(
                out,
                "  {} {:<34} {}",
                paint(style, mark),
                exercise.id,
                paint(DIM, &exercise.spec.title)
            );
        }
    }
    let total = course.exercises.len();
    let _ = writeln!(
        out,
        "\nProgress: {done}/{total} {}",
        bar(done, total, PROGRESS_BAR_WIDTH)
    );
    out
}

/// A progress bar of `width` cells.
pub fn bar(done: usize, total: usize, width: usize) -> String {
    let filled = (done * width).checked_div(total).unwrap_or(0).min(width);
    format!("[{}{}]", "#".repeat(filled), "-".repeat(width - filled))
}

/// The first `shown` levels of `exercise`'s hints, numbered when there are several, and
/// what asking again gives: more, or nothing (that was the last); `reflowed`: each
/// paragraph on one line (see [`reflow`]), for a screen that wraps it to its width; the
/// command to ask again as the learner typed `invocation`.
pub fn hints(exercise: &Exercise, shown: usize, reflowed: bool, invocation: Invocation) -> String {
    let levels = exercise.spec.hint.levels();
    let shown = shown.clamp(1, levels.len());
    let mut out = String::new();
    let _ = writeln!(out, "Hint for {}:", exercise.id);
    for (i, level) in levels.iter().take(shown).enumerate() {
        out.push('\n');
        if levels.len() > 1 {
            let _ = writeln!(
                out,
                "  {}",
                paint(BOLD, format_args!("{} of {}", i + 1, levels.len()))
            );
        }
        let level = if reflowed {
            reflow(level)
        } else {
            level.trim_end().to_string()
        };
        for line in level.lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    if shown < levels.len() {
        let last = if shown + 1 == levels.len() {
            " (the last one shows the code)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "\n{}",
            paint(
                DIM,
                format_args!(
                    "Still stuck? `{} hint {}{}` again gives the next hint{last}.",
                    invocation.learn(),
                    invocation.unlock_flag(),
                    exercise.id
                )
            )
        );
    }
    out
}

/// `text` (a lesson or a hint, wrapped by hand at about 90 columns in the manifest) with
/// each paragraph on one line, for a screen to wrap once at its own width. A line break is
/// kept before a blank line, an indented line, a list item (`- `, `* `, `1. `) and a fence
/// of code, and after a line that ends a sentence with `:`.
pub fn reflow(text: &str) -> String {
    let mut out = String::new();
    let mut open = false;
    for line in text.trim_end().lines() {
        let starts_a_block = line.trim().is_empty()
            || line.starts_with([' ', '\t'])
            || line.starts_with("- ")
            || line.starts_with("* ")
            || line.starts_with("```")
            || line
                .split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        if open && !starts_a_block {
            out.push(' ');
        } else if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line.trim_end());
        open = !line.trim().is_empty() && !line.starts_with("```") && !line.ends_with(':');
    }
    out
}

/// An exercise introduced: id, title, the file to open and the lesson; `reflowed`: the
/// lesson's paragraphs each on one line (see [`reflow`]), for a terminal that wraps them to
/// its width, else as the manifest wraps them; the commands to type as the learner typed
/// `invocation`.
pub fn exercise_intro(
    course: &Course,
    exercise: &Exercise,
    reflowed: bool,
    invocation: Invocation,
) -> String {
    let chapter = course.chapter_of(exercise);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}  {}",
        paint(NOTE, "▶"),
        paint(BOLD, &exercise.id),
        exercise.spec.title
    );
    let _ = writeln!(out, "  {} {}", paint(DIM, "chapter:"), chapter.title);
    let _ = writeln!(
        out,
        "  {} {}\n",
        paint(DIM, "open:   "),
        exercise.path().display()
    );
    let lesson = if reflowed {
        reflow(&exercise.spec.lesson)
    } else {
        exercise.spec.lesson.trim_end().to_string()
    };
    for line in lesson.lines() {
        let _ = writeln!(out, "  {line}");
    }
    let _ = writeln!(
        out,
        "\n  Make it pass, then run `{learn} next`. Stuck? `{learn} hint`.",
        learn = invocation.learn()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::scored::plain;

    #[test]
    fn reflow_joins_a_paragraphs_lines_and_keeps_blocks_apart() {
        let text = "A paragraph wrapped\nby hand.\n\nA list:\n- one\n- two\ncontinued\n    code()\n1. first\n2. second\n";
        assert_eq!(
            reflow(text),
            "A paragraph wrapped by hand.\n\nA list:\n- one\n- two continued\n    code()\n1. first\n2. second"
        );
    }

    #[test]
    fn a_verify_line_counts_the_warnings_and_says_nothing_without_any() {
        let mut verdict = Verdict::new(
            "01_threads/spawn_join",
            "exercises/01_threads/spawn_join.rs".into(),
            GradeOutcome::Passed,
        );
        verdict.runs = 6;
        assert_eq!(
            plain(&verify_line(&verdict)),
            "✓ 01_threads/spawn_join (6 runs, 0.0 s)"
        );
        verdict.warnings = vec!["warning: unused variable: `a`\n".into(); 2];
        assert_eq!(
            plain(&verify_line(&verdict)),
            "✓ 01_threads/spawn_join, with 2 warnings (6 runs, 0.0 s)"
        );
        let report = plain(&super::verdict(&verdict, Invocation::default()));
        assert!(
            report.starts_with("✓ 01_threads/spawn_join passed, with 2 warnings (6 runs, 0.0 s)\n\nwarning: unused variable: `a`\n\nwarning: unused variable: `a`\n"),
            "{report}"
        );
    }
}
