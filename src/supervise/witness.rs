//! What the runner sees itself of the probe's subjects, to check the probe's records against:
//! the probe's file is writable by the program, so a record is believed only when it agrees
//! with the runner's own sampling of /proc (which processes ran the exercise binary, which
//! threads they had, how much CPU each had used).
//!
//! Polling misses what lives for less than an interval, so the rule for what was not seen
//! is: a process or thread the runner never saw is accepted only when, by its own records,
//! it lived less than [`UNSEEN_AT_MOST`] (too short to be sampled for sure), and used no more
//! CPU than it lived. A made-up pid or tid that "ran" longer, a thread seen by the runner that
//! has no record in a process that exited normally, or more CPU than the time it lived, are
//! evidence altered by the program. Not a check of the course's rules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use procfs::process::Process;

use super::probe::ProbeRecords;

/// The longest life a process or thread may claim while the runner never saw it: four of the
/// observer's slower polling intervals.
pub(super) const UNSEEN_AT_MOST: Duration = Duration::from_millis(80);

/// CPU time a record may claim beyond what is possible, for rounding and clock skew.
const CPU_SLACK: Duration = Duration::from_millis(15);

/// What the runner saw of one process.
#[derive(Debug, Clone, Default)]
struct Sighting {
    exe: Option<PathBuf>,
    tids: BTreeSet<u32>,
    cpu_ticks: u64,
}

/// The runner's own sightings of the processes and threads of one run.
#[derive(Debug, Default)]
pub(super) struct Witness {
    seen: BTreeMap<u32, Sighting>,
}

impl Witness {
    /// Looks at each of `pids` (the tree's, from the observer): its executable, its threads,
    /// its CPU time so far.
    pub(super) fn sample(&mut self, pids: &[u32]) {
        for &pid in pids {
            let Ok(process) = Process::new(pid as i32) else {
                continue;
            };
            let sighting = self.seen.entry(pid).or_default();
            if let Ok(exe) = process.exe() {
                sighting.exe = Some(exe);
            }
            if let Ok(stat) = process.stat() {
                sighting.cpu_ticks = sighting.cpu_ticks.max(stat.utime + stat.stime);
            }
            if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
                sighting.tids.extend(
                    tasks
                        .flatten()
                        .filter_map(|t| t.file_name().to_str()?.parse::<u32>().ok()),
                );
            }
        }
    }

    /// Why `records` cannot be believed, if they cannot: the first record that disagrees
    /// with what the runner saw. `root` is the main process; `end` the run's wall time.
    pub(super) fn contradiction(
        &self,
        records: &ProbeRecords,
        root: u32,
        end: Duration,
    ) -> Option<String> {
        let program = self.seen.get(&root).and_then(|s| s.exe.clone());
        let altered = |what: String| format!("the process records were altered: {what}");
        for &(pid, _, started) in &records.starts {
            let exited = records.exit_of(pid).map(|e| e.at);
            match self.seen.get(&pid) {
                Some(sighting) => {
                    if program.is_some() && sighting.exe.is_some() && sighting.exe != program {
                        return Some(altered(format!(
                            "pid {pid} was never a copy of the program (it ran {})",
                            sighting
                                .exe
                                .as_deref()
                                .unwrap_or_else(|| "?".as_ref())
                                .display()
                        )));
                    }
                }
                None => {
                    let lived = exited.unwrap_or(end).saturating_sub(started);
                    if exited.is_none() || lived >= UNSEEN_AT_MOST {
                        return Some(altered(format!(
                            "pid {pid} was never a process of this run (its records say it ran for {} ms)",
                            lived.as_millis()
                        )));
                    }
                }
            }
            if let (Some(exit), Some(sighting)) = (records.exit_of(pid), self.seen.get(&pid)) {
                let sampled = Duration::from_millis(sighting.cpu_ticks * 1000 / ticks_per_second());
                if exit.cpu + CPU_SLACK < sampled {
                    return Some(altered(format!(
                        "pid {pid} says it used {} ms of CPU, but the runner saw it use {} ms",
                        exit.cpu.as_millis(),
                        sampled.as_millis()
                    )));
                }
            }
        }
        for thread in records.threads.iter().filter(|t| !t.main) {
            let sighting = self.seen.get(&thread.pid);
            let seen = sighting.is_some_and(|s| s.tids.contains(&thread.tid));
            let ended = thread
                .ended
                .or(records.exit_of(thread.pid).map(|e| e.at))
                .unwrap_or(end);
            let lived = ended.saturating_sub(thread.started);
            if !seen && lived >= UNSEEN_AT_MOST {
                return Some(altered(format!(
                    "thread {} was never a thread of pid {} (its records say it ran for {} ms)",
                    thread.tid,
                    thread.pid,
                    lived.as_millis()
                )));
            }
            if thread.cpu.is_some_and(|cpu| cpu > lived + CPU_SLACK) {
                return Some(altered(format!(
                    "thread {} says it used {} ms of CPU in the {} ms it ran",
                    thread.tid,
                    thread.cpu.unwrap_or_default().as_millis(),
                    lived.as_millis()
                )));
            }
        }
        for exit in &records.exits {
            let Some(sighting) = self.seen.get(&exit.pid) else {
                continue;
            };
            let missing = sighting.tids.iter().find(|&&tid| {
                tid != exit.pid
                    && !records
                        .threads
                        .iter()
                        .any(|t| t.tid == tid && t.pid == exit.pid)
            });
            if let Some(tid) = missing {
                return Some(altered(format!(
                    "thread {tid} of pid {} ran, but its records are missing",
                    exit.pid
                )));
            }
        }
        None
    }
}

fn ticks_per_second() -> u64 {
    procfs::ticks_per_second().max(1)
}
