//! `harness`: an API exercise's grading harness (course material, built around the learner's
//! file) exits 0. The harness prints `RULE: …` and what it saw on stderr when a rule breaks.

use serde::Deserialize;

use super::{CheckKind, Evidence, Failure, Outcome};

/// The `harness` check; it has no settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Harness {}

impl Harness {
    /// Judges a run of the harness.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        if evidence.run.succeeded() {
            return Outcome::Pass;
        }
        let stderr: Vec<&str> = evidence
            .run
            .stderr
            .iter()
            .map(|l| l.text.as_str())
            .collect();
        let rule_at = stderr.iter().position(|l| l.starts_with("RULE:"));
        let (rule, seen) = match rule_at {
            Some(i) => (
                stderr[i].trim_start_matches("RULE:").trim().to_string(),
                stderr[i + 1..]
                    .iter()
                    .take(12)
                    .map(|s| s.to_string())
                    .collect(),
            ),
            None => (
                "the API must satisfy every rule of the exercise".to_string(),
                stderr
                    .iter()
                    .rev()
                    .take(12)
                    .rev()
                    .map(|s| s.to_string())
                    .collect(),
            ),
        };
        Outcome::Fail(Failure::logic(
            CheckKind::Harness,
            rule,
            seen,
            "Read the rule above: the grading harness called your API from many threads at once.",
        ))
    }
}
