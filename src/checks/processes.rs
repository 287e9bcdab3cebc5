//! Rules about processes and CPU use that the runner observes itself (through /proc and the
//! kernel's accounting), never from what the program prints about itself.

use serde::Deserialize;

use super::timing::ms;
use super::{CheckKind, Evidence, Failure, NotJudged, Outcome};
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
                CheckKind::ChildProcesses,
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
                CheckKind::ChildProcesses,
                format!("the program must start at most {}", children(self.max)),
                [vec![format!("{} observed", children(seen))], listing].concat(),
                "Start the workers once and reuse them, instead of one process per item.",
            ));
        }
        if self.concurrent && log.max_alive_children < self.min {
            return Outcome::Fail(Failure::timing(
                CheckKind::ChildProcesses,
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

/// `cpu_parallelism`: on average at least `min_ratio` threads of the process tree computed at
/// once over the run, which only work spread over several threads at the same time can do.
///
/// Judged from structure that load does not change: a thread computes while it runs on a CPU
/// or waits, runnable, for one (per-thread schedstat), so CPU time plus run-queue waiting over
/// wall time counts the threads that wanted a CPU at once, on an idle machine (where it is the
/// CPU/wall ratio) as beside busy processes (where running turns into waiting, and the sum
/// stays). A run pinned to one core proves nothing: the program, sizing its work by the cores
/// it may use, rightly computes on one thread there. Where the kernel keeps no per-thread schedstat, it falls back
/// to the CPU/wall ratio of an unperturbed run, judged only when the cores were free.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CpuParallelism {
    /// Threads computing at once, on average over the run.
    pub min_ratio: f64,
}

/// A thread counts among those that did the work when it had at least this share of the
/// tree's CPU time (a main thread that only spawns and joins does not).
const WORKER_CPU_SHARE: f64 = 0.1;

impl CpuParallelism {
    /// Judges how many threads computed at once.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        let run = evidence.run;
        let wall = run.wall.as_secs_f64().max(1e-3);
        if evidence.cores < 2 || run.perturbation == Perturbation::OneCore {
            // The program sizes its work by the cores it may use; pinned to one, it rightly
            // computes on one thread. The run proves nothing either way, and the other runs
            // judge the rule (one core for the whole machine leaves it not judged).
            return parallelism_unjudgeable(evidence, self.min_ratio).unwrap_or(Outcome::Pass);
        }
        if !run.sched.available {
            if let Some(outcome) = parallelism_unjudgeable(evidence, self.min_ratio + 0.2) {
                return outcome;
            }
            let ratio = run.cpu.as_secs_f64() / wall;
            if ratio >= self.min_ratio {
                return Outcome::Pass;
            }
            return Outcome::Fail(self.failure(vec![format!(
                "CPU time {} over wall time {}: ratio {ratio:.2}",
                ms(run.cpu),
                ms(run.wall)
            )]));
        }
        let waited = run.sched.waited();
        let ratio = (run.cpu + waited).as_secs_f64() / wall;
        if ratio >= self.min_ratio {
            return Outcome::Pass;
        }
        let mut seen = vec![format!(
            "on average {ratio:.2} thread(s) computed at once: CPU time {} + time ready but waiting for a CPU {} over wall time {}",
            ms(run.cpu),
            ms(waited),
            ms(run.wall)
        )];
        seen.extend(workers(evidence));
        Outcome::Fail(self.failure(seen))
    }

    fn failure(&self, seen: Vec<String>) -> Failure {
        Failure::timing(
            CheckKind::CpuParallelism,
            format!(
                "CPU-bound work must run on several threads at the same time: on average at least {:.1} threads computing (running, or ready and waiting for a CPU)",
                self.min_ratio
            ),
            seen,
            "Split the work into one chunk per core (std::thread::available_parallelism) and run the chunks on threads at once. Rust has no GIL: threads run Rust code in parallel.",
        )
    }
}

/// The threads that did the CPU work, with when each was alive, and whether any two of them
/// were proven alive at the same time.
fn workers(evidence: &Evidence) -> Vec<String> {
    let sched = &evidence.run.sched;
    let total: f64 = sched.threads.iter().map(|t| t.cpu.as_secs_f64()).sum();
    let workers: Vec<_> = sched
        .threads
        .iter()
        .filter(|t| t.cpu.as_secs_f64() >= total * WORKER_CPU_SHARE)
        .collect();
    let overlapping = workers.iter().enumerate().any(|(i, a)| {
        workers[i + 1..]
            .iter()
            .any(|b| a.from < b.until && b.from < a.until)
    });
    let mut seen: Vec<String> = workers
        .iter()
        .map(|t| {
            format!(
                "thread {} (pid {}): {} of CPU, alive from {} to {}",
                t.tid,
                t.pid,
                ms(t.cpu),
                ms(t.from),
                ms(t.until)
            )
        })
        .collect();
    if workers.len() < 2 {
        seen.push("the counting CPU time is all on one thread".into());
    } else if !overlapping {
        seen.push(
            "the threads that did the work lived one after another, never two at once".into(),
        );
    }
    seen
}

/// What to conclude instead of judging parallelism from a CPU/wall ratio in a run that cannot
/// show `needed` cores at work: not judged on one core or when other work held the cores
/// (judging then would fail a correct program); a pass for a perturbed run (pinned to one
/// core or beside busy threads), which cannot show it by design. `None`: judge it.
pub(super) fn parallelism_unjudgeable(evidence: &Evidence, needed: f64) -> Option<Outcome> {
    if evidence.cores < 2 {
        return Some(Outcome::NotJudged(NotJudged::OneCore));
    }
    let run = evidence.run;
    if run.perturbation != Perturbation::None {
        return Some(Outcome::Pass);
    }
    let wall = run.wall.as_secs_f64().max(1e-3);
    let others = run.machine_busy.saturating_sub(run.cpu).as_secs_f64() / wall;
    let free = evidence.cores as f64 - others;
    (free < needed).then_some(Outcome::NotJudged(NotJudged::Busy {
        free,
        cores: evidence.cores,
    }))
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
            CheckKind::Threads,
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
    use crate::supervise::test_support::run;

    use crate::supervise::{SchedSample, ThreadTime};

    fn evidence(record: &crate::supervise::RunRecord) -> Outcome {
        Evidence::judge_alone(record, |e| CpuParallelism { min_ratio: 1.3 }.judge(e))
    }

    /// A 1 s run without schedstat, with `cpu_ms` of its own CPU among `machine_busy_ms`.
    fn judge(cpu_ms: u64, machine_busy_ms: u64, perturbation: Perturbation) -> Outcome {
        let mut record = run(&[], 1000);
        record.cpu = Duration::from_millis(cpu_ms);
        record.machine_busy = Duration::from_millis(machine_busy_ms);
        record.perturbation = perturbation;
        evidence(&record)
    }

    fn thread(tid: u32, cpu_ms: u64, from_ms: u64, until_ms: u64) -> ThreadTime {
        ThreadTime {
            pid: 1,
            tid,
            from: Duration::from_millis(from_ms),
            until: Duration::from_millis(until_ms),
            cpu: Duration::from_millis(cpu_ms),
            waited: Duration::ZERO,
        }
    }

    /// A 1 s run with schedstat: `cpu_ms` of CPU, `waited_ms` ready but waiting, `threads`.
    fn judge_sched(cpu_ms: u64, waited_ms: u64, threads: Vec<ThreadTime>) -> Outcome {
        let mut record = run(&[], 1000);
        record.cpu = Duration::from_millis(cpu_ms);
        record.machine_busy = Duration::from_millis(2000);
        record.sched.available = true;
        record.sched.threads = threads;
        record.sched.samples = vec![SchedSample {
            at: Duration::from_millis(1000),
            cpu: Duration::from_millis(cpu_ms),
            waited: Duration::from_millis(waited_ms),
            stalled: Duration::ZERO,
        }];
        evidence(&record)
    }

    #[test]
    fn without_schedstat_parallelism_is_judged_only_when_the_cores_were_free() {
        assert_eq!(judge(1900, 1950, Perturbation::None), Outcome::Pass);
        assert!(matches!(judge(1000, 1050, Perturbation::None), Outcome::Fail(f) if f.timing));
        assert!(matches!(
            judge(1000, 2000, Perturbation::None),
            Outcome::NotJudged(NotJudged::Busy { .. })
        ));
        assert_eq!(judge(1000, 1050, Perturbation::OneCore), Outcome::Pass);
    }

    #[test]
    fn threads_waiting_for_a_cpu_on_a_busy_machine_still_count_as_computing() {
        // Two threads for 1 s beside busy processes: 0.4 s of CPU, 1.6 s waiting.
        let both = vec![thread(2, 200, 0, 1000), thread(3, 200, 0, 1000)];
        assert_eq!(judge_sched(400, 1600, both), Outcome::Pass);
    }

    #[test]
    fn threads_taking_turns_fail_on_a_busy_machine_and_the_message_says_why() {
        let turns = vec![thread(2, 100, 0, 480), thread(3, 100, 500, 990)];
        let Outcome::Fail(failure) = judge_sched(200, 790, turns) else {
            panic!("one thread at a time is not parallel")
        };
        assert!(failure.seen[0].contains("0.99 thread(s)"), "{failure:?}");
        assert!(
            failure.seen.last().unwrap().contains("one after another"),
            "{failure:?}"
        );
        let Outcome::Fail(failure) = judge_sched(200, 700, vec![thread(2, 200, 0, 990)]) else {
            panic!("one thread is not parallel")
        };
        assert!(
            failure.seen.last().unwrap().contains("all on one thread"),
            "{failure:?}"
        );
    }
}
