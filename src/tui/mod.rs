//! Full-screen and single-line terminal drawing for people: the screen that watch mode
//! takes over, the exercise list, the timeline of a run, and the progress line of long work.
//!
//! It draws from verdicts, records and the course; it never grades or runs anything.

pub mod list;
pub mod progress_line;
pub mod screen;
pub mod text;
pub mod timeline;

/// The frames of the spinner that turns while long work goes on.
pub const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
