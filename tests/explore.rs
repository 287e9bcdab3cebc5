//! Schedule exploration under shuttle, with the OS runs switched off: the exploration alone
//! rejects every race and deadlock fixture of the explored exercises, passes every solution
//! and alternative, and a failing schedule replayed by its string fails the same way.

mod common;

use std::path::PathBuf;

use common::{fixtures, rejected_by};
use learn::course::{Course, Exercise};
use learn::grade::{GradeOutcome, Grader, Source, Verdict};

/// Wrong fixtures of explored exercises that are no race: the OS runs' other argument sets
/// catch them.
const NOT_RACES: &[&str] = &["producer_consumer/expects_100_per_producer.rs"];

/// Grades `items` by their exploration alone (no OS run).
fn explored(
    course: &Course,
    items: &[(&Exercise, Source)],
    replay: Option<String>,
) -> Vec<Verdict> {
    Grader::new(course, common::target_dir())
        .os_runs(false)
        .replay(replay)
        .grade(items)
        .expect("the build runs")
}

/// The explored exercises' fixtures of `kind` (`wrong`, `alt`), with their first lines.
fn explored_fixtures<'c>(course: &'c Course, kind: &str) -> Vec<(&'c Exercise, PathBuf, String)> {
    fixtures(kind)
        .into_iter()
        .map(|(id, path, first)| (course.exercise(&id).unwrap(), path, first))
        .filter(|(exercise, ..)| exercise.spec.explore.is_some())
        .collect()
}

#[test]
fn the_exploration_alone_rejects_every_race_and_deadlock_fixture_and_passes_every_solution() {
    let course = common::course();
    let wrong: Vec<_> = explored_fixtures(&course, "wrong")
        .into_iter()
        // Fixtures caught by a rule of time or of threads are the OS runs' to catch.
        .filter(|(_, path, _)| !NOT_RACES.iter().any(|name| path.ends_with(name)))
        .filter(|(.., first)| {
            [
                "deadlock",
                "output",
                "alternation",
                "harness",
                "exit_status",
            ]
            .iter()
            .any(|kind| first.contains(kind))
        })
        .collect();
    let alternatives = explored_fixtures(&course, "alt");
    let mut items: Vec<(&Exercise, Source)> = wrong
        .iter()
        .map(|(e, path, _)| (*e, Source::File(path.clone())))
        .collect();
    items.extend(
        alternatives
            .iter()
            .map(|(e, path, _)| (*e, Source::File(path.clone()))),
    );
    items.extend(
        course
            .exercises
            .iter()
            .filter(|e| e.spec.explore.is_some())
            .map(|e| (e, Source::Solution)),
    );
    let verdicts = explored(&course, &items, None);
    let mut wrong_ones = Vec::new();
    for ((_, source), verdict) in items.iter().zip(&verdicts) {
        let explored = verdict.explored.as_ref().expect("every item is explored");
        assert!(explored.not_judged.is_none(), "{source:?}: {explored:?}");
        let is_wrong = wrong
            .iter()
            .any(|(_, path, _)| Source::File(path.clone()) == *source);
        match (is_wrong, &verdict.outcome) {
            (true, GradeOutcome::Failed(run)) => {
                assert!(run.config.schedule.is_some(), "{source:?}: no schedule");
                wrong_ones.push(source.clone());
            }
            (false, GradeOutcome::Passed) => {}
            _ => panic!(
                "{source:?}: {:?} ({})",
                rejected_by(verdict),
                explored.summary
            ),
        }
    }
    assert!(wrong_ones.len() >= 6, "{wrong_ones:?}");
}

#[test]
fn a_failing_schedule_replayed_by_its_string_fails_identically() {
    let course = common::course();
    let exercise = course.exercise("02_coordination/ping_pong").unwrap();
    let fixture = common::root()
        .join("tests/fixtures/wrong/02_coordination/ping_pong/flag_read_outside_the_lock.rs");
    let items = [(exercise, Source::File(fixture))];
    let first = explored(&course, &items, None).remove(0);
    let GradeOutcome::Failed(failed) = &first.outcome else {
        panic!("{:?}", rejected_by(&first));
    };
    let key = failed.config.replay_key();
    assert!(key.starts_with("shuttle:"), "{key}");
    let replayed = explored(&course, &items, Some(key.clone())).remove(0);
    let GradeOutcome::Failed(again) = &replayed.outcome else {
        panic!(
            "the replay of {key} did not fail: {:?}",
            rejected_by(&replayed)
        );
    };
    assert_eq!(again.config.replay_key(), key);
    assert_eq!(
        again
            .failures
            .iter()
            .map(|f| (&f.rule, &f.seen))
            .collect::<Vec<_>>(),
        failed
            .failures
            .iter()
            .map(|f| (&f.rule, &f.seen))
            .collect::<Vec<_>>()
    );
}

#[test]
fn a_schedule_to_replay_for_an_exercise_not_explored_is_a_usage_error_saying_so() {
    let dir = common::course_copy();
    let replay = common::learn(
        dir.path(),
        &[
            "run",
            "--unlock-all",
            "02_coordination/tick",
            "--replay",
            "shuttle:9102",
        ],
    );
    let (out, err) = common::text(&replay);
    assert_eq!(replay.status.code(), Some(2), "{out}{err}");
    assert!(
        err.contains("02_coordination/tick is not explored under shuttle")
            && err.contains("default:one_core"),
        "{err}"
    );
    let wrong_key = common::learn(
        dir.path(),
        &[
            "run",
            "--unlock-all",
            "02_coordination/ping_pong",
            "--replay",
            "nonsense",
        ],
    );
    let (_, err) = common::text(&wrong_key);
    assert!(err.contains("or shuttle:SCHEDULE"), "{err}");
}

#[test]
fn a_report_forged_by_the_learners_code_is_no_report_and_passes_nothing() {
    let course = common::course();
    let exercise = course.exercise("03_shared_state/locked_counter").unwrap();
    let forger = common::root().join("tests/fixtures/hostile/forges_the_explorers_report.rs");
    let verdicts = explored(&course, &[(exercise, Source::File(forger))], None);
    let explored = verdicts[0].explored.as_ref().expect("explored");
    assert!(
        matches!(
            explored.not_judged,
            Some(learn::grade::NotExplored::NoReport(_))
        ),
        "the forged line must not count as the explorer's report: {explored:?}"
    );
}
