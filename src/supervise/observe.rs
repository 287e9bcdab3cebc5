//! Watching a program's process tree through /proc while it runs: which child processes it
//! started and when, how many were alive at once, its memory, its CPU progress, and what each
//! thread is doing when it seems stuck.
//!
//! The tree is found by following `/proc/PID/task/TID/children` from the main process, plus the
//! processes of its process group that were re-parented to the runner (a child subreaper)
//! after their parent exited.

use std::collections::BTreeMap;
use std::time::Duration;

use procfs::process::Process;

use super::diagnose::{self, HangDiagnosis};

/// A child process seen in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildSeen {
    /// Its pid.
    pub pid: u32,
    /// Its parent's pid when first seen.
    pub parent: u32,
    /// First seen alive, since the start.
    pub first_seen: Duration,
    /// Last seen alive, since the start.
    pub last_seen: Duration,
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
    zombie: bool,
}

/// Samples the tree of one run.
pub(super) struct Observer {
    root: u32,
    started: std::time::Instant,
    members: BTreeMap<u32, Member>,
    log: ProcessLog,
    cpu_ticks: u64,
    last_progress: Duration,
    quiet_states: Option<(Duration, HangDiagnosis)>,
}

impl Observer {
    /// Watches the tree under `root`, started at `started`.
    pub(super) fn new(root: u32, started: std::time::Instant) -> Observer {
        Observer {
            root,
            started,
            members: BTreeMap::new(),
            log: ProcessLog {
                root,
                ..ProcessLog::default()
            },
            cpu_ticks: 0,
            last_progress: Duration::ZERO,
            quiet_states: None,
        }
    }

    /// How long to wait before the next sample: often at first, when short-lived children
    /// are likeliest, then less often to leave the CPU to the program.
    pub(super) fn poll_interval(&self) -> Duration {
        if self.started.elapsed() < Duration::from_secs(1) || self.log.max_alive_children > 0 {
            Duration::from_millis(5)
        } else {
            Duration::from_millis(20)
        }
    }

    /// Takes one sample; `last_output` is when the program last printed.
    pub(super) fn sample(&mut self, last_output: Duration) {
        let now = self.started.elapsed();
        self.log.samples += 1;
        let tree = tree_pids(self.root);
        self.members.retain(|_, m| !m.zombie);
        let mut alive_children = 0;
        let mut cpu_ticks = 0;
        for (pid, parent) in tree {
            let Ok(stat) = Process::new(pid as i32).and_then(|p| p.stat()) else {
                continue;
            };
            let zombie = stat.state == 'Z' || stat.state == 'X';
            let member = Member {
                start_ticks: stat.starttime,
                cpu_ticks: stat.utime + stat.stime,
                rss_pages: stat.rss,
                zombie,
            };
            cpu_ticks += member.cpu_ticks;
            self.members.insert(pid, member);
            if pid == self.root {
                self.log.max_threads = self.log.max_threads.max(stat.num_threads.max(0) as usize);
                continue;
            }
            if zombie {
                continue;
            }
            alive_children += 1;
            match self.log.children.iter_mut().find(|c| c.pid == pid) {
                Some(child) => child.last_seen = now,
                None => self.log.children.push(ChildSeen {
                    pid,
                    parent,
                    first_seen: now,
                    last_seen: now,
                }),
            }
        }
        self.log.max_alive_children = self.log.max_alive_children.max(alive_children);
        if cpu_ticks != self.cpu_ticks || last_output > self.last_progress {
            self.cpu_ticks = cpu_ticks;
            self.last_progress = now.max(last_output);
            self.quiet_states = None;
        }
    }

    /// Processes alive in the tree now, the main one included.
    pub(super) fn alive_count(&self) -> usize {
        self.members.values().filter(|m| !m.zombie).count()
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

    /// The log of what was seen.
    pub(super) fn into_log(self) -> ProcessLog {
        self.log
    }
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

/// Children of every thread of `pid`.
fn children_of(pid: u32) -> Vec<u32> {
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
