//! CI grading: the reports `learn verify --report` writes (results.json v3 with scores, JUnit
//! read back with an independent XML parser, Markdown for the job summary), what it prints
//! inside GitHub Actions, and `learn grade`, which a fork cannot fool by editing the course.

mod common;

use std::path::Path;

use common::{
    MISMATCHED_TYPES, course_copy, grade, learn, learn_with_env, put_exercise, read, text,
};
use learn::course::Course;
use serde_json::Value;

/// A wrong program that prints much more than results.json keeps, and tries to issue
/// workflow commands of its own.
const FLOODS_AND_INJECTS: &str = r#"fn main() {
    println!("::error::injected by the program");
    println!("::set-output name=score::100");
    for i in 0..100 {
        println!("Worker {i} printed a line that nobody asked for");
    }
}
"#;

/// The exercises graded below, in course order: a pass, a compile error, a long wrong output,
/// and a wrong output of two points.
const GRADED: [&str; 4] = [
    "01_threads/spawn_join",
    "01_threads/thread_args",
    "01_threads/worker_loop",
    "01_threads/join_results",
];

/// A learner's clone with one exercise of each kind of verdict.
fn mixed_fork() -> tempfile::TempDir {
    let dir = course_copy();
    put_exercise(
        dir.path(),
        "01_threads/spawn_join",
        "solutions/01_threads/spawn_join.rs",
    );
    std::fs::write(
        dir.path().join("exercises/01_threads/thread_args.rs"),
        MISMATCHED_TYPES,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("exercises/01_threads/worker_loop.rs"),
        FLOODS_AND_INJECTS,
    )
    .unwrap();
    put_exercise(
        dir.path(),
        "01_threads/join_results",
        "tests/fixtures/reports/join_results_off_by_one.rs",
    );
    dir
}

/// `learn verify` of [`GRADED`] in `dir` with `extra` arguments.
fn verify(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut args = vec!["verify"];
    args.extend(GRADED);
    args.extend(extra);
    learn_with_env(dir, &args, env)
}

/// Checks `results` against results.json version 3 and GitHub Classroom's fields and score
/// rules, for exercises worth `points` each (by name).
fn assert_results_v3(results: &Value, points: &dyn Fn(&str) -> u64) {
    assert_eq!(results["version"], 3);
    let status = results["status"].as_str().expect("a top-level status");
    assert!(
        ["pass", "fail", "error"].contains(&status),
        "status {status}"
    );
    if status == "error" {
        assert!(
            results["message"].as_str().is_some_and(|m| !m.is_empty()),
            "an error says why"
        );
    }
    let tests = results["tests"]
        .as_array()
        .expect("tests, required for pass and fail");
    assert!(!tests.is_empty());
    let mut max_score = 0;
    for test in tests {
        let name = test["name"].as_str().expect("a name");
        let test_status = test["status"].as_str().expect("a status");
        assert!(
            ["pass", "fail", "error"].contains(&test_status),
            "{name}: status {test_status}"
        );
        if test_status != "pass" {
            assert!(
                test["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{name}: a failure has a message"
            );
        }
        for field in ["message", "output", "test_code"] {
            let value = &test[field];
            assert!(
                value.is_null() || value.as_str().is_some_and(|s| !s.contains('\x1b')),
                "{name}: {field} is plain text or null"
            );
        }
        if let Some(output) = test["output"].as_str() {
            assert!(
                output.chars().count() <= 500,
                "{name}: output of {} characters",
                output.chars().count()
            );
        }
        assert!(
            test["test_code"]
                .as_str()
                .is_some_and(|c| c.contains("checks")),
            "{name}: says what was checked"
        );
        assert!(
            test["task_id"].as_u64().is_some_and(|t| t >= 1),
            "{name}: task_id is a chapter number"
        );
        assert!(
            test["line_no"].is_u64()
                && test["filename"].is_string()
                && test["duration"].is_number(),
            "{name}: Classroom's fields"
        );
        let worth = points(name);
        assert_eq!(
            test["score"].as_u64(),
            Some(if test_status == "pass" { worth } else { 0 }),
            "{name}: score"
        );
        max_score += worth;
    }
    assert_eq!(
        results["max_score"].as_u64(),
        Some(max_score),
        "max_score is the sum of the points"
    );
    let all_pass = tests.iter().all(|t| t["status"] == "pass");
    assert_eq!(
        status == "pass",
        all_pass,
        "the top-level status agrees with the tests"
    );
}

/// The points of each exercise, by id, as the course in `dir` says.
fn points_in(dir: &Path) -> impl Fn(&str) -> u64 {
    let course = Course::load(dir).expect("the course loads");
    move |id| {
        u64::from(
            course
                .exercise(id)
                .expect("an exercise of the course")
                .spec
                .points,
        )
    }
}

fn test_named<'a>(results: &'a Value, name: &str) -> &'a Value {
    results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no test {name}"))
}

#[test]
fn results_json_scores_every_exercise_and_exit_zero_leaves_the_verdict_to_it() {
    let dir = mixed_fork();
    let run = verify(
        dir.path(),
        &["--report", "json=reports/results.json", "--exit-zero"],
        &[],
    );
    assert_eq!(run.status.code(), Some(0), "--exit-zero: {}", text(&run).1);
    let results: Value =
        serde_json::from_str(&read(&dir.path().join("reports/results.json"))).expect("valid JSON");
    assert_results_v3(&results, &points_in(dir.path()));
    assert_eq!(results["status"], "fail");
    let names: Vec<&str> = results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, GRADED, "in course order");
    assert!(
        results["tests"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["task_id"] == 1),
        "all of chapter 1"
    );
    assert_eq!(results["max_score"], 5);
    assert!(
        results.get("protected_files_changed").is_none(),
        "only `learn grade` compares with a pristine course"
    );

    let passed = test_named(&results, "01_threads/spawn_join");
    assert_eq!(
        (passed["status"].as_str(), passed["score"].as_u64()),
        (Some("pass"), Some(1))
    );
    assert_eq!(passed["output"], "Thread running...\nMain done.");

    let compile = test_named(&results, "01_threads/thread_args");
    assert_eq!(compile["status"], "error");
    assert_eq!(compile["line_no"], 2);
    assert_eq!(compile["filename"], "exercises/01_threads/thread_args.rs");
    assert!(
        compile["message"]
            .as_str()
            .unwrap()
            .contains("mismatched types")
    );

    let flood = test_named(&results, "01_threads/worker_loop");
    let output = flood["output"].as_str().unwrap();
    assert!(
        output.starts_with(":\u{200B}:error::injected by the program\n"),
        "kept, but unable to issue a workflow command: {output}"
    );
    assert!(
        output.ends_with("(output cut at 500 characters)"),
        "{output}"
    );

    let wrong = test_named(&results, "01_threads/join_results");
    assert_eq!(
        (
            wrong["status"].as_str(),
            wrong["score"].as_u64(),
            wrong["line_no"].as_u64()
        ),
        (Some("fail"), Some(0), Some(0))
    );
    let message = wrong["message"].as_str().unwrap();
    assert!(
        message.contains("rule: the output must match the expected output")
            && message.contains("+Square of 0 is 0")
            && message.contains("hint:"),
        "{message}"
    );
    assert!(
        wrong["output"]
            .as_str()
            .unwrap()
            .starts_with("Square of 0 is 0\n")
    );
}

#[test]
fn junit_has_one_testcase_per_exercise_with_failures_errors_and_output() {
    let dir = mixed_fork();
    let run = verify(dir.path(), &["--report", "junit=junit.xml"], &[]);
    assert_eq!(run.status.code(), Some(1), "a failure without --exit-zero");
    let xml = read(&dir.path().join("junit.xml"));
    let document = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(
        (
            root.attribute("tests"),
            root.attribute("failures"),
            root.attribute("errors")
        ),
        (Some("4"), Some("2"), Some("1"))
    );
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 1);
    assert_eq!(suites[0].attribute("name"), Some("01_threads"));
    let cases: Vec<_> = suites[0]
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let names: Vec<&str> = cases.iter().filter_map(|c| c.attribute("name")).collect();
    assert_eq!(names, GRADED);
    assert!(
        cases
            .iter()
            .all(|c| c.attribute("classname") == Some("01_threads"))
    );
    let child = |case: &roxmltree::Node, tag: &str| {
        case.children().find(|n| n.has_tag_name(tag)).map(|n| {
            (
                n.attribute("type").map(str::to_string),
                n.text().unwrap_or_default().to_string(),
            )
        })
    };

    assert_eq!(child(&cases[0], "failure"), None);
    assert_eq!(
        child(&cases[0], "system-out").map(|(_, t)| t),
        Some("Thread running...\nMain done.".to_string())
    );
    let (kind, message) = child(&cases[1], "error").expect("a compile error is an <error>");
    assert_eq!(kind.as_deref(), Some("compile_error"));
    assert!(message.contains("mismatched types"));
    assert_eq!(
        (cases[1].attribute("file"), cases[1].attribute("line")),
        (Some("exercises/01_threads/thread_args.rs"), Some("2"))
    );
    let (kind, message) = child(&cases[3], "failure").expect("a broken rule is a <failure>");
    assert_eq!(kind.as_deref(), Some("output"));
    assert!(
        message.contains("rule: the output must match the expected output"),
        "{message}"
    );
    assert!(
        child(&cases[3], "system-out")
            .expect("captured output")
            .1
            .contains("Square of 0 is 0")
    );
    assert_eq!(
        child(&cases[2], "system-out")
            .expect("all of it, uncut")
            .1
            .lines()
            .count(),
        102
    );
}

#[test]
fn markdown_summary_is_a_table_of_exercises_points_and_total() {
    let dir = mixed_fork();
    verify(dir.path(), &["--report", "markdown=summary.md"], &[]);
    // The sandbox line names this machine's kernel (its landlock ABI): tested in
    // tests/sandbox_grading.rs, kept out of the snapshot.
    let summary = regex::Regex::new(r"(?m)^sandbox: landlock ABI \d+; .*$")
        .unwrap()
        .replace(
            &read(&dir.path().join("summary.md")),
            "sandbox: [this machine's protections]",
        )
        .into_owned();
    insta::assert_snapshot!(summary);
}

#[test]
fn inside_github_actions_program_output_cannot_issue_commands_and_failures_are_annotated() {
    let dir = mixed_fork();
    let (out, _) = text(&verify(dir.path(), &[], &[("GITHUB_ACTIONS", "true")]));
    let lines: Vec<&str> = out.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("::stop-commands::"))
        .expect("a stop-commands marker");
    let token = &lines[start]["::stop-commands::".len()..];
    assert!(token.len() >= 32, "a long random token: {token}");
    let end = lines
        .iter()
        .position(|l| *l == format!("::{token}::"))
        .expect("commands resume");
    let wrapped = &lines[start + 1..end];
    for printed in [
        "::error::injected by the program",
        "::set-output name=score::100",
        "Square of 0 is 0",
    ] {
        assert!(
            wrapped.iter().any(|l| l.contains(printed)),
            "{printed} is printed inside the markers:\n{out}"
        );
        let mut outside = lines[..start].iter().chain(&lines[end + 1..]);
        assert!(
            !outside.any(|l| l.trim_start().starts_with(printed)),
            "{printed} never starts a line outside them:\n{out}"
        );
    }
    let commands: Vec<&str> = lines[..start]
        .iter()
        .chain(&lines[end + 1..])
        .copied()
        .filter(|l| l.starts_with("::"))
        .collect();
    assert_eq!(
        commands.len(),
        3,
        "one annotation per exercise that did not pass: {commands:#?}"
    );
    assert!(commands[0].starts_with("::error file=exercises/01_threads/thread_args.rs,line=2,col=18,title=01_threads/thread_args%3A compile error%3A mismatched types::"), "{}", commands[0]);
    assert!(commands[1].starts_with("::error file=exercises/01_threads/worker_loop.rs,title=01_threads/worker_loop%3A output%3A "), "{}", commands[1]);
    assert!(
        commands[2].starts_with("::error file=exercises/01_threads/join_results.rs,title="),
        "{}",
        commands[2]
    );
    assert!(
        commands[2].contains("%0A  rule: the output must match the expected output%0A"),
        "{}",
        commands[2]
    );
}

/// A second clone: the teacher's pristine course.
fn pristine() -> tempfile::TempDir {
    course_copy()
}

/// Edits the expected output of join_results in `dir` to what the off-by-one fixture prints.
fn snapshot_the_wrong_output(dir: &Path) {
    let path = dir.join("course/snapshots/01_threads__join_results@default.snap");
    let snapshot = read(&path);
    let header_end = snapshot[3..].find("---\n").expect("an insta header") + 3 + 4;
    let wrong: String = (0..10)
        .map(|n| format!("Square of {n} is {}\n", n * n))
        .collect();
    std::fs::write(&path, format!("{}{wrong}", &snapshot[..header_end])).unwrap();
}

/// `learn grade` of exercise `id` of `fork` with `pristine`, and its results.json.
fn grade_one(
    pristine: &Path,
    fork: &Path,
    id: &str,
    env: &[(&str, &str)],
) -> (std::process::Output, Value) {
    let report = pristine.join("grade-results.json");
    let report = report.to_str().unwrap();
    let run = learn_with_env(
        fork,
        &[
            "grade",
            "--course",
            pristine.to_str().unwrap(),
            "--submission",
            ".",
            id,
            "--report",
            &format!("json={report}"),
        ],
        env,
    );
    let results = serde_json::from_str(&read(Path::new(report))).expect("valid JSON");
    std::fs::remove_file(report).unwrap();
    (run, results)
}

#[test]
fn a_fork_that_edits_a_snapshot_to_pass_a_wrong_solution_is_still_graded_failing() {
    let (fork, pristine) = (course_copy(), pristine());
    put_exercise(
        fork.path(),
        "01_threads/join_results",
        "tests/fixtures/reports/join_results_off_by_one.rs",
    );
    snapshot_the_wrong_output(fork.path());
    let inside = learn(fork.path(), &["verify", "01_threads/join_results"]);
    assert_eq!(
        inside.status.code(),
        Some(0),
        "the fork's own course accepts it: {}",
        text(&inside).0
    );

    let (run, results) = grade_one(pristine.path(), fork.path(), "01_threads/join_results", &[]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run).1);
    assert_eq!(
        test_named(&results, "01_threads/join_results")["status"],
        "fail"
    );
    assert_eq!(
        results["protected_files_changed"],
        serde_json::json!([{ "path": "course/snapshots/01_threads__join_results@default.snap", "change": "changed" }])
    );
    assert_results_v3(&results, &points_in(pristine.path()));
    let stable = regex::Regex::new(r"\d+\.\d s\)")
        .unwrap()
        .replace_all(&text(&run).0, "[TIME])")
        .into_owned();
    insta::assert_snapshot!(stable);
}

#[test]
fn a_fork_that_deletes_a_check_from_the_manifest_is_still_graded_failing() {
    let (fork, pristine) = (course_copy(), pristine());
    put_exercise(
        fork.path(),
        "01_threads/join_results",
        "tests/fixtures/reports/join_results_off_by_one.rs",
    );
    let manifest = fork.path().join("course/chapters/01_threads.toml");
    let text_before = read(&manifest);
    let join_results = text_before
        .find("name = \"join_results\"")
        .expect("join_results in chapter 1");
    let output_check = text_before[join_results..]
        .find("[[exercise.check]]\nkind = \"output\"\n")
        .expect("its output check")
        + join_results;
    let edited = format!(
        "{}{}",
        &text_before[..output_check],
        &text_before[output_check + "[[exercise.check]]\nkind = \"output\"\n".len()..]
    );
    std::fs::write(&manifest, edited).unwrap();
    std::fs::write(
        fork.path()
            .join("course/snapshots/01_threads__join_results@extra.snap"),
        "an extra snapshot\n",
    )
    .unwrap();
    let inside = learn(fork.path(), &["verify", "01_threads/join_results"]);
    assert_eq!(
        inside.status.code(),
        Some(0),
        "without its output check the fork passes it: {}",
        text(&inside).0
    );

    let (run, results) = grade_one(
        pristine.path(),
        fork.path(),
        "01_threads/join_results",
        &[("GITHUB_ACTIONS", "true")],
    );
    assert_eq!(run.status.code(), Some(1));
    let wrong = test_named(&results, "01_threads/join_results");
    assert_eq!(
        (wrong["status"].as_str(), wrong["score"].as_u64()),
        (Some("fail"), Some(0))
    );
    assert!(
        wrong["message"]
            .as_str()
            .unwrap()
            .contains("the output check failed")
    );
    let changed: Vec<(&str, &str)> = results["protected_files_changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["path"].as_str().unwrap(), c["change"].as_str().unwrap()))
        .collect();
    assert_eq!(
        changed,
        [
            ("course/chapters/01_threads.toml", "changed"),
            (
                "course/snapshots/01_threads__join_results@extra.snap",
                "added"
            )
        ]
    );
    let (out, _) = text(&run);
    assert!(out.contains("  changed  course/chapters/01_threads.toml\n  added    course/snapshots/01_threads__join_results@extra.snap\n"), "{out}");
    assert!(out.contains("\n::warning file=course/chapters/01_threads.toml,title=Protected file changed::course/chapters/01_threads.toml is changed in this submission; learn grade used the pristine course's version\n"), "{out}");
    assert!(out.contains("\n::error file=exercises/01_threads/join_results.rs,title=01_threads/join_results%3A output%3A "), "{out}");
}

#[test]
fn grading_a_submission_without_an_exercise_file_fails_it_and_says_so() {
    let (fork, pristine) = (course_copy(), pristine());
    std::fs::remove_file(fork.path().join("exercises/01_threads/spawn_join.rs")).unwrap();
    let run = grade(
        pristine.path(),
        &[
            "--submission",
            fork.path().to_str().unwrap(),
            "01_threads/spawn_join",
            "--report",
            "markdown=summary.md",
        ],
        &[],
    );
    assert_eq!(run.status.code(), Some(1));
    let (out, _) = text(&run);
    assert!(
        out.contains("✗ 01_threads/spawn_join  missing: exercises/01_threads/spawn_join.rs is not in the submission"),
        "{out}"
    );
    assert!(out.contains("No protected file was changed."), "{out}");
    let summary = read(&pristine.path().join("summary.md"));
    assert!(summary.contains("| `01_threads/spawn_join` | ⬜ missing | 0/1 | missing: exercises/01_threads/spawn_join.rs is not in the submission |"), "{summary}");
    assert!(
        !out.contains("does not compile"),
        "a missing file is not a compile error: {out}"
    );
}

#[test]
fn file_names_of_a_submission_cannot_issue_workflow_commands() {
    let (fork, pristine) = (course_copy(), pristine());
    std::fs::remove_file(fork.path().join("exercises/01_threads/spawn_join.rs")).unwrap();
    let names = [
        "a\n::add-mask::x",
        "b\n::stop-commands::forged",
        "c\n::error::forged",
    ];
    std::fs::create_dir_all(fork.path().join("tests")).unwrap();
    for name in names {
        std::fs::write(fork.path().join("tests").join(name), "x").unwrap();
    }
    let (run, results) = grade_one(
        pristine.path(),
        fork.path(),
        "01_threads/spawn_join",
        &[("GITHUB_ACTIONS", "true")],
    );
    assert_eq!(run.status.code(), Some(1));
    let (out, _) = text(&run);
    let commands: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("::"))
        .map(|l| l.split("::").nth(1).unwrap_or_default())
        .collect();
    assert!(
        commands.iter().all(|c| c.starts_with("warning ")
            || c.starts_with("error ")
            || *c == "stop-commands"
            || c.len() == 32),
        "only learn's own commands: {commands:?}\n{out}"
    );
    assert_eq!(
        out.lines()
            .filter(|l| l.starts_with("::stop-commands::"))
            .count(),
        1,
        "one stop-commands block:\n{out}"
    );
    assert!(
        out.contains("  added    tests/a\\n::add-mask::x\n"),
        "the name shown on one line:\n{out}"
    );
    assert_eq!(
        results["protected_files_changed"].as_array().unwrap().len(),
        3
    );
}

#[test]
fn grade_needs_the_pristine_course_named() {
    let fork = course_copy();
    let run = learn(fork.path(), &["grade", "--submission", "."]);
    assert_eq!(run.status.code(), Some(2));
    let (_, err) = text(&run);
    assert!(
        err.contains("required arguments were not provided") && err.contains("--course <DIR>"),
        "{err}"
    );
    // Its help says so, and promises no default it does not have.
    let help = learn(fork.path(), &["grade", "--help"]);
    let (out, _) = text(&help);
    let course = out
        .split("\n      --course <DIR>\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .unwrap_or_else(|| panic!("no --course in grade --help:\n{out}"));
    assert!(
        course.contains("The pristine course to grade with (required"),
        "{out}"
    );
    assert!(!course.contains("nearest folder above"), "{out}");
}

#[test]
fn a_fork_that_edits_a_grading_harness_to_pass_a_wrong_solution_is_still_graded_failing() {
    let (fork, pristine) = (course_copy(), pristine());
    let id = "03_shared_state/bank_account";
    // Wrong where only the harness looks, so that the fork's own verify passes every time: a
    // deposit that is lost (the program's main only withdraws).
    let solution =
        std::fs::read_to_string(common::root().join("solutions/03_shared_state/bank_account.rs"))
            .unwrap();
    let lost_deposit = solution.replace(
        "*self.balance.lock().unwrap() += amount;",
        "let _ = amount;",
    );
    assert_ne!(lost_deposit, solution);
    std::fs::write(fork.path().join(format!("exercises/{id}.rs")), lost_deposit).unwrap();
    let harness = "course/harness/03_shared_state/bank_account.rs";
    std::fs::write(fork.path().join(harness), "#[allow(unused_imports)]\nuse exercise::BankAccount;\n\nfn main() {\n    let proof = learn_harness::Proof::take();\n    println!(\"ok: every rule\");\n    proof.confirm();\n}\n").unwrap();
    let inside = learn(fork.path(), &["verify", id]);
    assert_eq!(
        inside.status.code(),
        Some(0),
        "the fork's own harness accepts it: {}",
        text(&inside).0
    );

    let (run, results) = grade_one(pristine.path(), fork.path(), id, &[]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run).1);
    let graded = test_named(&results, id);
    assert_eq!(graded["status"], "fail");
    assert!(
        graded["message"].as_str().unwrap().contains("harness"),
        "{}",
        graded["message"]
    );
    assert_eq!(
        results["protected_files_changed"],
        serde_json::json!([{ "path": harness, "change": "changed" }])
    );
    assert_results_v3(&results, &points_in(pristine.path()));
}

#[test]
fn the_report_says_how_many_runs_were_made_not_the_manifests_default() {
    let dir = common::course_copy();
    let run = learn(
        dir.path(),
        &[
            "verify",
            "--files",
            "solutions",
            "--runs",
            "2",
            "01_threads/spawn_join",
            "--report",
            "json=results.json",
        ],
    );
    assert_eq!(run.status.code(), Some(0), "{:?}", text(&run));
    let results: Value = serde_json::from_str(&read(&dir.path().join("results.json"))).unwrap();
    let code = test_named(&results, "01_threads/spawn_join")["test_code"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(code.contains("on 2 runs per argument set"), "{code}");
}
