//! `output`: the program prints exactly what the reference solution prints, after the
//! exercise's normalisation (line order where threads interleave, redacted times and pids).
//! Where the manifest says a count is made by racing threads (`lost_update`), a count that
//! came out short is named for what it is, beside the diff. Not a judge of how the count was
//! made (`threads_started` is).

use serde::Deserialize;

use super::{CheckKind, Evidence, Failure, Outcome};

/// The `output` check: the expected text is the argument set's snapshot.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// The output holds a count that threads make by updating one shared value: a line whose
    /// number comes out below the expected one is reported as lost updates.
    #[serde(default)]
    pub lost_update: bool,
}

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
        let rule = format!("the output must match the expected output{sorted}");
        let lost_updates = self
            .lost_update
            .then(|| shortfall(expected, actual))
            .flatten();
        let mut failure = match lost_updates {
            Some(short) => Failure::logic(
                CheckKind::Output,
                rule,
                vec![short.seen()],
                "Updates were lost: a thread read the shared value, another thread wrote it, and the first one's write put back an old value plus one, undoing the other's update. Make each update one indivisible step: an atomic `fetch_add`, or the whole read-add-write inside one lock.",
            ),
            None => Failure::logic(
                CheckKind::Output,
                rule,
                Vec::new(),
                "Lines marked - are expected but missing; lines marked + are printed but not expected.",
            ),
        };
        failure.diff = Some((expected.to_string(), actual.to_string()));
        Outcome::Fail(failure)
    }
}

/// A count that came out below the expected one: the line it is on, both numbers.
#[derive(Debug, PartialEq)]
struct Shortfall<'t> {
    line: usize,
    expected: &'t str,
    actual: &'t str,
    expected_n: u64,
    actual_n: u64,
}

impl Shortfall<'_> {
    /// What was seen, in words: how many updates were lost, and what share.
    fn seen(&self) -> String {
        let lost = self.expected_n - self.actual_n;
        format!(
            "lost updates: line {} is `{}` where `{}` was expected: {lost} of the {} updates were lost ({:.1}%)",
            self.line,
            self.actual,
            self.expected,
            self.expected_n,
            lost as f64 * 100.0 / self.expected_n as f64
        )
    }
}

/// When `actual` differs from `expected` in one line only, and only in one number, which is
/// smaller: that line and the numbers.
fn shortfall<'t>(expected: &'t str, actual: &'t str) -> Option<Shortfall<'t>> {
    let (expected, actual): (Vec<&str>, Vec<&str>) =
        (expected.lines().collect(), actual.lines().collect());
    if expected.len() != actual.len() {
        return None;
    }
    let mut differing = (0..actual.len()).filter(|&i| actual[i] != expected[i]);
    let line = differing.next()?;
    if differing.next().is_some() {
        return None;
    }
    let (expected_shape, expected_numbers) = shape(expected[line]);
    let (actual_shape, actual_numbers) = shape(actual[line]);
    if expected_shape != actual_shape {
        return None;
    }
    let mut pairs = expected_numbers
        .iter()
        .zip(&actual_numbers)
        .filter(|(e, a)| e != a);
    let (&expected_n, &actual_n) = pairs.next()?;
    (pairs.next().is_none() && actual_n < expected_n).then_some(Shortfall {
        line: line + 1,
        expected: expected[line],
        actual: actual[line],
        expected_n,
        actual_n,
    })
}

/// A line with each run of digits as `#`, and the numbers those runs are.
fn shape(line: &str) -> (String, Vec<u64>) {
    let mut shape = String::new();
    let mut numbers = Vec::new();
    let mut digits = String::new();
    for c in line.chars().chain(std::iter::once('\n')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            shape.push('#');
            numbers.push(digits.parse().unwrap_or(u64::MAX));
            digits.clear();
        }
        shape.push(c);
    }
    (shape, numbers)
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

    /// `check`'s outcome on a run that printed `lines` (at 0, 1, 2… ms) where `expected` was
    /// expected, with no normalisation.
    fn judged(check: &Output, lines: &[&str], expected: &str) -> Outcome {
        let timed: Vec<(&str, u64)> = lines.iter().copied().zip(0..).collect();
        let record = run(&timed, lines.len() as u64);
        check.judge(&Evidence {
            run: &record,
            downloads: None,
            expected: Some(expected),
            normalize: &Normalize::default(),
            cores: 2,
        })
    }

    #[test]
    fn passes_on_same_text_and_fails_with_a_diff() {
        let judge = |expected| judged(&Output::default(), &["a", "b"], expected);
        assert_eq!(judge("a\nb"), Outcome::Pass);
        let Outcome::Fail(f) = judge("a\nc") else {
            panic!()
        };
        assert_eq!(f.diff, Some(("a\nc".into(), "a\nb".into())));
    }

    #[test]
    fn the_right_lines_in_the_wrong_order_are_said_as_such_without_a_diff() {
        let Outcome::Fail(f) = judged(
            &Output::default(),
            &["Square of 1 is 1", "Square of 3 is 9", "Square of 2 is 4"],
            "Square of 1 is 1\nSquare of 2 is 4\nSquare of 3 is 9\n",
        ) else {
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

    #[test]
    fn a_count_that_came_out_short_is_named_a_lost_update_beside_the_diff() {
        let judge = |check: &Output, printed: &str| match judged(
            check,
            &[printed],
            "Final counter: 400000\n",
        ) {
            Outcome::Fail(f) => f,
            other => panic!("{printed} passed: {other:?}"),
        };
        let racing = Output { lost_update: true };
        let short = judge(&racing, "Final counter: 312456");
        assert_eq!(
            short.seen,
            [
                "lost updates: line 1 is `Final counter: 312456` where `Final counter: 400000` was expected: 87544 of the 400000 updates were lost (21.9%)"
            ]
        );
        assert!(
            short.hint.starts_with("Updates were lost"),
            "{}",
            short.hint
        );
        assert_eq!(
            short.diff,
            Some((
                "Final counter: 400000".into(),
                "Final counter: 312456".into()
            ))
        );
        for not_short in [
            "Final counter: 400001",
            "Final count: 312456",
            "Final counter: -1",
        ] {
            let failure = judge(&racing, not_short);
            assert!(failure.seen.is_empty(), "{not_short}: {:?}", failure.seen);
            assert!(failure.hint.starts_with("Lines marked"), "{not_short}");
        }
        let undeclared = judge(&Output::default(), "Final counter: 312456");
        assert!(undeclared.seen.is_empty() && undeclared.hint.starts_with("Lines marked"));
    }
}
