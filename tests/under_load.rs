//! The grader's promise on a busy machine: the solutions of the exercises most exposed to
//! timing and scheduling (Tick, Ping/Pong, odd/even, BankAccount, transfer, the thread pool,
//! the processes, the downloads) pass 20 runs in a row, every check judged on every run, while
//! another process keeps every core busy.

mod common;

use std::process::{Child, Command};
use std::time::Duration;

use learn::grade::{GradeOutcome, Grader, Source};

/// The exercises the promise is tested on.
const EXPOSED: [&str; 11] = [
    "02_coordination/tick",
    "02_coordination/ping_pong",
    "02_coordination/odd_even",
    "03_shared_state/bank_account",
    "03_shared_state/transfer",
    "05_pools/thread_pool_squares",
    "06_processes/spawn_process",
    "06_processes/factorials",
    "06_processes/process_pool",
    "07_io_bound/download_files",
    "07_io_bound/bounded_downloads",
];

/// Runs of every argument set.
const RUNS: u32 = 20;

/// Another process per core, each spinning for as long as the test lasts.
struct Load(Vec<Child>);

impl Load {
    fn on_every_core() -> Load {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Load(
            (0..cores)
                .map(|_| {
                    Command::new("sh")
                        .args(["-c", "while :; do :; done"])
                        .spawn()
                        .expect("sh starts")
                })
                .collect(),
        )
    }

    /// CPU time the load has used so far.
    fn cpu_time(&self) -> Duration {
        let ticks: u64 = self
            .0
            .iter()
            .filter_map(|c| std::fs::read_to_string(format!("/proc/{}/stat", c.id())).ok())
            .map(|stat| {
                let fields: Vec<&str> = stat
                    .rsplit_once(')')
                    .map_or("", |(_, rest)| rest)
                    .split_whitespace()
                    .collect();
                fields
                    .get(11)
                    .and_then(|t| t.parse::<u64>().ok())
                    .unwrap_or(0)
                    + fields
                        .get(12)
                        .and_then(|t| t.parse::<u64>().ok())
                        .unwrap_or(0)
            })
            .sum();
        Duration::from_millis(ticks * 10)
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn exposed_solutions_pass_20_runs_in_a_row_while_every_core_is_busy() {
    let course = common::course();
    let items: Vec<_> = EXPOSED
        .iter()
        .map(|id| {
            (
                course.exercise(id).expect("an exercise of the course"),
                Source::Solution,
            )
        })
        .collect();
    let grader = Grader::new(&course, common::target_dir()).runs(Some(RUNS));
    grader.build(&items).expect("cargo runs");

    let load = Load::on_every_core();
    let started = std::time::Instant::now();
    let verdicts = grader.grade(&items).expect("cargo runs");
    let (elapsed, load_cpu) = (started.elapsed(), load.cpu_time());
    drop(load);

    assert!(
        load_cpu.as_secs_f64() > elapsed.as_secs_f64() * 0.5,
        "the load kept the cores busy: {load_cpu:?} of CPU in {elapsed:?}"
    );
    for verdict in &verdicts {
        let exercise = course.exercise(&verdict.id).unwrap();
        let planned = exercise.arg_sets().len() * RUNS as usize;
        let why = match &verdict.outcome {
            GradeOutcome::Passed => None,
            GradeOutcome::Failed(run) => Some(format!(
                "run {} ({}) broke {:?}",
                run.run_number,
                run.config.replay_key(),
                run.failures
                    .iter()
                    .map(|f| (f.check, &f.seen))
                    .collect::<Vec<_>>()
            )),
            other => Some(format!("{other:?}")),
        };
        assert_eq!(
            why, None,
            "the solution of {} failed under load",
            verdict.id
        );
        assert!(
            verdict.runs >= planned,
            "{}: {} runs made, {planned} planned",
            verdict.id,
            verdict.runs
        );
        // Retries are the grader working as designed on a busy machine; shown, not failed.
        if !verdict.retries.is_empty() {
            eprintln!(
                "{}: {} run(s) passed on a retry: {:?}",
                verdict.id,
                verdict.retries.len(),
                verdict
                    .retries
                    .iter()
                    .map(|(c, why)| (c.replay_key(), why))
                    .collect::<Vec<_>>()
            );
        }
    }
}
