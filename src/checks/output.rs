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
        // Only a student template withholds a snapshot (a missing one elsewhere is a course
        // error before any run): the teacher's grading judges this argument set's output.
        let Some(expected) = evidence.expected else {
            return Outcome::ByTheTeacher;
        };
        let actual = evidence.normalize.apply(evidence.run.stdout_texts());
        if actual.trim_end() == expected.trim_end() {
            return Outcome::Pass;
        }
        let (expected, actual) = (expected.trim_end(), actual.trim_end());
        if let Some(misplaced) = wrong_order(expected, actual) {
            return Outcome::Fail(Failure::logic(
                CheckKind::Output,
                "the output must match the expected output, line for line and in order",
                vec![misplaced],
                "Every expected line is there, in the wrong order: print them in the order the expected output gives (for results, the order of the inputs), not in the order the threads finish.",
            ));
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
        failure.diff = Some((expected.to_string(), actual.to_string()));
        Outcome::Fail(failure)
    }
}

/// When `actual` has exactly the lines of `expected`, as many times each, in another order:
/// the first line out of place, said in words (a diff of a reordering reads as lines lost
/// and found).
fn wrong_order(expected: &str, actual: &str) -> Option<String> {
    let (expected, actual): (Vec<&str>, Vec<&str>) =
        (expected.lines().collect(), actual.lines().collect());
    let mut sorted = (expected.clone(), actual.clone());
    sorted.0.sort_unstable();
    sorted.1.sort_unstable();
    if sorted.0 != sorted.1 {
        return None;
    }
    let first = (0..actual.len()).find(|&i| actual[i] != expected[i])?;
    // The prefix agrees and the lines are the same, so the line expected here comes later.
    let later = (first + 1..actual.len()).find(|&j| actual[j] == expected[first])?;
    Some(format!(
        "the right lines in the wrong order: line {} `{}` should come after `{}`, which you printed at line {}",
        first + 1,
        actual[first],
        expected[first],
        later + 1
    ))
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

    #[test]
    fn the_right_lines_in_the_wrong_order_are_said_as_such_without_a_diff() {
        let normalize = Normalize::default();
        let record = run(
            &[
                ("Square of 1 is 1", 0),
                ("Square of 3 is 9", 1),
                ("Square of 2 is 4", 2),
            ],
            3,
        );
        let Outcome::Fail(f) = Output {}.judge(&Evidence {
            run: &record,
            downloads: None,
            expected: Some("Square of 1 is 1\nSquare of 2 is 4\nSquare of 3 is 9\n"),
            normalize: &normalize,
            cores: 2,
        }) else {
            panic!("a reordering passed")
        };
        assert_eq!(
            f.seen,
            [
                "the right lines in the wrong order: line 2 `Square of 3 is 9` should come after `Square of 2 is 4`, which you printed at line 3"
            ]
        );
        assert_eq!(f.diff, None);
    }

    #[test]
    fn only_the_same_lines_as_often_make_a_reordering() {
        assert_eq!(wrong_order("a\nb", "b\na"), Some("the right lines in the wrong order: line 1 `b` should come after `a`, which you printed at line 2".into()));
        assert_eq!(wrong_order("a\nb", "b\nb"), None);
        assert_eq!(wrong_order("a\nb", "a\nb\nb"), None);
    }
}
