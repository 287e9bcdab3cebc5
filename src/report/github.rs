//! GitHub Actions workflow commands: `::error file=…,line=…,title=…::message` annotations for
//! compile errors and broken rules (and `::warning` for protected files a submission changed),
//! escaped by GitHub's rules; and text a learner's program shaped, printed between
//! `::stop-commands::TOKEN` and `::TOKEN::` so that whatever it printed cannot issue a command.

use std::collections::hash_map::RandomState;
use std::fmt::Write;
use std::hash::{BuildHasher, Hasher};

use super::scored::{Scored, ScoredExercise, TestStatus};

/// Whether `learn` runs inside GitHub Actions (`GITHUB_ACTIONS=true`).
pub fn in_github_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// One annotation per exercise that did not pass, and one warning per protected file changed.
pub fn annotations(scored: &Scored) -> String {
    let mut out = String::new();
    for e in scored
        .exercises
        .iter()
        .filter(|e| e.status() != TestStatus::Pass)
    {
        out.push_str(&exercise_annotation(e));
    }
    for change in scored.changes.unwrap_or_default() {
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
    out
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
