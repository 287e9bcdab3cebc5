//! What grading tells as it goes, in order, for whoever shows it: the terminal's progress
//! line and verdict lines, watch mode's stages, the CI reporters. The engine emits these and
//! knows nothing of how they are shown; a new way of showing them never touches the engine.

use super::Verdict;

/// One thing grading has to tell.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A line the build printed (cargo's progress, and the rustc command of every crate):
    /// sent only to a grader asked for them ([`Grader::events`](super::Grader::events)).
    Building(&'a str),
    /// The build is done; the runs begin.
    Built,
    /// One unperturbed run was judged and did not settle the verdict: it passed, or broke
    /// only timing rules (which grading retries). Never a pass; the other runs go on.
    FirstLook(&'a Verdict),
    /// The verdict on one exercise, in the order the exercises were given.
    Verdict(&'a Verdict),
}

/// Where a grader sends its events; called from the grader's threads.
pub type Events<'a> = &'a (dyn Fn(Event<'_>) + Sync);
