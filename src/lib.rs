//! `learn`: a graded course on concurrency in Rust.
//!
//! A learner's file travels one way through these modules:
//! [`course`] (the manifest) → [`build`] (cargo) → [`supervise`] (a run under limits) →
//! [`checks`] (what must hold) → [`grade`] (runs × perturbations × checks → verdict) →
//! [`report`] (what the learner and CI read). [`session`] owns the learner's course and
//! progress ([`progress`] is its file); [`passed`] remembers which unchanged files passed (for
//! watch mode only); [`ci`] reports in CI, [`grading`] grades learners' forks against a pristine course (reading
//! each [`submission`] without following it, diffing its [`protected`] files), [`class`] a whole class at
//! once into a gradebook; [`template`] writes the student repository; [`watch`]
//! re-checks the exercise on every save, drawn by [`tui`]; [`dev`] is the course author's
//! `learn dev new|update|check`; [`cli`] parses, builds the
//! settings once and dispatches; `test_support` (hidden) is what the tests and benchmarks
//! share. The layers, and who may use whom, are in the README's
//! Architecture section (kept so by `tests/layers.rs`).
//!
//! Linux only (/proc, the scheduler, landlock and seccomp): on another system the library is
//! empty, so that a build shows the binary's one message (src/main.rs), not a wall of errors.
#![cfg(target_os = "linux")]

pub mod atomic;
pub mod backup;
pub mod build;
pub mod checks;
pub mod ci;
pub mod civil_time;
pub mod class;
pub mod cli;
pub mod commands;
pub mod course;
pub mod dev;
pub mod exit;
pub mod grade;
pub mod grading;
pub mod hint_levels;
pub mod invocation;
pub mod lines;
pub mod passed;
pub mod plural;
pub mod progress;
pub mod protected;
pub mod report;
pub mod server;
pub mod session;
pub mod settings;
pub mod submission;
pub mod supervise;
pub mod template;
#[doc(hidden)]
pub mod test_support;
pub mod tree;
pub mod tui;
pub mod watch;
