//! From `git clone` to the first verdict, as a new learner meets it, in a terminal:
//!
//! 1. `git clone` of this repository (its HEAD: uncommitted changes are not measured) into a
//!    temporary folder, which has no target folder;
//! 2. `cargo run -- next` there: cargo builds `learn`, which shows the first lesson; timed
//!    until it exits;
//! 3. the learner reads the lesson and edits: 20 s (`LEARN_BENCH_READING=SECS` to change it;
//!    0 for a learner who edits at once), then the reference solution of
//!    `01_threads/spawn_join` in place of its starter (not timed). `learn next` has meanwhile
//!    started building the course in the background;
//! 4. `cargo run -- next` again: `learn` builds what the background build has not (the
//!    course's dependencies, rayon, tokio and ureq, and the exercise), and grades it; timed
//!    until the verdict line is on screen.
//!
//! It prints each timed step, their sum against the goal (≤ 60 s on 2 idle cores), the load
//! before, and the longest silence: the longest time the terminal showed nothing new (cargo's
//! progress bar and learn's progress line are what should fill it), with what it showed then.
//! Both commands run in a pseudo-terminal (`script`, of util-linux), as a learner's would, so
//! cargo and `learn` draw their progress as they do for a person. The crates' sources come from
//! cargo's registry cache, as after any earlier `cargo fetch`: the network is not measured.
//!
//! `cargo bench --bench first_verdict`. It takes every core for a minute or two: run it on an
//! idle machine. `LEARN_BENCH_TARGET=DIR` builds into DIR instead of an empty folder (a warm
//! one, to try the benchmark itself quickly; that figure is not the first hour's), and the
//! course into `LEARN_TARGET_DIR` if set, else DIR/learn.
//! A benchmark rather than a test: it asserts nothing.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The goal for clone → first verdict on 2 idle cores.
const GOAL: Duration = Duration::from_secs(60);
/// The exercise a new learner meets first, and what its verdict line starts with.
const FIRST: &str = "01_threads/spawn_join";
/// The terminal the commands run in.
const COLUMNS: u16 = 100;
/// How long the learner reads the lesson and edits, unless `LEARN_BENCH_READING` says.
const READING: Duration = Duration::from_secs(20);

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!(
            "first_verdict measures only under `cargo bench` (it builds everything from scratch)"
        );
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let clone = tempfile::Builder::new()
        .prefix("first-verdict-")
        .tempdir()
        .expect("a temporary folder");
    let repo = clone.path().join("learn");
    let status = Command::new("git")
        .args(["clone", "--quiet", "--no-hardlinks"])
        .arg(&root)
        .arg(&repo)
        .status()
        .expect("git runs");
    assert!(status.success(), "git clone failed");
    let commit =
        output_of(
            Command::new("git")
                .arg("-C")
                .arg(&repo)
                .args(["rev-parse", "--short", "HEAD"]),
        );
    let warm = std::env::var_os("LEARN_BENCH_TARGET").map(PathBuf::from);
    let target = warm.clone().unwrap_or_else(|| repo.join("target"));
    let load_before = load();
    eprintln!(
        "clone of {commit} in {}; building into {}{}",
        repo.display(),
        target.display(),
        if warm.is_some() {
            " (warm: LEARN_BENCH_TARGET)"
        } else {
            " (empty)"
        }
    );

    let lesson = in_terminal(&repo, &target, "next", None);
    eprintln!(
        "  step 2, `cargo run -- next` (build learn, show the lesson): {:.1} s",
        lesson.exited.as_secs_f64()
    );
    assert!(
        lesson.text.contains(&format!("exercises/{FIRST}.rs")),
        "the first lesson was not shown:\n{}",
        lesson.text
    );
    let reading = std::env::var("LEARN_BENCH_READING").map_or(READING, |secs| {
        Duration::from_secs_f64(
            secs.parse()
                .expect("LEARN_BENCH_READING: a number of seconds"),
        )
    });
    eprintln!(
        "  step 3, the learner reads and edits (not timed): {:.0} s",
        reading.as_secs_f64()
    );
    std::thread::sleep(reading);
    std::fs::copy(
        repo.join(format!("solutions/{FIRST}.rs")),
        repo.join(format!("exercises/{FIRST}.rs")),
    )
    .expect("the learner's edit");
    let verdict_line = format!("✓ {FIRST} passed");
    let check = in_terminal(&repo, &target, "next", Some(&verdict_line));
    let verdict = check
        .marker
        .unwrap_or_else(|| panic!("no verdict `{verdict_line}` on screen:\n{}", check.text));
    eprintln!(
        "  step 4, `cargo run -- next` after the edit (build the course, grade): {:.1} s",
        verdict.as_secs_f64()
    );

    let total = lesson.exited + verdict;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (silence, shown) = [&lesson, &check]
        .into_iter()
        .map(|s| (s.silence, s.silent_on.clone()))
        .max_by_key(|(gap, _)| *gap)
        .expect("two steps");
    println!(
        "\nclone → first verdict ({commit}, {cores} cores, load {load_before} before, {} after{}):",
        load(),
        if warm.is_some() {
            ", WARM target: not the first hour's figure"
        } else {
            ""
        }
    );
    println!(
        "  cargo run -- next (builds learn, shows the lesson):      {:>6.1} s",
        lesson.exited.as_secs_f64()
    );
    println!(
        "  cargo run -- next after {:>3.0} s reading (build + grade): {:>6.1} s",
        reading.as_secs_f64(),
        verdict.as_secs_f64()
    );
    println!(
        "  total:                                                   {:>6.1} s   (goal ≤ {} s on 2 idle cores)",
        total.as_secs_f64(),
        GOAL.as_secs()
    );
    println!(
        "  longest silence on screen: {:.1} s, showing `{shown}`",
        silence.as_secs_f64()
    );
}

/// What one command showed in its terminal.
struct Session {
    /// When it exited, since it started.
    exited: Duration,
    /// When the marker looked for was first on screen.
    marker: Option<Duration>,
    /// The longest time nothing new reached the screen.
    silence: Duration,
    /// The last line on screen when that silence began.
    silent_on: String,
    /// Everything it showed, escape sequences removed.
    text: String,
}

/// Runs `cargo run -- ARGS` in `repo` in a pseudo-terminal, building into `target`, and
/// watches its screen for `marker`.
fn in_terminal(repo: &Path, target: &Path, args: &str, marker: Option<&str>) -> Session {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let shell = format!("stty cols {COLUMNS} rows 30 2>/dev/null; exec '{cargo}' run -- {args}");
    let mut command = Command::new("script");
    command
        .args([
            "--quiet",
            "--flush",
            "--return",
            "--command",
            &shell,
            "/dev/null",
        ])
        .current_dir(repo)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .env("CARGO_TARGET_DIR", target)
        .env("TERM", "xterm-256color");
    if std::env::var_os("LEARN_BENCH_TARGET").is_none()
        || std::env::var_os("LEARN_TARGET_DIR").is_none()
    {
        command.env("LEARN_TARGET_DIR", target.join("learn"));
    }
    // What cargo bench set for this benchmark, and what would change learn's settings.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        let cargo_own = name.starts_with("CARGO_") && name != "CARGO_HOME";
        if cargo_own && name != "CARGO_TARGET_DIR"
            || [
                "CI",
                "NO_COLOR",
                "LEARN_COURSE",
                "LEARN_UNLOCK_ALL",
                "LEARN_JOBS",
            ]
            .contains(&name.as_str())
        {
            command.env_remove(&name);
        }
    }
    let started = Instant::now();
    let mut child = command.spawn().expect("script (util-linux) runs");
    let mut out = child.stdout.take().expect("piped");
    let (chunks, arrived) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = out.read(&mut buffer) {
            if n == 0 || chunks.send((Instant::now(), buffer[..n].to_vec())).is_err() {
                break;
            }
        }
    });
    let mut raw = Vec::new();
    let mut found = None;
    let mut last = started;
    let (mut silence, mut silent_on) = (Duration::ZERO, String::new());
    for (at, bytes) in arrived {
        if at - last > silence {
            silence = at - last;
            silent_on = last_line(&plain(&raw));
        }
        last = at;
        raw.extend_from_slice(&bytes);
        if found.is_none() && marker.is_some_and(|m| plain(&raw).contains(m)) {
            found = Some(at - started);
        }
    }
    let status = child.wait().expect("script ends");
    let exited = started.elapsed();
    let text = plain(&raw);
    assert!(
        status.success(),
        "cargo run -- {args} failed ({status}):\n{text}"
    );
    Session {
        exited,
        marker: found,
        silence,
        silent_on,
        text,
    }
}

/// `bytes` as text without terminal escape sequences; a carriage return starts a new line
/// (a redrawn progress line is one line per drawing).
fn plain(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes).replace('\r', "\n");
    anstream::adapter::strip_str(&text).to_string()
}

/// The last line of `text` with something on it.
fn last_line(text: &str) -> String {
    text.lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("(nothing yet)")
        .to_string()
}

/// What `command` prints, trimmed.
fn output_of(command: &mut Command) -> String {
    let output = command.output().expect("runs");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// The 1-minute load average.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".to_string())
}
