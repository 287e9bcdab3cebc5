//! A learner's path through the real binary: next, run, hint, list, reset, solution, locks,
//! progress that survives corruption and concurrent use.

mod common;

use common::{course_copy, eventually, learn, learn_with_env, put_exercise, text};

#[test]
fn next_introduces_the_first_exercise_then_records_a_pass_and_unlocks_the_next() {
    let dir = course_copy();
    let first = learn(dir.path(), &["next"]);
    let (out, _) = text(&first);
    assert_eq!(first.status.code(), Some(0));
    assert!(
        out.contains("01_threads/spawn_join") && out.contains("exercises/01_threads/spawn_join.rs"),
        "{out}"
    );

    put_exercise(
        dir.path(),
        "01_threads/spawn_join",
        "solutions/01_threads/spawn_join.rs",
    );
    let passed = learn(dir.path(), &["next"]);
    let (out, err) = text(&passed);
    assert_eq!(passed.status.code(), Some(0), "{out}{err}");
    assert!(out.contains("✓ 01_threads/spawn_join passed"), "{out}");
    assert!(out.contains("▶ 01_threads/thread_args"), "{out}");
    let progress = std::fs::read_to_string(dir.path().join(".learn-progress.toml")).unwrap();
    assert!(progress.contains("01_threads/spawn_join"), "{progress}");
}

#[test]
fn a_failing_exercise_records_nothing() {
    let dir = course_copy();
    put_exercise(
        dir.path(),
        "01_threads/spawn_join",
        "tests/fixtures/wrong/01_threads/spawn_join/never_joined.rs",
    );
    let failed = learn(dir.path(), &["next"]);
    let (out, _) = text(&failed);
    assert_eq!(failed.status.code(), Some(1), "{out}");
    assert!(out.contains("Still on 01_threads/spawn_join"), "{out}");
    assert!(!dir.path().join(".learn-progress.toml").exists());
}

#[test]
fn a_locked_exercise_names_what_to_finish_first_unless_unlocked() {
    let dir = course_copy();
    let locked = learn(dir.path(), &["hint", "01_threads/scoped_sum"]);
    let (_, err) = text(&locked);
    assert_eq!(locked.status.code(), Some(2));
    assert!(
        err.contains("locked: finish 01_threads/spawn_join first"),
        "{err}"
    );
    let unlocked = learn(
        dir.path(),
        &["hint", "--unlock-all", "01_threads/scoped_sum"],
    );
    assert_eq!(unlocked.status.code(), Some(0));
    assert!(text(&unlocked).0.contains("scope"));
}

#[test]
fn unlock_all_is_taken_only_by_the_commands_that_lock_exercises() {
    let dir = course_copy();
    for command in ["run", "hint", "list", "solution", "watch"] {
        let help = learn(dir.path(), &[command, "--help"]);
        assert!(text(&help).0.contains("--unlock-all"), "{command} --help");
    }
    for command in ["next", "reset", "verify", "grade", "template"] {
        let help = learn(dir.path(), &[command, "--help"]);
        assert!(!text(&help).0.contains("--unlock-all"), "{command} --help");
    }
    let meaningless = learn(dir.path(), &["next", "--unlock-all"]);
    assert_eq!(meaningless.status.code(), Some(2));
    // Before the command, it is said where it goes.
    let misplaced = learn(
        dir.path(),
        &["--unlock-all", "hint", "01_threads/scoped_sum"],
    );
    let (_, err) = text(&misplaced);
    assert_eq!(misplaced.status.code(), Some(2), "{err}");
    assert!(err.contains("--unlock-all goes after the command"), "{err}");
    // The environment variable still serves every command, those that ignore it too.
    let env = [("LEARN_UNLOCK_ALL", "1")];
    let hint = common::learn_with_env(dir.path(), &["hint", "01_threads/scoped_sum"], &env);
    assert_eq!(hint.status.code(), Some(0), "{:?}", text(&hint));
    let next = common::learn_with_env(dir.path(), &["next"], &env);
    assert_eq!(next.status.code(), Some(0), "{:?}", text(&next));
}

#[test]
fn reset_restores_the_starter_and_keeps_the_learners_version() {
    let dir = course_copy();
    let path = dir.path().join("exercises/01_threads/spawn_join.rs");
    std::fs::write(&path, "// my attempt\nfn main() {}\n").unwrap();
    let reset = learn(dir.path(), &["reset", "01_threads/spawn_join"]);
    let (out, _) = text(&reset);
    assert_eq!(reset.status.code(), Some(0), "{out}");
    let backup = out
        .lines()
        .find_map(|l| l.strip_prefix("Your version is kept at "))
        .expect("backup path printed");
    let named = regex::Regex::new(r"/spawn_join\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.rs$").unwrap();
    assert!(named.is_match(backup.trim()), "named by its time: {backup}");
    assert_eq!(
        std::fs::read_to_string(backup.trim()).unwrap(),
        "// my attempt\nfn main() {}\n"
    );
    let starter =
        std::fs::read_to_string(dir.path().join("course/starters/01_threads/spawn_join.rs"))
            .unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), starter);
}

#[test]
fn the_solution_is_shown_only_once_the_exercise_is_done() {
    let dir = course_copy();
    assert_eq!(
        learn(dir.path(), &["solution", "01_threads/spawn_join"])
            .status
            .code(),
        Some(2)
    );
    std::fs::write(
        dir.path().join(".learn-progress.toml"),
        "done = [\"01_threads/spawn_join\"]\n",
    )
    .unwrap();
    let shown = learn(dir.path(), &["solution", "01_threads/spawn_join"]);
    assert_eq!(shown.status.code(), Some(0));
    assert!(text(&shown).0.contains("join()"));
}

#[test]
fn a_corrupt_progress_file_is_kept_aside_and_progress_rebuilt() {
    let dir = course_copy();
    put_exercise(
        dir.path(),
        "01_threads/spawn_join",
        "solutions/01_threads/spawn_join.rs",
    );
    std::fs::write(
        dir.path().join(".learn-progress.toml"),
        "done = [\"01_thr\u{0}",
    )
    .unwrap();
    let listed = learn(dir.path(), &["list"]);
    let (out, err) = text(&listed);
    assert_eq!(listed.status.code(), Some(0), "{err}");
    assert!(
        err.contains("could not be read") && err.contains("kept at"),
        "{err}"
    );
    assert!(
        out.contains("✓ 01_threads/spawn_join") && out.contains("Progress: 1/"),
        "{out}"
    );
    let kept: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".corrupt-"))
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        std::fs::read_to_string(kept[0].path()).unwrap(),
        "done = [\"01_thr\u{0}"
    );
}

#[test]
fn two_concurrent_next_leave_a_valid_progress_file() {
    let dir = course_copy();
    put_exercise(
        dir.path(),
        "01_threads/spawn_join",
        "solutions/01_threads/spawn_join.rs",
    );
    let path = dir.path().to_path_buf();
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let p = path.clone();
            std::thread::spawn(move || learn(&p, &["next"]))
        })
        .collect();
    for run in runs {
        assert_eq!(run.join().unwrap().status.code(), Some(0));
    }
    let progress = std::fs::read_to_string(dir.path().join(".learn-progress.toml")).unwrap();
    let parsed: learn::progress::Progress = toml::from_str(&progress).expect("valid progress file");
    assert_eq!(parsed.done, vec!["01_threads/spawn_join".to_string()]);
}

#[test]
fn a_replay_key_of_no_run_configuration_is_a_usage_error_naming_the_valid_ones() {
    let dir = course_copy();
    for key in ["nonsense", "default:sideways", "hidden:none"] {
        let replay = learn(
            dir.path(),
            &["run", "01_threads/spawn_join", "--replay", key],
        );
        let (out, err) = text(&replay);
        assert_eq!(replay.status.code(), Some(2), "{key}: {out}{err}");
        assert!(
            err.contains(&format!("no run configuration `{key}`"))
                && err.contains("default:one_core"),
            "{key}: {err}"
        );
        assert_eq!(err.matches("error:").count(), 1, "reported once: {err}");
    }
}

#[test]
fn a_replay_that_never_fails_says_the_failure_did_not_recur_in_so_many_runs_not_passed() {
    let dir = course_copy();
    put_exercise(
        dir.path(),
        "01_threads/spawn_join",
        "solutions/01_threads/spawn_join.rs",
    );
    let replay = learn(
        dir.path(),
        &[
            "run",
            "01_threads/spawn_join",
            "--replay",
            "default:one_core",
        ],
    );
    let (out, err) = text(&replay);
    assert_eq!(replay.status.code(), Some(0), "{out}{err}");
    let runs = learn::grade::REPLAY_RUNS;
    assert!(
        out.contains(&format!(
            "the failure did not recur in {runs} runs of `default:one_core`"
        )),
        "{out}"
    );
    assert!(!out.contains("passed"), "a replay is not a pass: {out}");
}

/// A spawn_join that prints the wrong last line in about half of its runs (by the parity of
/// the microsecond it reaches the choice).
const FAILS_HALF_THE_TIME: &str = r#"use std::time::SystemTime;

fn main() {
    let handle = std::thread::spawn(|| println!("Thread running..."));
    handle.join().unwrap();
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap();
    if now.subsec_micros() % 2 == 0 {
        println!("Main done.");
    } else {
        println!("Main done!");
    }
}
"#;

#[test]
fn a_replay_repeats_its_configuration_until_a_rare_failure_shows() {
    let dir = course_copy();
    std::fs::write(
        dir.path().join("exercises/01_threads/spawn_join.rs"),
        FAILS_HALF_THE_TIME,
    )
    .unwrap();
    // One run would miss the failure half the time; the replay's runs all miss it once in
    // about a million.
    let replay = learn(
        dir.path(),
        &["run", "01_threads/spawn_join", "--replay", "default:none"],
    );
    let (out, err) = text(&replay);
    assert_eq!(replay.status.code(), Some(1), "{out}{err}");
    assert!(out.contains("✗ 01_threads/spawn_join failed"), "{out}");
    let runs = learn::grade::REPLAY_RUNS;
    assert!(
        out.contains(&format!("of this replay (up to {runs})")),
        "{out}"
    );
}

#[test]
fn a_bad_learn_jobs_is_refused_before_anything_runs() {
    let dir = course_copy();
    let list = common::learn_with_env(dir.path(), &["list"], &[("LEARN_JOBS", "many")]);
    let (_, err) = text(&list);
    assert_eq!(list.status.code(), Some(2), "{err}");
    assert!(err.contains("LEARN_JOBS must be a whole number"), "{err}");
}

#[test]
fn messages_name_the_command_the_learner_types() {
    let dir = course_copy();
    let installed = learn(dir.path(), &["next"]);
    let (out, _) = text(&installed);
    assert!(out.contains("then run `learn next`"), "{out}");

    // Started by cargo (a process named `cargo`: here a shell under that name), learn says
    // `cargo run --`.
    let bin = tempfile::tempdir().unwrap();
    let cargo = bin.path().join("cargo");
    std::os::unix::fs::symlink("/bin/sh", &cargo).unwrap();
    let through_cargo = std::process::Command::new(&cargo)
        .arg("-c")
        .arg(format!("'{}' next; true", env!("CARGO_BIN_EXE_learn")))
        .current_dir(dir.path())
        .env("LEARN_TARGET_DIR", common::target_dir())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let (out, err) = text(&through_cargo);
    assert!(out.contains("then run `cargo run -- next`"), "{out}{err}");
}

#[test]
fn under_cargo_run_every_message_and_the_usage_line_say_cargo_run() {
    let dir = course_copy();
    // As the README says to start: `cargo run -- next`, here from a course copy with this
    // repository's manifest (so that the binary the tests built is reused, not rebuilt).
    let cargo_run = |args: &[&str]| {
        std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["run", "-q", "--manifest-path"])
            .arg(common::root().join("Cargo.toml"))
            .arg("--")
            .args(args)
            .current_dir(dir.path())
            .env("LEARN_TARGET_DIR", common::target_dir())
            .env("NO_COLOR", "1")
            .env_remove("LEARN_UNLOCK_ALL")
            .env_remove("LEARN_COURSE")
            .env_remove("TERM")
            .output()
            .expect("cargo runs")
    };
    let next = cargo_run(&["next"]);
    let (out, err) = text(&next);
    assert_eq!(next.status.code(), Some(0), "{out}{err}");
    assert!(
        out.contains("Make it pass, then run `cargo run -- next`. Stuck? `cargo run -- hint`."),
        "{out}{err}"
    );
    assert!(!out.contains("`learn "), "{out}");
    let usage = cargo_run(&["bogus"]);
    let (_, err) = text(&usage);
    assert_eq!(usage.status.code(), Some(2), "{err}");
    assert!(
        err.contains("Usage: cargo run -- [OPTIONS] [COMMAND]"),
        "{err}"
    );
    let typo = cargo_run(&["hint", "spawn_jion"]);
    assert!(
        text(&typo).1.contains("(see `cargo run -- list`)"),
        "{}",
        text(&typo).1
    );
}

#[test]
fn an_exercise_can_be_named_by_its_path_or_a_unique_start_and_reset_defaults_to_the_current() {
    let dir = course_copy();
    for typed in ["exercises/01_threads/spawn_join.rs", "spawn_j"] {
        let hint = learn(dir.path(), &["hint", typed]);
        let (out, err) = text(&hint);
        assert_eq!(hint.status.code(), Some(0), "{typed}: {out}{err}");
        assert!(out.contains("Hint for 01_threads/spawn_join"), "{out}");
    }
    let path = dir.path().join("exercises/01_threads/spawn_join.rs");
    std::fs::write(&path, "// my attempt\nfn main() {}\n").unwrap();
    let reset = learn(dir.path(), &["reset"]);
    let (out, err) = text(&reset);
    assert_eq!(reset.status.code(), Some(0), "{out}{err}");
    assert!(
        out.contains("Restored the starter of 01_threads/spawn_join"),
        "{out}"
    );
    assert!(out.contains("Your version is kept at"), "{out}");
    assert_ne!(
        std::fs::read_to_string(&path).unwrap(),
        "// my attempt\nfn main() {}\n"
    );
}

#[test]
fn each_hint_asked_gives_one_more_level_the_code_last_and_the_progress_file_is_untouched() {
    let dir = course_copy();
    let ask = || {
        let hint = learn(dir.path(), &["hint", "--unlock-all", "join_results"]);
        assert_eq!(hint.status.code(), Some(0));
        text(&hint).0
    };
    let first = ask();
    assert!(
        first.contains("1 of 3") && !first.contains("2 of 3"),
        "{first}"
    );
    assert!(
        !first.contains("thread::spawn(move"),
        "no code at first: {first}"
    );
    assert!(
        first.contains(
            "`learn hint --unlock-all 01_threads/join_results` again gives the next hint."
        ),
        "{first}"
    );
    let second = ask();
    assert!(
        second.contains("1 of 3") && second.contains("2 of 3"),
        "{second}"
    );
    assert!(second.contains("(the last one shows the code)"), "{second}");
    let third = ask();
    assert!(
        third.contains("3 of 3") && third.contains("thread::spawn(move"),
        "{third}"
    );
    assert!(!third.contains("Still stuck?"), "{third}");
    assert_eq!(ask(), third, "no level past the last");
    assert!(!dir.path().join(".learn-progress.toml").exists());
}

#[test]
fn a_pass_under_unlock_all_says_why_it_is_not_recorded() {
    let dir = course_copy();
    put_exercise(
        dir.path(),
        "01_threads/thread_args",
        "solutions/01_threads/thread_args.rs",
    );
    let run = learn(
        dir.path(),
        &["run", "--unlock-all", "01_threads/thread_args"],
    );
    let (out, err) = text(&run);
    assert_eq!(run.status.code(), Some(0), "{out}{err}");
    assert!(
        out.contains("Not recorded: 01_threads/thread_args is open only because of --unlock-all; exercises are recorded in course order, by `learn next`, and the current one is 01_threads/spawn_join."),
        "{out}"
    );
    assert!(!dir.path().join(".learn-progress.toml").exists());
}

#[test]
fn an_exercise_can_be_named_alone_and_a_typo_gets_the_nearest_id() {
    let dir = course_copy();
    let by_name = learn(dir.path(), &["hint", "spawn_join"]);
    assert_eq!(by_name.status.code(), Some(0));
    assert!(text(&by_name).0.contains("01_threads/spawn_join"));
    let typo = learn(dir.path(), &["hint", "spawn_jion"]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        text(&typo)
            .1
            .contains("did you mean `01_threads/spawn_join`?"),
        "{}",
        text(&typo).1
    );
}

#[test]
fn verify_with_a_missing_snapshot_is_a_course_error_not_a_failed_check() {
    let dir = course_copy();
    std::fs::remove_file(
        dir.path()
            .join("course/snapshots/01_threads__spawn_join@default.snap"),
    )
    .unwrap();
    let verify = learn(
        dir.path(),
        &["verify", "--files", "solutions", "01_threads/spawn_join"],
    );
    let (out, err) = text(&verify);
    assert_eq!(verify.status.code(), Some(2), "{out}{err}");
    assert!(out.contains("course error"), "{out}{err}");
}

#[test]
fn next_at_a_terminal_builds_the_exercise_it_shows_in_the_background_and_off_one_does_not() {
    use learn::build::{BUILD_AHEAD_LOG, BUILD_AHEAD_MESSAGES};
    use learn::test_support::Tmux;
    use std::time::Duration;

    // Off a terminal (a script's next command comes at once): nothing is built ahead.
    let dir = course_copy();
    let own_target = tempfile::tempdir().unwrap();
    let target = own_target.path().to_str().unwrap();
    let shown = learn_with_env(dir.path(), &["next"], &[("LEARN_TARGET_DIR", target)]);
    assert!(
        text(&shown)
            .0
            .contains("exercises/01_threads/spawn_join.rs")
    );
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        !own_target.path().join(BUILD_AHEAD_LOG).exists(),
        "built ahead off a terminal"
    );

    // At one: the lesson is shown, learn exits, and the build goes on and finishes alone.
    let log = common::target_dir().join(BUILD_AHEAD_LOG);
    let _ = std::fs::remove_file(&log);
    let learn = format!(
        "{} next; echo \"learn exited with $?\"",
        env!("CARGO_BIN_EXE_learn")
    );
    let terminal = Tmux::start(
        dir.path(),
        (100, 30),
        &[("LEARN_TARGET_DIR", &common::target_dir())],
        &[
            "env",
            "-u",
            "CI",
            "-u",
            "LEARN_UNLOCK_ALL",
            "bash",
            "--norc",
            "-c",
            &format!("{learn}; sleep 600"),
        ],
    );
    let screen = || terminal.run(&["capture-pane", "-p", "-S", "-500", "-t", "0"]);
    eventually(Duration::from_secs(30), || {
        let shown = screen();
        (shown.contains("learn exited with 0"))
            .then_some(())
            .ok_or(shown)
    });
    assert!(
        screen().contains("exercises/01_threads/spawn_join.rs"),
        "{}",
        screen()
    );
    eventually(Duration::from_secs(300), || {
        let said = std::fs::read_to_string(&log);
        said.as_ref()
            .is_ok_and(|t| t.contains("Finished") && !t.contains(r#""reason""#))
            .then_some(())
            .ok_or_else(|| format!("the build ahead to finish: {said:?}"))
    });
    let said = std::fs::read_to_string(common::target_dir().join(BUILD_AHEAD_MESSAGES)).unwrap();
    let built: Vec<&str> = said
        .lines()
        .filter_map(|l| l.split(r#""executable":""#).nth(1)?.split('"').next())
        .collect();
    assert!(
        built.iter().any(|exe| exe.contains("01_threads-spawn_join")
            && std::path::Path::new(exe).is_file()),
        "the exercise shown was not built ahead: {said}"
    );
}
