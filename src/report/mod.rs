//! Reports: what the learner reads in the terminal. The reporters know nothing of processes:
//! they turn [`Verdict`](crate::grade::Verdict)s and the course into text.

pub mod terminal;
