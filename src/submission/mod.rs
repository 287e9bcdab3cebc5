//! A learner's submission folder as `learn grade` meets it: read, never followed
//! ([`read`]: no symbolic link followed, only regular files of a bounded size, no read that
//! can block), and the policy on what a graded file may hold ([`policy`]: nothing that makes
//! rustc read another file or the grader's environment); and [`history`]: a git repository
//! as it was at a deadline.
//!
//! Not here: which files are graded or protected (`protected`, `grading`), building or
//! grading them (`build`, `grade`). Knows nothing of exercises.

pub mod history;
pub mod policy;
pub mod read;
