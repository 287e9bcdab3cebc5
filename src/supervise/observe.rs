//! Watching a program's process tree through /proc while it runs: which child processes it
//! started and when, how many were alive at once, its memory, its CPU progress, and what each
//! thread is doing when it seems stuck.
//!
//! The tree is found by following `/proc/PID/task/TID/children` from the main process, plus the
//! processes of its process group that were re-parented to the runner (a child subreaper)
//! after their parent exited.
//!
//! A scan of the tree is not instantaneous (on a busy machine it can be preempted half-way),
//! so what it saw is stamped conservatively: a child seen in a scan was alive at some moment
//! between the scan's start and its end; a child is proven alive from the *end* of the first
//! scan that saw it until the *start* of the last one, and two children count as alive at
//! once only when those proven lifetimes overlap.

use std::collections::BTreeMap;
use std::time::Duration;

use procfs::process::Process;

use super::diagnose::{self, HangDiagnosis};
use super::sched::{SchedLog, SchedWatch};

/// A child process seen in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildSeen {
    /// Its pid.
    pub pid: u32,
    /// Its parent's pid when first seen.
    pub parent: u32,
    /// Proven alive from, since the start: the end of the first scan that saw it, or the
    /// probe's exact start.
    pub first_seen: Duration,
    /// Proven alive until, since the start: the start of the last scan that saw it (never
    /// before `first_seen`), or the probe's exact exit.
    pub last_seen: Duration,
}

/// Whether a run pinned to a set of cores really ran there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Affinity {
    /// The run was not pinned.
    NotPinned,
    /// Pinned, and every thread seen stayed on the cores it was given.
    Held,
    /// The pinning did not take: the program started with another set of cores (an error
    /// of learn, not of the program).
    NotApplied {
        /// The cores it was to run on (a `Cpus_allowed_list`).
        wanted: String,
        /// The cores it could run on.
        seen: String,
    },
    /// A thread of the program widened its own affinity beyond the cores it was given.
    Widened {
        /// Its process.
        pid: u32,
        /// The thread.
        tid: u32,
        /// The cores it allowed itself.
        seen: String,
    },
    /// Pinned, but the program ended before its affinity could be read.
    Unverified,
}

/// What was observed of the processes of one run.
#[derive(Debug, Clone, Default)]
pub struct ProcessLog {
    /// The main process's pid.
    pub root: u32,
    /// Every child process seen, in the order first seen.
    pub children: Vec<ChildSeen>,
    /// The most child processes seen alive at one moment.
    pub max_alive_children: usize,
    /// The most threads the main process had at one moment.
    pub max_threads: usize,
    /// How many times the tree was sampled.
    pub samples: usize,
    /// Whether the process probe was linked in and recorded the main process (then every
    /// copy of the program it started is counted exactly, however short-lived).
    pub probed: bool,
    /// What the probe recorded of every copy of the program and its threads, checked
    /// against the runner's own sightings.
    pub probe: super::probe::ProbeRecords,
}

#[derive(Clone, Copy)]
struct Member {
    start_ticks: u64,
    cpu_ticks: u64,
    rss_pages: u64,
    threads: usize,
    zombie: bool,
}

/// Samples the tree of one run.
pub(super) struct Observer {
    root: u32,
    started: std::time::Instant,
    members: BTreeMap<u32, Member>,
    log: ProcessLog,
    sched: SchedWatch,
    pinned_to: Option<String>,
    affinity: Affinity,
    alive_children: usize,
    cpu_ticks: u64,
    last_progress: Duration,
    quiet_states: Option<(Duration, HangDiagnosis)>,
}

/// The start of a run, when children come and go fastest: sampled [`OFTEN`].
const EARLY: Duration = Duration::from_secs(1);

/// The pause between samples early in a run or while children live: short enough to see a
/// child that lives a few milliseconds.
const OFTEN: Duration = Duration::from_millis(5);

/// The pause between samples otherwise: a scan of /proc costs CPU the program could use.
const SELDOM: Duration = Duration::from_millis(20);

impl Observer {
    /// Watches the tree under `root`, started at `started`, pinned to the one core
    /// `pinned_to` (if any): its affinity is read at once, and its threads' at every sample.
    pub(super) fn new(
        root: u32,
        started: std::time::Instant,
        pinned_to: Option<usize>,
    ) -> Observer {
        let pinned_to = pinned_to.map(|core| core.to_string());
        let affinity = match &pinned_to {
            None => Affinity::NotPinned,
            Some(wanted) => match cpus_allowed(root, root) {
                None => Affinity::Unverified,
                Some(seen) if &seen == wanted => Affinity::Held,
                Some(seen) => Affinity::NotApplied {
                    wanted: wanted.clone(),
                    seen,
                },
            },
        };
        Observer {
            root,
            started,
            members: BTreeMap::new(),
            log: ProcessLog {
                root,
                ..ProcessLog::default()
            },
            sched: SchedWatch::new(),
            pinned_to,
            affinity,
            alive_children: 0,
            cpu_ticks: 0,
            last_progress: Duration::ZERO,
            quiet_states: None,
        }
    }

    /// How long to wait before the next sample: often at first, when short-lived children
    /// are likeliest, then less often to leave the CPU to the program.
    pub(super) fn poll_interval(&self) -> Duration {
        if self.started.elapsed() < EARLY || self.alive_children > 0 {
            OFTEN
        } else {
            SELDOM
        }
    }

    /// Takes one sample; `last_output` is when the program last printed.
    pub(super) fn sample(&mut self, last_output: Duration) {
        let scan_start = self.started.elapsed();
        self.log.samples += 1;
        let tree = tree_pids(self.root);
        self.members.retain(|_, m| !m.zombie);
        let mut alive_children = 0;
        let mut cpu_ticks = 0;
        let mut alive = Vec::new();
        let mut seen_children = Vec::new();
        for (pid, parent) in tree {
            let Ok(stat) = Process::new(pid as i32).and_then(|p| p.stat()) else {
                continue;
            };
            let zombie = stat.state == 'Z' || stat.state == 'X';
            let member = Member {
                start_ticks: stat.starttime,
                cpu_ticks: stat.utime + stat.stime,
                rss_pages: stat.rss,
                threads: stat.num_threads.max(0) as usize,
                zombie,
            };
            cpu_ticks += member.cpu_ticks;
            self.members.insert(pid, member);
            if !zombie {
                alive.push(pid);
            }
            if pid == self.root {
                self.log.max_threads = self.log.max_threads.max(stat.num_threads.max(0) as usize);
                continue;
            }
            if zombie {
                continue;
            }
            alive_children += 1;
            seen_children.push((pid, parent));
        }
        self.sched
            .sample(&alive, scan_start, self.started.elapsed());
        self.check_affinity(&alive);
        let scan_end = self.started.elapsed();
        for (pid, parent) in seen_children {
            match self.log.children.iter_mut().find(|c| c.pid == pid) {
                Some(child) => child.last_seen = scan_start.max(child.first_seen),
                None => self.log.children.push(ChildSeen {
                    pid,
                    parent,
                    first_seen: scan_end,
                    last_seen: scan_end,
                }),
            }
        }
        self.alive_children = alive_children;
        self.log.max_alive_children = most_at_once(&self.log.children);
        let now = scan_end;
        if cpu_ticks != self.cpu_ticks || last_output > self.last_progress {
            self.cpu_ticks = cpu_ticks;
            self.last_progress = now.max(last_output);
            self.quiet_states = None;
        }
    }

    /// For a pinned run: notes the first thread seen allowed on cores beyond the pinned one.
    fn check_affinity(&mut self, pids: &[u32]) {
        let Some(wanted) = &self.pinned_to else {
            return;
        };
        if matches!(
            self.affinity,
            Affinity::NotApplied { .. } | Affinity::Widened { .. }
        ) {
            return;
        }
        for &pid in pids {
            for tid in task_ids(pid) {
                match cpus_allowed(pid, tid) {
                    Some(seen) if &seen != wanted => {
                        self.affinity = Affinity::Widened { pid, tid, seen };
                        return;
                    }
                    Some(_) => self.affinity = Affinity::Held,
                    None => {}
                }
            }
        }
    }

    /// Time the program was stalled by the machine so far (see [`SchedWatch::sample`]).
    pub(super) fn stalled(&self) -> Duration {
        self.sched.stalled()
    }

    /// Processes alive in the tree now, the main one included.
    pub(super) fn alive_count(&self) -> usize {
        self.members.values().filter(|m| !m.zombie).count()
    }

    /// Threads alive in the tree now, every process's counted.
    pub(super) fn thread_count(&self) -> usize {
        self.members
            .values()
            .filter(|m| !m.zombie)
            .map(|m| m.threads)
            .sum()
    }

    /// Resident memory of the tree now.
    pub(super) fn resident_bytes(&self) -> u64 {
        let pages: u64 = self.members.values().map(|m| m.rss_pages).sum();
        pages * procfs::page_size()
    }

    /// Every pid ever seen in the tree, for killing what escaped the process group.
    pub(super) fn known_pids(&self) -> Vec<u32> {
        self.members.keys().copied().collect()
    }

    /// After the main process ended: tree members still running (same start time, not a
    /// zombie), which are orphans the program left behind.
    pub(super) fn alive_descendants(&self) -> Vec<u32> {
        let mut pids: Vec<u32> = self
            .members
            .iter()
            .filter(|&(&pid, m)| pid != self.root && still_running(pid, m.start_ticks))
            .map(|(&pid, _)| pid)
            .collect();
        for orphan in group_members_reparented_to_runner(self.root) {
            if !pids.contains(&orphan) {
                pids.push(orphan);
            }
        }
        pids
    }

    /// A deadlock diagnosis when the tree has been quiet (no CPU, no output) for `after` and
    /// every thread waits on a futex.
    pub(super) fn deadlocked_for(&mut self, after: Duration) -> Option<HangDiagnosis> {
        let quiet = self.started.elapsed().saturating_sub(self.last_progress);
        if quiet < after {
            return None;
        }
        let diagnosis = self.diagnose();
        diagnosis.all_blocked_on_futex().then_some(diagnosis)
    }

    /// What every thread of the tree is doing now.
    pub(super) fn diagnose(&mut self) -> HangDiagnosis {
        let quiet = self.started.elapsed().saturating_sub(self.last_progress);
        if let Some((at, diagnosis)) = &self.quiet_states
            && *at == self.last_progress
        {
            return diagnosis.clone();
        }
        let pids: Vec<u32> = self
            .members
            .iter()
            .filter(|(_, m)| !m.zombie)
            .map(|(&p, _)| p)
            .collect();
        let diagnosis = diagnose::diagnose(&pids, quiet);
        self.quiet_states = Some((self.last_progress, diagnosis.clone()));
        diagnosis
    }

    /// What was seen: the processes, the threads' scheduling, and whether a pinning held.
    pub(super) fn into_logs(self) -> (ProcessLog, SchedLog, Affinity) {
        (self.log, self.sched.into_log(), self.affinity)
    }
}

/// The most intervals `[first_seen, last_seen]` that overlap at one moment (an interval of no
/// length overlaps nothing: it proves a child existed, not when).
pub(super) fn most_at_once(children: &[ChildSeen]) -> usize {
    let mut events: Vec<(Duration, i32)> = children
        .iter()
        .filter(|c| c.last_seen > c.first_seen)
        .flat_map(|c| [(c.first_seen, 1), (c.last_seen, -1)])
        .collect();
    events.sort_by_key(|&(t, delta)| (t, delta)); // an exit before a start at the same moment
    let (mut now, mut most) = (0i32, 0i32);
    for (_, delta) in events {
        now += delta;
        most = most.max(now);
    }
    most as usize
}

/// The `Cpus_allowed_list` of thread `tid` of `pid`, e.g. `0` or `0-3`.
fn cpus_allowed(pid: u32, tid: u32) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .map(|list| list.trim().to_string())
}

/// The thread ids of `pid`.
fn task_ids(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|t| t.file_name().to_str()?.parse().ok())
        .collect()
}

/// Pids of the tree under `root` with each one's parent, root first.
fn tree_pids(root: u32) -> Vec<(u32, u32)> {
    let mut found = vec![(root, 0)];
    let mut next = 0;
    while next < found.len() {
        let pid = found[next].0;
        next += 1;
        for child in children_of(pid) {
            if !found.iter().any(|&(p, _)| p == child) {
                found.push((child, pid));
            }
        }
    }
    for orphan in group_members_reparented_to_runner(root) {
        if !found.iter().any(|&(p, _)| p == orphan) {
            found.push((orphan, std::process::id()));
        }
    }
    found
}

/// Children of every thread of `pid`, as /proc lists them (`task/TID/children`); none when
/// it is gone.
pub fn children_of(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// Children of the runner that belong to the process group `group` (orphans of that run).
fn group_members_reparented_to_runner(group: u32) -> Vec<u32> {
    children_of(std::process::id())
        .into_iter()
        .filter(|&pid| pid != group)
        .filter(|&pid| {
            Process::new(pid as i32)
                .and_then(|p| p.stat())
                .is_ok_and(|s| s.pgrp == group as i32)
        })
        .collect()
}

fn still_running(pid: u32, start_ticks: u64) -> bool {
    Process::new(pid as i32)
        .and_then(|p| p.stat())
        .is_ok_and(|s| s.starttime == start_ticks && s.state != 'Z' && s.state != 'X')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn child(pid: u32, from: u64, to: u64) -> ChildSeen {
        ChildSeen {
            pid,
            parent: 1,
            first_seen: Duration::from_millis(from),
            last_seen: Duration::from_millis(to),
        }
    }

    #[test]
    fn counts_overlapping_lifetimes() {
        assert_eq!(
            most_at_once(&[child(1, 0, 10), child(2, 5, 15), child(3, 20, 30)]),
            2
        );
        assert_eq!(most_at_once(&[child(1, 0, 10), child(2, 10, 20)]), 1);
    }

    #[test]
    fn a_pinning_that_did_not_take_is_seen_at_once() {
        let me = std::process::id();
        let allowed = cpus_allowed(me, me).expect("this process's status");
        let observer = Observer::new(me, std::time::Instant::now(), Some(0));
        let expected = if allowed == "0" {
            Affinity::Held
        } else {
            Affinity::NotApplied {
                wanted: "0".into(),
                seen: allowed,
            }
        };
        assert_eq!(observer.affinity, expected);
    }

    #[test]
    fn children_seen_once_each_in_one_slow_scan_are_not_proven_concurrent() {
        // One scan from 10 to 40 ms saw both: each was alive at some moment of it, maybe
        // one after the other.
        assert_eq!(most_at_once(&[child(1, 40, 40), child(2, 40, 40)]), 0);
    }
}
