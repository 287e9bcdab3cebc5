//! Why a rule could not be judged on a run: a reason the grader decides on by its variant
//! (one core cannot change, a busy machine can), and the learner reads through its `Display`.
//!
//! Not for failures (a broken rule is a [`Failure`](super::Failure)), nor for the notes of a
//! verdict, which add the rule's name (`grade::Skipped`).

use std::fmt;
use std::time::Duration;

use super::ending::secs;

/// Why a rule could not be judged on one run. Never a pass: the grader runs it again, and an
/// exercise with a rule still not judged is *not judged*.
#[derive(Debug, Clone, PartialEq)]
pub enum NotJudged {
    /// A download check on an exercise that has no download server.
    NoDownloadServer,
    /// The probe recorded nothing of the main process (it was not linked in): its threads
    /// cannot be judged.
    Unprobed,
    /// A line's writer is not known: the probe's write records could not be tied to the
    /// run's output (no probe in the program, or output the probe never saw).
    WritersUnknown,
    /// Parallelism on a machine of one core: it cannot be shown there, whatever the program.
    OneCore,
    /// The exercise's manifest says it needs two cores (`needs_two_cores`), and the machine
    /// has one: a wrong program passes as well. `why` is the manifest's reason.
    NeedsTwoCores {
        /// Why the exercise needs two cores, as its manifest says.
        why: String,
    },
    /// Other work held the cores during a run that was to show parallelism.
    Busy {
        /// The cores free during the run, on average.
        free: f64,
        /// The cores of the machine.
        cores: usize,
    },
    /// A CPU-bound job whose cores were not free to time it, too short to sample its threads.
    TooShortToSample {
        /// The line that starts the parallel job.
        from: String,
        /// The line that ends it.
        to: String,
    },
    /// The run reached its timeout having waited most of it for a CPU: the machine's timeout,
    /// not the program's.
    WaitedForCpu {
        /// How long the run waited for a CPU.
        waited: Duration,
        /// How long the run took in all.
        elapsed: Duration,
    },
}

impl NotJudged {
    /// Whether only a machine with more cores can judge it: checking again on this one would
    /// give the same (see [`Verdict::wants_more_cores`](crate::grade::Verdict::wants_more_cores)).
    pub fn wants_more_cores(&self) -> bool {
        matches!(self, NotJudged::OneCore | NotJudged::NeedsTwoCores { .. })
    }
}

/// How a rule that cannot be judged on a machine of one core says so: a machine's cores do
/// not change, so checking again there cannot help.
const ONE_CORE: &str = "only 1 core available";

impl fmt::Display for NotJudged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotJudged::NoDownloadServer => f.write_str("no download server for this exercise"),
            NotJudged::Unprobed => {
                f.write_str("the probe recorded nothing of this run: threads cannot be judged")
            }
            NotJudged::WritersUnknown => f.write_str(
                "the writes of this run could not be tied to its lines: who printed them is not known",
            ),
            NotJudged::OneCore => write!(f, "{ONE_CORE}: parallelism cannot be judged here"),
            NotJudged::NeedsTwoCores { why } => {
                write!(f, "{ONE_CORE}, where a wrong program passes as well: {why}")
            }
            NotJudged::Busy { free, cores } => write!(
                f,
                "the machine was busy with other work (only {free:.1} of {cores} cores free during a run): parallelism could not be judged"
            ),
            NotJudged::TooShortToSample { from, to } => write!(
                f,
                "the parallel job ({from} to {to}) was too short to sample, and the cores were not free to time it"
            ),
            NotJudged::WaitedForCpu { waited, elapsed } => write!(
                f,
                "this run waited {} of its {} for a CPU: the machine was busy, and the timeout proves nothing of the program",
                secs(waited.as_secs_f64()),
                secs(elapsed.as_secs_f64())
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_reasons_of_one_core_want_more_cores() {
        let one_core = [
            NotJudged::OneCore,
            NotJudged::NeedsTwoCores { why: "x".into() },
        ];
        for why in &one_core {
            assert!(why.wants_more_cores(), "{why}");
            assert!(why.to_string().starts_with(ONE_CORE), "{why}");
        }
        let busy = NotJudged::Busy {
            free: 0.4,
            cores: 2,
        };
        assert!(!busy.wants_more_cores());
        assert_eq!(
            busy.to_string(),
            "the machine was busy with other work (only 0.4 of 2 cores free during a run): parallelism could not be judged"
        );
    }
}
