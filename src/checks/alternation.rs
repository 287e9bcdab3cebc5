//! `alternation`: lines matching the patterns strictly take turns (Ping, Pong, Ping, …),
//! starting with the first pattern and ending on a whole cycle.

use serde::Deserialize;

use super::{CheckKind, Evidence, Failure, Outcome};
use crate::lines::pattern::Pattern;

/// The `alternation` check.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alternation {
    /// The patterns, in turn order.
    pub patterns: Vec<Pattern>,
}

impl Alternation {
    /// Judges the turn order.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        let names: Vec<String> = self.patterns.iter().map(|p| p.to_string()).collect();
        let rule = format!(
            "lines matching {} must strictly take turns, starting with the first",
            names.join(", ")
        );
        let hint = "Each thread must wait for its turn (a Mutex with a Condvar, or channels that hand over the turn); sleeping does not make turns.";
        let mut turn = 0;
        let mut count = 0;
        for (index, line) in evidence.run.stdout_texts().enumerate() {
            let Some(which) = self.patterns.iter().position(|p| p.is_match(line)) else {
                continue;
            };
            if which != turn {
                let seen = vec![format!(
                    "line {}: `{line}` came when a line matching {} was due (after {})",
                    index + 1,
                    self.patterns[turn],
                    crate::plural::of(count, "correct turn", "correct turns")
                )];
                return Outcome::Fail(Failure::logic(CheckKind::Alternation, rule, seen, hint));
            }
            turn = (turn + 1) % self.patterns.len();
            count += 1;
        }
        if count == 0 || turn != 0 {
            let seen = vec![format!(
                "{}, ending in the middle of a cycle or with none at all",
                crate::plural::of(count, "turn", "turns")
            )];
            return Outcome::Fail(Failure::logic(CheckKind::Alternation, rule, seen, hint));
        }
        Outcome::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervise::test_support::run;

    fn judge(lines: &[&str]) -> Outcome {
        let check = Alternation {
            patterns: vec![
                Pattern::new("^Ping$").unwrap(),
                Pattern::new("^Pong$").unwrap(),
            ],
        };
        let record = run(&lines.iter().map(|l| (*l, 0)).collect::<Vec<_>>(), 1);
        Evidence::judge_alone(&record, |e| check.judge(e))
    }

    #[test]
    fn strict_turns_pass_and_a_double_turn_fails() {
        assert_eq!(
            judge(&["Ping", "Pong", "Ping", "Pong", "Done"]),
            Outcome::Pass
        );
        assert!(matches!(
            judge(&["Ping", "Ping", "Pong", "Pong"]),
            Outcome::Fail(_)
        ));
        assert!(matches!(judge(&["Pong", "Ping"]), Outcome::Fail(_)));
        assert!(matches!(judge(&["Ping", "Pong", "Ping"]), Outcome::Fail(_)));
    }
}
