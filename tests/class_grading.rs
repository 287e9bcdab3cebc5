//! A class graded at once: `learn grade --submissions DIR` (or `--submission` repeated) builds
//! every submission's files in one cargo invocation and grades them together; the gradebook
//! (`--report csv=PATH`) has a row per submission; the other reports go one per submission
//! into a folder; a missing file is its own status; `learn gradebook merge` joins the
//! gradebooks of a class graded in chunks.

mod common;

use std::path::Path;

use common::{course_copy, grade, learn, read, root, text};
use learn::test_support::fifo;
use serde_json::Value;

/// The exercises graded: cheap ones of chapter 1.
const GRADED: [&str; 2] = ["01_threads/spawn_join", "01_threads/join_results"];

/// Writes submission `name` in `class`: the files of `exercises` (id, source relative to
/// the repository, or `None` for a missing file).
fn submission(class: &Path, name: &str, exercises: &[(&str, Option<&str>)]) {
    for (id, source) in exercises {
        let target = class.join(name).join(format!("exercises/{id}.rs"));
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        if let Some(source) = source {
            std::fs::copy(root().join(source), &target).unwrap();
        }
    }
}

/// A class of three: one passes everything, one fails join_results, one lacks its file.
fn class() -> tempfile::TempDir {
    let class = tempfile::tempdir().unwrap();
    let (spawn_join, join_results) = (GRADED[0], GRADED[1]);
    submission(
        class.path(),
        "ann",
        &[
            (spawn_join, Some("solutions/01_threads/spawn_join.rs")),
            (join_results, Some("solutions/01_threads/join_results.rs")),
        ],
    );
    submission(
        class.path(),
        "bo",
        &[
            (spawn_join, Some("solutions/01_threads/spawn_join.rs")),
            (
                join_results,
                Some("tests/fixtures/reports/join_results_off_by_one.rs"),
            ),
        ],
    );
    submission(
        class.path(),
        "cy",
        &[
            (spawn_join, Some("course/starters/01_threads/spawn_join.rs")),
            (join_results, None),
        ],
    );
    std::fs::create_dir(class.path().join(".git")).unwrap();
    class
}

#[test]
fn a_class_is_built_once_and_graded_into_one_gradebook_and_a_report_per_submission() {
    let (pristine, class) = (course_copy(), class());
    let out = tempfile::tempdir().unwrap();
    let csv = out.path().join("grades.csv");
    let per = out.path().join("per");
    let mut args = vec!["--submissions"];
    args.push(class.path().to_str().unwrap());
    args.extend(GRADED);
    let csv_arg = format!("csv={}", csv.display());
    let json_arg = format!("json={}", per.display());
    let md_arg = format!("markdown={}", per.display());
    let html = out.path().join("class.html");
    let html_arg = format!("html={}", html.display());
    args.extend([
        "--report", &csv_arg, "--report", &json_arg, "--report", &md_arg, "--report", &html_arg,
    ]);
    let run = grade(pristine.path(), &args, &[]);
    let (stdout, stderr) = text(&run);
    assert_eq!(
        run.status.code(),
        Some(1),
        "not everyone passed:\n{stdout}{stderr}"
    );
    assert_eq!(
        stderr.matches("Building 5 exercise files").count(),
        1,
        "one build for the whole class (cy lacks a file):\n{stderr}"
    );
    for name in ["ann", "bo", "cy"] {
        assert!(
            stdout.lines().any(|l| l.starts_with(name)),
            "a line for {name}:\n{stdout}"
        );
    }
    for phase in [
        "built (",
        "grading 5 exercise files of 3 submissions",
        "graded submission 1 of 3: ann (2 exercises) at ",
        "graded submission 3 of 3: cy (1 exercise) at ",
    ] {
        assert!(stderr.contains(phase), "{phase}:\n{stderr}");
    }
    for written in [csv.display().to_string(), per.display().to_string()] {
        assert!(
            stdout.contains(&format!("Wrote {written}")),
            "the summary names {written}:\n{stdout}"
        );
    }
    assert!(
        !stdout.contains(".git"),
        "hidden folders are not submissions"
    );
    insta::assert_snapshot!(read(&csv));

    let cy: Value = serde_json::from_str(&read(&per.join("cy.json"))).unwrap();
    let missing = &cy["tests"][1];
    assert_eq!(missing["name"], "01_threads/join_results");
    assert_eq!(
        missing["status"], "error",
        "Exercism's statuses are pass, fail, error"
    );
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .starts_with("missing: exercises/01_threads/join_results.rs is not in the submission"),
        "{missing}"
    );
    let bo: Value = serde_json::from_str(&read(&per.join("bo.json"))).unwrap();
    assert_eq!(
        (
            bo["tests"][0]["status"].as_str(),
            bo["tests"][1]["status"].as_str()
        ),
        (Some("pass"), Some("fail"))
    );
    the_class_report_renders_in_chromium_without_javascript(&html, out.path());
    let summary = read(&per.join("cy.md"));
    assert!(
        summary.contains("| `01_threads/join_results` | ⬜ missing | 0/2 |"),
        "{summary}"
    );
}

#[test]
fn submissions_given_one_by_one_need_distinct_names() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for dir in [a.path(), b.path()] {
        submission(
            dir,
            "same",
            &[(GRADED[0], Some("solutions/01_threads/spawn_join.rs"))],
        );
    }
    let run = grade(
        &root(),
        &[
            "--submission",
            a.path().join("same").to_str().unwrap(),
            "--submission",
            b.path().join("same").to_str().unwrap(),
            GRADED[0],
        ],
        &[],
    );
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run).1.contains("two submissions are named `same`"),
        "{}",
        text(&run).1
    );
}

#[test]
fn gradebooks_of_chunks_merge_into_one_and_an_existing_file_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let header = "submission,total,max,01_threads/spawn_join,01_threads/join_results\n";
    std::fs::write(dir.path().join("a.csv"), format!("{header}ann,3,3,1,2\n")).unwrap();
    std::fs::write(
        dir.path().join("b.csv"),
        format!("{header}\"doe, jo\",1,3,1,0\n"),
    )
    .unwrap();
    let merge = |out: &str, inputs: &[&str]| {
        let mut args = vec!["gradebook", "merge", out];
        args.extend(inputs);
        learn(dir.path(), &args)
    };
    let run = merge("class.csv", &["a.csv", "b.csv"]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "no course needed: {}",
        text(&run).1
    );
    assert_eq!(
        read(&dir.path().join("class.csv")),
        format!("{header}ann,3,3,1,2\n\"doe, jo\",1,3,1,0\n")
    );
    assert!(
        !dir.path().join("class.status.csv").exists(),
        "no explained gradebooks to merge"
    );
    let explained = "submission,identifier,commit,committed,chosen_by,late_commits,01_threads/spawn_join,01_threads/join_results\n";
    for (name, row) in [
        ("a", "ann,,,,HEAD,,passed,passed\n"),
        ("b", "\"doe, jo\",,,,HEAD,,passed,failed: output\n"),
    ] {
        std::fs::write(
            dir.path().join(format!("{name}.status.csv")),
            format!("{explained}{row}"),
        )
        .unwrap();
    }
    assert_eq!(
        merge("both.csv", &["a.csv", "b.csv"]).status.code(),
        Some(0)
    );
    assert_eq!(
        read(&dir.path().join("both.status.csv")),
        format!(
            "{explained}ann,,,,HEAD,,passed,passed\n\"doe, jo\",,,,HEAD,,passed,failed: output\n"
        )
    );
    let again = merge("class.csv", &["a.csv"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again).1.contains("class.csv exists"),
        "{}",
        text(&again).1
    );
    assert!(
        read(&dir.path().join("class.csv")).contains("doe, jo"),
        "untouched"
    );

    std::fs::write(
        dir.path().join("c.csv"),
        "submission,total,max,x/y\ncy,0,1,0\n",
    )
    .unwrap();
    let mismatch = merge("other.csv", &["a.csv", "c.csv"]);
    assert_eq!(mismatch.status.code(), Some(2));
    assert!(text(&mismatch).1.contains("grades other exercises"));
    assert!(!dir.path().join("other.csv").exists());
}

#[test]
fn a_submission_of_links_fifos_and_devices_is_refused_in_seconds_with_little_memory() {
    let (pristine, class) = (course_copy(), tempfile::tempdir().unwrap());
    let fork = class.path().join("mallory");
    std::fs::create_dir_all(fork.join("exercises/01_threads")).unwrap();
    fifo(&fork.join("exercises/01_threads/spawn_join.rs"));
    std::os::unix::fs::symlink(
        "/dev/stdin",
        fork.join("exercises/01_threads/join_results.rs"),
    )
    .unwrap();
    std::os::unix::fs::symlink("/dev/zero", fork.join("Cargo.toml")).unwrap();
    fifo(&fork.join("Cargo.lock"));
    let out = tempfile::tempdir().unwrap();
    let (stdout, stderr) = (out.path().join("stdout"), out.path().join("stderr"));
    let started = std::time::Instant::now();
    // stdin stays open and silent: a read of /dev/stdin would block for ever.
    let mut args = vec![
        "grade",
        "--course",
        ".",
        "--submission",
        fork.to_str().unwrap(),
    ];
    args.extend(GRADED);
    let child = common::learn_command(pristine.path(), &args, &[])
        .stdin(std::process::Stdio::piped())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain integers, for which all zeroes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    common::eventually(std::time::Duration::from_secs(30), || {
        // SAFETY: `pid` is our child, not yet reaped; status and usage are valid outputs.
        match unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) } {
            0 => Err("learn to finish grading"),
            _ => Ok(()),
        }
    });
    let elapsed = started.elapsed();
    let printed = format!("{}{}", read(&stdout), read(&stderr));
    assert!(elapsed.as_secs() < 30, "{elapsed:?}\n{printed}");
    let max_rss_mib = usage.ru_maxrss / 1024;
    assert!(max_rss_mib < 100, "learn took {max_rss_mib} MiB\n{printed}");
    assert_eq!(libc::WEXITSTATUS(status), 1, "{printed}");
    for said in [
        "exercises/01_threads/spawn_join.rs is a FIFO (named pipe)",
        "exercises/01_threads/join_results.rs is a symbolic link, not a file (it points to /dev/stdin)",
        "added    Cargo.toml",
        "changed  Cargo.lock",
    ] {
        assert!(printed.contains(said), "{said}:\n{printed}");
    }
    drop(child);
}

/// Runs git in `repo` with `args`, dated `date`.
fn git(repo: &Path, args: &[&str], date: &str) {
    let status = std::process::Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["-c", "user.name=t", "-c", "user.email=t@t"])
        .args(args)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_AUTHOR_DATE", date)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn with_a_deadline_each_repository_is_graded_at_its_last_commit_before_it() {
    let (pristine, class) = (course_copy(), tempfile::tempdir().unwrap());
    let id = GRADED[0];
    let repo = class.path().join("hello-world-dee");
    submission(
        class.path(),
        "hello-world-dee",
        &[(id, Some("solutions/01_threads/spawn_join.rs"))],
    );
    git(&repo, &["init", "-q"], "2026-12-01T10:00:00Z");
    git(&repo, &["add", "."], "2026-12-01T10:00:00Z");
    git(&repo, &["commit", "-qm", "on time"], "2026-12-07T23:00:00Z");
    std::fs::write(
        repo.join(format!("exercises/{id}.rs")),
        common::MISMATCHED_TYPES,
    )
    .unwrap();
    git(&repo, &["commit", "-qam", "late"], "2026-12-08T01:00:00Z");
    submission(class.path(), "eve", &[(id, None)]);
    std::fs::write(
        class.path().join("roster.csv"),
        "\"identifier\",\"github_username\",\"github_id\",\"name\"\n\"Dee D.\",\"dee\",\"1\",\"\"\n\"Not joined\",\"\",\"\",\"\"\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let csv = out.path().join("grades.csv");
    let (roster, csv_arg) = (
        class.path().join("roster.csv"),
        format!("csv={}", csv.display()),
    );
    // `learn grade` of the submissions named by `given`, at the deadline, with the roster.
    let by_the_deadline = |given: &[&str]| {
        let mut args = given.to_vec();
        args.extend([
            id,
            "--deadline",
            "2026-12-08T00:00:00Z",
            "--roster",
            roster.to_str().unwrap(),
            "--report",
            &csv_arg,
        ]);
        grade(pristine.path(), &args, &[])
    };
    let run = by_the_deadline(&[
        "--submission",
        repo.to_str().unwrap(),
        "--submission",
        class.path().join("eve").to_str().unwrap(),
    ]);
    let (stdout, stderr) = text(&run);
    assert_eq!(
        run.status.code(),
        Some(2),
        "eve is no git repository:\n{stdout}{stderr}"
    );
    assert!(stderr.contains("eve is not a git repository"), "{stderr}");

    std::fs::remove_dir_all(class.path().join("eve")).unwrap();
    let run = by_the_deadline(&["--submissions", class.path().to_str().unwrap()]);
    let (stdout, stderr) = text(&run);
    assert_eq!(
        run.status.code(),
        Some(0),
        "graded on time:\n{stdout}{stderr}"
    );
    assert!(
        stdout.contains("hello-world-dee: 1 commit after the deadline, not graded"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("Wrote {}", csv.display())),
        "{stdout}"
    );
    let explained = read(&out.path().join("grades.status.csv"));
    let row = explained.lines().nth(1).unwrap();
    assert!(row.starts_with("hello-world-dee,Dee D.,"), "{explained}");
    assert!(
        row.contains(
            ",2026-12-07T23:00:00Z,last commit before 2026-12-08T00:00:00Z by commit date,"
        ),
        "{explained}"
    );
    assert!(row.contains(" 2026-12-08T01:00:00Z,passed"), "{explained}");
    assert!(
        read(&csv).contains("hello-world-dee,1,1,1"),
        "{}",
        read(&csv)
    );
}

/// The class report of [`class`] at `html`, which holds no script, opened in headless
/// Chromium: its DOM has the table, a coloured cell per status, the pass rates and the rules most broken,
/// and a screenshot is written (kept in `out`).
fn the_class_report_renders_in_chromium_without_javascript(html: &Path, out: &Path) {
    let text = read(html);
    assert!(!text.contains("<script"), "no JavaScript");
    assert!(!text.contains("http"), "nothing fetched");
    let chromium = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("headless Chromium renders the class report: apt-get install -y chromium (.ci/run does)");
    let url = format!("file://{}", html.display());
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=1400,900",
    ];
    let dom = std::process::Command::new(chromium)
        .args(flags)
        .args(["--dump-dom", &url])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    for seen in [
        "<td class=\"pass\"",
        "<td class=\"fail\"",
        "<td class=\"missing\"",
        "<details><summary>✗</summary>",
        "pass rate",
        "Rules most often broken",
        ">output<",
    ] {
        assert!(dom.contains(seen), "{seen} in the rendered page:\n{dom}");
    }
    let shot = out.join("class.png");
    let run = std::process::Command::new(chromium)
        .args(flags)
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    let png = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}): {}",
            String::from_utf8_lossy(&run.stderr)
        )
    });
    assert!(png.starts_with(b"\x89PNG") && png.len() > 1000, "a PNG");
}
