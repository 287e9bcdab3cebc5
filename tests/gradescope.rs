//! Gradescope: `--report gradescope=PATH` writes Gradescope's results.json, whose tests show a
//! student only their `output` (so a failure's output explains it in full), with the details
//! of hidden arguments shown once grades are published; and the autograder bundle's
//! `run_autograder`, run in a temporary folder laid out as `/autograder`.

mod common;

use std::path::Path;
use std::process::Command;

use common::{course_copy, grade, put_exercise, root, target_dir, text};
use serde_json::Value;

/// The odd/even solution with its LIMIT argument ignored: only hidden arguments catch it.
fn hard_coded_odd_even(dir: &Path) {
    let solution =
        std::fs::read_to_string(root().join("solutions/02_coordination/odd_even.rs")).unwrap();
    let ignored = solution.replace("match std::env::args().nth(1) {", "match None::<String> {");
    assert_ne!(ignored, solution);
    std::fs::write(dir.join("exercises/02_coordination/odd_even.rs"), ignored).unwrap();
}

#[test]
fn gradescope_results_explain_each_failure_in_its_output_and_hold_back_hidden_details() {
    let (pristine, fork) = (course_copy(), course_copy());
    put_exercise(
        fork.path(),
        "01_threads/spawn_join",
        "solutions/01_threads/spawn_join.rs",
    );
    put_exercise(
        fork.path(),
        "01_threads/join_results",
        "tests/fixtures/reports/join_results_off_by_one.rs",
    );
    hard_coded_odd_even(fork.path());
    let report = pristine.path().join("gradescope.json");
    let run = grade(
        pristine.path(),
        &[
            "--submission",
            fork.path().to_str().unwrap(),
            "01_threads/spawn_join",
            "01_threads/join_results",
            "02_coordination/odd_even",
            "--report",
            &format!("gradescope={}", report.display()),
            "--exit-zero",
        ],
        &[],
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run).1);
    let json = std::fs::read_to_string(&report).unwrap();
    let results: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(results["score"], 1);
    let tests = results["tests"].as_array().unwrap();
    let statuses: Vec<(&str, &str, &str)> = tests
        .iter()
        .map(|t| {
            (
                t["number"].as_str().unwrap(),
                t["status"].as_str().unwrap(),
                t["visibility"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("1.1", "passed", "visible"),
            ("1.5", "failed", "visible"),
            ("2.3", "failed", "visible"),
            ("2.3.1", "failed", "after_published"),
        ]
    );
    let wrong = tests[1]["output"].as_str().unwrap();
    let (rule, hint, printed) = (
        wrong.find("rule: the output must match").expect("the rule"),
        wrong.find("hint:").expect("the hint"),
        wrong.find("What the program printed:").expect("the output"),
    );
    assert!(rule < hint && hint < printed, "{wrong}");
    let held_back = tests[2]["output"].as_str().unwrap();
    assert!(
        !held_back.contains("odd: 3"),
        "no hidden expected output before publication"
    );
    let time = regex::Regex::new(r#""execution_time": [0-9.]+"#).unwrap();
    let seconds = regex::Regex::new(r"\d+\.\d s\)").unwrap();
    let stable = time.replace(&json, r#""execution_time": "[seconds]""#);
    insta::assert_snapshot!(seconds.replace_all(&stable, "[TIME])"));
}

#[test]
fn run_autograder_grades_the_submission_into_autograder_results() {
    let autograder = tempfile::tempdir().unwrap();
    let source = course_copy();
    std::fs::rename(source.path(), autograder.path().join("source")).unwrap();
    let fork = course_copy();
    put_exercise(
        fork.path(),
        "01_threads/spawn_join",
        "solutions/01_threads/spawn_join.rs",
    );
    // Uploaded as a zip of the repository: one folder down.
    std::fs::create_dir(autograder.path().join("submission")).unwrap();
    std::fs::rename(fork.path(), autograder.path().join("submission/my-repo")).unwrap();
    let run = Command::new("bash")
        .arg(root().join("gradescope/run_autograder"))
        .arg("01_threads/spawn_join")
        .env("AUTOGRADER_ROOT", autograder.path())
        .env("LEARN_BIN", env!("CARGO_BIN_EXE_learn"))
        .env("LEARN_TARGET_DIR", target_dir())
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", text(&run).1);
    let results: Value = serde_json::from_str(
        &std::fs::read_to_string(autograder.path().join("results/results.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(results["score"], 1, "{results}");
    assert_eq!(
        results["tests"][0]["name"],
        "01_threads/spawn_join (Spawn a thread and wait for it)"
    );
    assert_eq!(results["tests"][0]["status"], "passed");
    let setup = Command::new("bash")
        .args(["-n"])
        .arg(root().join("gradescope/setup.sh"))
        .output()
        .unwrap();
    assert!(
        setup.status.success(),
        "setup.sh parses: {}",
        text(&setup).1
    );
}
