//! Text a learner shaped, made unable to issue GitHub Actions workflow commands wherever a CI
//! tool prints it raw (GitHub Classroom's grading reporter prints each failed test's `message`
//! as `Error: …`, line by line, outside any stop-commands block).
//!
//! A line is a command when it starts with `::` after whitespace, or holds `##[`. Both are
//! broken by a zero-width space (U+200B) between the two characters, so the text still reads
//! the same. Not here: learn's own log, which prints such text between stop-commands markers
//! (see [`github::stop_commands`](super::github::stop_commands)), and annotation messages,
//! which are escaped onto one line.

/// The character put between the two characters that would start a command.
const BREAK: char = '\u{200B}';

/// `text` with no line that GitHub Actions would read as a workflow command.
pub fn neutralise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let body = line.trim_start();
        let indent = &line[..line.len() - body.len()];
        out.push_str(indent);
        let body = match body.strip_prefix("::") {
            Some(rest) => {
                out.push(':');
                out.push(BREAK);
                out.push(':');
                rest
            }
            None => body,
        };
        out.push_str(&body.replace("##[", &format!("#{BREAK}#[")));
    }
    out
}

/// Whether GitHub Actions would read a line of `text` as a workflow command.
pub fn issues_commands(text: &str) -> bool {
    text.lines()
        .any(|line| line.trim_start().starts_with("::") || line.contains("##["))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_are_broken_and_other_text_is_kept() {
        let text = "fine line\n  ::error::injected\n##[warning]x and ##[group]y\na::b stays";
        let out = neutralise(text);
        assert!(issues_commands(text));
        assert!(!issues_commands(&out), "{out}");
        assert_eq!(out.replace(BREAK, ""), text, "only invisible breaks added");
        assert_eq!(neutralise("a::b\n"), "a::b\n");
    }
}
