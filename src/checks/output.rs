//! `output`: the program prints exactly what the reference solution prints, after the
//! exercise's normalisation (line order where threads interleave, redacted times and pids).

use serde::Deserialize;

use super::{CheckKind, Evidence, Failure, Outcome};

/// The `output` check; it has no settings: the expected text is the argument set's snapshot.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {}

impl Output {
    /// Compares normalised stdout with the snapshot.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        let Some(expected) = evidence.expected else {
            return Outcome::NotJudged("no snapshot for this argument set".into());
        };
        let actual = evidence.normalize.apply(evidence.run.stdout_texts());
        if actual.trim_end() == expected.trim_end() {
            return Outcome::Pass;
        }
        let sorted = if evidence.normalize.sort {
            " (compared as a sorted list of lines)"
        } else {
            ""
        };
        let mut failure = Failure::logic(
            CheckKind::Output,
            format!("the output must match the expected output{sorted}"),
            Vec::new(),
            "Lines marked - are expected but missing; lines marked + are printed but not expected.",
        );
        failure.diff = Some((
            expected.trim_end().to_string(),
            actual.trim_end().to_string(),
        ));
        Outcome::Fail(failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::normalize::Normalize;
    use crate::supervise::test_support::run;

    #[test]
    fn passes_on_same_text_and_fails_with_a_diff() {
        let normalize = Normalize::default();
        let record = run(&[("a", 0), ("b", 1)], 2);
        let judge = |expected| {
            Output {}.judge(&Evidence {
                run: &record,
                downloads: None,
                expected: Some(expected),
                normalize: &normalize,
                cores: 2,
            })
        };
        assert_eq!(judge("a\nb"), Outcome::Pass);
        let Outcome::Fail(f) = judge("a\nc") else {
            panic!()
        };
        assert_eq!(f.diff, Some(("a\nc".into(), "a\nb".into())));
    }
}
