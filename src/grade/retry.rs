//! The retry policy: which runs that did not conclude are made again, how, and how often
//! (after nextest's `retry_policy.rs`). A run that broke only timing rules on a machine that
//! was not quiet, or on which a rule could not be judged, may owe it to the machine: it is made
//! again, alone, up to [`TIMING_RETRIES`](super::TIMING_RETRIES) times in all, whatever the
//! mix of reasons; one not judged first waits for free cores.
//!
//! Not here: what a run is judged by (the checks), nor the order in which runs are made
//! (`runs.rs`, `schedule.rs`).

use std::time::Duration;

use super::RetryReason;

/// Free cores a run not judged waits for before it is made again: one core for the program
/// beside what the runner itself needs.
pub(super) const FREE_CORES_WANTED: f64 = 1.5;
/// The longest a run not judged waits for free cores before it is made again anyway.
pub(super) const FREE_CORES_WAIT: Duration = Duration::from_secs(10);

/// How a run is made again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Retry {
    /// Wait first for so many free cores, for at most so long (`None`: at once).
    pub(super) wait_for_free_cores: Option<(f64, Duration)>,
}

/// Which runs are made again, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RetryPolicy {
    /// Retries of one run, for any reason, before what it showed counts.
    pub(super) retries: usize,
}

impl RetryPolicy {
    /// Whether (and how) a run that did not conclude for `reason`, after `made` retries of it,
    /// is made again; `None`: what it showed counts.
    pub(super) fn retry(self, reason: RetryReason, made: usize) -> Option<Retry> {
        if made >= self.retries {
            return None;
        }
        Some(match reason {
            RetryReason::Timing => Retry {
                wait_for_free_cores: None,
            },
            RetryReason::NotJudged => Retry {
                wait_for_free_cores: Some((FREE_CORES_WANTED, FREE_CORES_WAIT)),
            },
        })
    }
}

/// The retries of one run so far: how many, and why the first was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Retries {
    /// Retries made.
    pub(super) made: usize,
    /// Why the first retry was made (`None`: none was).
    pub(super) first: Option<RetryReason>,
}

impl Retries {
    /// Asks `policy` whether to retry for `reason`; counts the retry it allows.
    pub(super) fn next(&mut self, policy: RetryPolicy, reason: RetryReason) -> Option<Retry> {
        let retry = policy.retry(reason, self.made)?;
        self.made += 1;
        self.first.get_or_insert(reason);
        Some(retry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_budget_for_both_reasons_and_only_a_run_not_judged_waits_for_free_cores() {
        let policy = RetryPolicy { retries: 2 };
        let mut retries = Retries::default();
        let first = retries.next(policy, RetryReason::Timing).unwrap();
        assert_eq!(first.wait_for_free_cores, None);
        let second = retries.next(policy, RetryReason::NotJudged).unwrap();
        assert_eq!(
            second.wait_for_free_cores,
            Some((FREE_CORES_WANTED, FREE_CORES_WAIT))
        );
        assert_eq!(retries.next(policy, RetryReason::Timing), None, "spent");
        assert_eq!(
            retries,
            Retries {
                made: 2,
                first: Some(RetryReason::Timing)
            }
        );
        let mut never = Retries::default();
        assert_eq!(
            never.next(RetryPolicy { retries: 0 }, RetryReason::NotJudged),
            None
        );
        assert_eq!(never, Retries::default());
    }
}
