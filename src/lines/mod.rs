//! How the course matches and normalises a program's output lines: [`pattern::Pattern`], a
//! regex from the manifest, and [`normalize::Normalize`], the redaction and sorting applied
//! before output is compared.
//!
//! It sits below both the manifest ([`course`](crate::course)) and the
//! [`checks`](crate::checks) that use it, so neither depends on the other through it. It
//! knows nothing of runs or exercises.

pub mod normalize;
pub mod pattern;
pub mod shown;
