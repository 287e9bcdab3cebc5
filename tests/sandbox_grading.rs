//! `learn grade` against submissions that attack it, with the real binary: a simulated GitHub
//! Classroom step whose program tries to forge the score, a harness ended early by the
//! learner's code, submissions that pull the pristine solutions in at compile time (a
//! symbolic link, `include!`, `#[path]`, `unsafe`), a file restored with an older mtime,
//! and the sandbox's report and `--require-sandbox`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime};

use common::{
    course_copy, eventually, learn, learn_with_env, processes_with, put_exercise, root, text,
};
use serde_json::Value;

/// Every file under `dir` with its bytes, sorted.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                files.push((entry.path(), std::fs::read(entry.path()).unwrap()));
            }
        }
    }
    files.sort();
    files
}

/// A submission folder holding only `files` (`exercises/…` path, contents).
fn submission(files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/fixtures/hostile").join(name)).unwrap()
}

/// `learn grade` run in the fork's folder (`--submission .`) with the pristine course, then
/// `more` arguments, with `env` set.
fn grade_fork(fork: &Path, pristine: &Path, more: &[&str], env: &[(&str, &str)]) -> Output {
    let pristine = pristine.to_str().unwrap();
    let mut args = vec!["grade", "--course", pristine, "--submission", "."];
    args.extend(more);
    learn_with_env(fork, &args, env)
}

fn test_named<'r>(results: &'r Value, name: &str) -> &'r Value {
    results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no test {name} in {results}"))
}

#[test]
fn a_classroom_grading_step_keeps_the_true_score_whatever_the_program_does() {
    let pristine = course_copy();
    let job = tempfile::tempdir().unwrap();
    let runner_temp = job.path().join("runner-temp");
    std::fs::create_dir_all(&runner_temp).unwrap();
    let github_output = job.path().join("github-output");
    let step_summary = job.path().join("step-summary");
    std::fs::write(&github_output, "").unwrap();
    std::fs::write(&step_summary, "").unwrap();
    let forger = fixture("classroom_forger.rs")
        .replace("@RUNNER_TEMP@", &runner_temp.display().to_string())
        .replace("@GITHUB_OUTPUT@", &github_output.display().to_string())
        .replace("@STEP_SUMMARY@", &step_summary.display().to_string());
    let fork = submission(&[
        ("exercises/01_threads/spawn_join.rs", forger),
        (
            "exercises/03_shared_state/bank_account.rs",
            fixture("bank_account_exits_early.rs"),
        ),
    ]);
    let before = tree(pristine.path());
    let results_path = runner_temp.join("results.json");
    let run = grade_fork(
        fork.path(),
        pristine.path(),
        &[
            "01_threads/spawn_join",
            "03_shared_state/bank_account",
            "--report",
            &format!("json={}", results_path.display()),
        ],
        &[
            ("GITHUB_OUTPUT", github_output.to_str().unwrap()),
            ("RUNNER_TEMP", runner_temp.to_str().unwrap()),
            ("GITHUB_STEP_SUMMARY", step_summary.to_str().unwrap()),
            ("GITHUB_TOKEN", "ghs_secret_of_the_job"),
        ],
    );
    let (out, err) = text(&run);
    let written = std::fs::read_to_string(&results_path).expect("results.json written");
    // The daemon the program left would strike 1.5 s after it started: once no process of
    // it is left (learn stops them all), nothing can replace what learn wrote.
    eventually(Duration::from_secs(5), || {
        match processes_with(&["spawn_join", "daemon"]).as_slice() {
            [] => Ok(()),
            left => Err(format!(
                "no process of the program outlives learn: {left:?} still run"
            )),
        }
    });
    assert_eq!(
        std::fs::read_to_string(&results_path).unwrap(),
        written,
        "results.json is as learn wrote it"
    );
    assert!(!written.contains("forged"), "{written}");
    assert_eq!(
        std::fs::read_to_string(&github_output).unwrap(),
        "",
        "GITHUB_OUTPUT untouched"
    );
    assert_eq!(
        std::fs::read_to_string(&step_summary).unwrap(),
        "",
        "the step summary untouched"
    );
    assert_eq!(
        tree(pristine.path()),
        before,
        "the pristine course is byte-identical"
    );
    let results: Value = serde_json::from_str(&written).unwrap();
    let bank = test_named(&results, "03_shared_state/bank_account");
    assert_eq!(bank["status"], "fail", "{out}\n{err}");
    assert_eq!(bank["score"], 0);
    assert!(
        bank["message"]
            .as_str()
            .unwrap()
            .contains("the grading harness must run to its end"),
        "{bank}"
    );
    let score: u64 = results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["score"].as_u64().unwrap())
        .sum();
    assert!(
        out.contains(&format!("Score: {score}/{}", results["max_score"])),
        "the report's score is the one learn printed:\n{out}"
    );
    assert_eq!(
        results["sandbox"]["filesystem"], true,
        "{}",
        results["sandbox"]
    );
    assert_eq!(results["sandbox"]["seccomp"], true);
}

#[test]
fn a_submission_that_pulls_other_files_in_at_compile_time_is_refused_and_the_missing_protection_reported()
 {
    let pristine = course_copy();
    let solutions = pristine.path().join("solutions/01_threads");
    let fork = submission(&[
        (
            "exercises/01_threads/thread_args.rs",
            format!(
                "// a comment may say include!(\"x\") freely\ninclude!({:?});\n",
                solutions.join("thread_args.rs")
            ),
        ),
        (
            "exercises/01_threads/worker_loop.rs",
            format!(
                "#[path = {:?}]\nmod copied;\nfn main() {{}}\n",
                solutions.join("worker_loop.rs")
            ),
        ),
        (
            "exercises/01_threads/join_results.rs",
            format!(
                "{}\n#[unsafe(no_mangle)]\npub extern \"C\" fn runs_before_main() {{}}\n",
                std::fs::read_to_string(solutions.join("join_results.rs")).unwrap()
            ),
        ),
    ]);
    std::os::unix::fs::symlink(
        solutions.join("spawn_join.rs"),
        fork.path().join("exercises/01_threads/spawn_join.rs"),
    )
    .unwrap();
    let report = fork.path().join("results.json");
    let run = grade_fork(
        fork.path(),
        pristine.path(),
        &[
            "01_threads/spawn_join",
            "01_threads/thread_args",
            "01_threads/worker_loop",
            "01_threads/join_results",
            "--report",
            &format!("json={}", report.display()),
        ],
        &[("LEARN_SANDBOX_DISABLE", "signals")],
    );
    let (out, err) = text(&run);
    let results: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let message = |name: &str| {
        test_named(&results, name)["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    for name in [
        "01_threads/spawn_join",
        "01_threads/thread_args",
        "01_threads/worker_loop",
        "01_threads/join_results",
    ] {
        assert_eq!(
            test_named(&results, name)["score"],
            0,
            "{name}: {out}\n{err}"
        );
    }
    assert!(
        message("01_threads/spawn_join").contains("is a symbolic link, not a file"),
        "{}",
        message("01_threads/spawn_join")
    );
    assert!(
        message("01_threads/thread_args")
            .contains("line 2: `include` pulls another file in at compile time"),
        "the comment is not what is refused: {}",
        message("01_threads/thread_args")
    );
    assert!(
        message("01_threads/worker_loop").contains("a `path` attribute"),
        "{}",
        message("01_threads/worker_loop")
    );
    assert!(
        message("01_threads/join_results").contains("unsafe"),
        "{}",
        message("01_threads/join_results")
    );
    assert_eq!(
        results["sandbox"]["signals"], false,
        "{}",
        results["sandbox"]
    );
    assert_eq!(
        results["sandbox"]["filesystem"], true,
        "{}",
        results["sandbox"]
    );
    assert_eq!(
        err.matches("without the sandbox's signals protection")
            .count(),
        1,
        "said once: {err}"
    );
    let refused = grade_fork(
        fork.path(),
        pristine.path(),
        &["--require-sandbox"],
        &[("LEARN_SANDBOX_DISABLE", "network,signals")],
    );
    let (_, err) = text(&refused);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--require-sandbox") && err.contains("MISSING: network, signals"),
        "{err}"
    );
}

#[test]
fn a_file_restored_with_an_older_mtime_is_graded_as_its_own_bytes() {
    let course = course_copy();
    let id = "01_threads/spawn_join";
    let file = course.path().join(format!("exercises/{id}.rs"));
    put_exercise(course.path(), id, "solutions/01_threads/spawn_join.rs");
    let solved = learn(course.path(), &["run", "--unlock-all", id]);
    assert_eq!(solved.status.code(), Some(0), "{:?}", text(&solved));
    // `cp -p` of the starter: older bytes with an older mtime than the last build.
    std::fs::copy(
        root().join("course/starters/01_threads/spawn_join.rs"),
        &file,
    )
    .unwrap();
    let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(long_ago)
        .unwrap();
    let restored = learn(course.path(), &["run", "--unlock-all", id]);
    assert_eq!(
        restored.status.code(),
        Some(1),
        "the unsolved starter fails: {:?}",
        text(&restored)
    );
}

#[test]
fn the_classroom_workflow_runs_learn_with_a_clean_environment() {
    let workflow = std::fs::read_to_string(root().join(".github/workflows/classroom.yml")).unwrap();
    let command = workflow
        .replace("\\\n", " ")
        .lines()
        .find(|l| l.contains("/learn verify"))
        .expect("a learn verify command")
        .trim()
        .to_string();
    let before_learn = &command[..command.find("/learn verify").unwrap()];
    assert!(
        before_learn.starts_with("env -i "),
        "learn starts from an empty environment: {command}"
    );
    for variable in [
        "GITHUB_OUTPUT",
        "GITHUB_ENV",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_TOKEN",
        "RUNNER_TEMP=",
        "ACTIONS_",
    ] {
        assert!(
            !before_learn.contains(variable),
            "{variable} is handed to learn: {command}"
        );
    }
}

#[test]
fn with_every_kernel_protection_switched_off_a_solution_still_passes_and_the_report_says_so() {
    let course = course_copy();
    let report = course.path().join("results.json");
    let run = learn_with_env(
        course.path(),
        &[
            "verify",
            "--files",
            "solutions",
            "01_threads/spawn_join",
            "--report",
            &format!("json={}", report.display()),
        ],
        &[(
            "LEARN_SANDBOX_DISABLE",
            "filesystem,network,signals,seccomp",
        )],
    );
    let (out, err) = text(&run);
    assert_eq!(run.status.code(), Some(0), "{out}\n{err}");
    let results: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    for protection in ["filesystem", "network", "signals", "seccomp"] {
        assert_eq!(
            results["sandbox"][protection], false,
            "{}",
            results["sandbox"]
        );
        assert_eq!(
            err.matches(&format!("without the sandbox's {protection} protection"))
                .count(),
            1,
            "{err}"
        );
    }
}
