//! How long `learn grade --submissions` takes for a class: N submissions of the whole course,
//! every exercise holding its reference solution (the slowest case: a correct program runs
//! every run of every argument set, where a wrong one stops at its first failure), graded on
//! this machine into one gradebook. The goal: 30 submissions on 2 cores in at most 30 minutes.
//!
//! `LEARN_BENCH_SUBMISSIONS` lists the class sizes to measure (default `30`; e.g. `2,4` on a
//! shared machine). With two sizes or more, the time is fitted as fixed + per-submission
//! (least squares) and extrapolated to 30; with one, 30 is estimated in proportion. The
//! course's dependencies are built once beforehand (a warm build folder, as in CI with a
//! cache); every submission's files are new, so their compilation is measured.
//!
//! `cargo bench --bench grade_class`. A benchmark rather than a test: it asserts nothing.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use learn::course::Course;
use learn::test_support::under_cargo_bench;

/// The class size the goal is stated for.
const GOAL_SUBMISSIONS: f64 = 30.0;
/// The goal, in seconds.
const GOAL_SECONDS: f64 = 30.0 * 60.0;

fn main() {
    if !under_cargo_bench("grade_class", "it grades whole classes") {
        return;
    }
    let sizes: Vec<usize> = std::env::var("LEARN_BENCH_SUBMISSIONS")
        .unwrap_or_else(|_| "30".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .filter(|&n| n > 0)
        .collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let course = Course::load(&root).expect("the course loads");
    let target = root.join("target/learn-bench-class");
    eprintln!(
        "warming the build of the course's dependencies in {}…",
        target.display()
    );
    let warm = Command::new(env!("CARGO_BIN_EXE_learn"))
        .args(["verify", "--files", "solutions", "01_threads/spawn_join"])
        .current_dir(&root)
        .env("LEARN_TARGET_DIR", &target)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("learn runs");
    assert!(warm.status.success(), "the warm-up verify passes");

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut measured = Vec::new();
    for &n in &sizes {
        let load_before = load();
        let class = tempfile::tempdir().expect("a class folder");
        for i in 0..n {
            let submission = class.path().join(format!("student-{i:03}"));
            for exercise in &course.exercises {
                let file = submission.join(exercise.path());
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::copy(root.join(exercise.solution_path()), file).unwrap();
            }
        }
        let gradebook = class.path().join("gradebook.csv");
        let reports = class.path().join(".reports");
        let (wall, first_graded) = grade(&root, &target, class.path(), &gradebook, &reports);
        let text = std::fs::read_to_string(&gradebook).expect("the gradebook");
        let full = text
            .lines()
            .skip(1)
            .filter(|row| {
                let cells: Vec<&str> = row.split(',').collect();
                cells.get(1) == cells.get(2)
            })
            .count();
        eprintln!(
            "{n} submission(s): {:.1} s (first submission concluded after {:.1} s); {full} of {n} with full marks; load {load_before} before, {} after",
            wall.as_secs_f64(),
            first_graded.as_secs_f64(),
            load()
        );
        for failure in failures(&reports) {
            eprintln!("  not passed: {failure}");
        }
        measured.push((n as f64, wall.as_secs_f64()));
    }
    let estimate = match &measured[..] {
        [] => return,
        [(n, t)] => {
            println!(
                "\nestimate for 30: {t:.0} s × 30 / {n} (in proportion: fixed costs counted 30/{n} times)"
            );
            t * GOAL_SUBMISSIONS / n
        }
        points => {
            let (fixed, per) = fit(points);
            println!("\nfit: {fixed:.1} s fixed + {per:.1} s per submission");
            fixed + per * GOAL_SUBMISSIONS
        }
    };
    println!(
        "30 submissions of the whole course on {cores} core(s): {:.1} min (goal: at most {:.0} min) — {}",
        estimate / 60.0,
        GOAL_SECONDS / 60.0,
        if estimate <= GOAL_SECONDS {
            "within it"
        } else {
            "OVER it"
        }
    );
}

/// Runs `learn grade --submissions class`; its wall time, and when the first submission was
/// concluded (its `graded …` line).
fn grade(
    root: &Path,
    target: &Path,
    class: &Path,
    gradebook: &Path,
    reports: &Path,
) -> (Duration, Duration) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_learn"))
        .args(["grade", "--course", ".", "--submissions"])
        .arg(class)
        .arg("--report")
        .arg(format!("csv={}", gradebook.display()))
        .arg("--report")
        .arg(format!("json={}", reports.display()))
        .arg("--exit-zero")
        .current_dir(root)
        .env("LEARN_TARGET_DIR", target)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("learn runs");
    let mut first = None;
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap_or_default();
        if line.starts_with("graded ") && first.is_none() {
            first = Some(started.elapsed());
        }
    }
    assert!(child.wait().unwrap().success(), "learn grade ran");
    let wall = started.elapsed();
    (wall, first.unwrap_or(wall))
}

/// `SUBMISSION ID: headline` of every exercise not passed, from the per-submission
/// results.json files in `reports`.
fn failures(reports: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(reports)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    for file in files {
        let name = file
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let Ok(results) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        for test in results["tests"].as_array().into_iter().flatten() {
            if test["status"] != "pass" {
                let message = test["message"].as_str().unwrap_or_default();
                let first = message.lines().take(2).collect::<Vec<_>>().join(" / ");
                out.push(format!(
                    "{name} {}: {first}",
                    test["name"].as_str().unwrap_or("?")
                ));
            }
        }
    }
    out
}

/// Least squares: time = fixed + per × submissions.
fn fit(points: &[(f64, f64)]) -> (f64, f64) {
    let n = points.len() as f64;
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x, sy + y));
    let (mx, my) = (sx / n, sy / n);
    let sxx: f64 = points.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let per = if sxx > 0.0 { sxy / sxx } else { my / mx };
    (my - per * mx, per)
}

/// The load averages, as /proc/loadavg has them.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
