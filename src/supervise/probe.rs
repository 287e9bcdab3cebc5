//! Reading what the process probe linked into exercise binaries recorded (see
//! `src/build/learn_probe.rs`): every copy of the program that started, with its parent and
//! its exact start and exit times. This complements /proc polling, which can miss a child
//! that lives for less than one polling interval.

use std::path::PathBuf;
use std::time::Duration;

use super::observe::{ChildSeen, ProcessLog, most_at_once};

/// The file the probe appends to during one run.
pub(super) struct ProbeFile {
    _dir: tempfile::TempDir,
    path: PathBuf,
    base_nanos: u64,
}

impl ProbeFile {
    /// A fresh, empty probe file; `base_nanos` is CLOCK_MONOTONIC at the run's start.
    pub(super) fn new() -> std::io::Result<ProbeFile> {
        let dir = tempfile::Builder::new().prefix("learn-probe").tempdir()?;
        let path = dir.path().join("processes");
        Ok(ProbeFile {
            _dir: dir,
            path,
            base_nanos: monotonic_nanos(),
        })
    }

    /// The environment variable that tells the probe where to write.
    pub(super) fn env(&self) -> (String, String) {
        ("LEARN_PROBE".into(), self.path.display().to_string())
    }

    /// Adds the probed child processes to `log` (merged with those /proc polling saw) and
    /// recomputes how many were alive at once. Processes that never recorded an exit (killed)
    /// count as alive until `end`.
    pub(super) fn merge_into(&self, log: &mut ProcessLog, end: Duration) {
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return;
        };
        let since = |nanos: u64| Duration::from_nanos(nanos.saturating_sub(self.base_nanos));
        let mut starts: Vec<(u32, u32, Duration)> = Vec::new();
        let mut exits: Vec<(u32, Duration)> = Vec::new();
        for line in text.lines() {
            let fields: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .filter_map(|f| f.parse().ok())
                .collect();
            match (line.split_whitespace().next(), fields.as_slice()) {
                (Some("start"), [pid, parent, at]) => {
                    starts.push((*pid as u32, *parent as u32, since(*at)))
                }
                (Some("exit"), [pid, at]) => exits.push((*pid as u32, since(*at))),
                _ => {}
            }
        }
        log.probed = starts.iter().any(|&(pid, _, _)| pid == log.root);
        for (pid, parent, at) in starts.into_iter().filter(|&(pid, _, _)| pid != log.root) {
            let exit = exits
                .iter()
                .find(|(p, _)| *p == pid)
                .map_or(end, |&(_, t)| t);
            match log.children.iter_mut().find(|c| c.pid == pid) {
                // The probe's times are exact; /proc's are only proven bounds inside them.
                Some(child) => {
                    child.first_seen = at;
                    child.last_seen = exit;
                }
                None => log.children.push(ChildSeen {
                    pid,
                    parent,
                    first_seen: at,
                    last_seen: exit,
                }),
            }
        }
        log.children.sort_by_key(|c| c.first_seen);
        log.max_alive_children = most_at_once(&log.children);
    }
}

fn monotonic_nanos() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec given.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}
