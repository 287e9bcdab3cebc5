//! `speedup`: a job run in parallel took at most `max_ratio` × the time of the same job run
//! sequentially, both timed by the runner from the arrival of the lines that frame them
//! (never from the times the program prints about itself).

use std::time::Duration;

use serde::Deserialize;

use super::processes::parallelism_unjudgeable;
use super::timing::ms;
use super::{CheckKind, Evidence, Failure, NotJudged, Outcome};
use crate::lines::pattern::Pattern;
use crate::supervise::Line;

/// Where a job runs: from the first line matching `from` to the next line matching `to`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// The line printed just before the job starts.
    pub from: Pattern,
    /// The line printed as soon as it ends.
    pub to: Pattern,
}

impl Window {
    /// When the first line matching `from` and the next one matching `to` arrived.
    fn measure(&self, lines: &[Line]) -> Option<(Duration, Duration)> {
        let from = lines.iter().position(|l| self.from.is_match(&l.text))?;
        let to = lines[from + 1..]
            .iter()
            .find(|l| self.to.is_match(&l.text))?;
        Some((lines[from].at, to.at))
    }
}

/// The time between two arrivals.
fn length((from, to): (Duration, Duration)) -> Duration {
    to.saturating_sub(from)
}

/// `speedup`: the `parallel` window lasted at most `max_ratio` × the `sequential` one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Speedup {
    /// The job run one task after another.
    pub sequential: Window,
    /// The same job run on threads (or processes).
    pub parallel: Window,
    /// The most the parallel time may be, as a share of the sequential time.
    pub max_ratio: f64,
    /// The job computes, so it can only go faster on several free cores: judged like
    /// `cpu_parallelism`, on unperturbed runs with the cores free. A job that waits (I/O,
    /// sleeps) goes faster on one core too, and is judged on every run.
    #[serde(default)]
    pub cpu_bound: bool,
}

impl Speedup {
    /// Judges the two windows of one run.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        let lines = &evidence.run.stdout;
        let (Some(sequential_window), Some(parallel_window)) =
            (self.sequential.measure(lines), self.parallel.measure(lines))
        else {
            return Outcome::Fail(Failure::logic(
                CheckKind::Speedup,
                format!(
                    "the lines that frame the timed jobs must appear in order: {} then {}, and {} then {}",
                    self.sequential.from, self.sequential.to, self.parallel.from, self.parallel.to
                ),
                vec!["one of them never did".into()],
                "Print each row of the table as soon as that way of running the job has ended.",
            ));
        };
        let (sequential, parallel) = (length(sequential_window), length(parallel_window));
        if self.cpu_bound
            && let Some(outcome) = parallelism_unjudgeable(evidence, 1.0 / self.max_ratio + 0.2)
        {
            return match outcome {
                Outcome::Pass | Outcome::NotJudged(_) if evidence.run.sched.available => {
                    self.judge_structure(evidence, parallel_window)
                }
                other => other,
            };
        }
        let ratio = parallel.as_secs_f64() / sequential.as_secs_f64().max(1e-3);
        if ratio <= self.max_ratio {
            return Outcome::Pass;
        }
        Outcome::Fail(Failure::timing(
            CheckKind::Speedup,
            format!(
                "run in parallel, the job must take at most {:.2} × its sequential time",
                self.max_ratio
            ),
            vec![
                format!(
                    "sequentially ({} to {}): {}",
                    self.sequential.from,
                    self.sequential.to,
                    ms(sequential)
                ),
                format!(
                    "in parallel ({} to {}): {} (× {ratio:.2})",
                    self.parallel.from,
                    self.parallel.to,
                    ms(parallel)
                ),
            ],
            HINT,
        ))
    }

    /// Judges a CPU-bound job where the cores were not free to show its speed: from how many
    /// threads computed at once during the parallel window (running, or ready and waiting
    /// for a CPU), which must be at least the speedup asked for, 1 / `max_ratio`. Tasks that
    /// take turns (a lock held while computing, a join after each spawn) have one.
    fn judge_structure(&self, evidence: &Evidence, window: (Duration, Duration)) -> Outcome {
        let needed = 1.0 / self.max_ratio;
        let Some(demand) = evidence.run.sched.demand_between(window.0, window.1) else {
            return Outcome::NotJudged(NotJudged::TooShortToSample {
                from: self.parallel.from.to_string(),
                to: self.parallel.to.to_string(),
            });
        };
        let threads = demand.threads();
        if threads >= needed {
            return Outcome::Pass;
        }
        Outcome::Fail(Failure::timing(
            CheckKind::Speedup,
            format!(
                "run in parallel, the job must keep at least {needed:.2} threads computing at once (the cores were busy, so its speed could not be timed)",
            ),
            vec![format!(
                "in parallel ({} to {}): on average {threads:.2} thread(s) computed at once (CPU time {} + waiting for a CPU {} over {})",
                self.parallel.from,
                self.parallel.to,
                ms(demand.cpu),
                ms(demand.waited),
                ms(demand.span)
            )],
            HINT,
        ))
    }
}

/// What to try when the parallel job is no faster.
const HINT: &str = "Start every task before waiting for any, and let nothing make them take turns: no lock held while computing, no join right after each spawn. Rust has no GIL: threads run Rust code in parallel.";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervise::Perturbation;
    use crate::supervise::test_support::run;

    fn speedup(cpu_bound: bool) -> Speedup {
        let window = |from: &str, to: &str| Window {
            from: Pattern::new(from).unwrap(),
            to: Pattern::new(to).unwrap(),
        };
        Speedup {
            sequential: window("^head", "^seq"),
            parallel: window("^seq", "^par"),
            max_ratio: 0.8,
            cpu_bound,
        }
    }

    /// A run whose sequential job took `seq_ms` and parallel one `par_ms`, with `cpu_ms` of
    /// its own CPU time among `busy_ms` of the machine's, under `perturbation`.
    fn judge(
        check: &Speedup,
        seq_ms: u64,
        par_ms: u64,
        busy_ms: u64,
        perturbation: Perturbation,
    ) -> Outcome {
        let mut record = run(
            &[
                ("head", 0),
                ("seq", seq_ms),
                ("task", seq_ms + 1),
                ("par", seq_ms + par_ms),
            ],
            seq_ms + par_ms,
        );
        record.cpu = Duration::from_millis(seq_ms + 2 * par_ms);
        record.machine_busy = Duration::from_millis(busy_ms);
        record.perturbation = perturbation;
        Evidence::judge_alone(&record, |e| check.judge(e))
    }

    #[test]
    fn a_parallel_job_must_be_faster_by_the_ratio_from_the_runners_clock() {
        let cpu = speedup(true);
        assert_eq!(
            judge(&cpu, 1000, 550, 2100, Perturbation::None),
            Outcome::Pass
        );
        let Outcome::Fail(failure) = judge(&cpu, 1000, 990, 3000, Perturbation::None) else {
            panic!("taking turns is no speedup")
        };
        assert!(
            failure.timing && failure.seen[1].contains("× 0.99"),
            "{failure:?}"
        );
    }

    #[test]
    fn a_cpu_bound_job_is_judged_only_where_its_cores_were_free() {
        let cpu = speedup(true);
        assert_eq!(
            judge(&cpu, 1000, 990, 2990, Perturbation::OneCore),
            Outcome::Pass,
            "one core can show no speedup"
        );
        assert!(matches!(
            judge(&cpu, 1000, 990, 5000, Perturbation::None),
            Outcome::NotJudged(NotJudged::Busy { .. })
        ));
        let io = speedup(false);
        assert!(
            matches!(
                judge(&io, 1000, 990, 2990, Perturbation::OneCore),
                Outcome::Fail(_)
            ),
            "waiting goes faster on one core too"
        );
    }

    #[test]
    fn missing_frame_lines_are_named() {
        let mut check = speedup(false);
        check.parallel.to = Pattern::new("^never").unwrap();
        assert!(
            matches!(judge(&check, 1000, 500, 1500, Perturbation::None), Outcome::Fail(f) if f.seen == ["one of them never did"])
        );
    }
}
