//! Rules about processes and CPU use that the runner observes itself (through /proc and the
//! kernel's accounting), never from what the program prints about itself.

use serde::Deserialize;

use super::timing::ms;
use super::{Evidence, Failure, Outcome};
use crate::supervise::Perturbation;

/// `child_processes`: the program started between `min` and `max` child processes; with
/// `concurrent`, at least `min` of them were alive at one moment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildProcesses {
    /// At least this many children.
    pub min: usize,
    /// At most this many children.
    pub max: usize,
    /// Whether `min` children must have run at the same time.
    #[serde(default)]
    pub concurrent: bool,
}

impl ChildProcesses {
    /// Judges the children seen.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        let log = &evidence.run.processes;
        let seen = log.children.len();
        let listing: Vec<String> = log
            .children
            .iter()
            .map(|c| {
                format!(
                    "child pid {} (parent {}) seen from {} to {}",
                    c.pid,
                    c.parent,
                    ms(c.first_seen),
                    ms(c.last_seen)
                )
            })
            .chain([format!(
                "main process pid {}, {} at most",
                log.root,
                crate::plural::of(log.max_threads, "thread", "threads")
            )])
            .collect();
        if seen < self.min {
            return Outcome::Fail(Failure::logic(
                "child_processes",
                format!(
                    "the program must start at least {} (copies of itself)",
                    children(self.min)
                ),
                [vec![format!("{} observed", children(seen))], listing].concat(),
                "Threads share one process: start workers with std::process::Command::new(std::env::current_exe()?) and wait for them.",
            ));
        }
        if seen > self.max {
            return Outcome::Fail(Failure::logic(
                "child_processes",
                format!("the program must start at most {}", children(self.max)),
                [vec![format!("{} observed", children(seen))], listing].concat(),
                "Start the workers once and reuse them, instead of one process per item.",
            ));
        }
        if self.concurrent && log.max_alive_children < self.min {
            return Outcome::Fail(Failure::timing(
                "child_processes",
                format!("{} child processes must run at the same time", self.min),
                [
                    vec![format!(
                        "at most {} alive at one moment",
                        log.max_alive_children
                    )],
                    listing,
                ]
                .concat(),
                "Spawn every child first, then wait for them; waiting for each before starting the next runs them one at a time.",
            ));
        }
        Outcome::Pass
    }
}

/// `cpu_parallelism`: the process tree used at least `min_ratio` × wall time of CPU, which
/// only work running on several cores at once can do. Judged on unperturbed runs only: a run
/// pinned to one core cannot exceed a ratio of 1, and one beside busy threads shares the cores
/// (the manifest validator makes every exercise with this check have unperturbed runs).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CpuParallelism {
    /// CPU time over wall time.
    pub min_ratio: f64,
}

impl CpuParallelism {
    /// Judges CPU time against wall time; skipped on one core.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        if let Some(outcome) = parallelism_unjudgeable(evidence, self.min_ratio + 0.2) {
            return outcome;
        }
        let run = evidence.run;
        let ratio = run.cpu.as_secs_f64() / run.wall.as_secs_f64().max(1e-3);
        if ratio >= self.min_ratio {
            return Outcome::Pass;
        }
        Outcome::Fail(Failure::timing(
            "cpu_parallelism",
            format!(
                "CPU-bound work must keep several cores busy: CPU time at least {:.1} × wall time",
                self.min_ratio
            ),
            vec![format!(
                "CPU time {} over wall time {}: ratio {ratio:.2}",
                ms(run.cpu),
                ms(run.wall)
            )],
            "Split the work into one chunk per core (std::thread::available_parallelism) and run the chunks on threads at once. Rust has no GIL: threads run Rust code in parallel.",
        ))
    }
}

/// What to conclude instead of judging parallelism in a run that cannot show `needed` cores
/// at work: a skip, said in the report, on one core or when other work held the cores
/// (judging then would fail a correct program); a pass for a perturbed run (pinned to one
/// core or beside busy threads), which cannot show it by design. `None`: judge it.
pub(super) fn parallelism_unjudgeable(evidence: &Evidence, needed: f64) -> Option<Outcome> {
    if evidence.cores < 2 {
        return Some(Outcome::Skip(format!(
            "only {} core available: parallelism cannot be judged here",
            evidence.cores
        )));
    }
    let run = evidence.run;
    if run.perturbation != Perturbation::None {
        return Some(Outcome::Pass);
    }
    let wall = run.wall.as_secs_f64().max(1e-3);
    let others = run.machine_busy.saturating_sub(run.cpu).as_secs_f64() / wall;
    let free = evidence.cores as f64 - others;
    (free < needed).then(|| Outcome::Skip(format!("the machine was busy with other work (only {free:.1} of {} cores free during a run): parallelism could not be judged", evidence.cores)))
}

/// `threads`: the main process never had more than `max` threads at once (observed in
/// /proc, so a thread that lives for less than a polling interval may be missed: use it for
/// bounds, as in "the runtime is single-threaded", not to prove a thread existed).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threads {
    /// At most this many threads, the main thread included.
    pub max: usize,
}

impl Threads {
    /// Judges the most threads seen at once.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        let seen = evidence.run.processes.max_threads;
        if seen <= self.max {
            return Outcome::Pass;
        }
        Outcome::Fail(Failure::logic(
            "threads",
            format!(
                "the program must run on at most {}, the main thread included",
                crate::plural::of(self.max, "thread", "threads")
            ),
            vec![format!("{seen} threads were alive at one moment")],
            "A single-threaded runtime (tokio's current_thread flavour) runs every task on the main thread: no worker threads, no spawn_blocking.",
        ))
    }
}

/// "1 child process", "3 child processes".
fn children(n: usize) -> String {
    crate::plural::of(n, "child process", "child processes")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::checks::test_support::run;
    use crate::course::normalize::Normalize;

    fn judge(cpu_ms: u64, machine_busy_ms: u64, perturbation: Perturbation) -> Outcome {
        let mut record = run(&[], 1000);
        record.cpu = Duration::from_millis(cpu_ms);
        record.machine_busy = Duration::from_millis(machine_busy_ms);
        record.perturbation = perturbation;
        CpuParallelism { min_ratio: 1.3 }.judge(&Evidence {
            run: &record,
            downloads: None,
            expected: None,
            normalize: &Normalize::default(),
            cores: 2,
        })
    }

    #[test]
    fn parallelism_is_judged_only_when_the_cores_were_free_and_the_run_unperturbed() {
        assert_eq!(judge(1900, 1950, Perturbation::None), Outcome::Pass);
        assert!(matches!(judge(1000, 1050, Perturbation::None), Outcome::Fail(f) if f.timing));
        assert!(
            matches!(judge(1000, 2000, Perturbation::None), Outcome::Skip(why) if why.contains("busy"))
        );
        assert_eq!(judge(1000, 1050, Perturbation::OneCore), Outcome::Pass);
    }
}
