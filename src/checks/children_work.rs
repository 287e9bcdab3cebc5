//! `children_work`: every child process did a share of the work, measured by the probe in
//! each copy of the program at its exit: its CPU time, the bytes it wrote (a worker
//! answering over a pipe), or the bytes it read from its stdin (a worker given its items
//! there, not on its command line). Children that only sleep, echo what the parent computed, or idle
//! beside one worker that serves every item are caught here; the runner's own view of the
//! processes backs the records (see `supervise::witness`). Not a count of children
//! (`child_processes` is).

use std::time::Duration;

use serde::Deserialize;

use super::timing::ms;
use super::{CheckKind, Evidence, Failure, Outcome, unprobed};
use crate::supervise::ProcessExit;

/// The least CPU time of the whole tree whose shares tell who worked: below it (a few small
/// numbers, where starting each process costs as much as its work, seen at 0–4 ms per
/// process) the run is passed by this check, and the manifest's larger arguments (tens of ms
/// per child) judge.
const MEASURABLE_CPU: Duration = Duration::from_millis(15);

/// What a child's share is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkMeasure {
    /// CPU time, against the CPU time of the whole tree (the parent included).
    Cpu,
    /// Bytes written, against the bytes all the children wrote.
    Written,
    /// Bytes read from its stdin, against the bytes all the children read from theirs.
    Stdin,
}

impl WorkMeasure {
    /// The amount of this measure a process used, by its exit record (none without one).
    fn amount(self, exit: Option<&ProcessExit>) -> f64 {
        match (self, exit) {
            (_, None) => 0.0,
            (WorkMeasure::Cpu, Some(e)) => e.cpu.as_secs_f64(),
            (WorkMeasure::Written, Some(e)) => e.written_bytes as f64,
            (WorkMeasure::Stdin, Some(e)) => e.stdin_bytes as f64,
        }
    }

    /// An amount of this measure, as the failure shows it.
    fn show(self, value: f64) -> String {
        match self {
            WorkMeasure::Cpu => ms(Duration::from_secs_f64(value)),
            WorkMeasure::Written => format!("{value:.0} bytes written"),
            WorkMeasure::Stdin => format!("{value:.0} bytes read from its stdin"),
        }
    }

    /// What the whole of this measure is, as the rule names it.
    fn what(self) -> &'static str {
        match self {
            WorkMeasure::Cpu => "CPU time of the program",
            WorkMeasure::Written => "output the children wrote",
            WorkMeasure::Stdin => "input the children read from their stdin",
        }
    }
}

/// `children_work`: each child process used at least `min_share` of the `measure`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildrenWork {
    /// CPU time or bytes written.
    pub measure: WorkMeasure,
    /// Each child's least share.
    pub min_share: f64,
}

impl ChildrenWork {
    /// Judges each child's share.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        if let Some(outcome) = unprobed(evidence) {
            return outcome;
        }
        let log = &evidence.run.processes;
        let records = &log.probe;
        let children: Vec<(u32, Option<&ProcessExit>)> = records
            .starts
            .iter()
            .filter(|&&(pid, _, _)| pid != log.root)
            .map(|&(pid, _, _)| (pid, records.exit_of(pid)))
            .collect();
        let amount = |exit: Option<&ProcessExit>| self.measure.amount(exit);
        let parent = match self.measure {
            WorkMeasure::Cpu => amount(records.exit_of(log.root)),
            WorkMeasure::Written | WorkMeasure::Stdin => 0.0,
        };
        let total = parent + children.iter().map(|&(_, e)| amount(e)).sum::<f64>();
        if self.measure == WorkMeasure::Cpu && total < MEASURABLE_CPU.as_secs_f64() {
            // Small arguments: a process's start costs as much as its work, so shares are
            // noise; the runs of the manifest's larger arguments judge.
            return Outcome::Pass;
        }
        let share = |value: f64| value / total.max(1e-9);
        let idle: Vec<u32> = children
            .iter()
            .filter(|&&(_, e)| share(amount(e)) < self.min_share)
            .map(|&(pid, _)| pid)
            .collect();
        if idle.is_empty() {
            return Outcome::Pass;
        }
        let show = |value: f64| self.measure.show(value);
        let mut seen: Vec<String> = children
            .iter()
            .map(|&(pid, e)| match e {
                Some(_) => format!(
                    "child pid {pid}: {} ({:.0}%)",
                    show(amount(e)),
                    share(amount(e)) * 100.0
                ),
                None => format!("child pid {pid}: no exit recorded (killed?)"),
            })
            .collect();
        if self.measure == WorkMeasure::Cpu {
            seen.push(format!(
                "the parent, pid {}: {} ({:.0}%)",
                log.root,
                show(parent),
                share(parent) * 100.0
            ));
        }
        let what = self.measure.what();
        let hint = if self.measure == WorkMeasure::Stdin {
            "The items must reach the workers over their stdin (Stdio::piped(), then write to child.stdin), not on their command lines: each worker reads its items there."
        } else if self.measure == WorkMeasure::Cpu && share(parent) > 0.5 {
            "The parent did the work and the children only passed it on: compute in each child, and send only the answer back over its stdout."
        } else {
            "A child did (almost) nothing while others worked: deal the items out to every worker, and let each compute its own."
        };
        Outcome::Fail(Failure::logic(
            CheckKind::ChildrenWork,
            format!(
                "each child process must do its share of the work: at least {:.0}% of the {what}",
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

    /// Judges main process 10 (`parent` ms of CPU) with children 20 and 21, each `(CPU ms,
    /// bytes written)`.
    fn judge(measure: WorkMeasure, parent: u64, children: [(u64, u64); 2]) -> Outcome {
        let ms = 1_000_000;
        let mut text = "start 10 1 0\nstart 20 10 1\nstart 21 10 1\n".to_string();
        for (pid, (cpu, written)) in [20, 21].into_iter().zip(children) {
            text.push_str(&format!("exit {pid} 900 {} 0 {written}\n", cpu * ms));
        }
        text.push_str(&format!("exit 10 1000 {} 0 0\n", parent * ms));
        judged(&text, measure, 0.1)
    }

    /// Judges a run whose probe recorded `text`, with `min_share` of the `measure`.
    fn judged(text: &str, measure: WorkMeasure, min_share: f64) -> Outcome {
        let record = probed(run(&[], 1000), text);
        let check = ChildrenWork { measure, min_share };
        Evidence::judge_alone(&record, |e| check.judge(e))
    }

    /// The failure of `outcome`; panics with `passed` (what passed wrongly) if it passed.
    fn failure(outcome: Outcome, passed: &str) -> Failure {
        let Outcome::Fail(failure) = outcome else {
            panic!("{passed}")
        };
        failure
    }

    #[test]
    fn children_that_work_pass_and_children_that_echo_or_idle_are_named() {
        assert_eq!(
            judge(WorkMeasure::Cpu, 5, [(60, 9), (90, 9)]),
            Outcome::Pass
        );
        let echo = failure(
            judge(WorkMeasure::Cpu, 170, [(1, 9), (1, 9)]),
            "children echoing the parent's answers passed",
        );
        assert!(
            echo.hint.starts_with("The parent did the work"),
            "{}",
            echo.hint
        );
        assert_eq!(
            judge(WorkMeasure::Written, 5, [(1, 20), (1, 15)]),
            Outcome::Pass
        );
        let idle = failure(
            judge(WorkMeasure::Written, 5, [(1, 35), (1, 0)]),
            "an idle worker passed",
        );
        assert!(
            idle.seen
                .contains(&"child pid 21: 0 bytes written (0%)".to_string()),
            "{:?}",
            idle.seen
        );
    }

    #[test]
    fn workers_given_their_items_on_the_command_line_read_nothing_from_stdin() {
        let text = "start 10 1 0\nstart 20 10 1\nstart 21 10 1\nstdin 20 12\nstdin 21 9\n\
                    exit 20 900 0 12 9\nexit 21 900 0 9 9\nexit 10 1000 0 0 0\n";
        assert_eq!(judged(text, WorkMeasure::Stdin, 0.2), Outcome::Pass);
        let failure = failure(
            judged(&text.replace("stdin 2", "stdin 3"), WorkMeasure::Stdin, 0.2),
            "workers that read no stdin pass",
        );
        assert!(
            failure.hint.contains("over their stdin"),
            "{}",
            failure.hint
        );
        assert!(
            failure.seen[0].contains("0 bytes read from its stdin"),
            "{:?}",
            failure.seen
        );
    }

    #[test]
    fn a_run_with_too_little_cpu_to_share_is_left_to_the_larger_arguments() {
        // The default numbers: 1 ms per process, the parent's start the largest part.
        assert_eq!(judge(WorkMeasure::Cpu, 4, [(0, 9), (1, 9)]), Outcome::Pass);
        // Just above the floor, the same split is judged.
        assert!(matches!(
            judge(WorkMeasure::Cpu, 14, [(0, 9), (1, 9)]),
            Outcome::Fail(_)
        ));
    }
}
