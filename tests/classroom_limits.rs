//! What GitHub Classroom's path needs beyond a valid results.json: a document small enough for
//! the grading reporter to receive (it reads base64 from one environment variable, and Linux
//! refuses one over 128 KiB), and no learner text that the reporter would print as a workflow
//! command (it prints each message raw, outside any stop-commands block).

mod common;

use common::{course_copy, learn};
use serde_json::Value;

/// A wrong program that prints 4,000 long lines: its diff alone is far over the budget.
const PRINTS_4000_LINES: &str = r#"fn main() {
    for i in 0..4000 {
        println!("Square of {i} is not what this line says, and it says so at length: {i}");
    }
}
"#;

/// A compile error whose message and quoted source line are workflow commands.
const COMPILE_ERROR_COMMANDS: &str =
    "fn main() {\n    compile_error!(\"::error::pwned\\n##[warning]also\");\n}\n";

#[test]
fn results_json_of_noisy_failures_fits_the_reporter_and_issues_no_commands() {
    let fork = course_copy();
    for id in ["spawn_join", "worker_loop", "join_results"] {
        std::fs::write(
            fork.path().join(format!("exercises/01_threads/{id}.rs")),
            PRINTS_4000_LINES,
        )
        .unwrap();
    }
    std::fs::write(
        fork.path().join("exercises/01_threads/thread_args.rs"),
        COMPILE_ERROR_COMMANDS,
    )
    .unwrap();
    let run = learn(
        fork.path(),
        &[
            "verify",
            "01_threads/spawn_join",
            "01_threads/thread_args",
            "01_threads/worker_loop",
            "01_threads/join_results",
            "--report",
            "json=results.json",
            "--exit-zero",
        ],
    );
    assert_eq!(run.status.code(), Some(0), "{}", common::text(&run).1);
    let text = std::fs::read_to_string(fork.path().join("results.json")).unwrap();
    assert!(
        text.len() <= 64 * 1024,
        "results.json is {} bytes, over 64 KB",
        text.len()
    );
    assert!(
        text.len().div_ceil(3) * 4 < 128 * 1024,
        "its base64 fits one environment string"
    );
    let results: Value = serde_json::from_str(&text).expect("valid JSON");
    let tests = results["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 4);
    let wrong = tests
        .iter()
        .find(|t| t["name"] == "01_threads/join_results")
        .unwrap();
    let message = wrong["message"].as_str().unwrap();
    assert!(
        message.contains("rule: the output must match the expected output"),
        "the rule survives the cut: {message:.300}"
    );
    assert!(
        message.ends_with("the whole text is in the job's log and in junit.xml)"),
        "the cut says so"
    );
    for test in tests {
        for field in ["message", "output", "test_code", "name"] {
            let value = test[field].as_str().unwrap_or_default();
            assert!(
                !value
                    .lines()
                    .any(|l| l.trim_start().starts_with("::") || l.contains("##[")),
                "{}: {field} would issue a workflow command:\n{value}",
                test["name"]
            );
        }
    }
    let compile = tests
        .iter()
        .find(|t| t["name"] == "01_threads/thread_args")
        .unwrap();
    let message = compile["message"].as_str().unwrap();
    assert!(
        message.contains("error::pwned"),
        "the text is still there: {message}"
    );
}
