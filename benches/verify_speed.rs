//! How fast `learn verify --files solutions` grades the whole course, beside a sequential
//! baseline and the machine's limit, in one run:
//!
//! - (a) `learn verify --files solutions`, warm (every binary built): the median of `REPS` runs;
//! - (a') the same with the kernel's part of the sandbox switched off
//!   (`LEARN_SANDBOX_DISABLE=filesystem,network,signals,seccomp`): what landlock and seccomp
//!   cost (goal: a/a' ≤ 1.05);
//! - (a'') the same with the build's sandbox switched off (`LEARN_BUILD_SANDBOX=off`: cargo
//!   and rustc without landlock; the scrubbed environment and the bounds stay): what the
//!   build's sandbox costs (goal: a/a'' ≤ 1.05);
//! - (b) what rustlings does: one `learn verify --files solutions ID` per exercise, in course
//!   order, with `LEARN_JOBS=1` (one cargo invocation, then its runs one at a time), summed;
//!   measured on a second pass, once each exercise's own package is built;
//! - (c) the limit: a no-op `cargo build` of every exercise binary (the generated package, as
//!   learn's build invokes it), plus the larger of the longest single run and the CPU time of
//!   everything verify ran (runs, busy threads of perturbed runs, the runner; not the build)
//!   divided by the cores.
//!
//! - (d) the warm verify of (a) once more, beside [`LOAD_PER_CORE`] busy processes per core:
//!   how long it took, and that every verdict is still a pass (none failed, none *not judged*).
//!
//! Also: the runner's peak RSS during (a) (`VmHWM` of the learn process alone, polled), and the
//! cold first verify from an empty target folder (it compiles rayon, tokio, ureq…), which is
//! where (a) then runs. Runs are seen by polling the learn process's children every
//! [`POLL`]; the longest run is the longest a child was seen alive (± one poll).
//!
//! `cargo bench --bench verify_speed` (`REPS=5` for more runs of (a); `ONLY_LOAD=1` for the
//! cold verify and (d) alone). A benchmark rather than
//! a test: it asserts nothing; it takes a few minutes. Watch mode's save → verdict latency is
//! measured by `cargo bench --bench watch_latency`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use learn::course::Course;
use learn::supervise::children_of;
use learn::test_support::{median, under_cargo_bench};

/// How often the learn process is looked at.
const POLL: Duration = Duration::from_millis(20);

/// `LEARN_SANDBOX_DISABLE` for the row without the kernel's confinement.
const UNCONFINED: &str = "filesystem,network,signals,seccomp";
/// Busy processes per core beside the verify of (d), the load the grader promises to judge
/// at as an idle machine would.
const LOAD_PER_CORE: usize = 4;

fn main() {
    if !under_cargo_bench("verify_speed", "it grades the course about ten times") {
        return;
    }
    let reps: usize = std::env::var("REPS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
        .max(1);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let course = Course::load(&root).expect("the course loads");
    let target = tempfile::Builder::new()
        .prefix("verify-speed-")
        .tempdir_in(root.join("target"))
        .expect("a fresh target folder");
    let load_before = load();

    eprintln!(
        "cold first verify into an empty {} (compiles the course's dependencies)…",
        target.path().display()
    );
    let cold = verify(target.path(), &[], &[]);
    eprintln!("  {:.1} s", cold.wall.as_secs_f64());
    if std::env::var_os("ONLY_LOAD").is_some_and(|v| v == "1") {
        let idle = verify(target.path(), &[], &[]);
        println!(
            "(a) learn verify, warm, once: {:.1} s ({} of {} passed, load {load_before} before)",
            idle.wall.as_secs_f64(),
            idle.passed.0,
            idle.passed.1
        );
        print_loaded(target.path());
        return;
    }

    let warm: Vec<Verify> = (1..=reps)
        .map(|i| {
            let run = verify(target.path(), &[], &[]);
            eprintln!("(a) warm verify #{i}: {:.1} s, CPU {:.1} s, longest run {:.2} s, runner peak RSS {:.1} MB", run.wall.as_secs_f64(), run.cpu.as_secs_f64(), run.longest_run.as_secs_f64(), mb(run.peak_rss_kb));
            run
        })
        .collect();
    // The same without the kernel's part of the sandbox (landlock and seccomp; the fresh
    // folder, the clean environment and the dropped capabilities stay): its cost.
    let unconfined: Vec<Duration> = (1..=reps)
        .map(|i| {
            let run = verify(target.path(), &[], &[("LEARN_SANDBOX_DISABLE", UNCONFINED)]);
            eprintln!(
                "(a') warm verify without landlock and seccomp #{i}: {:.1} s",
                run.wall.as_secs_f64()
            );
            run.wall
        })
        .collect();

    // The same without the build's landlock: its cost.
    let build_unconfined: Vec<Duration> = (1..=reps)
        .map(|i| {
            let run = verify(target.path(), &[], &[("LEARN_BUILD_SANDBOX", "off")]);
            eprintln!(
                "(a'') warm verify without the build sandbox #{i}: {:.1} s",
                run.wall.as_secs_f64()
            );
            run.wall
        })
        .collect();

    let package = whole_course_package(target.path(), course.exercises.len());
    let noop: Vec<(Duration, Duration)> = (0..reps)
        .map(|_| noop_build(&package, target.path()))
        .collect();

    let sequential = |pass: &str| -> Duration {
        let mut total = Duration::ZERO;
        for exercise in &course.exercises {
            let one = verify(
                target.path(),
                &[exercise.id.as_str()],
                &[("LEARN_JOBS", "1")],
            );
            eprintln!(
                "(b) {pass} {}: {:.1} s",
                exercise.id,
                one.wall.as_secs_f64()
            );
            total += one.wall;
        }
        total
    };
    sequential("warming");
    let b = sequential("timed");

    let a = median(warm.iter().map(|v| v.wall).collect());
    let build = median(noop.iter().map(|n| n.0).collect());
    let build_cpu = median(noop.iter().map(|n| n.1).collect());
    let cpu = median(
        warm.iter()
            .map(|v| v.cpu.saturating_sub(build_cpu))
            .collect(),
    );
    let longest_run = median(warm.iter().map(|v| v.longest_run).collect());
    let longest_exercise = median(warm.iter().map(|v| v.longest_exercise).collect());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let c = build + longest_run.max(cpu / cores as u32);
    let peak = warm.iter().map(|v| v.peak_rss_kb).max().unwrap_or(0);
    let (passed, total) = warm[0].passed;

    println!(
        "\nlearn verify --files solutions: {total} exercises ({passed} passed), {cores} cores, load {load_before} before, {} after",
        load()
    );
    println!(
        "(a) learn verify, warm, median of {reps}:                 {:>7.1} s",
        a.as_secs_f64()
    );
    let a_unconfined = median(unconfined);
    println!(
        "(a') the same without landlock and seccomp:               {:>7.1} s   (a/a' {:.3}, goal ≤ 1.05)",
        a_unconfined.as_secs_f64(),
        a.as_secs_f64() / a_unconfined.as_secs_f64()
    );
    let a_build_unconfined = median(build_unconfined);
    println!(
        "(a'') warm verify with the build sandbox beside without:  {:>7.1} s   (a/a'' {:.3}, goal ≤ 1.05)",
        a_build_unconfined.as_secs_f64(),
        a.as_secs_f64() / a_build_unconfined.as_secs_f64()
    );
    println!(
        "(b) one exercise at a time (LEARN_JOBS=1), summed:       {:>7.1} s",
        b.as_secs_f64()
    );
    println!(
        "(c) limit: no-op cargo build {:.2} s + max(longest run {:.2} s, CPU {:.1} s / {cores}): {:>5.1} s",
        build.as_secs_f64(),
        longest_run.as_secs_f64(),
        cpu.as_secs_f64(),
        c.as_secs_f64()
    );
    println!(
        "    (longest exercise, Verdict.elapsed: {:.1} s)",
        longest_exercise.as_secs_f64()
    );
    println!(
        "a/c {:>5.2}   (target ≤ 1.25)",
        a.as_secs_f64() / c.as_secs_f64()
    );
    println!(
        "b/a {:>5.2}   (target ≥ 3)",
        b.as_secs_f64() / a.as_secs_f64()
    );
    println!(
        "runner peak RSS during (a): {:.1} MB   (target ≤ 30 MB)",
        mb(peak)
    );
    println!(
        "cold first verify, empty target folder: {:.1} s   (target ≤ 90 s)",
        cold.wall.as_secs_f64()
    );
    print_loaded(target.path());
    println!("watch save → verdict beside cargo build + run: cargo bench --bench watch_latency");
}

/// Row (d): the warm verify beside [`LOAD_PER_CORE`] busy processes per core.
fn print_loaded(target: &Path) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let busy: Vec<Busy> = (0..cores * LOAD_PER_CORE).map(|_| Busy::start()).collect();
    let loaded = verify(target, &[], &[]);
    let load_during = load();
    drop(busy);
    let (passed, total) = loaded.passed;
    println!(
        "(d) learn verify, warm, beside {LOAD_PER_CORE} busy processes per core: {:>7.1} s ({passed} of {total} passed, {} not judged; load {load_during} at the end)",
        loaded.wall.as_secs_f64(),
        loaded.not_judged
    );
}

/// A process spinning until dropped.
struct Busy(std::process::Child);

impl Busy {
    fn start() -> Busy {
        Busy(
            Command::new("sh")
                .args(["-c", "while :; do :; done"])
                .spawn()
                .expect("sh starts"),
        )
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What one `learn verify` cost.
struct Verify {
    wall: Duration,
    /// CPU time of learn and everything it ran (its children's rusage).
    cpu: Duration,
    /// `VmHWM` of the learn process, in KiB.
    peak_rss_kb: u64,
    /// The longest any child (a run; not cargo) was seen alive.
    longest_run: Duration,
    /// The longest `duration` (the verdict's elapsed) in results.json.
    longest_exercise: Duration,
    /// `(passed, graded)` exercises.
    passed: (usize, usize),
    /// Exercises *not judged*.
    not_judged: usize,
}

/// Runs `learn verify --files solutions IDS` building into `target`, watching it.
fn verify(target: &Path, ids: &[&str], env: &[(&str, &str)]) -> Verify {
    let report = target.join("results.json");
    let _ = std::fs::remove_file(&report);
    let cpu_before = children_cpu();
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_learn"))
        .args(["verify", "--files", "solutions", "--report"])
        .arg(format!("json={}", report.display()))
        .args(ids)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("LEARN_TARGET_DIR", target)
        .env("NO_COLOR", "1")
        .env_remove("LEARN_JOBS")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("learn runs");
    let (pid, done) = (child.id(), AtomicBool::new(false));
    let (peak_rss_kb, longest_run) = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| watch(pid, &done));
        let status = child.wait().expect("learn ends");
        done.store(true, Ordering::Relaxed);
        assert_ne!(
            status.code(),
            Some(2),
            "learn verify could not grade (was the course changed while measuring?)"
        );
        watcher.join().expect("the watcher ends")
    });
    let wall = start.elapsed();
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("learn wrote results.json"))
            .expect("results.json parses");
    let tests = results["tests"].as_array().cloned().unwrap_or_default();
    let longest_exercise = tests
        .iter()
        .filter_map(|t| t["duration"].as_f64())
        .fold(0.0, f64::max);
    let passed = tests.iter().filter(|t| t["status"] == "pass").count();
    Verify {
        wall,
        cpu: children_cpu() - cpu_before,
        peak_rss_kb,
        longest_run,
        longest_exercise: Duration::from_secs_f64(longest_exercise),
        passed: (passed, tests.len()),
        not_judged: tests.iter().filter(|t| t["status"] == "not_judged").count(),
    }
}

/// Polls process `pid` until `done`: its peak RSS (KiB) and the longest any of its children
/// other than cargo lived.
fn watch(pid: u32, done: &AtomicBool) -> (u64, Duration) {
    let mut peak = 0;
    let mut seen: HashMap<u32, (Instant, Instant)> = HashMap::new();
    while !done.load(Ordering::Relaxed) {
        let now = Instant::now();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        peak = peak.max(status_kb(&status, "VmHWM:"));
        for child in children_of(pid) {
            let comm = std::fs::read_to_string(format!("/proc/{child}/comm")).unwrap_or_default();
            if comm.trim() != "cargo" {
                seen.entry(child).or_insert((now, now)).1 = now;
            }
        }
        std::thread::sleep(POLL);
    }
    (
        peak,
        seen.values()
            .map(|(first, last)| *last - *first)
            .max()
            .unwrap_or_default(),
    )
}

/// The value in KiB of `field` in a /proc status file.
fn status_kb(status: &str, field: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// User + system time of every child this process has waited for.
fn children_cpu() -> Duration {
    // SAFETY: getrusage writes into the zeroed struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// The generated package of the whole course's verify: the one with the most binaries.
fn whole_course_package(target: &Path, exercises: usize) -> PathBuf {
    let manifests = std::fs::read_dir(target.join("packages"))
        .expect("learn generated packages")
        .flatten()
        .map(|p| p.path().join("Cargo.toml"));
    let (bins, manifest) = manifests
        .filter_map(|m| {
            Some((
                std::fs::read_to_string(&m).ok()?.matches("[[bin]]").count(),
                m,
            ))
        })
        .max()
        .expect("a package");
    assert!(
        bins >= exercises,
        "the largest package has {bins} binaries for {exercises} exercises"
    );
    manifest
}

/// A no-op `cargo build` of `manifest` as learn's build invokes it: its wall and CPU time.
fn noop_build(manifest: &Path, target: &Path) -> (Duration, Duration) {
    let cpu_before = children_cpu();
    let start = Instant::now();
    Command::new("cargo")
        .args(["build", "--manifest-path"])
        .arg(manifest)
        .arg("--target-dir")
        .arg(target.join("build"))
        .args([
            "--message-format",
            "json-diagnostic-rendered-ansi",
            "--keep-going",
            "--quiet",
            "--bins",
        ])
        .stdout(Stdio::null())
        .status()
        .expect("cargo runs");
    (start.elapsed(), children_cpu() - cpu_before)
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

/// The load averages, as /proc/loadavg has them.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split(' ')
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}
