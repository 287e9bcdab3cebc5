//! The terminal while a full-screen view is up: raw mode, the alternate screen, no cursor.
//! [`Screen`] puts everything back when dropped, and a panic hook does the same first, so a
//! crash never leaves the learner's shell in raw mode.
//!
//! It draws whole frames of already-styled lines; what the lines say is the views' business.

use std::io::{self, Stdout, Write};
use std::sync::Once;

use crossterm::{QueueableCommand, cursor, terminal};

use super::text;

/// The terminal, taken over until dropped.
pub struct Screen {
    out: Stdout,
    colors: bool,
}

impl Screen {
    /// Enters raw mode and the alternate screen. `colors` false strips styles from every
    /// line drawn (NO_COLOR, `--color never`).
    pub fn enter(colors: bool) -> io::Result<Screen> {
        install_panic_hook();
        terminal::enable_raw_mode()?;
        let mut out = io::stdout();
        out.queue(terminal::EnterAlternateScreen)?
            .queue(cursor::Hide)?
            .queue(terminal::DisableLineWrap)?;
        out.flush()?;
        Ok(Screen { out, colors })
    }

    /// Columns and rows of the terminal now (80×24 when it cannot tell).
    pub fn size() -> (usize, usize) {
        terminal::size().map_or((80, 24), |(w, h)| {
            (usize::from(w.max(1)), usize::from(h.max(1)))
        })
    }

    /// Draws `lines` from the top, each cut to the width, and clears the rest.
    pub fn draw(&mut self, lines: &[String]) -> io::Result<()> {
        let (width, height) = Screen::size();
        draw_frame(&mut self.out, lines, width, height, self.colors)?;
        self.out.flush()
    }
}

/// Writes the commands that draw `lines` on a `width` × `height` terminal to `out`.
fn draw_frame(
    out: &mut impl Write,
    lines: &[String],
    width: usize,
    height: usize,
    colors: bool,
) -> io::Result<()> {
    out.queue(terminal::BeginSynchronizedUpdate)?;
    for (row, line) in lines.iter().take(height).enumerate() {
        let line = if colors {
            line.clone()
        } else {
            text::strip_styles(line)
        };
        let fitted = text::fit(&line, width);
        out.queue(cursor::MoveTo(0, row as u16))?;
        write!(out, "{fitted}")?;
        // With line wrap off, the cursor stays on the last column once it is written, and
        // clearing from there would erase that column's character.
        if text::width(&fitted) < width {
            out.queue(terminal::Clear(terminal::ClearType::UntilNewLine))?;
        }
    }
    if lines.len() < height {
        out.queue(cursor::MoveTo(0, lines.len() as u16))?;
        out.queue(terminal::Clear(terminal::ClearType::FromCursorDown))?;
    }
    out.queue(terminal::EndSynchronizedUpdate)?;
    Ok(())
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
    }
}

/// Leaves the alternate screen and raw mode; harmless when already done.
fn restore() {
    let mut out = io::stdout();
    let _ = out
        .queue(terminal::EnableLineWrap)
        .and_then(|o| o.queue(cursor::Show))
        .and_then(|o| o.queue(terminal::LeaveAlternateScreen));
    let _ = out.flush();
    let _ = terminal::disable_raw_mode();
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ESC [ K`: erase from the cursor to the end of the line.
    const CLEAR_TO_END: &str = "\x1b[K";

    #[test]
    fn a_line_as_wide_as_the_terminal_keeps_its_last_character() {
        let mut out = Vec::new();
        let full = format!("{};", "x".repeat(39));
        draw_frame(&mut out, &[full.clone(), "short".into()], 40, 3, true).unwrap();
        let drawn = String::from_utf8(out).unwrap();
        assert!(drawn.contains(&full), "{drawn:?}");
        assert!(
            !drawn.contains(&format!("{full}{CLEAR_TO_END}")),
            "the last column would be erased: {drawn:?}"
        );
        assert!(
            drawn.contains(&format!("short{CLEAR_TO_END}")),
            "a shorter line clears what was there: {drawn:?}"
        );
    }
}
