//! The grader's promise on a busy machine: the verdict is the one an idle machine gives. With
//! 4 busy processes per core beside the grader, every solution and every alternative solution
//! of the course passes, every check judged (the solutions of the timing-sensitive exercises
//! 20 runs in a row, the others and the alternatives once per schedule), every
//! known-wrong fixture is still rejected by the rule it names, and the sequential starter of
//! `08_parallelism/cpu_threads` fails `cpu_parallelism` for its lesson.
//!
//! `LEARN_HEAVY_LOAD=1` adds the slower levels: 8 busy processes per core, and everything
//! (grader, programs, load) on one core, where only the rules that need two cores may be left
//! not judged, and are said to be (`cpu_parallelism`, and the exercises whose manifest says
//! `needs_two_cores`). `LEARN_HEAVY_LOAD=8_per_core` or `=one_core` adds one of them.

mod common;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use common::{Load, fixtures, named_rejections, rejected_by};
use learn::checks::CheckKind;
use learn::course::{Course, Exercise};
use learn::grade::{GradeOutcome, Grader, SkippedRule, Source, Verdict};

/// Busy processes per core of the default level.
const LOAD_PER_CORE: usize = 4;
/// Busy processes per core of the heavy level (`LEARN_HEAVY_LOAD=1`).
const HEAVY_LOAD_PER_CORE: usize = 8;

/// Runs of every argument set of the timing-sensitive exercises.
const TIMING_RUNS: u32 = 20;
/// Runs of every argument set of the others (and of the CPU-bound ones, whose runs last
/// seconds): one of each schedule.
const OTHER_RUNS: u32 = 3;

/// The check kinds whose verdict a late wake-up could move: exercises with one are run
/// [`TIMING_RUNS`] times.
const TIMING_KINDS: [&str; 6] = [
    "overlap",
    "wall_time",
    "period",
    "completion_order",
    "child_processes",
    "server_concurrency",
];

/// Exercises run [`TIMING_RUNS`] times whatever their checks: turn-taking and API harnesses
/// under stress, the most exposed to scheduling.
const SCHEDULE_EXPOSED: [&str; 5] = [
    "02_coordination/ping_pong",
    "02_coordination/odd_even",
    "03_shared_state/bank_account",
    "03_shared_state/transfer",
    "05_pools/thread_pool_squares",
];

/// How an exercise is run under load: 20 times when timing decides its verdict, 3 times
/// when it computes for seconds (its CPU checks judge from structure) or nothing is timed.
fn runs_for(exercise: &Exercise) -> u32 {
    let timed = exercise
        .spec
        .checks
        .iter()
        .any(|c| TIMING_KINDS.contains(&c.kind().name()));
    let cpu_bound = exercise
        .spec
        .checks
        .iter()
        .any(|c| c.measures_cpu() || c.kind() == "cpu_parallelism");
    if (timed || SCHEDULE_EXPOSED.contains(&exercise.id.as_str())) && !cpu_bound {
        TIMING_RUNS
    } else {
        OTHER_RUNS
    }
}

/// What is graded, and what it must come to.
#[derive(Clone)]
enum Expect {
    /// Pass, every check judged.
    Pass,
    /// Rejected by one of these rules.
    RejectedBy(Vec<String>),
}

/// One program to grade.
struct Item<'c> {
    exercise: &'c Exercise,
    source: Source,
    runs: Option<u32>,
    expect: Expect,
    name: String,
}

/// Every solution (expected to pass, with [`runs_for`] runs) and alternative (with
/// [`OTHER_RUNS`]), every wrong fixture and the sequential starter of cpu_threads (each
/// graded once as the manifest says, expected rejected by the rule it names), the later
/// chapters first.
fn plan(course: &Course) -> Vec<Item<'_>> {
    let mut items = Vec::new();
    for exercise in &course.exercises {
        items.push(Item {
            exercise,
            source: Source::Solution,
            runs: Some(runs_for(exercise)),
            expect: Expect::Pass,
            name: format!("the solution of {}", exercise.id),
        });
    }
    for (id, path, _) in fixtures("alt") {
        let exercise = course.exercise(&id).expect("an exercise of the course");
        items.push(Item {
            exercise,
            source: Source::File(path.clone()),
            runs: Some(OTHER_RUNS),
            expect: Expect::Pass,
            name: path.display().to_string(),
        });
    }
    for (id, path, first) in fixtures("wrong") {
        let named = named_rejections(&first)
            .unwrap_or_else(|| panic!("{}: no `// rejected-by:` line", path.display()));
        items.push(Item {
            exercise: course.exercise(&id).expect("an exercise of the course"),
            source: Source::File(path.clone()),
            runs: None,
            expect: Expect::RejectedBy(named.into_iter().map(String::from).collect()),
            name: path.display().to_string(),
        });
    }
    items.push(Item {
        exercise: course
            .exercise(CPU_THREADS)
            .expect("an exercise of the course"),
        source: Source::Starter,
        runs: None,
        expect: Expect::RejectedBy(vec!["cpu_parallelism".into()]),
        name: format!("the starter of {CPU_THREADS}"),
    });
    // The later chapters first: their programs download, compute and fail by time (each
    // failure retried), so they take longest; the short ones fill the lanes at the end.
    items.sort_by_key(|item| std::cmp::Reverse(course.index_of(&item.exercise.id)));
    items
}

/// A verdict that took longer than this to come is named in the test's output.
const SLOW_VERDICT: std::time::Duration = std::time::Duration::from_secs(60);

/// The exercise whose sequential starter must fail from structure at load.
const CPU_THREADS: &str = "08_parallelism/cpu_threads";

/// Programs graded at once, each by a grader of its own lane (so that one program's retries,
/// which a grader makes alone, hold back only its own lane).
const PROGRAMS_AT_ONCE: usize = 6;
/// Runs at once in each lane's grader.
const JOBS_PER_LANE: usize = 4;

/// Builds `items` (all in one cargo invocation, before any load), then grades them beside
/// `per_core` busy processes per core, and returns every verdict in the order of `items`.
fn grade_beside(course: &Course, items: &[Item], per_core: usize) -> Vec<Verdict> {
    let all: Vec<(&Exercise, Source)> = items
        .iter()
        .map(|i| (i.exercise, i.source.clone()))
        .collect();
    let built = Grader::new(course, common::target_dir())
        .build(&all)
        .expect("cargo runs");
    let load = Load::per_core(per_core);
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let verdicts: Vec<Mutex<Option<Verdict>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..PROGRAMS_AT_ONCE {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(item) = items.get(i) else { break };
                    let grader = Grader::new(course, common::target_dir())
                        .jobs(JOBS_PER_LANE)
                        .runs(item.runs);
                    let verdict = grader.grade_built(item.exercise, &item.source, &built);
                    *verdicts[i].lock().unwrap() = Some(verdict);
                }
            });
        }
    });
    let elapsed = started.elapsed();
    load.assert_it_loaded(elapsed);
    drop(load);
    eprintln!(
        "graded {} programs beside {per_core} busy processes per core in {elapsed:.1?}",
        items.len()
    );
    verdicts
        .into_iter()
        .map(|v| v.into_inner().unwrap().expect("graded"))
        .collect()
}

/// Every way the verdicts differ from what an idle machine gives; `one_core`: the rules that
/// need two cores may be not judged (and only them).
fn differences(items: &[Item], verdicts: &[Verdict], one_core: bool) -> Vec<String> {
    let mut wrong = Vec::new();
    for (item, verdict) in items.iter().zip(verdicts) {
        if one_core && two_cores_wanted(verdict) {
            continue;
        }
        let why = rejected_by(verdict);
        match (&item.expect, why) {
            (Expect::Pass, None) => {
                let planned = item.exercise.arg_sets().len() * item.runs.unwrap_or(1) as usize;
                if verdict.runs < planned {
                    wrong.push(format!(
                        "{}: {} runs made, {planned} planned",
                        item.name, verdict.runs
                    ));
                }
            }
            (Expect::Pass, Some(why)) => wrong.push(format!(
                "{} was rejected under load by {why:?}: {}",
                item.name,
                failure_detail(verdict)
            )),
            (Expect::RejectedBy(named), Some(why)) if why.iter().any(|w| named.contains(w)) => {
                if item.name.contains("starter") {
                    starter_says_why(verdict, &mut wrong);
                }
            }
            (Expect::RejectedBy(named), why) => wrong.push(format!(
                "{} was {} under load, not rejected by {named:?}",
                item.name,
                why.map_or("accepted".to_string(), |w| format!("rejected by {w:?}"))
            )),
        }
        if verdict.elapsed > SLOW_VERDICT {
            eprintln!("{}: {:.1?} to grade", item.name, verdict.elapsed);
        }
        if !verdict.retries.is_empty() {
            eprintln!(
                "{}: {} run(s) passed on a retry: {:?}",
                item.name,
                verdict.retries.len(),
                verdict
                    .retries
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
            );
        }
    }
    wrong
}

/// The sequential starter of cpu_threads must be told why, from structure: the threads that
/// counted lived one after another (or the counting was all on one thread).
fn starter_says_why(verdict: &Verdict, wrong: &mut Vec<String>) {
    let GradeOutcome::Failed(run) = &verdict.outcome else {
        return;
    };
    let seen = run.failures.first().seen.join("\n");
    if !(seen.contains("one after another") || seen.contains("all on one thread")) {
        wrong.push(format!(
            "the starter of {CPU_THREADS} failed without saying why: {seen}"
        ));
    }
}

/// Whether a verdict is not judged only for rules that need two cores (on one core):
/// `cpu_parallelism`, and the exercises whose manifest says `needs_two_cores`.
fn two_cores_wanted(verdict: &Verdict) -> bool {
    verdict.wants_more_cores()
        && verdict.skipped.iter().all(|n| {
            matches!(
                n.rule,
                SkippedRule::Check(CheckKind::CpuParallelism) | SkippedRule::NeedsTwoCores
            )
        })
}

/// The rules and what was seen of a failed verdict, for a test's message.
fn failure_detail(verdict: &Verdict) -> String {
    match &verdict.outcome {
        GradeOutcome::Failed(run) => format!(
            "run {} ({}) broke {:?}",
            run.run_number,
            run.config.replay_key(),
            run.failures
                .iter()
                .map(|f| (f.check, &f.seen))
                .collect::<Vec<_>>()
        ),
        GradeOutcome::NotJudged => format!("not judged: {:?}", verdict.skipped),
        other => format!("{other:?}"),
    }
}

/// Grades the whole plan beside `per_core` busy processes per core and asserts the verdicts
/// are an idle machine's.
fn verdicts_hold_beside(per_core: usize, one_core: bool) {
    let course = common::course();
    let items = plan(&course);
    let verdicts = grade_beside(&course, &items, per_core);
    let wrong = differences(&items, &verdicts, one_core);
    assert!(
        wrong.is_empty(),
        "beside {per_core} busy processes per core{}, verdicts moved:\n{}",
        if one_core { " on one core" } else { "" },
        wrong.join("\n")
    );
}

/// Whether the slower level `level` was asked for: `LEARN_HEAVY_LOAD=1` asks for both,
/// `LEARN_HEAVY_LOAD=8_per_core` or `LEARN_HEAVY_LOAD=one_core` for one.
fn heavy(level: &str) -> bool {
    std::env::var("LEARN_HEAVY_LOAD").is_ok_and(|v| v == "1" || v == level)
}

#[test]
fn verdicts_beside_4_busy_processes_per_core_are_an_idle_machines() {
    verdicts_hold_beside(LOAD_PER_CORE, false);
    if heavy("8_per_core") {
        verdicts_hold_beside(HEAVY_LOAD_PER_CORE, false);
    }
    if heavy("one_core") {
        // Pinned before any thread or process is started: the grader's threads, the programs
        // and the load inherit the one core.
        pin_this_thread_to_the_first_core();
        verdicts_hold_beside(LOAD_PER_CORE, true);
    }
}

/// Pins the calling thread to the first core it may use.
fn pin_this_thread_to_the_first_core() {
    // SAFETY: sched_getaffinity and sched_setaffinity read and write the zeroed cpu_set_t of
    // the size given, for the calling thread (pid 0).
    let pinned = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set);
        let first = (0..libc::CPU_SETSIZE as usize)
            .find(|&cpu| libc::CPU_ISSET(cpu, &set))
            .unwrap_or(0);
        let mut one: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(first, &mut one);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &one)
    };
    assert_eq!(pinned, 0, "the test could pin itself to one core");
    assert_eq!(
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        1,
        "pinned"
    );
}
