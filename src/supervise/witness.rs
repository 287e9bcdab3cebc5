//! What the runner sees itself of the probe's subjects, to check the probe's records against:
//! the probe's file is writable by the program, so a record is believed only when it agrees
//! with the runner's own sampling of /proc (which processes ran the exercise binary, which
//! threads they had, how much CPU each had used).
//!
//! Polling misses what lives for less than an interval, and a loaded machine delays the
//! polls, so absence is concluded only from a look that was taken: a record is contradicted
//! when the runner sampled the tree while the record says its process (or thread) was alive,
//! well inside its claimed life, and it was not there. So are a process that ran another
//! executable, a thread the runner saw for half a second in a process that exited normally
//! but of which there is no record, and more CPU than the time lived (or less than the runner
//! saw used). Not a check of the course's rules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use procfs::process::Process;

use super::probe::ProbeRecords;

/// How far inside a claimed life a look must be to contradict it: the tree is listed file by
/// file, and a process or thread starting or ending during the listing may be missed.
const MARGIN: Duration = Duration::from_millis(20);

/// How long the runner must have seen a thread before a missing record of it is an
/// alteration (a thread created just before its process exits may never run to record
/// itself).
const SEEN_LONG_ENOUGH: Duration = Duration::from_millis(500);

/// CPU time a record may claim beyond what is possible, for rounding and clock skew.
const CPU_SLACK: Duration = Duration::from_millis(15);

/// What the runner saw of one process.
#[derive(Debug, Clone, Default)]
struct Sighting {
    exe: Option<PathBuf>,
    /// Each thread seen, with when it was first and last seen.
    tids: BTreeMap<u32, (Duration, Duration)>,
    cpu_ticks: u64,
}

/// One look at the tree: when, and which processes (with their threads, when the task
/// list could be read) were there.
#[derive(Debug, Clone)]
struct Look {
    at: Duration,
    processes: BTreeMap<u32, Option<BTreeSet<u32>>>,
}

/// The runner's own sightings of the processes and threads of one run.
#[derive(Debug, Default)]
pub(super) struct Witness {
    seen: BTreeMap<u32, Sighting>,
    looks: Vec<Look>,
}

impl Witness {
    /// Looks, at `at` since the run's start, at each of `pids` (the tree's, from the
    /// observer): its executable, its threads, its CPU time so far.
    pub(super) fn sample(&mut self, pids: &[u32], at: Duration) {
        let mut look = Look {
            at,
            processes: BTreeMap::new(),
        };
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
            let tids: Option<BTreeSet<u32>> = std::fs::read_dir(format!("/proc/{pid}/task"))
                .ok()
                .map(|tasks| {
                    tasks
                        .flatten()
                        .filter_map(|t| t.file_name().to_str()?.parse::<u32>().ok())
                        .collect()
                });
            for &tid in tids.iter().flatten() {
                let span = sighting.tids.entry(tid).or_insert((at, at));
                span.1 = at;
            }
            look.processes.insert(pid, tids);
        }
        self.looks.push(look);
    }

    /// When the second of the looks taken well inside `[from, to]` that did not find what
    /// `missing` asks for was taken: two looks, so that one listing that raced with a fork
    /// proves nothing.
    fn look_without(
        &self,
        from: Duration,
        to: Duration,
        missing: impl Fn(&Look) -> bool,
    ) -> Option<Duration> {
        self.looks
            .iter()
            .filter(|l| from + MARGIN <= l.at && l.at + MARGIN <= to)
            .filter(|l| missing(l))
            .nth(1)
            .map(|l| l.at)
    }

    /// Whether some process of the run ran another executable than the main process `root`
    /// (one the probe is not linked into).
    pub(super) fn saw_another_program(&self, root: u32) -> bool {
        let program = self.seen.get(&root).and_then(|s| s.exe.as_ref());
        program.is_some_and(|program| {
            self.seen
                .values()
                .any(|s| s.exe.as_ref().is_some_and(|exe| exe != program))
        })
    }

    /// Why `records` cannot be believed, if they cannot: the first record that disagrees
    /// with what the runner saw. `root` is the main process; `end` the run's wall time.
    ///
    /// Over 80 lines on purpose: one test after another, each ending in its own message, in
    /// the order the evidence is most direct (processes, then threads).
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
            let other_exe = self
                .seen
                .get(&pid)
                .and_then(|s| s.exe.as_ref())
                .filter(|exe| program.as_ref().is_some_and(|p| p != *exe));
            if let Some(exe) = other_exe {
                return Some(altered(format!(
                    "pid {pid} was never a copy of the program (it ran {})",
                    exe.display()
                )));
            }
            let until = exited.unwrap_or(end);
            if let Some(at) = self.look_without(started, until, |l| !l.processes.contains_key(&pid))
            {
                return Some(altered(format!(
                    "pid {pid} was never a process of this run (its records say it ran from {} to {} ms; at {} ms the runner found no such process)",
                    started.as_millis(),
                    until.as_millis(),
                    at.as_millis()
                )));
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
            let ended = thread
                .ended
                .or(records.exit_of(thread.pid).map(|e| e.at))
                .unwrap_or(end);
            let lived = ended.saturating_sub(thread.started);
            let absent = |l: &Look| match l.processes.get(&thread.pid) {
                Some(Some(tids)) => !tids.contains(&thread.tid),
                Some(None) => false,
                None => true,
            };
            if let Some(at) = self.look_without(thread.started, ended, absent) {
                return Some(altered(format!(
                    "thread {} was never a thread of pid {} (its records say it ran from {} to {} ms; at {} ms the runner found no such thread)",
                    thread.tid,
                    thread.pid,
                    thread.started.as_millis(),
                    ended.as_millis(),
                    at.as_millis()
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
            if exit.stdin_bytes > exit.read_bytes {
                return Some(altered(format!(
                    "pid {} says it read {} bytes from its stdin, but only {} bytes in all",
                    exit.pid, exit.stdin_bytes, exit.read_bytes
                )));
            }
            let Some(sighting) = self.seen.get(&exit.pid) else {
                continue;
            };
            let missing = sighting.tids.iter().find(|&(&tid, &(first, last))| {
                tid != exit.pid
                    && last.saturating_sub(first) >= SEEN_LONG_ENOUGH
                    && !records
                        .threads
                        .iter()
                        .any(|t| t.tid == tid && t.pid == exit.pid)
            });
            if let Some((tid, _)) = missing {
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

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    /// Records of main process 10 and a child 20 that lived from 100 to 400 ms.
    fn records() -> ProbeRecords {
        ProbeRecords::parse(
            &format!(
                "start 10 1 0\nstart 20 10 {}\nexit 20 {} {} 0 12\nexit 10 {} {} 0 0\n",
                100 * MS,
                400 * MS,
                5 * MS,
                500 * MS,
                2 * MS
            ),
            0,
        )
    }

    fn look(witness: &mut Witness, at_ms: u64, pids: &[u32]) {
        witness.looks.push(Look {
            at: Duration::from_millis(at_ms),
            processes: pids.iter().map(|&p| (p, None)).collect(),
        });
    }

    #[test]
    fn a_child_no_look_could_catch_is_believed_one_that_two_looks_missed_is_not() {
        let end = Duration::from_millis(500);
        let mut blind = Witness::default();
        look(&mut blind, 50, &[10]);
        look(&mut blind, 450, &[10]);
        assert_eq!(blind.contradiction(&records(), 10, end), None);

        let mut watching = Witness::default();
        for at in [150, 200, 250] {
            look(&mut watching, at, &[10]);
        }
        let why = watching.contradiction(&records(), 10, end).unwrap();
        assert!(
            why.contains("pid 20 was never a process of this run"),
            "{why}"
        );

        let mut saw_it = Witness::default();
        for at in [150, 200, 250] {
            look(&mut saw_it, at, &[10, 20]);
        }
        assert_eq!(saw_it.contradiction(&records(), 10, end), None);
    }
}
