//! `learn`: a graded course on concurrency in Rust.
//!
//! A learner's file travels one way through these modules:
//! [`course`] (the manifest) → [`build`] (cargo) → [`supervise`] (a run under limits) →
//! [`checks`] (what must hold) → [`grade`] (runs × perturbations × checks → verdict) →
//! [`report`] (what the learner and CI read). [`progress`] remembers what is done, [`passed`]
//! which unchanged files passed (for watch mode only); [`ci`]
//! grades learners' forks in CI against a pristine course; [`watch`] re-checks the
//! exercise on every save, drawn by [`tui`]; [`cli`] parses and dispatches.

pub mod backup;
pub mod build;
pub mod checks;
pub mod ci;
pub mod civil_time;
pub mod cli;
pub mod commands;
pub mod course;
pub mod grade;
pub mod passed;
pub mod plural;
pub mod progress;
pub mod report;
pub mod server;
pub mod supervise;
pub mod tui;
pub mod watch;
