//! `work_spread`: CPU-bound work really shared by several threads, judged on the CPU time the
//! probe measured for each thread of the main process (CLOCK_THREAD_CPUTIME_ID). A job done
//! by one thread beside helpers that only wait, or beside a thread that spins at a lower
//! priority (whose share collapses when other work competes for the cores, as in the runs
//! beside busy threads), does not spread its work. A spinner at the same priority keeps its
//! share, and CPU time cannot tell it from a worker (README: "What the evidence cannot
//! tell"). Not a judge of speed (`cpu_parallelism`, `speedup`).

use std::time::Duration;

use serde::Deserialize;

use super::timing::ms;
use super::{
    CheckKind, Evidence, Failure, Outcome, THREADS_SHOWN, describe_thread, excerpt_of, unprobed,
};
use crate::supervise::{Perturbation, ThreadSeen};

/// `work_spread`: at least `min_threads` threads of the main process (the main thread
/// included) each used at least `min_share` of the process's CPU time; on a run pinned to
/// one core, where the program sees a single core, one thread is enough.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkSpread {
    /// Threads that must each do a real share.
    pub min_threads: usize,
    /// A real share: this fraction of the CPU time of all threads together.
    pub min_share: f64,
}

impl WorkSpread {
    /// Judges the CPU time of each thread.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        if let Some(outcome) = unprobed(evidence) {
            return outcome;
        }
        let run = evidence.run;
        let cores = match run.perturbation {
            Perturbation::OneCore => 1,
            _ => evidence.cores,
        };
        let needed = self.min_threads.min(cores);
        let mut threads: Vec<&ThreadSeen> = run
            .processes
            .probe
            .threads
            .iter()
            .filter(|t| t.pid == run.processes.root)
            .collect();
        threads.sort_by_key(|t| std::cmp::Reverse(t.cpu));
        let total: Duration = threads.iter().filter_map(|t| t.cpu).sum();
        let share = |t: &ThreadSeen| {
            t.cpu.unwrap_or_default().as_secs_f64() / total.as_secs_f64().max(1e-9)
        };
        let working = threads
            .iter()
            .filter(|t| share(t) >= self.min_share)
            .count();
        if working >= needed {
            return Outcome::Pass;
        }
        let mut seen = vec![format!(
            "{} did at least {:.0}% of the {} of CPU time; {} in all",
            crate::plural::of(working, "thread", "threads"),
            self.min_share * 100.0,
            ms(total),
            crate::plural::of(threads.len(), "thread", "threads")
        )];
        seen.extend(excerpt_of(
            threads
                .iter()
                .map(|t| format!("{} ({:.0}%)", describe_thread(t), share(t) * 100.0))
                .collect(),
            THREADS_SHOWN,
        ));
        let hint = match threads.first() {
            Some(top) if top.main => {
                "The main thread did the work while the other threads had little or nothing to do: give each thread its own chunk of the numbers, and let main only add up the results."
            }
            _ => {
                "One thread did nearly all the work. A thread that only waits or spins beside it is no help: split the work into one chunk per thread (std::thread::available_parallelism) so that each thread counts its own part."
            }
        };
        Outcome::Fail(Failure::timing(
            CheckKind::WorkSpread,
            format!(
                "the work must be spread over at least {needed} threads, each using at least {:.0}% of the CPU time",
                self.min_share * 100.0
            ),
            seen,
            hint,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervise::test_support::{probed, run};

    /// Judges a run of main process 10 whose two threads used `a` and `b` ms of CPU.
    fn judge(a: u64, b: u64, perturbation: Perturbation) -> Outcome {
        let ms = 1_000_000;
        let text = format!(
            "start 10 1 0\nthread 11 10 10 7 1\nthread 12 10 10 8 1\ntend 11 900 {}\ntend 12 900 {}\nalive 10 {}\nexit 10 1000 0 0 0\n",
            a * ms,
            b * ms,
            ms
        );
        let mut record = probed(run(&[], 1000), &text);
        record.perturbation = perturbation;
        let check = WorkSpread {
            min_threads: 2,
            min_share: 0.2,
        };
        Evidence::judge_alone(&record, |e| check.judge(e))
    }

    #[test]
    fn work_shared_unevenly_passes_and_one_thread_beside_a_starved_spinner_fails() {
        assert_eq!(judge(380, 620, Perturbation::None), Outcome::Pass);
        let Outcome::Fail(failure) = judge(900, 15, Perturbation::Busy) else {
            panic!("one thread did the work")
        };
        assert!(failure.timing);
        assert!(
            failure.seen[0].starts_with("1 thread did at least 20%"),
            "{:?}",
            failure.seen
        );
        assert_eq!(
            judge(900, 15, Perturbation::OneCore),
            Outcome::Pass,
            "pinned to one core, the program sees one core"
        );
    }
}
