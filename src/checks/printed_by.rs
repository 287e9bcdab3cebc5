//! `printed_by`: who printed a line, from the probe's records of every write joined with the
//! bytes the runner read (`supervise/writes.rs`): a spawned thread rather than main, a child
//! process rather than the parent, the process whose pid the line names, and one thread per
//! group of lines. The right text printed by the wrong thread or process fails here. Not a
//! judge of the lines' order or text (`before`, `sequence`, `output` are).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{CheckKind, Evidence, Failure, NotJudged, Outcome, unprobed};
use crate::lines::pattern::Pattern;
use crate::supervise::Writer;

/// Who must print the lines a `printed_by` check names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum By {
    /// A thread the program spawned: not the main thread of any process.
    SpawnedThread,
    /// A child process: not the program's first process.
    ChildProcess,
    /// The process whose pid the line names (the pattern's group `pid`).
    NamedPid,
}

/// `printed_by`: every stdout line matching one of `lines` was printed by `by`; with
/// `one_thread_each`, the lines of each group (a pattern, or a value of its group `key`) all
/// by one thread, and no two groups by the same thread.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrintedBy {
    /// The lines judged.
    pub lines: Vec<Pattern>,
    /// Who must print them.
    pub by: By,
    /// Each group of lines from a thread of its own.
    #[serde(default)]
    pub one_thread_each: bool,
    /// The thread that should print a line of group KEY, in the learner's terms, as in
    /// "the thread that greeted {key}" (default: "a thread of its own").
    #[serde(default)]
    pub who: Option<String>,
}

/// One line judged: its number (from 0), its text, its group, its writer.
struct Printed<'a> {
    number: usize,
    text: &'a str,
    group: String,
    writer: Writer,
}

impl PrintedBy {
    /// Judges who printed the lines.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        if let Some(outcome) = unprobed(evidence) {
            return outcome;
        }
        let root = evidence.run.processes.root;
        let mut printed = Vec::new();
        for (number, line) in evidence.run.stdout.iter().enumerate() {
            let Some(pattern) = self.lines.iter().find(|p| p.is_match(&line.text)) else {
                continue;
            };
            let Some(writer) = line.writer else {
                return Outcome::NotJudged(NotJudged::WritersUnknown);
            };
            let key = pattern
                .regex()
                .captures(&line.text)
                .and_then(|c| c.name("key").map(|k| k.as_str().to_string()));
            printed.push(Printed {
                number,
                text: &line.text,
                group: key.unwrap_or_else(|| pattern.to_string()),
                writer,
            });
        }
        let wrong = printed.iter().find_map(|p| self.misprinted(p, root));
        if let Some((p, what)) = wrong {
            return self.fail(p, format!("was printed by {what}"), evidence);
        }
        if self.one_thread_each {
            return self.judge_groups(&printed, root, evidence);
        }
        Outcome::Pass
    }

    /// Why `printed` was printed by the wrong one, if it was: who printed it.
    fn misprinted<'p, 'a>(
        &self,
        printed: &'p Printed<'a>,
        root: u32,
    ) -> Option<(&'p Printed<'a>, String)> {
        let writer = printed.writer;
        let wrong = match self.by {
            By::SpawnedThread => writer.is_main(),
            By::ChildProcess => writer.pid == root,
            By::NamedPid => {
                let named = self
                    .lines
                    .iter()
                    .find_map(|p| p.regex().captures(printed.text)?.name("pid"))
                    .and_then(|pid| pid.as_str().parse::<u32>().ok());
                named != Some(writer.pid)
            }
        };
        wrong.then(|| (printed, describe(writer, root)))
    }

    /// Each group from one thread, no thread printing two groups.
    fn judge_groups(&self, printed: &[Printed], root: u32, evidence: &Evidence) -> Outcome {
        let mut first_of: BTreeMap<&str, &Printed> = BTreeMap::new();
        let mut group_of: BTreeMap<Writer, &Printed> = BTreeMap::new();
        for p in printed {
            let first = *first_of.entry(&p.group).or_insert(p);
            if first.writer != p.writer {
                let seen = format!(
                    "was printed by {}, but line {} `{}` by {}",
                    describe(p.writer, root),
                    first.number + 1,
                    first.text,
                    describe(first.writer, root)
                );
                return self.fail(p, seen, evidence);
            }
            let other = *group_of.entry(p.writer).or_insert(p);
            if other.group != p.group {
                let seen = format!(
                    "was printed by {}, which also printed line {} `{}`",
                    describe(p.writer, root),
                    other.number + 1,
                    other.text
                );
                return self.fail(p, seen, evidence);
            }
        }
        Outcome::Pass
    }

    /// The failure for `printed`, which `seen` says who printed.
    fn fail(&self, printed: &Printed, seen: String, evidence: &Evidence) -> Outcome {
        let should = self.should(&printed.group);
        let threads = evidence.run.processes.probe.spawned().count();
        let hint = match self.by {
            By::SpawnedThread if threads == 0 => {
                "No thread was started: everything ran on the main thread. Move the printing into the closure you give thread::spawn (or s.spawn inside thread::scope)."
            }
            By::SpawnedThread => {
                "The right text, printed by the wrong thread: a thread must print its own lines (println! inside the closure it runs), not hand them to main or to another thread to print."
            }
            By::ChildProcess => {
                "The child processes' lines must come from the children themselves: each child prints its own line to the stdout it inherited; the parent does not print for them."
            }
            By::NamedPid => {
                "A process must print its own pid (std::process::id()) itself: a line naming a pid must come from that process, not from its parent."
            }
        };
        Outcome::Fail(Failure::logic(
            CheckKind::PrintedBy,
            format!(
                "every line matching {} must be printed by {should}",
                self.patterns()
            ),
            vec![format!(
                "line {} `{}` {seen}; it must come from {should}",
                printed.number + 1,
                printed.text
            )],
            hint,
        ))
    }

    /// Who should print a line of `group`, in the learner's terms.
    fn should(&self, group: &str) -> String {
        if let Some(who) = &self.who {
            return who.replace("{key}", group);
        }
        let who = match self.by {
            By::SpawnedThread => "a spawned thread",
            By::ChildProcess => "a child process",
            By::NamedPid => "the process whose pid it names",
        };
        if self.one_thread_each {
            format!("{who} of its own")
        } else {
            who.to_string()
        }
    }

    /// The patterns, as a rule quotes them.
    fn patterns(&self) -> String {
        let all: Vec<String> = self.lines.iter().map(ToString::to_string).collect();
        all.join(" or ")
    }
}

/// A writer as the learner knows it: the main thread, a thread, a child process.
fn describe(writer: Writer, root: u32) -> String {
    match (writer.pid == root, writer.is_main()) {
        (true, true) => "the main thread".to_string(),
        (true, false) => format!("thread {}", writer.tid),
        (false, true) => format!("the main thread of child process {}", writer.pid),
        (false, false) => format!("thread {} of child process {}", writer.tid, writer.pid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervise::test_support::{probed, run};

    /// A run of main process 10 (threads 11 and 12) whose stdout lines were printed by the
    /// writers given.
    fn printed(lines: &[(&str, Writer)]) -> crate::supervise::RunRecord {
        let texts: Vec<(&str, u64)> = lines.iter().map(|&(t, _)| (t, 0)).collect();
        let mut record = probed(
            run(&texts, 10),
            "start 10 1 0\nthread 11 10 10 1 0\nthread 12 10 10 2 0\nexit 10 5 0 0 0\n",
        );
        for (line, &(_, writer)) in record.stdout.iter_mut().zip(lines) {
            line.writer = Some(writer);
        }
        record
    }

    const MAIN: Writer = Writer { pid: 10, tid: 10 };
    const ONE: Writer = Writer { pid: 10, tid: 11 };
    const TWO: Writer = Writer { pid: 10, tid: 12 };

    fn check(toml: &str) -> PrintedBy {
        toml::from_str(toml).unwrap()
    }

    fn judge(check: &PrintedBy, lines: &[(&str, Writer)]) -> Outcome {
        Evidence::judge_alone(&printed(lines), |e| check.judge(e))
    }

    fn seen(outcome: Outcome) -> String {
        match outcome {
            Outcome::Fail(f) => f.seen.join("\n"),
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn a_line_printed_by_main_fails_in_the_learners_terms() {
        let greet = check(
            "lines = ['^(Starting thread for|Hello,) (?P<key>\\w+)']\nby = 'spawned_thread'\n\
             one_thread_each = true\nwho = 'the thread that greeted {key}'\n",
        );
        let why = seen(judge(
            &greet,
            &[("Starting thread for Alice", ONE), ("Hello, Alice!", MAIN)],
        ));
        assert_eq!(
            why,
            "line 2 `Hello, Alice!` was printed by the main thread; it must come from the thread that greeted Alice"
        );
        assert_eq!(
            judge(
                &greet,
                &[
                    ("Starting thread for Alice", ONE),
                    ("Starting thread for Bob", TWO),
                    ("Hello, Bob!", TWO),
                    ("Hello, Alice!", ONE),
                    ("All threads finished!", MAIN),
                ]
            ),
            Outcome::Pass
        );
    }

    #[test]
    fn one_thread_printing_two_groups_or_a_group_split_over_two_threads_fails() {
        let sides =
            check("lines = ['^Ping$', '^Pong$']\nby = 'spawned_thread'\none_thread_each = true\n");
        let both = seen(judge(&sides, &[("Ping", ONE), ("Pong", ONE)]));
        assert!(both.contains("which also printed line 1 `Ping`"), "{both}");
        let split = seen(judge(
            &sides,
            &[("Ping", ONE), ("Pong", TWO), ("Ping", TWO)],
        ));
        assert!(split.contains("but line 1 `Ping` by thread 11"), "{split}");
        assert_eq!(
            judge(&sides, &[("Ping", ONE), ("Pong", TWO), ("Ping", ONE)]),
            Outcome::Pass
        );
    }

    #[test]
    fn a_pid_line_must_come_from_that_pid_and_a_childs_line_from_a_child() {
        let named = check("lines = ['^Child (?P<pid>\\d+)']\nby = 'named_pid'\n");
        let child = Writer { pid: 20, tid: 20 };
        assert_eq!(judge(&named, &[("Child 20", child)]), Outcome::Pass);
        let why = seen(judge(&named, &[("Child 20", MAIN)]));
        assert!(
            why.contains("`Child 20` was printed by the main thread"),
            "{why}"
        );
        let by_child = check("lines = ['^Child']\nby = 'child_process'\n");
        assert_eq!(judge(&by_child, &[("Child 20", child)]), Outcome::Pass);
        assert!(matches!(
            judge(&by_child, &[("Child 20", ONE)]),
            Outcome::Fail(_)
        ));
    }
}
