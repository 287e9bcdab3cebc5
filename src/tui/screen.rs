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
        self.out.queue(terminal::BeginSynchronizedUpdate)?;
        for (row, line) in lines.iter().take(height).enumerate() {
            let line = if self.colors {
                line.clone()
            } else {
                text::strip_styles(line)
            };
            self.out.queue(cursor::MoveTo(0, row as u16))?;
            write!(self.out, "{}", text::fit(&line, width))?;
            self.out
                .queue(terminal::Clear(terminal::ClearType::UntilNewLine))?;
        }
        if lines.len() < height {
            self.out.queue(cursor::MoveTo(0, lines.len() as u16))?;
            self.out
                .queue(terminal::Clear(terminal::ClearType::FromCursorDown))?;
        }
        self.out.queue(terminal::EndSynchronizedUpdate)?;
        self.out.flush()
    }
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
