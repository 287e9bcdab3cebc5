//! GitHub Actions workflow commands: `::error file=…,line=…,title=…::message` annotations for
//! compile errors and broken rules (and `::warning` for protected files a submission changed),
//! escaped by GitHub's rules; and text a learner's program shaped, printed between
//! `::stop-commands::TOKEN` and `::TOKEN::` so that whatever it printed cannot issue a command.

use std::collections::hash_map::RandomState;
use std::fmt::Write;
use std::hash::{BuildHasher, Hasher};

use super::scored::{ProtectedChange, Scored, ScoredExercise, TestStatus};

/// GitHub shows at most this many annotations of one level (error, warning) per step.
pub const SHOWN_PER_LEVEL: usize = 10;

/// One annotation per exercise that did not pass, in course order, and one warning per
/// protected file changed, the most telling first (a changed workflow file before all). Each
/// level keeps within what GitHub shows ([`SHOWN_PER_LEVEL`]): past it, the last annotation
/// shown summarises the rest.
pub fn annotations(scored: &Scored) -> String {
    let failed: Vec<&ScoredExercise> = scored
        .exercises
        .iter()
        .filter(|e| e.status() != TestStatus::Pass)
        .collect();
    let mut out = String::new();
    let (shown, rest) = within_limit(&failed);
    for e in shown {
        out.push_str(&exercise_annotation(e));
    }
    if !rest.is_empty() {
        let ids: Vec<&str> = rest.iter().map(|e| e.verdict.id.as_str()).collect();
        out.push_str(&command(
            "error",
            &[(
                "title",
                format!("{} more exercises did not pass", rest.len()),
            )],
            &format!("Also not passed (see the job summary): {}", ids.join(", ")),
        ));
    }
    let mut changes: Vec<&ProtectedChange> = scored.changes.unwrap_or_default().iter().collect();
    changes.sort_by_key(|c| (c.importance(), c.path.clone()));
    let (shown, rest) = within_limit(&changes);
    for change in shown {
        let file = change.path.display().to_string();
        let message = format!(
            "{file} is {} in this submission; learn grade used the pristine course's version",
            change.kind.as_str()
        );
        out.push_str(&command(
            "warning",
            &[("file", file), ("title", "Protected file changed".into())],
            &message,
        ));
    }
    if !rest.is_empty() {
        let paths: Vec<String> = rest
            .iter()
            .map(|c| format!("{} {}", c.kind.as_str(), c.path.display()))
            .collect();
        out.push_str(&command(
            "warning",
            &[(
                "title",
                format!("{} more protected files changed", rest.len()),
            )],
            &format!(
                "Also changed (learn grade used the pristine course's versions): {}",
                paths.join(", ")
            ),
        ));
    }
    out
}

/// The items shown one by one, and those summarised in one more annotation: all of them when
/// they fit in [`SHOWN_PER_LEVEL`], else one fewer than it and the rest.
fn within_limit<T>(items: &[T]) -> (&[T], &[T]) {
    if items.len() <= SHOWN_PER_LEVEL {
        (items, &[])
    } else {
        items.split_at(SHOWN_PER_LEVEL - 1)
    }
}

fn exercise_annotation(e: &ScoredExercise) -> String {
    let message = e.message().unwrap_or_default();
    let mut properties = Vec::new();
    match e.compile_location() {
        Some((file, line, column)) => {
            properties.push(("file", file.to_string()));
            properties.push(("line", line.to_string()));
            properties.push(("col", column.to_string()));
        }
        None => properties.push(("file", e.file().display().to_string())),
    }
    properties.push((
        "title",
        format!("{}: {}", e.verdict.id, e.headline().unwrap_or_default()),
    ));
    let level = if e.status() == TestStatus::NotJudged {
        "warning"
    } else {
        "error"
    };
    command(level, &properties, &message)
}

/// `::LEVEL key=value,…::message`, every part escaped.
fn command(level: &str, properties: &[(&str, String)], message: &str) -> String {
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    format!(
        "::{level} {}::{}\n",
        properties.join(","),
        escape_data(message)
    )
}

/// A command's message escaped: `%`, `\r` and `\n`.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command's property value escaped: as a message, and `:` and `,` besides.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// `text` between `::stop-commands::TOKEN` and `::TOKEN::`, with a fresh random token that
/// does not occur in `text`: no line of it can issue a workflow command.
pub fn stop_commands(text: &str) -> String {
    let token = fresh_token(text);
    let mut out = format!("::stop-commands::{token}\n{text}");
    if !text.ends_with('\n') {
        out.push('\n');
    }
    let _ = writeln!(out, "::{token}::");
    out
}

/// 128 random bits as hex, drawn when the text to wrap is known (so a program that ran before
/// cannot have seen it). `RandomState` keys SipHash from the operating system's randomness.
fn fresh_token(avoid: &str) -> String {
    loop {
        let half = || RandomState::new().build_hasher().finish();
        let token = format!("{:016x}{:016x}", half(), half());
        if !avoid.contains(&token) {
            return token;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::scored::test_support::{
        added_then_a_changed_workflow, empty_course, only_changes,
    };

    #[test]
    fn a_changed_workflow_is_the_first_warning_and_the_rest_fit_in_ten() {
        let changes = added_then_a_changed_workflow(11, |i| format!(".cargo/config-{i:02}.toml"));
        let course = empty_course();
        let out = annotations(&only_changes(&course, &changes));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), SHOWN_PER_LEVEL, "{out}");
        assert!(
            lines[0].starts_with("::warning file=.github/workflows/classroom.yml,"),
            "{out}"
        );
        assert!(
            lines[9].starts_with("::warning title=3 more protected files changed::"),
            "{out}"
        );
        assert!(lines[9].contains("added .cargo/config-10.toml"), "{out}");
    }

    #[test]
    fn messages_escape_percent_and_line_breaks() {
        assert_eq!(
            escape_data("100% done\r\nnext: a,b"),
            "100%25 done%0D%0Anext: a,b"
        );
    }

    #[test]
    fn properties_also_escape_colons_and_commas() {
        assert_eq!(escape_property("a: b,c%\n"), "a%3A b%2Cc%25%0A");
    }

    #[test]
    fn a_command_cannot_be_broken_out_of() {
        let line = command(
            "error",
            &[("file", "x.rs".into()), ("title", "t,line=9::x".into())],
            "bad\n::set-output name=a::b",
        );
        assert_eq!(
            line,
            "::error file=x.rs,title=t%2Cline=9%3A%3Ax::bad%0A::set-output name=a::b\n"
        );
        assert_eq!(line.lines().count(), 1);
    }

    #[test]
    fn wrapped_output_sits_between_markers_of_a_fresh_token() {
        let text = "Square of 1 is 1\n::error::injected\n::stop-commands::guess";
        let wrapped = stop_commands(text);
        let lines: Vec<&str> = wrapped.lines().collect();
        let token = lines[0]
            .strip_prefix("::stop-commands::")
            .expect("starts with the marker");
        assert_eq!(token.len(), 32);
        assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(lines[1..lines.len() - 1].join("\n"), text);
        assert_eq!(*lines.last().unwrap(), format!("::{token}::"));
        let again = stop_commands(text);
        assert_ne!(
            again.lines().next(),
            wrapped.lines().next(),
            "every wrapping draws a new token"
        );
    }
}
