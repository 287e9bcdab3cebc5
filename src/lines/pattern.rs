//! A regex written in the manifest, compiled when the manifest is read so that a bad pattern
//! is reported with the file, line and column it came from.

use std::fmt;

use regex::Regex;
use serde::{Deserialize, Deserializer};

/// A compiled line pattern from the manifest.
#[derive(Clone)]
pub struct Pattern(Regex);

impl Pattern {
    /// Compiles `source`; the error is the regex crate's own explanation.
    pub fn new(source: &str) -> Result<Pattern, regex::Error> {
        Regex::new(source).map(Pattern)
    }

    /// Whether `line` matches.
    pub fn is_match(&self, line: &str) -> bool {
        self.0.is_match(line)
    }

    /// The compiled regex, for replacement.
    pub fn regex(&self) -> &Regex {
        &self.0
    }

    /// The pattern as written in the manifest.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}/", self.0.as_str())
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}/", self.0.as_str())
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let source = String::deserialize(deserializer)?;
        Pattern::new(&source).map_err(|e| serde::de::Error::custom(format!("bad pattern: {e}")))
    }
}
