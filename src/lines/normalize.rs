//! Normalisation of a program's stdout before it is compared with a snapshot: regex
//! redaction of times and process ids, and sorting where threads interleave lines.

use serde::Deserialize;

use crate::lines::pattern::Pattern;

/// How an exercise's output is normalised (`[exercise.normalize]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Normalize {
    /// Compare lines as a sorted list: their order is the scheduler's choice.
    #[serde(default)]
    pub sort: bool,
    /// Replacements applied to every line, in order.
    #[serde(default)]
    pub redact: Vec<Redaction>,
}

/// One regex replacement.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Redaction {
    /// What to replace.
    pub pattern: Pattern,
    /// What to put instead (`$1` refers to a capture group).
    pub with: String,
}

impl Normalize {
    /// The normalised text of `lines`: redacted, sorted if asked, one line each, no trailing
    /// newline (the form insta stores).
    pub fn apply<'a>(&self, lines: impl IntoIterator<Item = &'a str>) -> String {
        let mut out: Vec<String> = lines
            .into_iter()
            .map(|line| self.redact_line(line))
            .collect();
        if self.sort {
            out.sort();
        }
        out.join("\n")
    }

    fn redact_line(&self, line: &str) -> String {
        let mut line = line.trim_end_matches('\r').to_string();
        for redaction in &self.redact {
            line = redaction
                .pattern
                .regex()
                .replace_all(&line, redaction.with.as_str())
                .into_owned();
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(pattern: &str, with: &str) -> Redaction {
        Redaction {
            pattern: Pattern::new(pattern).unwrap(),
            with: with.into(),
        }
    }

    #[test]
    fn redacts_then_sorts() {
        let n = Normalize {
            sort: true,
            redact: vec![redact(r"\d+\.\d+", "[T]")],
        };
        assert_eq!(
            n.apply(["b took 1.25", "a took 0.5"]),
            "a took [T]\nb took [T]"
        );
    }

    #[test]
    fn keeps_order_without_sort() {
        assert_eq!(Normalize::default().apply(["b", "a"]), "b\na");
    }
}
