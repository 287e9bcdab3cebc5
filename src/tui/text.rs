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

/// `text` wrapped into lines of at most `cells` cells, between words where it can (a word
/// longer than a line is cut), no character but the spaces at a break lost; a continuation
/// line is indented like the start of its line (up to half the width). A line that fits is
/// kept as it is. Each line carries the styles active where it starts, and ends with a reset
/// when any style was seen.
pub fn wrap(text: &str, cells: usize) -> Vec<String> {
    let cells = cells.max(1);
    let mut lines = Vec::new();
    for source in text.split('\n') {
        if width(source) <= cells {
            lines.push(close(source.to_string(), &[]));
        } else {
            Wrapper::new(source, cells, &mut lines).run(source);
        }
    }
    lines
}

/// The state of wrapping one source line too wide for its `cells`.
struct Wrapper<'a, 'l> {
    cells: usize,
    /// The indentation of continuation lines.
    indent: usize,
    line: String,
    used: usize,
    /// Spaces seen after the last word, written only if a word follows on the same line.
    spaces: usize,
    active: Vec<&'a str>,
    lines: &'l mut Vec<String>,
}

impl<'a, 'l> Wrapper<'a, 'l> {
    fn new(source: &str, cells: usize, lines: &'l mut Vec<String>) -> Wrapper<'a, 'l> {
        let leading = source.chars().take_while(|&c| c == ' ').count();
        Wrapper {
            cells,
            indent: leading.min(cells / 2),
            line: String::new(),
            used: 0,
            spaces: 0,
            active: Vec::new(),
            lines,
        }
    }

    fn run(mut self, source: &'a str) {
        let mut word: Vec<Piece<'a>> = Vec::new();
        let mut word_cells = 0;
        for piece in pieces(source) {
            match piece {
                Piece::Char(' ') => {
                    self.put_word(std::mem::take(&mut word), word_cells);
                    word_cells = 0;
                    self.spaces += 1;
                }
                Piece::Char(c) => {
                    word_cells += cell_width(c);
                    word.push(Piece::Char(c));
                }
                escape @ Piece::Escape(_) => word.push(escape),
            }
        }
        self.put_word(word, word_cells);
        self.lines.push(close(self.line, &self.active));
    }

    /// Puts a word, after the pending spaces, on this line, or on the next when it does not
    /// fit there; a word wider than a whole line is then cut wherever the line is full.
    fn put_word(&mut self, word: Vec<Piece<'a>>, cells: usize) {
        if word.is_empty() {
            return;
        }
        if self.used == 0 {
            // The source line's own indentation.
            self.spaces = self.indent;
        } else if self.used + self.spaces + cells > self.cells && self.used > self.indent {
            self.break_line();
        }
        let spaces = self.spaces.min(self.cells.saturating_sub(self.used + 1));
        self.line.push_str(&" ".repeat(spaces));
        self.used += spaces;
        self.spaces = 0;
        for piece in word {
            match piece {
                Piece::Escape(escape) => {
                    track_style(&mut self.active, escape);
                    self.line.push_str(escape);
                }
                Piece::Char(c) => {
                    let w = cell_width(c);
                    if self.used + w > self.cells && self.used > self.indent {
                        self.break_line();
                    }
                    push_char(&mut self.line, c);
                    self.used += w;
                }
            }
        }
    }

    fn break_line(&mut self) {
        let line = std::mem::take(&mut self.line);
        self.lines.push(close(line, &self.active));
        self.line = format!("{}{}", " ".repeat(self.indent), self.active.concat());
        self.used = self.indent;
        self.spaces = 0;
    }
}

/// `text` cut to at most `cells` cells, on one line. Escape sequences after the cut are kept
/// (they take no cells), so a hyperlink or a style is always closed.
pub fn fit(text: &str, cells: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    let mut styled = false;
    let mut full = false;
    for piece in pieces(text) {
        match piece {
            // After the cut, styles are dropped (a reset ends the text) but links are closed.
            Piece::Escape(escape) if full && escape.starts_with("\x1b[") => {}
            Piece::Escape(escape) => {
                styled = true;
                out.push_str(escape);
            }
            Piece::Char('\n') => break,
            Piece::Char(_) if full => {}
            Piece::Char(c) => {
                let w = cell_width(c);
                if used + w > cells {
                    full = true;
                    continue;
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

/// `text` on one line of at most `cells` cells, ending in `…` when it had to be cut.
pub fn fit_or_ellipsis(text: &str, cells: usize) -> String {
    let first_line = text.split('\n').next().unwrap_or("");
    if width(first_line) <= cells {
        return fit(first_line, cells);
    }
    if cells == 0 {
        return String::new();
    }
    format!("{}…", fit(first_line, cells - 1))
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
    fn wrap_breaks_between_words_and_loses_no_character() {
        let lesson = "  Python has no atomic integers for you; the seed shares a counter under a threading.Lock.";
        let lines = wrap(lesson, 40);
        assert_eq!(
            lines,
            [
                "  Python has no atomic integers for you;",
                "  the seed shares a counter under a",
                "  threading.Lock."
            ]
        );
        for cells in [5, 9, 13, 40, 80] {
            let lines = wrap(lesson, cells);
            assert!(lines.iter().all(|l| width(l) <= cells), "{lines:?}");
            let kept: String = lines.concat().split_whitespace().collect();
            let all: String = lesson.split_whitespace().collect();
            assert_eq!(kept, all, "at {cells} columns: {lines:?}");
        }
    }

    #[test]
    fn a_word_longer_than_a_line_is_cut_and_a_line_that_fits_is_kept_as_it_is() {
        assert_eq!(
            wrap("kept at .learn-backups/01_threads/spawn_join.rs", 20),
            ["kept at", ".learn-backups/01_th", "reads/spawn_join.rs"]
        );
        assert_eq!(wrap("  a    b  ", 10), ["  a    b  "]);
    }

    #[test]
    fn fit_or_ellipsis_marks_a_cut_and_fit_closes_a_cut_link() {
        assert_eq!(fit_or_ellipsis("abcdef", 4), "abc…");
        assert_eq!(fit_or_ellipsis("abcd", 4), "abcd");
        let link = hyperlink("file:///x", "abcdef");
        assert_eq!(width(&fit(&link, 3)), 3);
        assert!(
            fit(&link, 3).contains("\x1b]8;;\x1b\\"),
            "the link is closed"
        );
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
