//! Why a run was slow, where its evidence shows it: the cause a timing rule's hint names
//! (`overlap`, `wall_time`), so that a program that spins on a flag is not told to start its
//! threads earlier, nor an async one to keep thread handles.
//!
//! Not here: whether the run was slow (the timing rules judge that), nor the machine's share
//! of the slowness (the runner discounts it before any rule is judged).

use std::time::Duration;

use super::Evidence;
use crate::supervise::RunRecord;

/// A run of at least this much of its own time is judged for busy-waiting: shorter, a CPU-bound start-up
/// (building the runtime, printing) can reach the share below without spinning.
const BUSY_MIN_TIME: Duration = Duration::from_millis(200);

/// The share of its own time (see [`own_time`]) a program's threads spent on a CPU above
/// which its waiting was spinning: a program that waits by sleeping, on a Condvar or on a channel, uses a few
/// percent; one thread spinning on a flag uses 100 % (more with two spinning threads).
const BUSY_CPU_SHARE: f64 = 0.5;

/// The share of its wall time the only thread of a program spent in blocking sleeps above
/// which those sleeps, not the work, made it slow.
const BLOCKED_SLEEP_SHARE: f64 = 0.5;

/// What made a run slow, as its evidence shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    /// Two or more threads, each joined before the next one was created.
    JoinedOneByOne,
    /// The threads burned CPU while they waited (a loop on a flag).
    BusyWaiting,
    /// Blocking sleeps on the program's only thread: an async runtime's tasks could not
    /// run in the meantime.
    BlockingSleepOnTheOnlyThread,
}

impl Cause {
    /// The cause `evidence` shows, if one: joins first (the probe's proof), then blocking
    /// sleeps on a single thread, then CPU burnt while waiting.
    pub(crate) fn of(evidence: &Evidence) -> Option<Cause> {
        let run = evidence.run;
        let processes = &run.processes;
        if super::threads_joined::joined_one_by_one(&processes.probe, processes.root) {
            return Some(Cause::JoinedOneByOne);
        }
        let wall = run.wall.as_secs_f64();
        let probe = &processes.probe;
        let single_thread = processes.probed && probe.spawned().next().is_none();
        let slept: f64 = probe
            .sleeps
            .iter()
            .map(|s| s.to.saturating_sub(s.from).as_secs_f64())
            .sum();
        if single_thread && wall > 0.0 && slept >= BLOCKED_SLEEP_SHARE * wall {
            return Some(Cause::BlockingSleepOnTheOnlyThread);
        }
        let own = own_time(run);
        (own >= BUSY_MIN_TIME && run.cpu.as_secs_f64() >= BUSY_CPU_SHARE * own.as_secs_f64())
            .then_some(Cause::BusyWaiting)
    }

    /// The hint for this cause; `run` gives the figures that show it.
    pub(crate) fn hint(self, evidence: &Evidence) -> String {
        match self {
            Cause::JoinedOneByOne => "Joined too early: each thread was joined before the next one was created, so they ran one at a time. Start every thread first, keep the handles, and join them after the loop.".into(),
            Cause::BusyWaiting => format!(
                "Busy-waiting: the threads used {} of CPU in {} of the program's own time while they waited for their turn (a loop that checks a flag spins on a core, and on one core the other thread cannot run). Wait without spinning: a Condvar's wait (or a channel's recv) sleeps until the other thread hands over.",
                super::timing::ms(evidence.run.cpu),
                super::timing::ms(own_time(evidence.run))
            ),
            Cause::BlockingSleepOnTheOnlyThread => "A blocking sleep held the runtime's only thread: while one task slept, no other task could run. In a task, wait with `.await` on an async sleep (tokio::time::sleep), so the task gives the thread back while it waits.".into(),
        }
    }
}

/// The run's own time: its wall time less the time the machine kept it waiting for a CPU
/// with nothing of it running (beside busy threads, a spinning program gets only part of
/// the wall time, and spins all through that part).
fn own_time(run: &RunRecord) -> Duration {
    run.wall.saturating_sub(run.sched.stalled())
}

/// The hint of a timing rule broken in the run of `evidence`: its cause, where the evidence
/// shows one, else `general`.
pub(crate) fn hint(evidence: &Evidence, general: &str) -> String {
    Cause::of(evidence).map_or_else(|| general.to_string(), |cause| cause.hint(evidence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervise::test_support::{probed, run};

    fn cause(record: &crate::supervise::RunRecord) -> Option<Cause> {
        let mut found = None;
        Evidence::judge_alone(record, |e| {
            found = Cause::of(e);
            super::super::Outcome::Pass
        });
        found
    }

    #[test]
    fn a_run_that_burned_cpu_while_waiting_is_busy_waiting_and_a_sleepy_one_is_not() {
        let mut spinning = run(&[("Ping", 10)], 3_500);
        spinning.cpu = Duration::from_millis(3_400);
        assert_eq!(cause(&spinning), Some(Cause::BusyWaiting));
        let mut sleepy = run(&[("Ping", 10)], 3_500);
        sleepy.cpu = Duration::from_millis(40);
        assert_eq!(cause(&sleepy), None);
        let mut short = run(&[("Ping", 10)], 100);
        short.cpu = Duration::from_millis(100);
        assert_eq!(cause(&short), None, "too short to tell");
    }

    #[test]
    fn beside_busy_threads_spinning_is_judged_against_the_programs_own_time() {
        // 5653 ms of wall time, 2495 ms of them stalled by the machine, 2000 ms on a CPU:
        // under half the wall time, most of its own.
        let mut crowded = run(&[("Ping", 10)], 5_653);
        crowded.cpu = Duration::from_millis(2_000);
        crowded.sched.samples.push(crate::supervise::SchedSample {
            at: Duration::from_millis(5_650),
            cpu: Duration::from_millis(2_000),
            waited: Duration::from_millis(2_600),
            stalled: Duration::from_millis(2_495),
        });
        assert_eq!(cause(&crowded), Some(Cause::BusyWaiting));
        crowded.cpu = Duration::from_millis(900);
        assert_eq!(
            cause(&crowded),
            None,
            "a third of its own time is not spinning"
        );
    }

    #[test]
    fn blocking_sleeps_on_the_only_thread_are_named_and_sleeps_beside_threads_are_not() {
        const MS: u64 = 1_000_000;
        let sleeps = format!(
            "start 10 1 0\nsleep 10 0 {}\nsleep 10 {} {}\n",
            1000 * MS,
            1000 * MS,
            4000 * MS
        );
        let alone = probed(run(&[], 4_100), &sleeps);
        assert_eq!(cause(&alone), Some(Cause::BlockingSleepOnTheOnlyThread));
        let with_a_thread = probed(
            run(&[], 4_100),
            &format!("{sleeps}thread 11 10 10 7 {}\n", 5 * MS),
        );
        assert_eq!(cause(&with_a_thread), None);
    }
}
