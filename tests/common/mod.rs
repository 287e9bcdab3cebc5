//! Shared by the integration tests: the course of this repository, a build folder shared by
//! every test (so the course's dependencies compile once), and running the real binary. What
//! the library's own tests and the benchmarks share too (a course copy, tmux) is in
//! `learn::test_support`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use learn::checks::{CheckKind, NotJudged};
use learn::course::Course;
use learn::grade::{GradeOutcome, SkippedRule, Verdict};

/// A program that does not compile: `mismatched types` at line 2, column 18.
pub const MISMATCHED_TYPES: &str = "fn main() {\n    let x: u32 = \"no\";\n}\n";

/// The repository root, which is the course root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The course of this repository.
pub fn course() -> Course {
    Course::load(&root()).expect("the course loads")
}

/// The build folder every test shares.
pub fn target_dir() -> PathBuf {
    root().join("target/learn-tests")
}

/// Runs the `learn` binary in `dir` with `args`, colours off, no terminal, not in CI.
pub fn learn(dir: &Path, args: &[&str]) -> Output {
    learn_with_env(dir, args, &[])
}

/// [`learn`] with extra environment variables, e.g. `GITHUB_ACTIONS=true`.
pub fn learn_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    learn_command(dir, args, env).output().expect("learn runs")
}

/// `learn grade --course . ARGS` run in the course at `course`, with extra environment
/// variables `env`.
pub fn grade(course: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut all = vec!["grade", "--course", "."];
    all.extend(args);
    learn_with_env(course, &all, env)
}

/// The command [`learn_with_env`] runs, not yet started: for a test that spawns it, to
/// watch it or to give it other stdio.
pub fn learn_command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_learn"));
    command
        .args(args)
        .current_dir(dir)
        .env("LEARN_TARGET_DIR", target_dir())
        .env("NO_COLOR", "1")
        .env_remove("LEARN_UNLOCK_ALL")
        .env_remove("LEARN_COURSE")
        .env_remove("TERM")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        // Run by `cargo test`, which sets the package's variables as `cargo run` does: the
        // binary must see itself as installed (`learn`) unless a test says otherwise.
        .env_remove("CARGO_PKG_NAME")
        .envs(env.iter().copied());
    command
}

/// The text of the file at `path`; panics naming the file if it cannot be read.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Stdout and stderr of an output as text.
pub fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

// Not every test binary copies the course (`dead_code` above does not cover imports).
#[allow(unused_imports)]
pub use learn::test_support::course_copy;

/// Puts `source` (a path relative to the repository) in place of exercise `id` of `course`.
pub fn put_exercise(course: &Path, id: &str, source: &str) {
    std::fs::copy(
        root().join(source),
        course.join(format!("exercises/{id}.rs")),
    )
    .expect("copy exercise");
}

/// Pids of the live processes (zombies aside) whose command line holds every one of `words`.
pub fn processes_with(words: &[&str]) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let zombie = stat
                .rsplit_once(") ")
                .is_some_and(|(_, s)| s.starts_with('Z'));
            let cmdline = String::from_utf8_lossy(&cmdline);
            (!zombie && words.iter().all(|w| cmdline.contains(w))).then_some(pid)
        })
        .collect()
}

/// What rejected a verdict: the kinds of every rule the failing run broke (the report names
/// them all), `compile`, `course error`, or `not judged` (with the checks not judged).
pub fn rejected_by(verdict: &Verdict) -> Option<Vec<String>> {
    match &verdict.outcome {
        GradeOutcome::Passed => None,
        GradeOutcome::CompileError(_) => Some(vec!["compile".into()]),
        GradeOutcome::Failed(run) => {
            Some(run.failures.iter().map(|f| f.check.to_string()).collect())
        }
        GradeOutcome::CourseError(e) => Some(vec![format!("course error: {e}")]),
        GradeOutcome::Cancelled => Some(vec!["cancelled".into()]),
        GradeOutcome::NotJudged => Some(vec![format!("not judged: {:?}", verdict.skipped)]),
    }
}

/// Whether a verdict is *not judged* only because parallelism cannot be judged on a machine
/// with a single core (the programs size their work by the cores they may use): the one
/// verdict allowed to differ there.
pub fn not_judged_for_want_of_a_second_core(verdict: &Verdict) -> bool {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores < 2
        && matches!(verdict.outcome, GradeOutcome::NotJudged)
        && verdict.skipped.iter().all(|note| {
            note.rule == SkippedRule::Check(CheckKind::CpuParallelism)
                && note.why == NotJudged::OneCore
        })
}

/// Fixtures under tests/fixtures/KIND/CHAPTER/NAME/*.rs for the exercises of the course, with
/// the first line of each: `(exercise id, path, first line)`.
pub fn fixtures(kind: &str) -> Vec<(String, PathBuf, String)> {
    let course = course();
    let mut found = Vec::new();
    for exercise in &course.exercises {
        let dir = root().join("tests/fixtures").join(kind).join(&exercise.id);
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let first = std::fs::read_to_string(entry.path())
                .unwrap()
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            found.push((exercise.id.clone(), entry.path(), first));
        }
    }
    found.sort();
    found
}

/// The rule kinds a wrong fixture's first line names (`// rejected-by: KIND | KIND`).
pub fn named_rejections(first_line: &str) -> Option<Vec<&str>> {
    first_line
        .strip_prefix("// rejected-by: ")
        .map(|named| named.split('|').map(str::trim).collect())
}

/// Busy processes (`sh` spinning), so many for every core the test may use (they inherit its
/// CPU affinity), each spinning until dropped.
pub struct Load {
    children: Vec<std::process::Child>,
    cores: usize,
}

impl Load {
    /// `per_core` busy processes per core this process may use.
    pub fn per_core(per_core: usize) -> Load {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let children = (0..cores * per_core)
            .map(|_| {
                Command::new("sh")
                    .args(["-c", "while :; do :; done"])
                    .spawn()
                    .expect("sh starts")
            })
            .collect();
        Load { children, cores }
    }

    /// CPU time the load has used so far.
    pub fn cpu_time(&self) -> std::time::Duration {
        let ticks: u64 = self
            .children
            .iter()
            .filter_map(|c| std::fs::read_to_string(format!("/proc/{}/stat", c.id())).ok())
            .map(|stat| {
                let fields: Vec<u64> = stat
                    .rsplit_once(')')
                    .map_or("", |(_, rest)| rest)
                    .split_whitespace()
                    .skip(11)
                    .take(2)
                    .filter_map(|t| t.parse().ok())
                    .collect();
                fields.iter().sum::<u64>()
            })
            .sum();
        std::time::Duration::from_millis(ticks * 1000 / CLOCK_TICKS_PER_SECOND)
    }

    /// Panics unless the load really ran beside the test for most of `elapsed` (at least
    /// [`REAL_LOAD_SHARE`] of every core's time): a test of behaviour under load proves
    /// nothing without one.
    pub fn assert_it_loaded(&self, elapsed: std::time::Duration) {
        let used = self.cpu_time().as_secs_f64();
        let wanted = elapsed.as_secs_f64() * REAL_LOAD_SHARE * self.cores as f64;
        assert!(
            used >= wanted,
            "the load did not keep the cores busy: {used:.1} s of CPU in {elapsed:.1?} on {} core(s), {wanted:.1} s wanted",
            self.cores
        );
    }
}

/// The clock ticks per second of /proc/PID/stat's times (USER_HZ, 100 on Linux).
const CLOCK_TICKS_PER_SECOND: u64 = 100;

/// The share of every core's time the busy processes must have used for the load to count
/// as real: a quarter, which they exceed beside a grader (they are 4 or more per core) even
/// on a machine that other work loads too (965 s of CPU in 1248 s on 2 cores at load 45), and
/// on one core, where the grader's own runs and busy threads take the rest (104.7 s of CPU in
/// 332 s, 2026-12-02).
const REAL_LOAD_SHARE: f64 = 0.25;

impl Drop for Load {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Polls `done` every 50 ms until it is `Ok`; fails after `within` with what it waited for
/// (the `Err` of the last poll).
pub fn eventually<E: std::fmt::Display>(within: Duration, mut done: impl FnMut() -> Result<(), E>) {
    let deadline = Instant::now() + within;
    loop {
        match done() {
            Ok(()) => return,
            Err(what) => assert!(Instant::now() < deadline, "waited {within:?} for {what}"),
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Compiles `tests/fixtures/hostile/NAME.rs` with rustc (once per test process and source).
pub fn hostile(name: &str) -> PathBuf {
    let source = root().join(format!("tests/fixtures/hostile/{name}.rs"));
    let out_dir = target_dir().join("hostile");
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join(name);
    let fresh = |exe: &Path| {
        let built = std::fs::metadata(exe).and_then(|m| m.modified());
        let written = std::fs::metadata(&source).and_then(|m| m.modified());
        matches!((built, written), (Ok(b), Ok(w)) if b > w)
    };
    // One compile at a time in this test process: two tests of one fixture would otherwise
    // write the same partial file.
    static COMPILING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = COMPILING.lock().unwrap_or_else(|e| e.into_inner());
    if !fresh(&exe) {
        let partial = out_dir.join(format!("{name}.{}", std::process::id()));
        let status = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
            .args(["--edition", "2024", "-o"])
            .arg(&partial)
            .arg(&source)
            .status()
            .expect("rustc runs");
        assert!(status.success(), "{name}.rs compiles");
        std::fs::rename(&partial, &exe).unwrap();
    }
    exe
}

/// Runs `request` under the real supervisor, every protection of the sandbox in force: on a
/// machine that lacks one the test fails, saying which, rather than pass unseen.
pub fn run_confined(request: &learn::supervise::RunRequest) -> learn::supervise::RunRecord {
    let protections = learn::supervise::kernel_protections();
    assert!(
        protections.complete(),
        "this machine cannot prove the sandbox: {}",
        protections.summary()
    );
    learn::supervise::run(request).expect("the program starts")
}

/// The stdout of a run, its lines joined.
pub fn stdout_of(record: &learn::supervise::RunRecord) -> String {
    record.stdout_texts().collect::<Vec<_>>().join("\n")
}
