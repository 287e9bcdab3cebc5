//! Reports: what the learner reads in the terminal, and what CI reads (results.json, JUnit,
//! Markdown for the job summary, GitHub annotations, Gradescope's results.json). The reporters know nothing of
//! processes: they turn [`Verdict`](crate::grade::Verdict)s and the course into text.

pub mod budget;
#[cfg(test)]
mod failure_snapshots;
pub mod file;
pub mod github;
pub mod gradebook;
pub mod gradescope;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod neutral;
pub mod scored;
pub mod target;
pub mod terminal;
