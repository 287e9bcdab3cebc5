//! `threads_joined`: every thread the program started was waited for before a given line
//! (or before the program exited), as the probe recorded it. A thread counts as waited for
//! when its `join` returned in time, or when it ended in time while the thread that created
//! it was blocked neither in a sleep nor in the join of another thread (as `thread::scope`
//! waits for the threads it did not join explicitly). So main sleeping "long enough", a
//! thread left to end on its own while main joins another, a thread left behind while another
//! one ends the program (a deadlock hidden by a watchdog) all fail, whatever the lines say.
//! A dropped handle whose thread happens to end in the moments main takes to print its last
//! line or to exit is not caught (the `before` rules catch what it printed late). Not a judge
//! of concurrency (`overlap` is).

use std::time::Duration;

use serde::Deserialize;

use super::timing::ms;
use super::{
    CheckKind, Evidence, Failure, Outcome, THREADS_SHOWN, describe_thread, excerpt_of, unprobed,
};
use crate::lines::pattern::Pattern;
use crate::supervise::{ProbeRecords, ThreadSeen};

/// How late a thread that was waited for without a join may record its end after the line:
/// `thread::scope` wakes its caller a moment before the thread's last instructions, and on
/// one busy core the caller may print (and exit) long before the thread runs again to record
/// its end. Before the exit, any end the thread recorded counts (the probe lets runnable
/// threads finish before it writes the exit record).
const END_RECORD_GRACE: Duration = Duration::from_millis(500);

/// `threads_joined`: each thread the main process started was waited for before the first
/// line matching `before`, or, without `before`, before its process exited; with `explicit`,
/// each one was joined with `join` (where the result must come back through it), not only
/// waited for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreadsJoined {
    /// The line by which every thread must have been joined; none: the program's exit.
    #[serde(default)]
    pub before: Option<Pattern>,
    /// Every thread joined with `join`: a thread that ended on its own (its result sent over
    /// a channel, say) does not count.
    #[serde(default)]
    pub explicit: bool,
}

/// Why a thread was not waited for.
enum Unwaited<'a> {
    /// It had not ended.
    Running(&'a ThreadSeen),
    /// It ended while its creator slept instead of joining it.
    SleptInstead(&'a ThreadSeen),
    /// It ended on its own, never joined, while its creator waited for something else.
    NeverJoined(&'a ThreadSeen),
}

impl ThreadsJoined {
    /// Judges the joins the probe recorded.
    ///
    /// Over 80 lines on purpose: most of it is the failure message (the rule, each thread as
    /// seen, the hint that matches what was seen), which reads best next to the rule.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        if let Some(outcome) = unprobed(evidence) {
            return outcome;
        }
        let run = evidence.run;
        let records = &run.processes.probe;
        let root = run.processes.root;
        let (deadline, moment) = match &self.before {
            Some(pattern) => match run.stdout.iter().find(|l| pattern.is_match(&l.text)) {
                Some(line) => (
                    line.at,
                    format!(
                        "the line `{}` (printed {} after the start)",
                        line.text,
                        ms(line.at)
                    ),
                ),
                None => {
                    return Outcome::Fail(Failure::logic(
                        CheckKind::ThreadsJoined,
                        format!("a line matching {pattern} must be printed"),
                        vec!["no such line".into()],
                        "Print the last line once every thread has been joined.",
                    ));
                }
            },
            None => {
                let exit = records.exit_of(root).map_or(run.wall, |e| e.at);
                (
                    exit,
                    format!("the program's exit ({} after the start)", ms(exit)),
                )
            }
        };
        let threads: Vec<&ThreadSeen> = records.spawned().filter(|t| t.pid == root).collect();
        let grace = match self.before {
            Some(_) => END_RECORD_GRACE,
            None => Duration::MAX,
        };
        let unwaited: Vec<Unwaited> = threads
            .iter()
            .filter_map(|t| waited_for(records, t, deadline, grace))
            .chain(
                threads
                    .iter()
                    .filter(|t| self.explicit && t.joined.is_none_or(|(at, _)| at > deadline))
                    .filter(|t| waited_for(records, t, deadline, grace).is_none())
                    .map(|t| Unwaited::NeverJoined(t)),
            )
            .collect();
        let Some(first) = unwaited.first() else {
            return Outcome::Pass;
        };
        let mut seen = vec![format!(
            "{} of {} not joined by {moment}",
            unwaited.len(),
            crate::plural::of(threads.len(), "thread", "threads")
        )];
        seen.extend(excerpt_of(
            unwaited
                .iter()
                .map(|u| match u {
                    Unwaited::Running(t) => format!("{} (still running then)", describe_thread(t)),
                    Unwaited::SleptInstead(t) => format!(
                        "{} (its creator was sleeping when it ended)",
                        describe_thread(t)
                    ),
                    Unwaited::NeverJoined(t) => describe_thread(t),
                })
                .collect(),
            THREADS_SHOWN,
        ));
        let hint = match first {
            Unwaited::Running(_) if self.before.is_none() => {
                "These threads never finished: the program ended while they still ran (blocked, if they were waiting for a lock: a deadlock that the thread which ended the program hid). Let every thread finish and join each one before main returns."
            }
            Unwaited::Running(_) => {
                "Join every thread (handle.join().unwrap()) before printing this line: a thread nobody waits for may still be working."
            }
            Unwaited::SleptInstead(_) => {
                "Sleeping \"long enough\" is not waiting: on a busy machine the thread runs late. Keep the JoinHandle and call .join() on it."
            }
            Unwaited::NeverJoined(_) if self.explicit => {
                "Keep every JoinHandle that thread::spawn returns and call .join() on each one: the thread's result comes back through its join, not over a channel or a shared variable."
            }
            Unwaited::NeverJoined(_) => {
                "Keep every JoinHandle that thread::spawn returns and call .join() on each one; a dropped handle leaves its thread unwaited for."
            }
        };
        Outcome::Fail(Failure::logic(
            CheckKind::ThreadsJoined,
            format!("every thread the program starts must be joined before {moment}"),
            seen,
            hint,
        ))
    }
}

/// `None` when `thread` was waited for by `deadline`, else why not; an end recorded up to
/// `grace` after the deadline counts, if no join or sleep shows that it was not waited for.
fn waited_for<'a>(
    records: &ProbeRecords,
    thread: &'a ThreadSeen,
    deadline: Duration,
    grace: Duration,
) -> Option<Unwaited<'a>> {
    if thread.joined.is_some_and(|(at, _)| at <= deadline) {
        return None;
    }
    let Some(ended) = thread
        .ended
        .filter(|&e| e <= deadline.saturating_add(grace))
    else {
        return Some(Unwaited::Running(thread));
    };
    if records.asleep_at(thread.creator, ended) {
        Some(Unwaited::SleptInstead(thread))
    } else if records.joining_at(thread.creator, ended) || thread.joined.is_some() {
        Some(Unwaited::NeverJoined(thread))
    } else {
        None
    }
}

/// Whether the main process started two or more threads and joined each one before it
/// started the next: the work of "concurrent" threads done one at a time.
pub(crate) fn joined_one_by_one(records: &ProbeRecords, root: u32) -> bool {
    let threads: Vec<&ThreadSeen> = records
        .spawned()
        .filter(|t| t.pid == root && t.creator == root)
        .collect();
    threads.len() >= 2
        && threads
            .windows(2)
            .all(|w| w[0].joined.is_some_and(|(at, _)| at <= w[1].started))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervise::test_support::{probed, run};

    const MS: u64 = 1_000_000;

    /// Judges `check` on a run of main process 10 whose probe wrote `records` (times in ms)
    /// and that printed `Done` at 500 ms.
    fn judge(check: &ThreadsJoined, records: &str) -> Outcome {
        let record = probed_ms(records, &[("Done", 500)], 600);
        Evidence::judge_alone(&record, |e| check.judge(e))
    }

    /// A run of main process 10 that printed `lines` and whose probe wrote `records` (times
    /// in ms).
    fn probed_ms(records: &str, lines: &[(&str, u64)], wall: u64) -> crate::supervise::RunRecord {
        let text: String = records
            .lines()
            .map(|line| {
                let mut words = line.split_whitespace();
                let tag = words.next().unwrap_or("");
                let fields: Vec<String> = words.map(String::from).collect();
                // Times are the fields named in ms; scale them to the probe's nanoseconds.
                let times: &[usize] = match tag {
                    "start" => &[2],
                    "thread" => &[4],
                    "tend" => &[1],
                    "join" => &[2, 3],
                    "sleep" => &[1, 2],
                    "exit" => &[1],
                    _ => &[],
                };
                let fields: Vec<String> = fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        if times.contains(&i) {
                            (f.parse::<u64>().unwrap() * MS).to_string()
                        } else {
                            f.clone()
                        }
                    })
                    .collect();
                format!("{tag} {}\n", fields.join(" "))
            })
            .collect();
        probed(run(lines, wall), &text)
    }

    fn before_done() -> ThreadsJoined {
        ThreadsJoined {
            before: Some(Pattern::new("^Done$").unwrap()),
            explicit: false,
        }
    }

    fn hint(outcome: Outcome) -> String {
        match outcome {
            Outcome::Fail(f) => f.hint,
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn a_joined_thread_and_a_thread_scope_waited_for_pass() {
        let joined =
            "start 10 1 0\nthread 11 10 10 7 1\ntend 11 300 1\njoin 7 10 2 300\nexit 10 550 1 0 0";
        assert_eq!(judge(&before_done(), joined), Outcome::Pass);
        // thread::scope: no join, main blocked (not asleep) when the thread ended, and the
        // end recorded a moment after main printed.
        let scoped = "start 10 1 0\nthread 11 10 10 7 1\ntend 11 520 1\nexit 10 550 1 0 0";
        assert_eq!(judge(&before_done(), scoped), Outcome::Pass);
    }

    #[test]
    fn sleeping_instead_of_joining_and_a_thread_left_to_end_alone_are_named() {
        let slept =
            "start 10 1 0\nthread 11 10 10 7 1\ntend 11 300 1\nsleep 10 1 490\nexit 10 550 1 0 0";
        assert!(hint(judge(&before_done(), slept)).starts_with("Sleeping \"long enough\""));
        let left = "start 10 1 0\nthread 11 10 10 7 1\nthread 12 10 10 8 1\ntend 12 200 1\ntend 11 400 1\njoin 7 10 2 400\nexit 10 550 1 0 0";
        assert!(hint(judge(&before_done(), left)).contains("dropped handle"));
        let explicit = ThreadsJoined {
            before: None,
            explicit: true,
        };
        let scoped = "start 10 1 0\nthread 11 10 10 7 1\ntend 11 520 1\nexit 10 550 1 0 0";
        assert!(hint(judge(&explicit, scoped)).contains("comes back through its join"));
    }

    #[test]
    fn a_thread_still_blocked_at_exit_is_a_hidden_deadlock() {
        let exit = ThreadsJoined {
            before: None,
            explicit: false,
        };
        let deadlocked = "start 10 1 0\nthread 11 10 10 7 1\nthread 12 10 10 8 1\nthread 13 10 10 9 1\ntend 13 400 1\nalive 11 5000\nalive 12 5000\nexit 10 1000 1 0 0";
        let Outcome::Fail(failure) = judge(&exit, deadlocked) else {
            panic!("a deadlock hidden by a watchdog passed")
        };
        assert_eq!(
            failure.seen[0],
            "2 of 3 threads not joined by the program's exit (1000 ms after the start)"
        );
        assert!(failure.hint.starts_with("These threads never finished"));
    }

    #[test]
    fn work_one_piece_at_a_time_is_named_joined_too_early_by_before_overlap_and_wall_time() {
        use crate::checks::order::Before;
        use crate::checks::timing::{Overlap, WallTime};
        let pattern = |p: &str| Pattern::new(p).unwrap();
        // Worker 0 joined at 300 ms, before worker 1 was created: one at a time.
        let one_by_one = "start 10 1 0\nthread 11 10 10 7 1\ntend 11 300 1\njoin 7 10 2 300\nthread 12 10 10 8 301\ntend 12 600 1\njoin 8 10 302 600\nexit 10 610 1 0 0";
        let lines = [
            ("Worker 0 started", 1),
            ("Worker 0 finished", 300),
            ("Worker 1 started", 301),
            ("Main done", 302),
            ("Worker 1 finished", 600),
        ];
        let record = probed_ms(one_by_one, &lines, 610);
        let before = Before {
            first: pattern("finished"),
            then: pattern("^Main done"),
        };
        let overlap = Overlap {
            start: pattern("started"),
            end: pattern("finished"),
        };
        let outcomes = [
            Evidence::judge_alone(&record, |e| before.judge(e)),
            Evidence::judge_alone(&record, |e| overlap.judge(e)),
            Evidence::judge_alone(&record, |e| {
                WallTime {
                    max_ms: 400,
                    plus: None,
                }
                .judge(e)
            }),
        ];
        for outcome in outcomes {
            assert!(
                hint(outcome.clone()).starts_with(
                    "Joined too early: each thread was joined before the next one was created"
                ),
                "{outcome:?}"
            );
        }
        // The same lines without the probe's evidence of the joins: the general hint.
        let mut unprobed = record.clone();
        unprobed.processes.probe = ProbeRecords::default();
        let general = hint(Evidence::judge_alone(&unprobed, |e| {
            WallTime {
                max_ms: 400,
                plus: None,
            }
            .judge(e)
        }));
        assert!(!general.starts_with("Joined too early"), "{general}");
    }

    #[test]
    fn threads_joined_before_the_next_was_created_are_named_as_joined_too_early() {
        let one_by_one = "start 10 1 0\nthread 11 10 10 7 1\ntend 11 300 1\njoin 7 10 2 300\nthread 12 10 10 8 301\ntend 12 600 1\njoin 8 10 302 600";
        let overlapping = "start 10 1 0\nthread 11 10 10 7 1\nthread 12 10 10 8 2\ntend 11 300 1\njoin 7 10 3 300\ntend 12 301 1\njoin 8 10 300 301";
        for (text, expected) in [(one_by_one, true), (overlapping, false)] {
            let parsed = ProbeRecords::parse(text, 0);
            assert_eq!(joined_one_by_one(&parsed, 10), expected, "{text}");
        }
    }
}
