//! The course author's commands on a copy of the course (and `dev check` on the course
//! itself): `learn dev new` scaffolds an exercise that `learn dev check` then names as
//! unfinished, `learn dev update` restores derived files and is idempotent, `learn dev check`
//! reports a starter copy out of step at its path.
//!
//! `dev check` grades with the real engine; each test names a few exercises so that it grades
//! only those (a whole course is `tests/course_verdicts.rs`'s job, 5 minutes on 2 cores).

mod common;

use std::path::Path;

use common::{course_copy, learn, text};

/// A course copy with the README, whose course map `dev check` reads.
fn course_with_readme() -> tempfile::TempDir {
    let dir = course_copy();
    std::fs::copy(
        common::root().join("README.md"),
        dir.path().join("README.md"),
    )
    .expect("copy README.md");
    dir
}

/// Runs `learn dev ARGS` in `dir`, asserts its exit code, and returns its stdout and stderr.
fn dev(dir: &Path, args: &[&str], code: i32) -> (String, String) {
    let all: Vec<&str> = std::iter::once("dev").chain(args.iter().copied()).collect();
    let output = learn(dir, &all);
    let (out, err) = text(&output);
    assert_eq!(
        output.status.code(),
        Some(code),
        "learn {all:?}: {out}{err}"
    );
    (out, err)
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn dev_new_scaffolds_every_place_and_dev_check_names_the_todo_solution_failing() {
    let dir = course_with_readme();
    let package_before = read(dir.path(), "course/Cargo.toml");
    let (out, _) = dev(dir.path(), &["new", "01_threads/hello_dev"], 0);
    insta::assert_snapshot!(out);
    for path in [
        "course/starters/01_threads/hello_dev.rs",
        "exercises/01_threads/hello_dev.rs",
        "solutions/01_threads/hello_dev.rs",
        "course/snapshots/01_threads__hello_dev@default.snap",
        "course/chapters/01_threads.toml",
        "course/Cargo.toml",
    ] {
        assert!(
            out.contains(&format!("{path}: ")),
            "{path} not named: {out}"
        );
    }
    assert_eq!(
        read(dir.path(), "exercises/01_threads/hello_dev.rs"),
        read(dir.path(), "course/starters/01_threads/hello_dev.rs"),
        "the learner's copy is the starter, byte for byte"
    );
    let package = read(dir.path(), "course/Cargo.toml");
    assert!(
        package.contains("name = \"01_threads-hello_dev\"\npath = \"../exercises/01_threads/hello_dev.rs\"")
            && package.contains("name = \"solution-01_threads-hello_dev\"\npath = \"../solutions/01_threads/hello_dev.rs\""),
        "{package}"
    );
    assert!(
        package.starts_with(package_before.lines().next().unwrap()),
        "the package's header comment stays"
    );

    let (out, _) = dev(dir.path(), &["check", "01_threads/hello_dev"], 1);
    assert!(
        out.contains("solutions/01_threads/hello_dev.rs:4: still a stub marked TODO(author)"),
        "the solution stub is named, at its todo!(): {out}"
    );
    assert!(
        !out.contains("the starter passes") && !out.contains("the starter of 01_threads/hello_dev"),
        "the starter fails by `output`, as its manifest entry declares: {out}"
    );
    let title = read(dir.path(), "course/chapters/01_threads.toml")
        .lines()
        .position(|l| l.starts_with("title = \"TODO(author)"))
        .expect("the scaffold's title");
    for placeholder in [
        &format!("course/chapters/01_threads.toml:{}:", title + 1),
        "course/starters/01_threads/hello_dev.rs:1:",
        "course/snapshots/01_threads__hello_dev@default.snap:5:",
    ] {
        assert!(
            out.contains(&format!("{placeholder} still says TODO(author)")),
            "{placeholder}: {out}"
        );
    }
    assert!(out.contains("\n4 problems (1 exercise graded)."), "{out}");
}

#[test]
fn dev_new_refuses_an_id_that_exists_a_malformed_one_and_a_file_in_the_way() {
    let dir = course_copy();
    let chapter = read(dir.path(), "course/chapters/01_threads.toml");
    for (id, says) in [
        (
            "01_threads/spawn_join",
            "01_threads/spawn_join exists already (course/chapters/01_threads.toml:",
        ),
        (
            "01_threads/Bad-Name",
            "`01_threads/Bad-Name` is not an exercise id",
        ),
        ("spawn", "`spawn` is not an exercise id"),
        (
            "10_nowhere/x",
            "no chapter `10_nowhere` in course/course.toml",
        ),
    ] {
        let (_, err) = dev(dir.path(), &["new", id], 2);
        assert!(err.contains(says), "{id}: {err}");
    }
    let mine = "fn main() { println!(\"mine\"); }\n";
    std::fs::write(dir.path().join("solutions/01_threads/taken.rs"), mine).unwrap();
    let (_, err) = dev(dir.path(), &["new", "01_threads/taken"], 2);
    assert!(
        err.contains("solutions/01_threads/taken.rs exists already"),
        "{err}"
    );
    assert_eq!(read(dir.path(), "solutions/01_threads/taken.rs"), mine);
    assert!(
        !dir.path()
            .join("course/starters/01_threads/taken.rs")
            .exists(),
        "nothing is written when one file is in the way"
    );
    assert_eq!(read(dir.path(), "course/chapters/01_threads.toml"), chapter);
}

#[test]
fn dev_update_restores_hand_broken_bins_and_a_second_run_has_nothing_to_do() {
    let dir = course_copy();
    let package = read(dir.path(), "course/Cargo.toml");
    let lost = "[[bin]]\nname = \"01_threads-spawn_join\"\npath = \"../exercises/01_threads/spawn_join.rs\"\n\n";
    assert!(package.contains(lost));
    let stale = "\n[[bin]]\nname = \"solution-01_threads-gone\"\npath = \"../solutions/01_threads/gone.rs\"\n";
    std::fs::write(
        dir.path().join("course/Cargo.toml"),
        package.replace(lost, "") + stale,
    )
    .unwrap();

    let (out, _) = dev(dir.path(), &["update"], 0);
    assert!(
        out.contains("course/Cargo.toml: lacks [[bin]] 01_threads-spawn_join (../exercises/01_threads/spawn_join.rs): added"),
        "{out}"
    );
    assert!(
        out.contains("[[bin]] solution-01_threads-gone (../solutions/01_threads/gone.rs) is of no exercise of the manifest: removed"),
        "{out}"
    );
    assert_eq!(
        read(dir.path(), "course/Cargo.toml"),
        package,
        "restored byte for byte, comments and layout included"
    );

    let (out, _) = dev(dir.path(), &["update"], 0);
    assert_eq!(
        out.trim(),
        "Nothing to do: course/Cargo.toml and the starter copies in exercises/ are up to date."
    );
}

#[test]
fn dev_check_reports_a_mismatched_starter_copy_at_its_path_and_dev_update_keeps_it() {
    let dir = course_with_readme();
    let copy = "exercises/01_threads/scoped_sum.rs";
    let edited = read(dir.path(), copy) + "// an edit\n";
    std::fs::write(dir.path().join(copy), &edited).unwrap();

    // scoped_sum: its starter does not compile, so grading it is one build and no run.
    let (out, _) = dev(dir.path(), &["check", "01_threads/scoped_sum"], 1);
    insta::assert_snapshot!(out);
    assert!(
        out.contains(&format!(
            "{copy}: differs from course/starters/01_threads/scoped_sum.rs, its source of truth (`"
        )),
        "{out}"
    );
    assert!(out.contains("1 problem"), "only the copy is wrong: {out}");

    let (out, _) = dev(dir.path(), &["update"], 0);
    let kept = out
        .split("kept at ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_else(|| panic!("the replaced copy is kept, and the note says where: {out}"));
    assert_eq!(read(dir.path(), kept.trim()), edited);
    assert_eq!(
        read(dir.path(), copy),
        read(dir.path(), "course/starters/01_threads/scoped_sum.rs")
    );
}

#[test]
fn dev_check_passes_on_the_course_itself() {
    // A cheap subset that still takes each path of the check: an output-checked exercise
    // (spawn_join), a starter that does not compile (join_results), an API exercise graded by
    // its harness (bank_account). The files it reads (bins, copies, snapshots, the README's
    // course map) are checked for the whole course.
    let (out, _) = dev(
        &common::root(),
        &[
            "check",
            "01_threads/spawn_join",
            "01_threads/join_results",
            "03_shared_state/bank_account",
        ],
        0,
    );
    assert!(
        out.contains("The course is in order: 3 exercises graded"),
        "{out}"
    );
}

#[test]
fn dev_check_names_a_starter_that_fails_by_an_undeclared_rule_and_one_that_passes() {
    let dir = course_with_readme();
    let chapter = dir.path().join("course/chapters/01_threads.toml");
    let declared = "starter_fails_by = [\"output\", \"before\", \"last_line\"]";
    let text = read(dir.path(), "course/chapters/01_threads.toml");
    let line = 1 + text
        .lines()
        .position(|l| l == declared)
        .expect("spawn_join's");
    std::fs::write(
        &chapter,
        text.replace(declared, "starter_fails_by = [\"compile\"]"),
    )
    .unwrap();
    for copy in ["course/starters", "exercises"] {
        std::fs::copy(
            dir.path().join("solutions/01_threads/scoped_sum.rs"),
            dir.path().join(copy).join("01_threads/scoped_sum.rs"),
        )
        .unwrap();
    }

    let (out, _) = dev(
        dir.path(),
        &["check", "01_threads/spawn_join", "01_threads/scoped_sum"],
        1,
    );
    assert!(
        out.contains(&format!(
            "course/chapters/01_threads.toml:{line}: the starter of 01_threads/spawn_join fails by "
        )) && out.contains("not by what `starter_fails_by` declares (compile)"),
        "{out}"
    );
    assert!(
        out.contains("course/starters/01_threads/scoped_sum.rs: the starter passes every check"),
        "{out}"
    );
    assert!(out.contains("2 problems"), "{out}");
}
