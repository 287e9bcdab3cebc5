//! `threads_started`: how many threads the program created, counted by the probe in every
//! copy of the program (child processes included), however short-lived. Where threads are the
//! lesson, work done on the main thread alone (or on one helper) prints the right lines
//! without the lesson; where a single thread is the lesson, any thread is too many. Not a
//! judge of what the threads did (see `work_spread`, `threads_joined`).

use serde::Deserialize;

use super::{
    CheckKind, Evidence, Failure, LINES_QUOTED, Outcome, describe_thread, excerpt_of, unprobed,
};

/// `threads_started`: the program, every process of it together, created at least `min`
/// threads and at most `max` (main threads not counted).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreadsStarted {
    /// At least this many threads.
    #[serde(default)]
    pub min: usize,
    /// At most this many threads.
    #[serde(default)]
    pub max: Option<usize>,
}

impl ThreadsStarted {
    /// Judges the threads the probe recorded.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        if let Some(outcome) = unprobed(evidence) {
            return outcome;
        }
        let records = &evidence.run.processes.probe;
        let started: Vec<String> = records.spawned().map(describe_thread).collect();
        let count = started.len();
        let processes = records.starts.len();
        let seen = || {
            let mut seen = vec![format!(
                "{} started, in {}",
                crate::plural::of(count, "thread", "threads"),
                crate::plural::of(processes, "process", "processes")
            )];
            seen.extend(excerpt_of(started.clone(), LINES_QUOTED));
            seen
        };
        if count < self.min {
            let hint = if count == 0 {
                "Everything ran on the main thread: the right lines, but not from threads. Start the work with thread::spawn (or s.spawn inside thread::scope), one thread per piece of work."
            } else {
                "Fewer threads than pieces of work: one thread does the work of several, one after the other. Start a thread for each piece, all of them before joining any."
            };
            return Outcome::Fail(Failure::logic(
                CheckKind::ThreadsStarted,
                format!(
                    "the program must start at least {} besides the main thread",
                    crate::plural::of(self.min, "thread", "threads")
                ),
                seen(),
                hint,
            ));
        }
        if let Some(max) = self.max.filter(|&max| count > max) {
            return Outcome::Fail(Failure::logic(
                CheckKind::ThreadsStarted,
                format!(
                    "the program, child processes included, must start at most {} besides the main thread",
                    crate::plural::of(max, "thread", "threads")
                ),
                seen(),
                "A single-threaded runtime (tokio's current_thread flavour) runs every task on the main thread: no worker threads, no spawn_blocking, no child process running a runtime of its own.",
            ));
        }
        Outcome::Pass
    }
}
