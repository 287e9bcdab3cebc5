//! insta snapshots of what a person reads: the list, a failing output diff, a compile error
//! report, a pass with rustc's warnings, and the errors of broken manifests.

mod common;

use common::{course_copy, learn, put_exercise, text};

/// Replaces the parts of a report that change from run to run (temporary paths, times,
/// pids, thread ids) so the snapshot stays stable.
fn stable(report: &str, dir: &std::path::Path) -> String {
    let report = report
        .replace(&dir.display().to_string(), "[COURSE]")
        .replace(&common::target_dir().display().to_string(), "[TARGET]");
    let times = regex::Regex::new(r"\d+\.\d s\)|\d+ ms").unwrap();
    times.replace_all(&report, "[TIME]").into_owned()
}

#[test]
fn list_shows_chapters_marks_and_progress() {
    let dir = course_copy();
    std::fs::write(
        dir.path().join(".learn-progress.toml"),
        "done = [\"01_threads/spawn_join\"]\n",
    )
    .unwrap();
    let (out, _) = text(&learn(dir.path(), &["list"]));
    insta::assert_snapshot!(out);
}

/// `learn run ID` in a fresh copy of the course with `source` (a path relative to the
/// repository) as the learner's file of `id`: the copy and the run.
fn run_with(id: &str, source: &str) -> (tempfile::TempDir, std::process::Output) {
    let dir = course_copy();
    put_exercise(dir.path(), id, source);
    let run = learn(dir.path(), &["run", "--unlock-all", id]);
    (dir, run)
}

#[test]
fn a_wrong_output_shows_a_diff_and_the_replay_command() {
    let (dir, run) = run_with(
        "01_threads/join_results",
        "tests/fixtures/reports/join_results_off_by_one.rs",
    );
    assert_eq!(run.status.code(), Some(1));
    insta::assert_snapshot!(stable(&text(&run).0, dir.path()));
    // Folded on screen, whole in the file the report names.
    let whole = common::target_dir().join("last-output/01_threads/join_results.txt");
    let whole = std::fs::read_to_string(&whole).unwrap();
    assert!(whole.contains("Square of 9 is 81"), "{whole}");
}

#[test]
fn a_compile_error_is_shown_as_rustc_renders_it() {
    let dir = course_copy();
    let run = learn(
        dir.path(),
        &["run", "--unlock-all", "01_threads/thread_args"],
    );
    assert_eq!(run.status.code(), Some(1));
    insta::assert_snapshot!(stable(&text(&run).0, dir.path()));
}

#[test]
fn a_pass_with_an_unused_variable_says_with_1_warning_and_shows_it_as_rustc_renders_it() {
    let (dir, run) = run_with(
        "01_threads/spawn_join",
        "tests/fixtures/reports/spawn_join_unused_variable.rs",
    );
    assert_eq!(run.status.code(), Some(0));
    insta::assert_snapshot!(stable(&text(&run).0, dir.path()));
    // `verify` counts them only.
    let (out, _) = text(&learn(dir.path(), &["verify", "01_threads/spawn_join"]));
    assert!(
        out.contains("✓ 01_threads/spawn_join, with 1 warning (")
            && out.contains("1 passed, 0 failed; 1 warning from rustc in 1 exercise")
            && !out.contains("unused variable"),
        "{out}"
    );
}

#[test]
fn a_pass_without_warnings_says_nothing_of_warnings() {
    let (_dir, run) = run_with(
        "01_threads/spawn_join",
        "solutions/01_threads/spawn_join.rs",
    );
    assert_eq!(run.status.code(), Some(0));
    let (out, _) = text(&run);
    assert!(
        out.contains("✓ 01_threads/spawn_join passed ("),
        "the pass line ends with the runs:\n{out}"
    );
    assert!(!out.contains("warning"), "{out}");
}

/// The error `learn list` gives after `edit` breaks a fixed chapter file put in the copy.
fn manifest_error(edit: impl FnOnce(&str) -> String) -> String {
    let dir = course_copy();
    let fixture =
        std::fs::read_to_string(common::root().join("tests/fixtures/manifests/01_threads.toml"))
            .unwrap();
    std::fs::write(
        dir.path().join("course/chapters/01_threads.toml"),
        edit(&fixture),
    )
    .unwrap();
    let listed = learn(dir.path(), &["list"]);
    assert_eq!(listed.status.code(), Some(2));
    stable(&text(&listed).1, dir.path())
}

#[test]
fn manifest_errors_name_the_file_line_and_column() {
    let broken_toml = manifest_error(|t| t.replacen("points = 1", "points = = 1", 1));
    let unknown_check =
        manifest_error(|t| t.replacen("kind = \"last_line\"", "kind = \"last_lien\"", 1));
    let unknown_key = manifest_error(|t| t.replacen("points = 1", "pionts = 1", 1));
    let duplicate =
        manifest_error(|t| t.replacen("name = \"thread_args\"", "name = \"spawn_join\"", 1));
    let fixture_loads =
        manifest_error(|t| t.replacen("title = \"Threads\"", "title = \"Threads\"\nbogus = 1", 1));
    let missing_file =
        manifest_error(|t| t.replacen("name = \"scoped_sum\"", "name = \"scoped_summ\"", 1));
    let bad_pattern = manifest_error(|t| {
        t.replacen(
            r"first = '^Thread running\.\.\.$'",
            "first = '(unclosed'",
            1,
        )
    });
    insta::assert_snapshot!(
        [
            fixture_loads,
            broken_toml,
            unknown_check,
            unknown_key,
            duplicate,
            missing_file,
            bad_pattern
        ]
        .join("\n")
    );
}

#[test]
fn escape_sequences_a_program_prints_are_shown_not_obeyed() {
    let dir = course_copy();
    put_exercise(
        dir.path(),
        "01_threads/spawn_join",
        "tests/fixtures/reports/prints_escapes.rs",
    );
    let run = learn(
        dir.path(),
        &["--color", "always", "run", "01_threads/spawn_join"],
    );
    assert_eq!(run.status.code(), Some(1));
    let (out, _) = text(&run);
    // learn's own colours are real escapes; the program's must arrive as visible text.
    assert!(
        !out.contains("\x1b[1A") && !out.contains("\x1b[2K") && !out.contains('\x07'),
        "a cursor move, an erase or a bell reached the terminal:\n{out}"
    );
    assert!(!out.contains('\r') && !out.contains('\u{202e}'));
    assert!(out.contains("\\x1b[1A\\x1b[2K"), "{out}");
    // Real escapes (learn's styles) written as ␛ so the snapshot can be read.
    insta::assert_snapshot!(stable(&out, dir.path()).replace('\x1b', "␛"));
}

/// [`manifest_error`] with `line` added after the first exercise's `points = 1`.
fn manifest_error_with(line: &str) -> String {
    manifest_error(|t| t.replacen("points = 1\n", &format!("points = 1\n{line}\n"), 1))
}

/// The error `learn list` gives after `edit` changes the course's `course/course.toml`.
fn course_file_error(edit: impl FnOnce(&str) -> String) -> String {
    let dir = course_copy();
    let path = dir.path().join("course/course.toml");
    let original = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(&original)).unwrap();
    let listed = learn(dir.path(), &["list"]);
    assert_eq!(listed.status.code(), Some(2));
    stable(&text(&listed).1, dir.path())
}

/// `course.toml` with its chapter list replaced by `chapters`.
fn with_chapters(text: &str, chapters: &str) -> String {
    let list = regex::Regex::new(r"(?m)^chapters = .*$").unwrap();
    list.replace(text, format!("chapters = {chapters}"))
        .into_owned()
}

#[test]
fn zero_runs_are_refused_at_their_place() {
    insta::assert_snapshot!(manifest_error_with("runs = 0"));
}

#[test]
fn a_negative_nan_or_enormous_timeout_is_refused_at_its_place() {
    insta::assert_snapshot!(
        [
            manifest_error_with("timeout_secs = -1"),
            manifest_error_with("timeout_secs = nan"),
            manifest_error_with("timeout_secs = 1e30"),
        ]
        .join("\n")
    );
}

#[test]
fn an_empty_perturb_list_is_refused_at_its_place() {
    insta::assert_snapshot!(manifest_error_with("perturb = []"));
}

#[test]
fn an_empty_reason_for_needing_two_cores_is_refused_at_its_place() {
    insta::assert_snapshot!(manifest_error_with("needs_two_cores = \" \""));
}

#[test]
fn an_empty_chapter_list_is_refused_at_its_place() {
    insta::assert_snapshot!(course_file_error(|t| with_chapters(t, "[]")));
}

#[test]
fn a_course_without_exercises_is_refused() {
    let dir = course_copy();
    std::fs::write(
        dir.path().join("course/chapters/01_threads.toml"),
        "title = \"Threads\"\n",
    )
    .unwrap();
    let path = dir.path().join("course/course.toml");
    let original = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, with_chapters(&original, r#"["01_threads"]"#)).unwrap();
    let listed = learn(dir.path(), &["list"]);
    assert_eq!(listed.status.code(), Some(2));
    insta::assert_snapshot!(stable(&text(&listed).1, dir.path()));
}

#[test]
fn a_chapter_listed_twice_is_blamed_on_course_toml() {
    insta::assert_snapshot!(course_file_error(|t| with_chapters(
        t,
        r#"["01_threads", "02_coordination", "01_threads"]"#
    )));
}

#[test]
fn a_folder_where_the_progress_file_goes_is_named() {
    let dir = course_copy();
    std::fs::create_dir(dir.path().join(".learn-progress.toml")).unwrap();
    let listed = learn(dir.path(), &["list"]);
    assert_eq!(listed.status.code(), Some(2));
    assert!(dir.path().join(".learn-progress.toml").is_dir());
    insta::assert_snapshot!(stable(&text(&listed).1, dir.path()));
}
