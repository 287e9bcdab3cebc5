//! Rules of the download lessons, judged from what the runner's HTTP server saw (see
//! src/server.rs), not from what the program prints.

use serde::Deserialize;

use super::{CheckKind, Evidence, Failure, NotJudged, Outcome};

/// `files_saved`: every served file was saved in `LEARN_OUT` with exactly the served bytes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilesSaved {}

impl FilesSaved {
    /// Judges the saved files.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        let Some(report) = evidence.downloads else {
            return Outcome::NotJudged(NotJudged::NoDownloadServer);
        };
        let problems: Vec<String> = report
            .files
            .iter()
            .filter_map(|(name, p)| p.as_ref().map(|p| format!("{name}: {p}")))
            .collect();
        if problems.is_empty() {
            return Outcome::Pass;
        }
        Outcome::Fail(Failure::logic(
            CheckKind::FilesSaved,
            "every listed file must be saved in LEARN_OUT with exactly the bytes the server sent",
            problems,
            "Write the whole response body to LEARN_OUT/NAME, for every name that GET $LEARN_SERVER/files lists.",
        ))
    }
}

/// `server_concurrency`: the server never saw more than `max` downloads at once, and saw
/// `reach` at some moment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConcurrency {
    /// Downloads at once never above this.
    pub max: usize,
    /// Downloads at once reached this at some moment.
    pub reach: usize,
}

impl ServerConcurrency {
    /// Judges the concurrency the server saw.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        let Some(report) = evidence.downloads else {
            return Outcome::NotJudged(NotJudged::NoDownloadServer);
        };
        let seen = vec![format!(
            "the server saw at most {} at once, {} in all",
            crate::plural::of(report.max_in_flight, "download", "downloads"),
            report.requests
        )];
        if report.max_in_flight > self.max {
            return Outcome::Fail(Failure::logic(
                CheckKind::ServerConcurrency,
                format!(
                    "at most {} may run at once",
                    crate::plural::of(self.max, "download", "downloads")
                ),
                seen,
                "Bound the concurrency: a fixed number of worker threads taking names from a shared queue, or a counting semaphore.",
            ));
        }
        if report.max_in_flight < self.reach {
            return Outcome::Fail(Failure::timing(
                CheckKind::ServerConcurrency,
                format!(
                    "{} must run at once at some moment",
                    crate::plural::of(self.reach, "download", "downloads")
                ),
                seen,
                "Start as many downloads as the bound allows before waiting for any of them.",
            ));
        }
        Outcome::Pass
    }
}
