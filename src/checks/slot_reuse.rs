//! `slot_reuse`: a bounded downloader starts the next file as soon as a download ends, judged
//! on the download server's own timeline (when each request came, when its answer was ready).
//! Downloads in batches ("three, wait for all three, three more") stay within the bound and
//! reach it, but leave slots free while files wait. Not a count of downloads at once
//! (`server_concurrency` is).

use std::time::Duration;

use serde::Deserialize;

use super::timing::ms;
use super::{CheckKind, Evidence, Failure, NotJudged, Outcome};
use crate::server::Download;

/// `slot_reuse`: whenever fewer than `slots` downloads were in flight while a listed file had
/// not been requested yet, the next request came within `grace_ms`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotReuse {
    /// Downloads allowed at once.
    pub slots: usize,
    /// How long a slot may stay free while a file waits.
    pub grace_ms: u64,
}

impl SlotReuse {
    /// Judges the server's timeline.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        let Some(report) = evidence.downloads else {
            return Outcome::NotJudged(NotJudged::NoDownloadServer);
        };
        let grace = Duration::from_millis(self.grace_ms);
        let downloads = &report.downloads;
        let Some((freed, next, waiting)) =
            first_idle_slot(downloads, report.files.len(), self.slots, grace)
        else {
            return Outcome::Pass;
        };
        let mut seen = vec![format!(
            "at {}: a download ended and left a slot free, with {} not yet requested",
            ms(freed),
            crate::plural::of(waiting, "file", "files")
        )];
        seen.push(match next {
            Some(at) => format!(
                "the next download began only at {} ({} later)",
                ms(at),
                ms(at - freed)
            ),
            None => "no other download began".into(),
        });
        seen.extend(downloads.iter().map(|d| {
            format!(
                "{}: {} to {}",
                d.name,
                ms(d.from),
                d.to.map_or("never answered".into(), ms)
            )
        }));
        Outcome::Fail(Failure::timing(
            CheckKind::SlotReuse,
            format!(
                "a finished download's slot must be reused at once: no free slot for more than {} while a file waits",
                ms(grace)
            ),
            seen,
            "Downloads in batches wait for the slowest of each batch. Let each worker take the next name as soon as it is done (a shared queue, or a semaphore released when a download ends).",
        ))
    }
}

/// The first moment a download ended with fewer than `slots` in flight and files waiting,
/// when the next request came later than `grace`: (that moment, the next request, files
/// waiting).
fn first_idle_slot(
    downloads: &[Download],
    files: usize,
    slots: usize,
    grace: Duration,
) -> Option<(Duration, Option<Duration>, usize)> {
    let mut ends: Vec<Duration> = downloads.iter().filter_map(|d| d.to).collect();
    ends.sort();
    ends.into_iter().find_map(|end| {
        let started = downloads.iter().filter(|d| d.from <= end).count();
        let in_flight = downloads
            .iter()
            .filter(|d| d.from <= end && d.to.is_none_or(|to| to > end))
            .count();
        let waiting = files.saturating_sub(started);
        if waiting == 0 || in_flight >= slots {
            return None;
        }
        let next = downloads.iter().map(|d| d.from).filter(|&f| f > end).min();
        next.is_none_or(|at| at > end + grace)
            .then_some((end, next, waiting))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn download(name: &str, from: u64, to: u64) -> Download {
        Download {
            name: name.into(),
            from: Duration::from_millis(from),
            to: Some(Duration::from_millis(to)),
        }
    }

    #[test]
    fn batches_of_three_leave_a_slot_free_and_a_pool_of_three_does_not() {
        let grace = Duration::from_millis(300);
        let pool = [
            download("A", 0, 2000),
            download("B", 0, 1000),
            download("C", 0, 3000),
            download("D", 1010, 2510),
            download("E", 2005, 4505),
        ];
        assert_eq!(first_idle_slot(&pool, 5, 3, grace), None);
        let batches = [
            download("A", 0, 2000),
            download("B", 0, 1000),
            download("C", 0, 3000),
            download("D", 3010, 4510),
            download("E", 3010, 5510),
        ];
        assert_eq!(
            first_idle_slot(&batches, 5, 3, grace),
            Some((
                Duration::from_millis(1000),
                Some(Duration::from_millis(3010)),
                2
            ))
        );
    }
}
