//! `learn run --timeline`, and the timeline printed under a failure of an order or timing
//! rule: one lane per thread the exercise labels, time across.

mod common;

use common::{course_copy, learn, put_exercise, text};

/// What `learn run --timeline` prints of the reference solution of `id`, put in place in a
/// copy of the course: it passed.
fn timeline_of_the_solution(id: &str) -> String {
    let dir = course_copy();
    put_exercise(dir.path(), id, &format!("solutions/{id}.rs"));
    let output = learn(dir.path(), &["run", "--unlock-all", id, "--timeline"]);
    let (out, err) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{out}{err}");
    out
}

/// The timeline printed under the failure `output` reports (exit 1).
fn timeline_of_a_failure(output: &std::process::Output) -> String {
    let (out, err) = text(output);
    assert_eq!(output.status.code(), Some(1), "{out}{err}");
    out.split("Timeline of the failing run")
        .nth(1)
        .unwrap_or_else(|| panic!("no timeline:\n{out}"))
        .to_string()
}

/// The lane of the timeline in `out` whose name starts with `name`.
fn lane<'o>(out: &'o str, name: &str) -> &'o str {
    out.lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("no lane `{name}`:\n{out}"))
}

#[test]
fn run_with_timeline_draws_one_lane_per_worker_of_a_passing_run() {
    let out = timeline_of_the_solution("01_threads/worker_loop");
    assert!(out.contains("Timeline of the first run: 6 lanes"), "{out}");
    let workers: Vec<&str> = (0..5)
        .map(|i| lane(&out, &format!("Worker {i} |")))
        .collect();
    let last_start = workers.iter().map(|l| l.find('S').unwrap()).max().unwrap();
    let first_finish = workers.iter().map(|l| l.find('F').unwrap()).min().unwrap();
    assert!(last_start < first_finish, "the workers overlap:\n{out}");
    assert!(lane(&out, "main     |").contains('*'), "{out}");
}

#[test]
fn a_timing_failure_is_followed_by_the_timeline_of_the_failing_run() {
    let dir = course_copy();
    put_exercise(
        dir.path(),
        "01_threads/worker_loop",
        "tests/fixtures/wrong/01_threads/worker_loop/join_in_loop.rs",
    );
    let output = learn(
        dir.path(),
        &[
            "run",
            "--unlock-all",
            "01_threads/worker_loop",
            "--replay",
            "default:none",
        ],
    );
    let timeline = timeline_of_a_failure(&output);
    let column_of = |lane: &str, mark: char| {
        timeline
            .lines()
            .find(|l| l.starts_with(lane))
            .and_then(|l| l.find(mark))
            .unwrap()
    };
    assert!(
        column_of("Worker 1", 'S') >= column_of("Worker 0", 'F'),
        "one worker after the other:\n{timeline}"
    );
}

#[test]
fn spawn_join_and_ping_pong_draw_a_lane_per_thread_not_one_main_lane() {
    let out = timeline_of_the_solution("01_threads/spawn_join");
    assert!(out.contains("2 lanes"), "{out}");
    assert!(lane(&out, "thread |").contains('*'), "{out}");
    assert!(lane(&out, "main   |").contains('*'), "{out}");

    let out = timeline_of_the_solution("02_coordination/ping_pong");
    assert!(out.contains("3 lanes"), "{out}");
    for name in ["Ping |", "Pong |"] {
        assert!(lane(&out, name).contains('S'), "{out}");
    }
}

#[test]
fn the_starter_of_spawn_join_shows_its_thread_cut_off_when_main_ended() {
    let dir = course_copy();
    let output = learn(dir.path(), &["run", "01_threads/spawn_join"]);
    let timeline = timeline_of_a_failure(&output);
    // Begun or not when main returned, the thread is drawn until its process ended.
    let thread = lane(&timeline, "thread ");
    assert!(thread.contains('S') && thread.contains('>'), "{timeline}");
    assert!(
        timeline.contains("> still running when its process ended"),
        "{timeline}"
    );
}
