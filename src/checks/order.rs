//! Order rules that hold in every interleaving: "A before B", the lines of one thread in
//! their order, and the last line.

use serde::Deserialize;

use super::{CheckKind, Evidence, Failure, Outcome, excerpt};
use crate::lines::pattern::Pattern;

/// `before`: every line matching `first` comes before every line matching `then`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Before {
    /// Lines that must all come first.
    pub first: Pattern,
    /// Lines that must all come after.
    pub then: Pattern,
}

impl Before {
    /// Judges the order of the two groups of lines.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        let lines: Vec<&str> = evidence.run.stdout_texts().collect();
        let firsts: Vec<usize> = matching(&lines, &self.first);
        let thens: Vec<usize> = matching(&lines, &self.then);
        let rule = format!(
            "every line matching {} must come before every line matching {}",
            self.first, self.then
        );
        let hint = match super::slow::Cause::of(evidence) {
            Some(cause @ super::slow::Cause::JoinedOneByOne) => cause.hint(evidence),
            _ => "Something finished too early: wait (join) for the work before printing what comes after it.".into(),
        };
        if firsts.is_empty() || thens.is_empty() {
            let missing = if firsts.is_empty() {
                &self.first
            } else {
                &self.then
            };
            return Outcome::Fail(Failure::logic(
                CheckKind::Before,
                rule,
                vec![format!("no line matched {missing}")],
                hint,
            ));
        }
        let (last_first, first_then) = (*firsts.last().unwrap(), thens[0]);
        if last_first < first_then {
            return Outcome::Pass;
        }
        let seen = excerpt(
            [
                (first_then, lines[first_then]),
                (last_first, lines[last_first]),
            ],
            2,
        );
        Outcome::Fail(Failure::logic(CheckKind::Before, rule, seen, hint))
    }
}

/// `sequence`: the lines matching `pattern`, in order, are exactly `expect`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sequence {
    /// Which lines belong to the sequence.
    pub pattern: Pattern,
    /// Those lines, in the order they must come.
    pub expect: Vec<String>,
}

impl Sequence {
    /// Judges the sub-sequence of matching lines.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        let got: Vec<&str> = evidence
            .run
            .stdout_texts()
            .filter(|l| self.pattern.is_match(l))
            .collect();
        if got == self.expect {
            return Outcome::Pass;
        }
        let seen = vec![
            format!("expected: {}", self.expect.join(" | ")),
            format!("got:      {}", got.join(" | ")),
        ];
        Outcome::Fail(Failure::logic(
            CheckKind::Sequence,
            format!(
                "the lines matching {} must be exactly these, in this order",
                self.pattern
            ),
            seen,
            "One thread's own lines come out in the order it prints them: check that each thread does its steps in order and that none is missing.",
        ))
    }
}

/// `last_line`: the program's last line of stdout.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LastLine {
    /// The exact text.
    pub line: String,
}

impl LastLine {
    /// Judges the last line.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        let last = evidence.run.stdout.last().map(|l| l.text.as_str());
        if last == Some(self.line.as_str()) {
            return Outcome::Pass;
        }
        Outcome::Fail(Failure::logic(
            CheckKind::LastLine,
            format!("the last line must be `{}`", self.line),
            vec![format!(
                "the last line was {}",
                last.map_or("(no output)".to_string(), |l| format!("`{l}`"))
            )],
            "Print the final line only after every thread has been joined.",
        ))
    }
}

fn matching(lines: &[&str], pattern: &Pattern) -> Vec<usize> {
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| pattern.is_match(l))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervise::test_support::run;

    fn judge_before(lines: &[(&str, u64)]) -> Outcome {
        let check = Before {
            first: Pattern::new("^work").unwrap(),
            then: Pattern::new("^done").unwrap(),
        };
        let record = run(lines, 10);
        Evidence::judge_alone(&record, |e| check.judge(e))
    }

    #[test]
    fn before_holds_only_when_all_firsts_precede_all_thens() {
        assert_eq!(
            judge_before(&[("work 1", 0), ("work 2", 1), ("done", 2)]),
            Outcome::Pass
        );
        assert!(matches!(
            judge_before(&[("work 1", 0), ("done", 1), ("work 2", 2)]),
            Outcome::Fail(_)
        ));
        assert!(matches!(judge_before(&[("done", 1)]), Outcome::Fail(_)));
    }
}
