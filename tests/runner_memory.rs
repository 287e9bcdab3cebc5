//! The runner's own memory stays small whatever a program prints: `learn run` is watched from
//! outside (its `VmHWM`, the peak resident memory the kernel keeps for it) while it grades a
//! hostile program.
//!
//! Not a benchmark: the bound is asserted. `benches/verify_speed.rs` reports the peak of a
//! whole `learn verify` without asserting it.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What the runner may use at its peak: `learn run` of a one-line exercise peaks at about
/// 17 MB and `learn verify` of 8 solutions at 19 MB (debug build, 2026-12-01); a million
/// empty lines once took `learn run` to 396 MB, and a course of such programs to 2.1 GB.
/// Since every line kept names the thread that wrote it (`Line::writer`, 16 bytes more a
/// line: 27 floods of 10 000 lines kept, 4.3 MB) a course of floods peaks at 35–37 MB
/// (2026-12-08), hence 40 MB.
const MAX_PEAK_KB: u64 = 40 * 1024;

/// The peak resident memory of process `pid` so far, in KiB (0 once it is gone).
fn vm_hwm_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Runs `learn ARGS` in `dir`, watching its peak resident memory: (peak KiB, output).
fn peak_of(dir: &std::path::Path, args: &[&str]) -> (u64, std::process::Output) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_learn"))
        .args(args)
        .current_dir(dir)
        .env("LEARN_TARGET_DIR", common::target_dir())
        .env("NO_COLOR", "1")
        .env_remove("LEARN_UNLOCK_ALL")
        .env_remove("LEARN_COURSE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("learn runs");
    let pid = child.id();
    // Its output is small (floods are cut), so the pipes cannot fill while it is polled.
    // The peak only grows, so polling until the process ends misses at most its last moments.
    // Not wait4's ru_maxrss: the kernel gives there the larger of learn's peak and that of
    // every descendant it reaped (cargo, rustc, the graded programs), not learn's own.
    let (mut peak, mut samples) = (0, 0);
    let started = Instant::now();
    let output = loop {
        let kb = vm_hwm_kb(pid);
        if kb > 0 {
            peak = peak.max(kb);
            samples += 1;
        }
        if child.try_wait().expect("learn is waited for").is_some() {
            break child.wait_with_output().expect("learn's output");
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "learn never ended"
        );
        std::thread::sleep(Duration::from_millis(2));
    };
    assert!(samples > 0, "the learn process was never seen");
    (peak, output)
}

#[test]
fn a_million_empty_lines_leave_the_runner_under_40_mb() {
    let course = common::course_copy();
    common::put_exercise(
        course.path(),
        "01_threads/spawn_join",
        "tests/fixtures/faults/million_empty_lines.rs",
    );
    let (peak, output) = peak_of(course.path(), &["run", "01_threads/spawn_join"]);
    let (stdout, stderr) = common::text(&output);
    assert!(
        peak <= MAX_PEAK_KB,
        "learn peaked at {peak} KiB of resident memory (bound {MAX_PEAK_KB} KiB)"
    );
    assert!(
        stdout.contains("output_flood") || stderr.contains("output_flood"),
        "the million lines are a flood:\n{stdout}\n{stderr}"
    );
}

#[test]
fn a_course_of_such_programs_leaves_learn_verify_under_40_mb() {
    let course = common::course_copy();
    let ids: Vec<String> = common::course()
        .exercises
        .into_iter()
        .map(|e| e.id)
        .collect();
    for id in &ids {
        common::put_exercise(
            course.path(),
            id,
            "tests/fixtures/faults/million_empty_lines.rs",
        );
    }
    let (peak, output) = peak_of(course.path(), &["verify"]);
    let (stdout, _) = common::text(&output);
    assert!(
        peak <= MAX_PEAK_KB,
        "learn verify peaked at {peak} KiB of resident memory (bound {MAX_PEAK_KB} KiB)"
    );
    // API exercises fail to build (no API in the fixture); every other one is a flood.
    let floods = stdout.matches("output_flood").count();
    assert!(floods >= ids.len() / 2, "{floods} floods:\n{stdout}");
}
