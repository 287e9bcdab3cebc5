//! A run drawn as a timeline in plain text: one lane per thread that printed, each line in
//! the lane of the thread that printed it where the probe tied the lines to their writers
//! (the lane named by the exercise's `lanes` pattern on the thread's first line, or `main`,
//! `thread TID`, `pid PID`), and otherwise one lane per label of the `lanes` pattern (other
//! lines go to `main`),
//! one per thread the probe saw still running when its process ended, or created and never
//! begun (a thread that never got to print shows too), and one per child process the runner
//! observed, time across, scaled to the width given. A learner sees at a glance that five
//! workers overlapped, or ran one after the other, or that main ended while a thread was
//! still at work.
//!
//! ```text
//! Worker 0 |S=====F                 |
//! Worker 1 |S======F                |
//! main     |                       *|
//! ```
//!
//! It reads a finished [`RunRecord`]; it never runs anything.

use std::fmt::Write;
use std::time::Duration;

use crate::course::Exercise;
use crate::grade::{GradeOutcome, Verdict};
use crate::lines::pattern::Pattern;
use crate::lines::shown::shown;
use crate::plural;
use crate::supervise::{Line, RunRecord, Writer};

/// Lanes drawn at most; the rest are counted.
const MAX_LANES: usize = 24;
/// Widest lane name shown.
const MAX_NAME: usize = 18;

/// What a lane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneKind {
    /// Lines of output: a mark per line.
    Lines,
    /// A thread the probe saw begin and never end: from its start to its process's end.
    CutOff,
    /// A child process: first and last seen alive.
    Process,
}

/// One lane: a thread's lines, a thread cut off, or a process's life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    /// What the lane is called.
    pub name: String,
    /// When its lines arrived (for a thread cut off or a process: its first and last moment).
    pub marks: Vec<Duration>,
    /// What it shows.
    pub kind: LaneKind,
}

/// The lanes of `record`: labelled lines in the order their lanes first appear, then one
/// lane per thread still running when its process ended, then one per observed child
/// process.
pub fn lanes(record: &RunRecord, pattern: Option<&Pattern>) -> Vec<Lane> {
    let mut lanes: Vec<Lane> = Vec::new();
    // The writer of each lane of lines, where the lines were tied to their writers.
    let mut writers: Vec<Option<Writer>> = Vec::new();
    for line in &record.stdout {
        let label = || pattern.and_then(|p| lane_of(p, &line.text));
        let found = match line.writer {
            Some(writer) => writers.iter().position(|w| *w == Some(writer)),
            None => {
                let name = label().unwrap_or_else(|| "main".to_string());
                lanes.iter().position(|l| l.name == name)
            }
        };
        match found {
            Some(lane) => lanes[lane].marks.push(line.at),
            None => {
                let name = lane_name(record, line, label(), &lanes);
                lanes.push(Lane {
                    name,
                    marks: vec![line.at],
                    kind: LaneKind::Lines,
                });
                writers.push(line.writer);
            }
        }
    }
    let probe = &record.processes.probe;
    let cut_off = probe
        .spawned()
        .filter(|t| t.ended.is_none())
        .map(|t| (format!("thread {}", t.tid), t.pid, t.started));
    let never_began = probe
        .never_began
        .iter()
        .map(|&(pid, created)| ("thread not begun".to_string(), pid, created));
    for (name, pid, from) in cut_off.chain(never_began) {
        let end = probe.exit_of(pid).map_or(record.wall, |e| e.at);
        lanes.push(Lane {
            name,
            marks: vec![from, end.max(from)],
            kind: LaneKind::CutOff,
        });
    }
    for child in &record.processes.children {
        lanes.push(Lane {
            name: format!("process {}", child.pid),
            marks: vec![child.first_seen, child.last_seen],
            kind: LaneKind::Process,
        });
    }
    lanes
}

/// The name of a new lane for `line`, which `label` (its lane by the exercise's pattern)
/// names: for a line tied to its writer, the label when that thread is not the main thread of
/// the run (then with its tid if another lane has the name already), else `main` or
/// `pid PID`; for a line not tied, the label or `main`.
fn lane_name(record: &RunRecord, line: &Line, label: Option<String>, lanes: &[Lane]) -> String {
    let Some(writer) = line.writer else {
        return label.unwrap_or_else(|| "main".to_string());
    };
    let root = writer.pid == record.processes.root;
    let name = match label {
        Some(label) if !(root && writer.is_main()) => label,
        _ if root && writer.is_main() => "main".to_string(),
        _ if writer.is_main() => format!("pid {}", writer.pid),
        _ => format!("thread {}", writer.tid),
    };
    if lanes.iter().any(|l| l.name == name) {
        format!("{name} ({})", writer.tid)
    } else {
        name
    }
}

/// The lane `pattern` puts `line` in: the name of the first named group that matched, or
/// the text of the first group, or the whole match; `None` when it does not match.
fn lane_of(pattern: &Pattern, line: &str) -> Option<String> {
    let captures = pattern.regex().captures(line)?;
    if let Some(name) = pattern
        .regex()
        .capture_names()
        .flatten()
        .find(|name| captures.name(name).is_some())
    {
        return Some(name.to_string());
    }
    captures
        .get(1)
        .or_else(|| captures.get(0))
        .map(|m| shown(m.as_str()).into_owned())
}

/// The run a verdict's timeline shows, with a title: the failing run, or the sample of a pass.
pub fn run_of(verdict: &Verdict) -> Option<(&RunRecord, String)> {
    match &verdict.outcome {
        GradeOutcome::Failed(run) => Some((
            &run.record,
            format!(
                "the failing run (#{}, {})",
                run.run_number,
                run.config.replay_key()
            ),
        )),
        _ => verdict
            .sample
            .as_ref()
            .map(|s| (s, "the first run".to_string())),
    }
}

/// The timeline to print under `verdict`: of its failing run when it broke a rule about
/// order or time, or of its run whatever happened when `always`; `width` columns wide.
pub fn under_verdict(
    verdict: &Verdict,
    exercise: &Exercise,
    always: bool,
    width: usize,
) -> Option<String> {
    if !always && !failed_on_order_or_time(verdict) {
        return None;
    }
    let (record, title) = run_of(verdict)?;
    Some(render(record, exercise.spec.lanes.as_ref(), &title, width))
}

fn failed_on_order_or_time(verdict: &Verdict) -> bool {
    matches!(&verdict.outcome, GradeOutcome::Failed(run) if run.failures.iter().any(|f| f.timing || f.check.about_order_or_time()))
}

/// The timeline of `record`, `width` columns wide, under the heading `title`.
pub fn render(record: &RunRecord, pattern: Option<&Pattern>, title: &str, width: usize) -> String {
    let lanes = lanes(record, pattern);
    let end = lanes
        .iter()
        .flat_map(|l| l.marks.iter().copied())
        .chain([record.wall])
        .max()
        .unwrap_or_default()
        .max(Duration::from_millis(1));
    let name_width = lanes
        .iter()
        .map(|l| l.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, MAX_NAME);
    let cells = width.saturating_sub(name_width + 3).max(10);
    let mut out = format!(
        "Timeline of {title}: {}, time across (ms)\n",
        plural::of(lanes.len(), "lane", "lanes")
    );
    let _ = writeln!(out, "{:name_width$} {}", "", axis(end, cells + 2));
    for lane in lanes.iter().take(MAX_LANES) {
        let name: String = lane.name.chars().take(name_width).collect();
        let _ = writeln!(
            out,
            "{name:name_width$} |{}|",
            draw(&lane.marks, end, cells, lane.kind)
        );
    }
    if lanes.len() > MAX_LANES {
        let more = lanes.len() - MAX_LANES;
        let noun = plural::noun(more, "lane", "lanes");
        let _ = writeln!(out, "… and {more} more {noun}");
    }
    if lanes.is_empty() {
        out.push_str("(nothing was printed and no child process was seen)\n");
    }
    out.push_str("S first line · F last line · + other lines · * a single line · = in between; a process: S started, F last seen\n");
    if lanes.iter().any(|l| l.kind == LaneKind::CutOff) {
        out.push_str(
            "a thread: S began (not begun: created), > still running when its process ended\n",
        );
    }
    out
}

/// `0` at the left, the middle time, and the end time at the right, over `cells` columns.
fn axis(end: Duration, cells: usize) -> String {
    let end_ms = end.as_millis();
    let (left, middle, right) = (
        "0".to_string(),
        format!("{}", end_ms / 2),
        format!("{end_ms} ms"),
    );
    let mut line = vec![' '; cells];
    let mut put = |at: usize, text: &str| {
        for (i, c) in text.chars().enumerate() {
            if let Some(cell) = line.get_mut(at + i) {
                *cell = c;
            }
        }
    };
    put(0, &left);
    if cells > left.len() + middle.len() + right.len() + 4 {
        put(cells / 2 - middle.len() / 2, &middle);
    }
    put(cells.saturating_sub(right.len()), &right);
    line.into_iter().collect()
}

/// One lane's cells: `=` between the first and last mark, the marks on top (of lines), the
/// end of a thread cut off as `>`.
fn draw(marks: &[Duration], end: Duration, cells: usize, kind: LaneKind) -> String {
    let column =
        |t: Duration| ((t.as_secs_f64() / end.as_secs_f64()) * (cells - 1) as f64).round() as usize;
    let mut line = vec![' '; cells];
    let (Some(&first), Some(&last)) = (marks.iter().min(), marks.iter().max()) else {
        return line.into_iter().collect();
    };
    if marks.len() == 1 {
        line[column(first).min(cells - 1)] = '*';
        return line.into_iter().collect();
    }
    let (from, to) = (column(first).min(cells - 1), column(last).min(cells - 1));
    for cell in &mut line[from..=to] {
        *cell = '=';
    }
    if kind == LaneKind::Lines {
        for &mark in marks {
            line[column(mark).min(cells - 1)] = '+';
        }
    }
    line[from] = 'S';
    if kind == LaneKind::CutOff {
        // Cut off even when it began at its process's last moment.
        line[to.max(from + 1).min(cells - 1)] = '>';
    } else if to > from {
        line[to] = 'F';
    }
    line.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervise::test_support::run;

    #[test]
    fn labelled_lines_get_their_own_lanes_and_the_rest_go_to_main() {
        let record = run(
            &[
                ("Worker 0 started", 0),
                ("Worker 1 started", 1),
                ("Worker 0 finished", 300),
                ("Worker 1 finished", 302),
                ("All done", 303),
            ],
            305,
        );
        let pattern = Pattern::new(r"^(Worker \d+)").unwrap();
        let names: Vec<String> = lanes(&record, Some(&pattern))
            .into_iter()
            .map(|l| l.name)
            .collect();
        assert_eq!(names, ["Worker 0", "Worker 1", "main"]);
        let named = Pattern::new(r"^(?:(?P<numbers>\d)|(?P<letters>[A-Z]))$").unwrap();
        let record = run(
            &[("0", 0), ("A", 1), ("1", 200), ("B", 201), ("Done", 400)],
            400,
        );
        let names: Vec<String> = lanes(&record, Some(&named))
            .into_iter()
            .map(|l| l.name)
            .collect();
        assert_eq!(names, ["numbers", "letters", "main"]);
    }

    #[test]
    fn each_line_goes_to_the_lane_of_the_thread_that_printed_it() {
        // One thread (11) printed both Ping and Pong; main printed the last line; thread 12
        // printed nothing.
        let mut record = run(&[("Ping", 0), ("Pong", 1), ("Ping", 2), ("Done", 3)], 4);
        record.processes.root = 10;
        for (line, tid) in record.stdout.iter_mut().zip([11, 11, 11, 10]) {
            line.writer = Some(Writer { pid: 10, tid });
        }
        let pattern = Pattern::new(r"^(Ping|Pong)$").unwrap();
        let drawn: Vec<(String, usize)> = lanes(&record, Some(&pattern))
            .into_iter()
            .map(|l| (l.name, l.marks.len()))
            .collect();
        assert_eq!(drawn, [("Ping".to_string(), 3), ("main".to_string(), 1)]);
        // Two threads whose lines have the same label keep a lane each.
        for line in record.stdout.iter_mut().skip(1).take(2) {
            line.writer = Some(Writer { pid: 10, tid: 12 });
        }
        record.stdout[1].text = "Ping".into();
        let names: Vec<String> = lanes(&record, Some(&pattern))
            .into_iter()
            .map(|l| l.name)
            .collect();
        assert_eq!(names, ["Ping", "Ping (12)", "main"]);
    }

    #[test]
    fn overlapping_workers_are_drawn_side_by_side_and_sequential_ones_one_after_the_other() {
        let pattern = Pattern::new(r"^(Worker \d+)").unwrap();
        let overlapped = run(
            &[
                ("Worker 0 started", 0),
                ("Worker 1 started", 0),
                ("Worker 0 finished", 300),
                ("Worker 1 finished", 300),
            ],
            300,
        );
        let text = render(&overlapped, Some(&pattern), "run", 40);
        assert!(
            text.contains("Worker 0 |S===========================F|"),
            "{text}"
        );
        assert!(
            text.contains("Worker 1 |S===========================F|"),
            "{text}"
        );
        let sequential = run(
            &[
                ("Worker 0 started", 0),
                ("Worker 0 finished", 300),
                ("Worker 1 started", 300),
                ("Worker 1 finished", 600),
            ],
            600,
        );
        let text = render(&sequential, Some(&pattern), "run", 40);
        assert!(
            text.contains("Worker 0 |S=============F              |"),
            "{text}"
        );
        assert!(
            text.contains("Worker 1 |              S=============F|"),
            "{text}"
        );
    }

    #[test]
    fn the_axis_shows_the_end_time_and_fits_the_width() {
        let text = render(
            &run(&[("tick", 500), ("tick", 1000)], 1000),
            None,
            "run",
            50,
        );
        assert!(
            text.lines()
                .all(|l| l.chars().count() <= 50 || l.starts_with("S first")),
            "{text}"
        );
        assert!(text.contains("1000 ms"), "{text}");
        assert!(text.contains("main |"), "{text}");
    }

    #[test]
    fn a_thread_still_running_when_main_ended_gets_a_lane_cut_off_at_the_end() {
        // spawn_join's starter: main printed at 1 ms and exited at 2 ms; the thread it
        // spawned at 0 ms never printed (probe times in ns).
        let mut record = run(&[("Main done.", 1)], 2);
        record.processes.probe = crate::supervise::ProbeRecords::parse(
            "start 10 1 0\nthread 11 10 10 7 100000\nexit 10 2000000 1 0 0",
            0,
        );
        let pattern = Pattern::new(r"^(?P<thread>Thread running)").unwrap();
        let text = render(&record, Some(&pattern), "run", 40);
        assert!(text.contains("2 lanes"), "{text}");
        assert!(text.contains("main      |"), "{text}");
        let cut = text
            .lines()
            .find(|l| l.starts_with("thread 11 |"))
            .unwrap_or_else(|| panic!("no lane for the thread:\n{text}"));
        assert!(cut.contains("S=") && cut.ends_with(">|"), "{text}");
        assert!(
            text.contains("> still running when its process ended"),
            "{text}"
        );
        // A thread that ended has no such lane: its lines tell its story.
        record.processes.probe = crate::supervise::ProbeRecords::parse(
            "start 10 1 0\nthread 11 10 10 7 100000\ntend 11 1500000 1\nexit 10 2000000 1 0 0",
            0,
        );
        assert_eq!(lanes(&record, Some(&pattern)).len(), 1);
        // A thread created that never began has one: main returned first.
        record.processes.probe = crate::supervise::ProbeRecords::parse(
            "start 10 1 0\nmade 10 7 100000\nexit 10 2000000 1 0 0",
            0,
        );
        let text = render(&record, Some(&pattern), "run", 40);
        assert!(
            text.contains("thread not begun | S=") && text.contains("=>|"),
            "{text}"
        );
    }
}
