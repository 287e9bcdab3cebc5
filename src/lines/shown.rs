//! A program's text made safe to show on a terminal: control characters (ESC, CR, BEL,
//! backspace, DEL, the C1 controls) and the bidirectional overrides become visible escapes
//! such as `\x1b`, so nothing a program prints can move the cursor, recolour the screen,
//! rewrite a line learn printed (a fake "✓ passed") or reorder what is read. Tabs and line
//! breaks are kept; invalid UTF-8 was already replaced by `�` when the output was read.
//!
//! This is for text a program or a submission produced (its output, lines quoted in a failure,
//! a file name, a link's target); it is not for learn's own styled text, whose escapes are
//! meant.

use std::borrow::Cow;

/// `text` with every character a terminal would obey instead of show written as an escape.
pub fn shown(text: &str) -> Cow<'_, str> {
    escaped(text, is_hidden)
}

/// `text` as one line: as [`shown`], and its line breaks and tabs escaped too (`\n`, `\t`),
/// so that printed it cannot start a line of its own (nor a CI workflow command).
pub fn one_line(text: &str) -> Cow<'_, str> {
    escaped(text, |c| is_hidden(c) || c == '\n' || c == '\t')
}

/// `text` with the characters `hidden` picks written as escapes.
fn escaped(text: &str, hidden: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.push_str(&escape(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether a terminal acts on `c` rather than drawing it.
fn is_hidden(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escape(c: char) -> String {
    match c {
        '\r' => "\\r".to_string(),
        '\n' => "\\n".to_string(),
        '\t' => "\\t".to_string(),
        c if (c as u32) < 0x80 => format!("\\x{:02x}", c as u32),
        c => format!("\\u{{{:x}}}", c as u32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_tabs_and_wide_characters_pass_unchanged() {
        assert!(matches!(shown("a\tb ✓ 🔒 é"), Cow::Borrowed("a\tb ✓ 🔒 é")));
    }

    #[test]
    fn controls_become_visible_escapes() {
        assert_eq!(
            shown("\x1b[1A\x1b[2K✓ passed\r\x07\x08\x7f\u{9b}\u{202e}"),
            "\\x1b[1A\\x1b[2K✓ passed\\r\\x07\\x08\\x7f\\u{9b}\\u{202e}"
        );
    }
}
