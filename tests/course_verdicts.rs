//! The course graded by the real engine: every solution passes, every starter fails for the
//! reason its lesson is about, every known-wrong fixture is rejected by the rule its first
//! line names (`// rejected-by: KIND`, or `KIND | KIND` where either rule may catch it first,
//! as a sleep-based hand-off is caught by turn order or by time, whichever breaks first), and
//! every alternative solution (`// accepted: …`) passes.
//!
//! All of them are graded in one pass by a few graders side by side, each given a mix of
//! solutions, starters and fixtures, so that no group waits for another to finish.

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use common::{fixtures, named_rejections, not_judged_for_want_of_a_second_core, rejected_by};
use learn::course::{Course, Exercise};
use learn::grade::{Grader, Source, Verdict};

/// Why each starter must fail: the lesson of the exercise.
const STARTER_FAILS_BY: &[(&str, &[&str])] = &[
    ("01_threads/spawn_join", &["output", "before", "last_line"]),
    ("01_threads/thread_args", &["compile"]),
    (
        "01_threads/worker_loop",
        &["output", "before", "last_line", "overlap"],
    ),
    ("01_threads/numbers_and_letters", &["overlap", "wall_time"]),
    ("01_threads/join_results", &["compile"]),
    ("01_threads/scoped_sum", &["compile"]),
    ("02_coordination/ping_pong", &["alternation", "wall_time"]),
    ("02_coordination/tick", &["period"]),
    ("02_coordination/odd_even", &["alternation"]),
    ("03_shared_state/locked_counter", &["compile"]),
    ("03_shared_state/lost_update", &["output"]),
    ("03_shared_state/bank_account", &["harness"]),
    ("03_shared_state/transfer", &["deadlock"]),
    ("04_channels/producer_consumer", &["deadlock"]),
    ("04_channels/pipeline", &["compile"]),
    ("05_pools/thread_pool_squares", &["harness"]),
    ("05_pools/rayon_cubes", &["compile"]),
    ("05_pools/as_completed", &["completion_order"]),
    ("06_processes/spawn_process", &["child_processes"]),
    ("06_processes/separate_memory", &["output"]),
    ("06_processes/factorials", &["child_processes"]),
    ("06_processes/process_pool", &["child_processes"]),
    ("07_io_bound/download_files", &["overlap", "wall_time"]),
    ("07_io_bound/bounded_downloads", &["server_concurrency"]),
    ("08_parallelism/cpu_threads", &["cpu_parallelism"]),
    ("08_parallelism/benchmark", &["overlap", "speedup"]),
    ("09_async/async_sleepers", &["overlap", "wall_time"]),
];

/// The groups of programs this file grades.
#[derive(Clone, Copy, PartialEq)]
enum Group {
    Solution,
    Starter,
    Wrong,
    Alternative,
}

/// A graded program: its group, its fixture file and first line (empty for solutions and
/// starters), and its verdict.
type Graded = (Group, PathBuf, String, Verdict);

/// Every program of every group, graded once for all the tests of this file.
fn graded() -> &'static [Graded] {
    static GRADED: OnceLock<Vec<Graded>> = OnceLock::new();
    GRADED.get_or_init(|| {
        let course = common::course();
        let mut planned: Vec<(Group, PathBuf, String, Source, &Exercise)> = Vec::new();
        for exercise in &course.exercises {
            planned.push((
                Group::Solution,
                PathBuf::new(),
                String::new(),
                Source::Solution,
                exercise,
            ));
            planned.push((
                Group::Starter,
                PathBuf::new(),
                String::new(),
                Source::Starter,
                exercise,
            ));
        }
        for (group, kind) in [(Group::Wrong, "wrong"), (Group::Alternative, "alt")] {
            for (id, path, first) in fixtures(kind) {
                planned.push((
                    group,
                    path.clone(),
                    first,
                    Source::File(path),
                    course.exercise(&id).unwrap(),
                ));
            }
        }
        // `LEARN_TEST_EXERCISES=ID,ID` grades only those exercises (working on a few of them).
        if let Ok(only) = std::env::var("LEARN_TEST_EXERCISES") {
            let only: Vec<&str> = only.split(',').map(str::trim).collect();
            planned.retain(|(.., exercise)| only.contains(&exercise.id.as_str()));
        }
        let items: Vec<_> = planned
            .iter()
            .map(|(.., source, exercise)| (*exercise, source.clone()))
            .collect();
        let verdicts = grade_in_lanes(&course, &items);
        planned
            .into_iter()
            .zip(verdicts)
            .map(|((group, path, first, _, _), verdict)| (group, path, first, verdict))
            .collect()
    })
}

/// How many graders work side by side, each grading [`JOBS`] exercises and runs at once: a
/// grader holds its other runs back while one runs alone (a CPU measurement, a timing
/// retry), and the fixtures retry a lot; the other graders keep the cores busy meanwhile.
/// (2 graders of 8 took 368 s where 4 of 4 took 232–264 s.)
const LANES: usize = 4;
/// Exercises and runs at once in each grader.
const JOBS: usize = 4;

/// Grades `items` with [`LANES`] graders side by side, item `i` in lane `i % LANES`, and
/// returns the verdicts in the order of `items`.
fn grade_in_lanes(course: &Course, items: &[(&Exercise, Source)]) -> Vec<Verdict> {
    let lanes: Vec<Vec<Verdict>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..LANES)
            .map(|lane| {
                let mine: Vec<_> = items.iter().skip(lane).step_by(LANES).cloned().collect();
                scope.spawn(move || {
                    Grader::new(course, common::target_dir())
                        .jobs(JOBS)
                        .grade(&mine)
                        .unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut lanes: Vec<_> = lanes.into_iter().map(Vec::into_iter).collect();
    (0..items.len())
        .map(|i| lanes[i % LANES].next().unwrap())
        .collect()
}

/// The graded programs of one group.
fn group(wanted: Group) -> impl Iterator<Item = &'static Graded> {
    graded().iter().filter(move |(group, ..)| *group == wanted)
}

#[test]
fn every_solution_passes_every_check() {
    let failed: Vec<_> = group(Group::Solution)
        .filter(|(.., v)| !not_judged_for_want_of_a_second_core(v))
        .filter_map(|(.., v)| rejected_by(v).map(|why| format!("{}: {why:?}", v.id)))
        .collect();
    assert!(failed.is_empty(), "solutions rejected: {failed:#?}");
}

#[test]
fn every_starter_fails_for_its_lesson() {
    for (.., verdict) in group(Group::Starter) {
        let (_, expected) = STARTER_FAILS_BY
            .iter()
            .find(|(id, _)| *id == verdict.id)
            .unwrap_or_else(|| panic!("add {} to STARTER_FAILS_BY", verdict.id));
        if not_judged_for_want_of_a_second_core(verdict) {
            continue;
        }
        let why =
            rejected_by(verdict).unwrap_or_else(|| panic!("the starter of {} passes", verdict.id));
        assert!(
            why.iter().any(|w| expected.contains(&w.as_str())),
            "the starter of {} failed by {why:?}, expected one of {expected:?}",
            verdict.id
        );
    }
}

#[test]
fn every_wrong_fixture_is_rejected_by_the_rule_it_names() {
    assert!(
        group(Group::Wrong).count() >= common::course().exercises.len(),
        "at least one wrong fixture per exercise"
    );
    let mut mismatches = Vec::new();
    for (_, path, first, verdict) in group(Group::Wrong) {
        let named = named_rejections(first).unwrap_or_else(|| {
            panic!(
                "{}: first line must be `// rejected-by: KIND`",
                path.display()
            )
        });
        if not_judged_for_want_of_a_second_core(verdict) {
            continue;
        }
        match rejected_by(verdict) {
            None => mismatches.push(format!("{} was accepted", path.display())),
            Some(why) if !why.iter().any(|w| named.contains(&w.as_str())) => {
                mismatches.push(format!(
                    "{} was rejected by {why:?}, not by {named:?}",
                    path.display()
                ))
            }
            Some(_) => {}
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

#[test]
fn every_alternative_solution_is_accepted() {
    assert!(
        group(Group::Alternative).count() > 0,
        "alternative solutions are graded"
    );
    let mut rejected = Vec::new();
    for (_, path, first, verdict) in group(Group::Alternative) {
        assert!(
            first.starts_with("// accepted: "),
            "{}: first line must be `// accepted: …`",
            path.display()
        );
        if let Some(why) = rejected_by(verdict) {
            rejected.push(format!("{} was rejected by {why:?}", path.display()));
        }
    }
    assert!(rejected.is_empty(), "{rejected:#?}");
}
