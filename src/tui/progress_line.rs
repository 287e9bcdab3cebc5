//! One line on stderr that says what long work is doing (building the course's dependencies
//! the first time, grading many exercises), with a spinner, so no minute passes in silence.
//! Only where the caller says it may be shown ([`Settings::progress_lines`]: on a terminal,
//! never in CI): logs stay clean.
//!
//! [`Settings::progress_lines`]: crate::settings::Settings::progress_lines

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::{SPINNER, text};

/// What one of cargo's stderr lines says about its progress, in words, if anything:
/// `Building [==>  ] 3/40: tokio` or `Compiling tokio v1.0`.
pub fn describe_cargo_line(line: &str) -> Option<String> {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("Building [") {
        let (_, counts) = rest.split_once("] ")?;
        let (count, crates) = counts.split_once(": ").unwrap_or((counts, ""));
        return Some(format!("building {count}: {crates}"));
    }
    if line.starts_with("Finished ") {
        return Some("built; running the checks".to_string());
    }
    line.strip_prefix("Compiling ")
        .map(|what| format!("compiling {what}"))
}

struct Shared {
    text: Mutex<String>,
    done: AtomicBool,
}

/// The progress line; cleared when dropped.
pub struct ProgressLine {
    shared: Arc<Shared>,
    spinner: Option<JoinHandle<()>>,
}

impl ProgressLine {
    /// Shows `text` when `shown` (otherwise does nothing).
    pub fn start(text: &str, shown: bool) -> ProgressLine {
        let shared = Arc::new(Shared {
            text: Mutex::new(text.to_string()),
            done: AtomicBool::new(false),
        });
        let spinner = shown.then(|| {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || spin(&shared))
        });
        ProgressLine { shared, spinner }
    }

    /// Whether the line is on screen.
    pub fn is_shown(&self) -> bool {
        self.spinner.is_some()
    }

    /// Replaces what the line says.
    pub fn set(&self, text: impl Into<String>) {
        *self.shared.text.lock().unwrap_or_else(|e| e.into_inner()) = text.into();
    }

    /// Shows what a line of cargo's stderr says about its progress, if anything.
    pub fn cargo_line(&self, line: &str) {
        if let Some(text) = describe_cargo_line(line) {
            self.set(text);
        }
    }

    /// Runs `print` (which writes whole lines) with the progress line out of its way.
    pub fn suspend<T>(&self, print: impl FnOnce() -> T) -> T {
        let _text = self.shared.text.lock().unwrap_or_else(|e| e.into_inner());
        if self.spinner.is_some() {
            clear();
        }
        print()
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        self.shared.done.store(true, Ordering::Relaxed);
        if let Some(spinner) = self.spinner.take() {
            let _ = spinner.join();
            clear();
        }
    }
}

/// How long each frame of the spinner stays: ten a second, a turn that reads as motion without
/// flooding a slow terminal.
const FRAME: Duration = Duration::from_millis(100);

fn spin(shared: &Shared) {
    let width = crossterm::terminal::size()
        .map_or(80, |(w, _)| usize::from(w))
        .saturating_sub(1);
    for frame in SPINNER.iter().cycle() {
        if shared.done.load(Ordering::Relaxed) {
            return;
        }
        {
            let text = shared.text.lock().unwrap_or_else(|e| e.into_inner());
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\r\x1b[2K{}",
                text::fit(&format!("{frame} {text}"), width)
            );
            let _ = err.flush();
        }
        std::thread::sleep(FRAME);
    }
}

fn clear() {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[2K");
    let _ = err.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_progress_is_put_in_words() {
        assert_eq!(
            describe_cargo_line("    Building [==>     ] 3/40: tokio, rayon").as_deref(),
            Some("building 3/40: tokio, rayon")
        );
        assert_eq!(
            describe_cargo_line("   Compiling tokio v1.54.1").as_deref(),
            Some("compiling tokio v1.54.1")
        );
        assert_eq!(describe_cargo_line("     Running `rustc …`"), None);
    }
}
