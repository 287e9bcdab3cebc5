//! Shared by the integration tests: the course of this repository, a build folder shared by
//! every test (so the course's dependencies compile once), and running the real binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use learn::course::Course;

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
    Command::new(env!("CARGO_BIN_EXE_learn"))
        .args(args)
        .current_dir(dir)
        .env("LEARN_TARGET_DIR", target_dir())
        .env("NO_COLOR", "1")
        .env_remove("LEARN_UNLOCK_ALL")
        .env_remove("LEARN_COURSE")
        .env_remove("TERM")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .envs(env.iter().copied())
        .output()
        .expect("learn runs")
}

/// Stdout and stderr of an output as text.
pub fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A fresh copy of the course (manifest, starters, exercises, solutions, lock file) in a
/// temporary folder, as a learner's clone would be.
pub fn course_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for part in ["course", "exercises", "solutions"] {
        copy_tree(&root().join(part), &dir.path().join(part));
    }
    std::fs::copy(root().join("Cargo.lock"), dir.path().join("Cargo.lock"))
        .expect("copy Cargo.lock");
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Puts `source` (a path relative to the repository) in place of exercise `id` of `course`.
pub fn put_exercise(course: &Path, id: &str, source: &str) {
    std::fs::copy(
        root().join(source),
        course.join(format!("exercises/{id}.rs")),
    )
    .expect("copy exercise");
}
