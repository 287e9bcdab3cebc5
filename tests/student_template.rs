//! `learn template DIR`: the student repository a teacher hands out, without the reference
//! solutions or the expected outputs of hidden argument sets; every learner command works in
//! it, and `learn grade` compares a submission made from it with the pristine course without
//! listing what the template leaves out.

mod common;

use std::path::Path;

use common::{course_copy, learn, root, text};

/// A fresh template of this course in a new temporary folder.
fn template() -> tempfile::TempDir {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("student");
    let run = learn(&root(), &["template", dir.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run).1);
    let (out, _) = text(&run);
    assert!(out.contains("Left with you"), "{out}");
    parent
}

fn student(parent: &tempfile::TempDir) -> std::path::PathBuf {
    parent.path().join("student")
}

/// The odd/even solution with its LIMIT argument ignored: it prints the default's output
/// whatever it is asked, which only the hidden argument sets' expected outputs can catch.
fn hard_coded_odd_even(dir: &Path) {
    let solution =
        std::fs::read_to_string(root().join("solutions/02_coordination/odd_even.rs")).unwrap();
    let ignored = solution.replace("match std::env::args().nth(1) {", "match None::<String> {");
    assert_ne!(ignored, solution, "the solution reads LIMIT as expected");
    std::fs::write(dir.join("exercises/02_coordination/odd_even.rs"), ignored).unwrap();
}

#[test]
fn the_template_has_the_starters_and_checks_but_no_solutions_or_hidden_outputs() {
    let parent = template();
    let dir = student(&parent);
    assert!(!dir.join("solutions").exists(), "no reference solutions");
    assert!(!dir.join("tests").exists() && !dir.join("benches").exists());
    assert!(
        !dir.join(".github/workflows/grade-class.yml").exists(),
        "the teacher's own workflow stays with the teacher"
    );
    for kept in [
        ".github/workflows/learn.yml",
        ".github/workflows/classroom.yml",
        "course/course.toml",
        "course/harness/03_shared_state/bank_account.rs",
        "course/snapshots/02_coordination__odd_even@default.snap",
        "src/main.rs",
        "build.rs",
        "Cargo.lock",
        "course/template.toml",
        ".devcontainer/devcontainer.json",
    ] {
        assert!(dir.join(kept).is_file(), "{kept} is in the template");
    }
    assert!(
        !dir.join("course/snapshots/02_coordination__odd_even@l100.snap")
            .exists(),
        "a hidden argument set's expected output stays with the teacher"
    );
    let course = learn::course::Course::load(&root()).unwrap();
    for exercise in &course.exercises {
        let starter = std::fs::read(root().join(exercise.starter_path())).unwrap();
        assert_eq!(
            std::fs::read(dir.join(exercise.path())).unwrap(),
            starter,
            "{} is its starter",
            exercise.id
        );
    }
    for manifest in ["Cargo.toml", "course/Cargo.toml"] {
        let text = std::fs::read_to_string(dir.join(manifest)).unwrap();
        assert!(
            !text.contains("solutions/") && !text.contains("[[bench]]"),
            "{manifest} names nothing the template lacks:\n{text}"
        );
        toml::from_str::<toml::Table>(&text).unwrap_or_else(|e| panic!("{manifest}: {e}"));
    }
}

#[test]
fn no_workflow_of_the_template_holds_a_secret_or_the_pristine_course_and_its_readme_is_for_students()
 {
    let parent = template();
    let dir = student(&parent);
    let workflows = dir.join(".github/workflows");
    let mut seen = 0;
    for entry in std::fs::read_dir(&workflows).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        for word in ["secrets.", "PRISTINE", "pristine", "repository:", "token:"] {
            assert!(
                !code.contains(word),
                "{} holds `{word}`:\n{code}",
                path.display()
            );
        }
        seen += 1;
    }
    assert_eq!(seen, 2, "learn.yml and classroom.yml");
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(readme.contains("cargo run -- next"), "{readme}");
    for teacher in [
        "learn grade",
        "learn template",
        "solutions/",
        "cargo test",
        "cargo bench",
    ] {
        assert!(
            !readme.contains(teacher),
            "the teacher's `{teacher}`:\n{readme}"
        );
    }
}

#[test]
fn every_learner_command_works_in_the_template_and_solution_points_to_the_teacher() {
    let parent = template();
    let dir = student(&parent);
    let list = learn(&dir, &["list"]);
    assert_eq!(list.status.code(), Some(0), "{}", text(&list).1);
    assert!(text(&list).0.contains("01_threads/spawn_join"));
    let hint = learn(&dir, &["hint", "01_threads/spawn_join"]);
    assert_eq!(hint.status.code(), Some(0), "{}", text(&hint).1);
    let next = learn(&dir, &["next"]);
    assert_eq!(
        next.status.code(),
        Some(0),
        "an untouched starter: its lesson"
    );
    let run = learn(&dir, &["run"]);
    assert_eq!(
        run.status.code(),
        Some(1),
        "the starter fails: {}",
        text(&run).0
    );
    let verify = learn(&dir, &["verify", "01_threads/spawn_join"]);
    assert_eq!(verify.status.code(), Some(1), "{}", text(&verify).1);
    std::fs::write(dir.join("exercises/01_threads/spawn_join.rs"), "changed").unwrap();
    let reset = learn(&dir, &["reset", "01_threads/spawn_join"]);
    assert_eq!(reset.status.code(), Some(0), "{}", text(&reset).1);
    assert!(text(&reset).0.contains("Your version is kept at"));
    let solution = learn(&dir, &["solution", "--unlock-all", "01_threads/spawn_join"]);
    assert_eq!(
        solution.status.code(),
        Some(1),
        "a plain answer, not a usage error"
    );
    assert!(
        text(&solution)
            .0
            .contains("The reference solutions are with your teacher"),
        "{}",
        text(&solution).0
    );
}

#[test]
fn hidden_outputs_are_judged_by_the_teacher_and_their_other_checks_run_locally() {
    let parent = template();
    let dir = student(&parent);
    hard_coded_odd_even(&dir);
    let local = learn(&dir, &["run", "--unlock-all", "02_coordination/odd_even"]);
    let (out, err) = text(&local);
    assert_eq!(local.status.code(), Some(0), "{out}{err}");
    assert!(out.contains("not judged here: output"), "{out}");

    let pristine = course_copy();
    let graded = learn(
        pristine.path(),
        &[
            "grade",
            "--course",
            ".",
            "--submission",
            dir.to_str().unwrap(),
            "02_coordination/odd_even",
        ],
    );
    let (out, err) = text(&graded);
    assert_eq!(graded.status.code(), Some(1), "{out}{err}");
    assert!(
        out.contains("the output must match the expected output")
            && out.contains("hidden arguments"),
        "{out}"
    );
}

#[test]
fn grading_a_template_submission_lists_real_changes_not_what_the_template_leaves_out() {
    let parent = template();
    let dir = student(&parent);
    std::fs::write(
        dir.join(".github/workflows/classroom.yml"),
        "name: Autograding Tests\n# edited by the learner\n",
    )
    .unwrap();
    let pristine = root();
    let graded = learn(
        &pristine,
        &[
            "grade",
            "--course",
            ".",
            "--submission",
            dir.to_str().unwrap(),
            "01_threads/spawn_join",
        ],
    );
    let (out, err) = text(&graded);
    assert_eq!(graded.status.code(), Some(1), "the starter fails: {err}");
    let listed: Vec<&str> = out
        .lines()
        .filter(|l| {
            l.starts_with("  added") || l.starts_with("  changed") || l.starts_with("  removed")
        })
        .collect();
    assert_eq!(
        listed,
        ["  changed  .github/workflows/classroom.yml"],
        "only the real change:\n{out}"
    );
}

#[test]
fn a_template_into_a_folder_that_is_not_empty_is_refused_and_nothing_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let run = learn(&root(), &["template", dir.path().to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(2));
    assert!(text(&run).1.contains("is not empty"), "{}", text(&run).1);
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "mine"
    );
}
