//! `printed_pids`: what a program prints about its processes agrees with what the runner saw.
//! A program that says `(pid 4242)` from a thread of the parent, or from one child for every
//! item, prints the right words with the wrong processes; the runner knows every pid.

use std::collections::HashMap;

use serde::Deserialize;

use super::{CheckKind, Evidence, Failure, Outcome};
use crate::lines::pattern::Pattern;

/// `printed_pids`: the first capture group of the line matching `parent` is the main
/// process's pid, and that of each line matching `child` is the pid of a child process the
/// runner saw, a different child on every line.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrintedPids {
    /// The line where the parent prints its pid (first capture group).
    pub parent: Pattern,
    /// The lines where each child prints its own pid (first capture group).
    pub child: Pattern,
}

/// The pid in the first capture group of `pattern` in `line`.
fn pid_in(pattern: &Pattern, line: &str) -> Option<u32> {
    pattern
        .regex()
        .captures(line)?
        .get(1)?
        .as_str()
        .parse()
        .ok()
}

impl PrintedPids {
    /// Judges the printed pids against the processes observed.
    ///
    /// Over 80 lines on purpose: most of it is the failure messages (each says which pid was
    /// printed and what the runner saw), which read best next to their rules.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        let log = &evidence.run.processes;
        let fail = |rule: String, seen: String, hint: &str| {
            Outcome::Fail(Failure::logic(
                CheckKind::PrintedPids,
                rule,
                vec![seen],
                hint,
            ))
        };
        let parent = evidence
            .run
            .stdout
            .iter()
            .enumerate()
            .find_map(|(i, l)| pid_in(&self.parent, &l.text).map(|pid| (i, pid)));
        match parent {
            None => {
                return fail(
                    format!(
                        "the program must print its own pid on a line matching {}",
                        self.parent
                    ),
                    "no such line".into(),
                    "Print std::process::id() as the exercise shows.",
                );
            }
            Some((i, pid)) if pid != log.root => {
                return fail(
                    "the parent must print its own pid".into(),
                    format!(
                        "line {}: pid {pid}, but the program's pid is {}",
                        i + 1,
                        log.root
                    ),
                    "Print std::process::id() in the parent, not a number from elsewhere.",
                );
            }
            Some(_) => {}
        }
        let mut first_line_of: HashMap<u32, usize> = HashMap::new();
        for (i, line) in evidence.run.stdout.iter().enumerate() {
            let Some(pid) = pid_in(&self.child, &line.text) else {
                continue;
            };
            let rule = || {
                format!(
                    "each line matching {} must come from a child process of its own, with that child's pid",
                    self.child
                )
            };
            if pid == log.root {
                return fail(
                    rule(),
                    format!("line {}: pid {pid} is the parent's own", i + 1),
                    "The work ran in the parent (on a thread?): start a child with Command::new(std::env::current_exe()?) and let the child print std::process::id().",
                );
            }
            if !log.children.iter().any(|c| c.pid == pid) {
                let seen: Vec<String> = log.children.iter().map(|c| c.pid.to_string()).collect();
                return fail(
                    rule(),
                    format!(
                        "line {}: pid {pid} is no child the runner saw (children: {})",
                        i + 1,
                        if seen.is_empty() {
                            "none".into()
                        } else {
                            seen.join(", ")
                        }
                    ),
                    "Let each child print its own std::process::id().",
                );
            }
            if let Some(first) = first_line_of.insert(pid, i) {
                return fail(
                    rule(),
                    format!("lines {} and {}: both pid {pid}", first + 1, i + 1),
                    "Start one child per item, so each item runs in a process of its own.",
                );
            }
        }
        Outcome::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervise::ChildSeen;
    use crate::supervise::test_support::run;

    /// Judges `lines` printed by pid 100, whose children were 101 and 102.
    fn judge(lines: &[&str]) -> Outcome {
        let mut record = run(&lines.iter().map(|l| (*l, 0)).collect::<Vec<_>>(), 10);
        record.processes.root = 100;
        record.processes.children = [101, 102]
            .map(|pid| ChildSeen {
                pid,
                parent: 100,
                first_seen: Default::default(),
                last_seen: Default::default(),
            })
            .to_vec();
        let check = PrintedPids {
            parent: Pattern::new(r"^Parent pid (\d+)$").unwrap(),
            child: Pattern::new(r"\(pid (\d+)\)$").unwrap(),
        };
        Evidence::judge_alone(&record, |e| check.judge(e))
    }

    fn seen(outcome: Outcome) -> String {
        match outcome {
            Outcome::Fail(failure) => failure.seen.join("; "),
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn pids_printed_by_the_parent_and_by_two_children_pass() {
        assert_eq!(
            judge(&[
                "Parent pid 100",
                "Processing 5... (pid 101)",
                "Processing 10... (pid 102)"
            ]),
            Outcome::Pass
        );
    }

    #[test]
    fn work_done_in_the_parent_or_twice_in_one_child_is_named() {
        assert_eq!(
            seen(judge(&["Parent pid 100", "Processing 5... (pid 100)"])),
            "line 2: pid 100 is the parent's own"
        );
        assert_eq!(
            seen(judge(&[
                "Parent pid 100",
                "Processing 5... (pid 101)",
                "Processing 10... (pid 101)"
            ])),
            "lines 2 and 3: both pid 101"
        );
        assert_eq!(
            seen(judge(&["Parent pid 100", "Processing 5... (pid 7)"])),
            "line 2: pid 7 is no child the runner saw (children: 101, 102)"
        );
        assert_eq!(
            seen(judge(&["Parent pid 99"])),
            "line 1: pid 99, but the program's pid is 100"
        );
        assert_eq!(seen(judge(&["Processing 5... (pid 101)"])), "no such line");
    }
}
