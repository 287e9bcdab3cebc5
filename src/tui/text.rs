//! Text that already carries ANSI styles (rustc's rendered errors, the reports of
//! `report::terminal`) measured, cut and wrapped by the cells it takes on screen: escape
//! sequences take none, most characters one, wide ones (emoji, CJK) two.
//!
//! Nothing here writes to a terminal; see `screen` for that.

use unicode_width::UnicodeWidthChar;

/// Resets every style.
const RESET: &str = "\x1b[0m";

/// A piece of styled text: an escape sequence, or one visible character.
enum Piece<'a> {
    Escape(&'a str),
    Char(char),
}

/// Splits `text` into escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL or ESC \`)
/// and visible characters.
fn pieces(text: &str) -> impl Iterator<Item = Piece<'_>> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let c = rest.chars().next()?;
        if c != '\x1b' {
            rest = &rest[c.len_utf8()..];
            return Some(Piece::Char(c));
        }
        let len = escape_len(rest);
        let (escape, after) = rest.split_at(len);
        rest = after;
        Some(Piece::Escape(escape))
    })
}

/// The byte length of the escape sequence at the start of `s` (which starts with ESC).
fn escape_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    match bytes.get(1) {
        Some(b'[') => bytes[2..]
            .iter()
            .position(|b| (0x40..=0x7e).contains(b))
            .map_or(s.len(), |i| i + 3),
        Some(b']') => {
            let mut i = 2;
            while i < bytes.len() {
                if bytes[i] == 0x07 {
                    return i + 1;
                }
                if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'\\') {
                    return i + 2;
                }
                i += 1;
            }
            s.len()
        }
        Some(_) => 2.min(s.len()),
        None => 1,
    }
}

/// The cells `text` takes on screen.
pub fn width(text: &str) -> usize {
    pieces(text)
        .map(|p| {
            if let Piece::Char(c) = p {
                cell_width(c)
            } else {
                0
            }
        })
        .sum()
}

fn cell_width(c: char) -> usize {
    if c == '\t' { 4 } else { c.width().unwrap_or(0) }
}

/// `text` wrapped into lines of at most `cells` cells; each line carries the styles active
/// where it starts, and ends with a reset when any style was seen.
pub fn wrap(text: &str, cells: usize) -> Vec<String> {
    let cells = cells.max(1);
    let mut lines = Vec::new();
    for source in text.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        let mut active: Vec<&str> = Vec::new();
        for piece in pieces(source) {
            match piece {
                Piece::Escape(escape) => {
                    track_style(&mut active, escape);
                    line.push_str(escape);
                }
                Piece::Char(c) => {
                    let w = cell_width(c);
                    if used + w > cells {
                        lines.push(close(std::mem::take(&mut line), &active));
                        line = active.concat();
                        used = 0;
                    }
                    push_char(&mut line, c);
                    used += w;
                }
            }
        }
        lines.push(close(line, &active));
    }
    lines
}

/// `text` cut to at most `cells` cells, on one line.
pub fn fit(text: &str, cells: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    let mut styled = false;
    for piece in pieces(text) {
        match piece {
            Piece::Escape(escape) => {
                styled = true;
                out.push_str(escape);
            }
            Piece::Char('\n') => break,
            Piece::Char(c) => {
                let w = cell_width(c);
                if used + w > cells {
                    break;
                }
                push_char(&mut out, c);
                used += w;
            }
        }
    }
    if styled {
        out.push_str(RESET);
    }
    out
}

/// `text` padded with spaces to `cells` cells (cut if longer).
pub fn pad(text: &str, cells: usize) -> String {
    let fitted = fit(text, cells);
    let w = width(&fitted);
    format!("{fitted}{}", " ".repeat(cells.saturating_sub(w)))
}

/// `text` as a terminal hyperlink (OSC 8) to `url`; terminals without them show the text.
pub fn hyperlink(url: &str, text: &str) -> String {
    format!("\x1b]8;;{url}\x1b\\{text}\x1b]8;;\x1b\\")
}

/// `text` without colours and text styles (hyperlinks kept), for NO_COLOR.
pub fn strip_styles(text: &str) -> String {
    pieces(text)
        .filter_map(|p| match p {
            Piece::Escape(e) if e.starts_with("\x1b[") && e.ends_with('m') => None,
            Piece::Escape(e) => Some(e.to_string()),
            Piece::Char(c) => Some(c.to_string()),
        })
        .collect()
}

fn push_char(line: &mut String, c: char) {
    if c == '\t' {
        line.push_str("    ")
    } else {
        line.push(c)
    }
}

/// Keeps the SGR sequences in effect: a reset forgets the others.
fn track_style<'a>(active: &mut Vec<&'a str>, escape: &'a str) {
    if !(escape.starts_with("\x1b[") && escape.ends_with('m')) {
        return;
    }
    if escape == "\x1b[0m" || escape == "\x1b[m" {
        active.clear();
    } else {
        active.push(escape);
    }
}

fn close(mut line: String, active: &[&str]) -> String {
    if !active.is_empty() || line.contains('\x1b') {
        line.push_str(RESET);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_take_no_cells_and_wide_characters_two() {
        assert_eq!(width("\x1b[1;31m✗\x1b[0m ok"), 4);
        assert_eq!(width("🔒 a"), 4);
        assert_eq!(width(&hyperlink("file:///x", "abc")), 3);
    }

    #[test]
    fn fit_cuts_by_cells_and_resets_styles() {
        assert_eq!(fit("\x1b[1mhello\x1b[0m", 3), "\x1b[1mhel\x1b[0m");
        assert_eq!(fit("🔒🔒", 3), "🔒");
        assert_eq!(pad("ab", 4), "ab  ");
    }

    #[test]
    fn wrap_carries_the_active_style_to_the_next_line() {
        let lines = wrap("\x1b[31mabcdef", 4);
        assert_eq!(
            lines,
            vec![
                "\x1b[31mabcd\x1b[0m".to_string(),
                "\x1b[31mef\x1b[0m".to_string()
            ]
        );
        assert_eq!(wrap("a\nb", 10), vec!["a", "b"]);
    }

    #[test]
    fn strip_keeps_text_and_links() {
        let link = hyperlink("file:///x", "x");
        assert_eq!(
            strip_styles(&format!("\x1b[1m{link}\x1b[0m!")),
            format!("{link}!")
        );
    }
}
