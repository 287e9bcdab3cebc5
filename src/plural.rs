//! A count with its noun in the right number: "1 run", "6 runs", "1 argument set". One
//! helper for every message, so none says "1 runs" or hedges with "run(s)".
//!
//! English only, and no guessing: the caller gives both forms.

/// `n` followed by `one` when `n` is 1, else by `many`.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `one` when `n` is 1, else `many`: for a count said apart from its noun ("3 more lines").
pub fn noun<'w>(n: usize, one: &'w str, many: &'w str) -> &'w str {
    if n == 1 { one } else { many }
}

/// [`count`] of a `usize` (lengths of collections).
pub fn of(n: usize, one: &str, many: &str) -> String {
    count(n as u64, one, many)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_everything_else_plural() {
        assert_eq!(count(1u32, "run", "runs"), "1 run");
        assert_eq!(count(0u32, "run", "runs"), "0 runs");
        assert_eq!(of(6, "run", "runs"), "6 runs");
        assert_eq!(noun(1, "line", "lines"), "line");
        assert_eq!(noun(2, "line", "lines"), "lines");
        assert_eq!(of(1, "child process", "child processes"), "1 child process");
    }
}
