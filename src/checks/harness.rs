//! `harness`: an API exercise's grading harness (course material, built around the learner's
//! file) exits 0 AND proves that it ran to its end. The harness prints `RULE: …`, the rule's `HINT: …` and what
//! it saw on stderr when a rule breaks.
//!
//! The proof: the runner writes a fresh random secret on the harness's stdin, which the
//! harness reads to its end first thing in `main`, before any learner code runs
//! ([`PROOF_MODULE`](crate::build::PROOF_MODULE), put in every harness wrapper by the build), and prints back on stdout
//! after its last rule held. The learner's code, compiled with `unsafe_code` forbidden and run
//! in the sandbox (which denies /proc/self/mem, ptrace and process_vm_readv), can neither read
//! the secret nor print it: a `BankAccount` that calls `process::exit(0)` from the harness
//! exits without it, and fails.

use serde::Deserialize;

use super::{CheckKind, Evidence, Failure, LINES_QUOTED, Outcome};
use crate::build::PROOF_PREFIX;
use crate::supervise::RunRecord;

/// The secret one harness run must print back.
#[derive(Debug, Clone)]
pub struct HarnessProof {
    secret: String,
}

impl HarnessProof {
    /// A fresh secret: 32 random bytes from the kernel, in hex.
    pub fn new() -> HarnessProof {
        let mut bytes = [0u8; 32];
        let mut filled = 0;
        while filled < bytes.len() {
            // SAFETY: getrandom writes at most the given length into the buffer's tail.
            let n = unsafe {
                libc::getrandom(bytes[filled..].as_mut_ptr().cast(), bytes.len() - filled, 0)
            };
            if n > 0 {
                filled += n as usize;
            }
        }
        HarnessProof {
            secret: bytes.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }

    /// What the runner writes on the harness's stdin.
    pub fn stdin(&self) -> Vec<u8> {
        format!("{}\n", self.secret).into_bytes()
    }

    /// Removes the proof line (and any other line that looks like one) from `record`'s
    /// stdout, so that no report shows the secret; true when the right secret was printed.
    pub fn take_from(&self, record: &mut RunRecord) -> bool {
        let expected = format!("{PROOF_PREFIX}{}", self.secret);
        let proven = record.stdout.iter().any(|line| line.text == expected);
        record
            .stdout
            .retain(|line| !line.text.starts_with(PROOF_PREFIX.trim_end()));
        proven
    }
}

impl Default for HarnessProof {
    fn default() -> HarnessProof {
        HarnessProof::new()
    }
}

/// The failure of a harness that exited 0 without printing its proof: something ended it
/// early (a `process::exit(0)` in the learner's code, most likely).
pub fn unproven() -> Failure {
    Failure::logic(
        CheckKind::Harness,
        "the grading harness must run to its end: every rule checked, then its proof printed",
        vec!["it exited with status 0 before its last rule, without its proof".to_string()],
        "Your code must return to its caller: do not call std::process::exit from the API's methods.",
    )
}

/// How a harness gives the hint of the rule it found broken: a stderr line after `RULE:`.
const HINT_PREFIX: &str = "HINT:";

/// The hint of a broken rule whose harness gave none.
const GENERAL_HINT: &str =
    "Read the rule above: the grading harness called your API from many threads at once.";

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
        // The harness's own hint follows its RULE line (the learner's code may print too).
        let hint = stderr[rule_at.unwrap_or(stderr.len())..]
            .iter()
            .find_map(|l| l.strip_prefix(HINT_PREFIX))
            .map_or(GENERAL_HINT, str::trim);
        let (rule, seen) = match rule_at {
            Some(i) => (
                stderr[i].trim_start_matches("RULE:").trim().to_string(),
                stderr[i + 1..]
                    .iter()
                    .filter(|l| !l.starts_with(HINT_PREFIX))
                    .take(LINES_QUOTED)
                    .map(|s| s.to_string())
                    .collect(),
            ),
            None => (
                "the API must satisfy every rule of the exercise".to_string(),
                stderr
                    .iter()
                    .rev()
                    .take(LINES_QUOTED)
                    .rev()
                    .map(|s| s.to_string())
                    .collect(),
            ),
        };
        Outcome::Fail(Failure::logic(CheckKind::Harness, rule, seen, hint))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervise::test_support::run;

    #[test]
    fn only_the_right_secret_proves_a_harness_run_and_no_proof_line_is_kept() {
        let proof = HarnessProof::new();
        let secret = String::from_utf8(proof.stdin()).unwrap().trim().to_string();
        assert_eq!(secret.len(), 64);
        assert_ne!(HarnessProof::new().stdin(), proof.stdin(), "fresh each run");
        let right = format!("{PROOF_PREFIX}{secret}");
        let mut record = run(&[("ok: rule", 0), (right.as_str(), 5)], 10);
        assert!(proof.take_from(&mut record));
        assert_eq!(record.stdout_texts().collect::<Vec<_>>(), ["ok: rule"]);
        let forged = format!("{PROOF_PREFIX}{}", "0".repeat(64));
        let mut record = run(&[(forged.as_str(), 0), ("ok: rule", 5)], 10);
        assert!(!proof.take_from(&mut record));
        assert_eq!(record.stdout_texts().collect::<Vec<_>>(), ["ok: rule"]);
    }
}
