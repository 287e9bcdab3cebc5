//! What a verdict notes beside its outcome: the rules that could not be judged, and the runs
//! that passed only on a retry, each with a typed reason the code decides on and a `Display`
//! the reports print.
//!
//! Not for the reasons themselves (a check's reason not to judge is
//! [`NotJudged`](crate::checks::NotJudged)), nor for how a report lays the notes out.

use std::fmt;

use super::RunConfig;
use crate::checks::{CheckKind, NotJudged};

/// Which rule of an exercise could not be judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkippedRule {
    /// A check, or a rule every run obeys (its `timeout`).
    Check(CheckKind),
    /// The exercise as a whole, whose manifest says `needs_two_cores`.
    NeedsTwoCores,
}

impl fmt::Display for SkippedRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkippedRule::Check(kind) => write!(f, "{kind}"),
            SkippedRule::NeedsTwoCores => f.write_str("needs_two_cores"),
        }
    }
}

/// A rule that could not be judged, even on a retry, and why: shown as `rule: why`.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// The rule.
    pub rule: SkippedRule,
    /// Why it could not be judged.
    pub why: NotJudged,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rule, self.why)
    }
}

/// Why a run was made again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryReason {
    /// It broke only timing rules, on a machine that was not quiet.
    Timing,
    /// A rule could not be judged on it (the machine was busy).
    NotJudged,
}

/// A run that passed only on a retry: which, why it was retried, and on which retry it passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retried {
    /// How it was run.
    pub config: RunConfig,
    /// Its number among the runs of the exercise (from 1).
    pub run_number: usize,
    /// Why it was first made again.
    pub reason: RetryReason,
    /// The retry it passed on (from 1).
    pub passed_on: usize,
}

impl fmt::Display for Retried {
    /// What happened, after the configuration: `… and passed on retry 1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first = match self.reason {
            RetryReason::Timing => "a timing rule failed once",
            RetryReason::NotJudged => "a rule could not be judged once",
        };
        write!(
            f,
            "{first} under `{}` and passed on retry {} (the machine may be busy)",
            self.config.replay_key(),
            self.passed_on
        )
    }
}
