//! Watch mode as a learner lives in it, driven in a real terminal: each test starts its own
//! tmux server (its socket inside the test's folder) running a shell in a fresh copy of the course, types `learn watch`, saves
//! files, presses keys and reads the screen. tmux is required (CI has it): without it these
//! tests fail, saying so, rather than pass unseen.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{course_copy, eventually, put_exercise, target_dir};
use learn::test_support::Tmux;

/// The first check may build the course's dependencies: generous.
const FIRST_CHECK: Duration = Duration::from_secs(120);
/// Anything else on screen.
const SOON: Duration = Duration::from_secs(30);

/// A tmux server of our own with one 100×30 window running a shell in `dir`.
struct Terminal {
    tmux: Tmux,
}

impl Terminal {
    fn open(dir: &Path) -> Terminal {
        let shell = [
            "env",
            "-u",
            "LEARN_UNLOCK_ALL",
            "-u",
            "LEARN_COURSE",
            "-u",
            "NO_COLOR",
            "-u",
            "CI",
            "PS1=$ ",
            "bash",
            "--norc",
            "--noprofile",
        ];
        let target_dir = target_dir();
        Terminal {
            tmux: Tmux::start(dir, (100, 30), &[("LEARN_TARGET_DIR", &target_dir)], &shell),
        }
    }

    /// Types a command line into the shell and presses Enter.
    fn type_line(&self, line: &str) {
        self.tmux(&["send-keys", "-t", "0", "-l", line]);
        self.keys(&["Enter"]);
    }

    /// Presses keys (tmux key names: `Down`, `Enter`, `Escape`, or characters).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "0"];
        args.extend(keys);
        self.tmux(&args);
    }

    fn resize(&self, width: u16, height: u16) {
        self.tmux(&[
            "resize-window",
            "-t",
            "0",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "0"])
    }

    /// Waits until the screen satisfies `ready`, and returns it; fails with the screen.
    fn wait_until(&self, what: &str, within: Duration, ready: impl Fn(&str) -> bool) -> String {
        let mut screen = String::new();
        eventually(within, || {
            screen = self.screen();
            ready(&screen)
                .then_some(())
                .ok_or_else(|| format!("{what}; the screen shows:\n{screen}"))
        });
        screen
    }

    fn wait_for(&self, text: &str, within: Duration) -> String {
        self.wait_until(&format!("`{text}`"), within, |screen| screen.contains(text))
    }

    /// Asks the shell whether the terminal is back in canonical (cooked) mode.
    fn assert_out_of_raw_mode(&self) {
        self.type_line("stty -a | grep -o -- '-\\?icanon' | tr a-z A-Z");
        let screen = self.wait_for("ICANON", SOON);
        assert!(
            !screen.contains("-ICANON"),
            "the terminal is out of raw mode:\n{screen}"
        );
    }

    fn tmux(&self, args: &[&str]) -> String {
        self.tmux.run(args)
    }
}

/// Saves the solution of `id` with a comment no file graded before had, so that the pass
/// cache of the shared build folder cannot answer for it: the check really runs.
fn save_unseen_solution(course: &Path, id: &str) {
    let solution =
        std::fs::read_to_string(common::root().join(format!("solutions/{id}.rs"))).unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    std::fs::write(
        course.join(format!("exercises/{id}.rs")),
        format!("{solution}// first saved at {nanos} ns\n"),
    )
    .unwrap();
}

fn learn_command(args: &str) -> String {
    format!(
        "{} {args}; echo \"learn exited with $?\"",
        env!("CARGO_BIN_EXE_learn")
    )
}

#[test]
fn a_saved_fix_shows_its_verdict_then_n_moves_on_and_q_gives_the_terminal_back() {
    let dir = course_copy();
    let terminal = Terminal::open(dir.path());
    terminal.type_line(&learn_command("watch"));
    terminal.wait_for("still the starter", SOON);
    let screen = terminal.screen();
    assert!(
        screen.contains("01_threads/spawn_join")
            && screen.contains("exercises/01_threads/spawn_join.rs"),
        "{screen}"
    );
    assert!(
        screen.contains("Progress") && screen.contains("0/"),
        "{screen}"
    );

    terminal.keys(&["n"]);
    terminal.wait_for("n moves on once this exercise passes", SOON);

    save_unseen_solution(dir.path(), "01_threads/spawn_join");
    let screen = terminal.wait_for("passed every run", FIRST_CHECK);
    assert!(
        screen.contains("Thread running..."),
        "the program's output is shown:\n{screen}"
    );
    assert!(
        !screen.contains("n moves on once"),
        "the notice of the failed `n` went with the pass:\n{screen}"
    );
    let progress = std::fs::read_to_string(dir.path().join(".learn-progress.toml")).unwrap();
    assert!(progress.contains("01_threads/spawn_join"), "{progress}");

    std::fs::write(
        dir.path().join("exercises/01_threads/spawn_join.rs"),
        common::MISMATCHED_TYPES,
    )
    .unwrap();
    let screen = terminal.wait_for("does not compile", SOON);
    assert!(
        screen.contains("mismatched types"),
        "rustc's error is shown:\n{screen}"
    );
    assert!(
        screen.contains("✗ 01_threads/spawn_join") && !screen.contains("✓ 01_threads/spawn_join"),
        "a done exercise that fails again is ✗ in the title too:\n{screen}"
    );
    // Rebuilt by the replay of rustc, whose warnings are shown too, on a pass.
    let warned = std::fs::read_to_string(
        common::root().join("tests/fixtures/reports/spawn_join_unused_variable.rs"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("exercises/01_threads/spawn_join.rs"),
        format!("{warned}// saved at {:?}\n", Instant::now()),
    )
    .unwrap();
    let screen = terminal.wait_for("passed every run, with 1 warning", SOON);
    assert!(
        screen.contains("warning: unused variable: `started`"),
        "rustc's warning is shown:\n{screen}"
    );
    put_exercise(
        dir.path(),
        "01_threads/spawn_join",
        "solutions/01_threads/spawn_join.rs",
    );
    // The verdict on the solution, not the one before it (which passed too, with a warning).
    terminal.wait_until("the solution's verdict", SOON, |s| {
        s.contains("passed every run") && !s.contains("with 1 warning")
    });

    terminal.keys(&["n"]);
    let screen = terminal.wait_for("01_threads/thread_args", SOON);
    assert!(screen.contains("1/"), "progress moved: {screen}");

    terminal.keys(&["q"]);
    let screen = terminal.wait_for("learn exited with 0", SOON);
    assert!(
        screen.contains("watch; echo"),
        "the shell's screen (with the command typed) is back:\n{screen}"
    );
    terminal.assert_out_of_raw_mode();
}

#[test]
fn a_save_with_an_older_mtime_is_graded_as_the_bytes_saved() {
    let dir = course_copy();
    let terminal = Terminal::open(dir.path());
    terminal.type_line(&learn_command("watch"));
    terminal.wait_for("still the starter", SOON);
    save_unseen_solution(dir.path(), "01_threads/spawn_join");
    terminal.wait_for("passed every run", FIRST_CHECK);
    // Wrong bytes saved with an mtime older than the last build (as `cp -p` does): watch mode
    // rebuilds with rustc alone, and must compile these bytes, not find the binary fresh.
    let file = dir.path().join("exercises/01_threads/spawn_join.rs");
    put_exercise(
        dir.path(),
        "01_threads/spawn_join",
        "tests/fixtures/wrong/01_threads/spawn_join/joined_after_print.rs",
    );
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(std::time::UNIX_EPOCH + Duration::from_secs(1_000_000_000))
        .unwrap();
    let screen = terminal.wait_for("✗ failed: before", SOON);
    assert!(!screen.contains("passed every run"), "{screen}");
    terminal.keys(&["q"]);
    terminal.wait_for("learn exited with", SOON);
}

#[test]
fn the_list_scrolls_searches_jumps_resets_and_refuses_locked_exercises() {
    let dir = course_copy();
    let terminal = Terminal::open(dir.path());
    terminal.type_line(&learn_command("watch"));
    terminal.wait_for("still the starter", SOON);

    terminal.keys(&["l"]);
    let screen = terminal.wait_for("01_threads Threads", SOON);
    assert!(
        screen.contains("› ▶  01_threads/spawn_join"),
        "the watched exercise is selected:\n{screen}"
    );
    terminal.keys(&["Down", "Enter"]);
    terminal.wait_for(
        "01_threads/thread_args is locked: finish 01_threads/spawn_join first",
        SOON,
    );

    terminal.resize(100, 12);
    terminal.keys(&["G"]);
    let last = learn::course::Course::load(dir.path())
        .unwrap()
        .exercises
        .last()
        .unwrap()
        .id
        .clone();
    let screen = terminal.wait_for(&format!("› 🔒 {last}"), SOON);
    assert!(
        !screen.contains("01_threads/spawn_join"),
        "the list scrolled down to the last exercise:\n{screen}"
    );

    terminal.keys(&["/", "s", "p", "a", "w", "n", "Enter"]);
    let screen = terminal.wait_for("search: spawn", SOON);
    assert!(
        !screen.contains("thread_args"),
        "the search narrows the list:\n{screen}"
    );
    terminal.keys(&["x"]);
    terminal.wait_for("Reset 01_threads/spawn_join to its starter?", SOON);
    terminal.keys(&["y"]);
    terminal.wait_for("Restored the starter of 01_threads/spawn_join", SOON);
    assert!(
        dir.path()
            .join(".learn-backups/01_threads")
            .read_dir()
            .unwrap()
            .count()
            == 1,
        "the learner's version was backed up first"
    );

    terminal.keys(&["Enter"]);
    let screen = terminal.wait_for("still the starter", SOON);
    assert!(screen.contains("▶ 01_threads/spawn_join"), "{screen}");
}

#[test]
fn an_unlocked_exercise_chosen_in_the_list_is_watched_and_any_terminal_size_is_drawn() {
    let dir = course_copy();
    put_exercise(
        dir.path(),
        "01_threads/worker_loop",
        "tests/fixtures/wrong/01_threads/worker_loop/join_in_loop.rs",
    );
    let terminal = Terminal::open(dir.path());
    terminal.type_line(&learn_command("watch --unlock-all --poll"));
    terminal.wait_for("still the starter", SOON);
    terminal.keys(&["l", "/", "w", "o", "r", "k", "Enter", "Enter"]);
    let screen = terminal.wait_until("the verdict on worker_loop", FIRST_CHECK, |s| {
        s.contains("✗ failed")
    });
    assert!(
        screen.contains("✗ 01_threads/worker_loop"),
        "the title's mark follows the verdict: {screen}"
    );

    terminal.keys(&["t"]);
    let screen = terminal.wait_for("Timeline of the failing run", SOON);
    assert!(
        screen.contains("Worker 0 |") && screen.contains("Worker 4 |"),
        "one lane per worker:\n{screen}"
    );

    terminal.resize(44, 9);
    let screen = terminal.wait_until("the small frame", SOON, |s| {
        // The keys on two lines there, q quit whole on the second.
        s.lines().any(|l| l.ends_with("q quit"))
    });
    assert!(
        screen.lines().count() <= 9 && screen.lines().all(|l| l.chars().count() <= 44),
        "{screen}"
    );
    assert!(
        screen.contains("✗ failed"),
        "the status survives a tiny terminal:\n{screen}"
    );
    terminal.resize(100, 30);
    terminal.wait_until("the full frame again", SOON, |s| {
        s.contains("n next · h hint") && s.contains("Timeline")
    });

    put_exercise(
        dir.path(),
        "01_threads/worker_loop",
        "solutions/01_threads/worker_loop.rs",
    );
    terminal.keys(&["t"]);
    terminal.wait_for("passed every run", SOON);
    terminal.keys(&["q"]);
    terminal.wait_for("learn exited with 0", SOON);
}

#[test]
fn manual_mode_checks_on_enter_only() {
    let dir = course_copy();
    put_exercise(
        dir.path(),
        "01_threads/spawn_join",
        "tests/fixtures/wrong/01_threads/spawn_join/never_joined.rs",
    );
    let terminal = Terminal::open(dir.path());
    terminal.type_line(&learn_command("watch --manual"));
    terminal.wait_for("press Enter to check it", SOON);
    put_exercise(
        dir.path(),
        "01_threads/spawn_join",
        "solutions/01_threads/spawn_join.rs",
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        terminal.screen().contains("press Enter to check it"),
        "a save alone checks nothing in manual mode"
    );
    terminal.keys(&["Enter"]);
    terminal.wait_for("passed every run", FIRST_CHECK);
    terminal.keys(&["q"]);
    terminal.wait_for("learn exited with 0", SOON);
}

#[test]
fn polling_finds_a_saved_fix_where_file_events_do_not_arrive() {
    let dir = course_copy();
    let terminal = Terminal::open(dir.path());
    terminal.type_line(&learn_command("watch --poll"));
    terminal.wait_for("saves are found by polling", SOON);
    put_exercise(
        dir.path(),
        "01_threads/spawn_join",
        "solutions/01_threads/spawn_join.rs",
    );
    terminal.wait_for("passed every run", FIRST_CHECK);
    std::fs::write(
        dir.path().join("exercises/01_threads/spawn_join.rs"),
        common::MISMATCHED_TYPES,
    )
    .unwrap();
    terminal.wait_for("does not compile", SOON);
    terminal.keys(&["q"]);
    terminal.wait_for("learn exited with 0", SOON);
}

/// A program that writes its pid to `pid` in its working folder, then sleeps for a minute.
const SLEEPS_A_MINUTE: &str = "fn main() {\n    std::hint::black_box(\"learn-sleeps-a-minute\");\n    std::thread::sleep(std::time::Duration::from_secs(60));\n}\n";

/// The pid of a running program built from [`SLEEPS_A_MINUTE`]: the sandbox gives it a
/// temporary working folder of its own, so it is found in /proc by its binary's name.
fn sleeping_program() -> Option<u32> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let comm = std::fs::read_to_string(entry.path().join("comm")).ok()?;
            let exe = std::fs::read_link(entry.path().join("exe")).ok()?;
            let binary = std::fs::read(&exe).ok()?;
            (comm.starts_with("01_threads-spaw")
                && binary
                    .windows(b"learn-sleeps-a-minute".len())
                    .any(|w| w == b"learn-sleeps-a-minute"))
            .then_some(pid)
        })
}

#[test]
fn sigterm_during_a_check_gives_the_terminal_back_and_leaves_no_run_behind() {
    let dir = course_copy();
    let terminal = Terminal::open(dir.path());
    terminal.type_line(&learn_command("watch"));
    terminal.wait_for("still the starter", SOON);
    std::fs::write(
        dir.path().join("exercises/01_threads/spawn_join.rs"),
        SLEEPS_A_MINUTE,
    )
    .unwrap();
    eventually(FIRST_CHECK, || {
        sleeping_program().map(|_| ()).ok_or_else(|| {
            format!(
                "the program to run; the screen shows:\n{}",
                terminal.screen()
            )
        })
    });
    let program = sleeping_program().expect("it runs");

    let shell = terminal.tmux(&["display", "-p", "-t", "0", "#{pane_pid}"]);
    let killed = Command::new("pkill")
        .args(["-TERM", "-P", shell.trim(), "-x", "learn"])
        .status()
        .unwrap();
    assert!(killed.success(), "learn was running under the shell");
    let screen = terminal.wait_for("learn exited with 0", SOON);
    assert!(
        screen.contains("watch; echo"),
        "the shell's screen is back:\n{screen}"
    );
    eventually(SOON, || {
        (!Path::new(&format!("/proc/{program}")).exists())
            .then_some(())
            .ok_or("the program checked when learn was stopped to end")
    });
    terminal.assert_out_of_raw_mode();
}

#[test]
fn learn_alone_without_a_terminal_prints_where_the_learner_stands() {
    let dir = course_copy();
    let output = common::learn(dir.path(), &[]);
    let (out, _) = common::text(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(out.contains("▶ 01_threads/spawn_join"), "{out}");
    let watch = common::learn(dir.path(), &["watch"]);
    assert_eq!(
        watch.status.code(),
        Some(2),
        "watch mode refuses to start without a terminal"
    );
}

#[test]
fn at_60_columns_the_lesson_wraps_once_and_the_keys_and_status_are_whole() {
    let dir = course_copy();
    let terminal = Terminal::open(dir.path());
    terminal.resize(60, 30);
    terminal.type_line(&learn_command("watch"));
    let screen = terminal.wait_for("q quit", SOON);
    for whole in ["n next", "x reset", "q quit", "still the starter: edit it"] {
        assert!(screen.contains(whole), "`{whole}` is on screen:\n{screen}");
    }
    let lines: Vec<&str> = screen.lines().collect();
    assert!(
        lines.iter().all(|l| !l.trim_end().ends_with('…')),
        "nothing is cut:\n{screen}"
    );
    // The lesson, between the two rules: wrapped once, greedily, so no line of a paragraph
    // had room for the next line's first word (wrapped twice, short lines alternate with
    // long).
    let rules: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("──"))
        .collect();
    let lesson = &lines[rules[0] + 1..rules[1]];
    let paragraphs: Vec<&[&str]> = lesson.split(|l| l.trim().is_empty()).collect();
    assert!(paragraphs.iter().any(|p| p.len() >= 3), "{screen}");
    for paragraph in paragraphs {
        for pair in paragraph.windows(2) {
            let next_word = pair[1].split_whitespace().next().unwrap_or("");
            assert!(
                pair[0].trim_end().chars().count() + 1 + next_word.chars().count() > 60,
                "`{}` had room for `{next_word}`, as if wrapped twice:\n{screen}",
                pair[0]
            );
        }
    }
    terminal.keys(&["q"]);
    terminal.wait_for("learn exited with 0", SOON);
}
