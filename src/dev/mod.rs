//! The course author's commands, as rustlings has them: `learn dev new CHAPTER/NAME`
//! scaffolds an exercise in every place it needs ([`new`]), `learn dev update` regenerates
//! what is derived from the manifest and the starters ([`update`]), `learn dev check` checks
//! a course as CI would, with the grading engine itself ([`check`]).
//!
//! Not for learners (the command is hidden from their `--help`), nor for a student template
//! (refused: its solutions are with the teacher). Grading itself is [`grade`](crate::grade)'s;
//! what the manifest may say, [`course`](crate::course)'s.

mod check;
mod new;
mod update;

use std::fmt;
use std::path::{Path, PathBuf};

pub use check::check;
pub use new::new;
pub use update::update;

use crate::course::{self, Course, Exercise};
use crate::exit::Error;

/// What marks the parts of a scaffold (`learn dev new`) the author has still to write.
const TODO: &str = "TODO(author)";

/// A place in the course and what is wrong or was done there, printed as `PATH[:LINE]: WHAT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The file, relative to the course root.
    pub path: PathBuf,
    /// Its 1-based line, where one line is to blame.
    pub line: Option<usize>,
    /// What is wrong, or what was done.
    pub what: String,
}

impl Note {
    /// A note on the whole of `path`.
    fn file(path: impl Into<PathBuf>, what: impl Into<String>) -> Note {
        Note {
            path: path.into(),
            line: None,
            what: what.into(),
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}", self.what)
    }
}

/// Refuses a student template: its solutions (and hidden outputs) stay with the teacher, so
/// nothing there can be scaffolded, regenerated or checked as the course's own repository.
fn refuse_template(course: &Course) -> Result<(), Error> {
    if course::is_student_template(&course.root) {
        return Err(Error::usage(format!(
            "`learn dev` works on the course's own repository; this is a student template ({}), without the reference solutions",
            course::TEMPLATE_MARKER
        )));
    }
    Ok(())
}

/// The chapter file of `chapter`, relative to the course root.
fn chapter_file(chapter: &str) -> PathBuf {
    Path::new("course/chapters").join(format!("{chapter}.toml"))
}

/// The 1-based line of `key` in `exercise`'s manifest entry (its `name = "…"` line for
/// `name`, or when the entry lacks `key`), if its chapter file can be read.
fn line_of(root: &Path, exercise: &Exercise, key: &str) -> Option<usize> {
    let text = std::fs::read_to_string(root.join(chapter_file(&exercise.chapter))).ok()?;
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let name = format!("name = \"{}\"", exercise.spec.name);
    let start = lines.iter().position(|line| *line == name)?;
    let entry = lines[start..]
        .iter()
        .take_while(|line| !line.starts_with("[[exercise]]"));
    let found = entry
        .map(|line| line.split('=').next().unwrap_or_default().trim())
        .position(|found| found == key);
    Some(start + found.unwrap_or(0) + 1)
}
