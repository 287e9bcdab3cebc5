//! Reading what the probe linked into exercise binaries recorded (see
//! `src/build/learn_probe.rs`): every copy of the program that started, with its parent, its
//! exact start and exit times, its CPU time and I/O; every thread it created, by which
//! thread, when it ended, its CPU time, whether and when it was joined; and its sleeps. This
//! complements /proc polling, which can miss a child or a thread that lives for less than one
//! polling interval.
//!
//! The program can write to the probe's file too: what is read here is checked against what
//! the runner saw itself (`witness.rs`) before any check believes it. Not a judge of rules.

use std::path::PathBuf;
use std::time::Duration;

use super::observe::{ChildSeen, ProcessLog, most_at_once};

/// A thread created in some process of the run (its start routine wrapped by the probe), or
/// the main thread of a probed process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadSeen {
    /// Its thread id.
    pub tid: u32,
    /// The process it belongs to.
    pub pid: u32,
    /// The thread that created it (0 for a main thread).
    pub creator: u32,
    /// When it began, since the run's start.
    pub started: Duration,
    /// When its start routine returned (for a main thread: its process's exit), if it did.
    pub ended: Option<Duration>,
    /// CPU time it used: at its end, or at its process's exit when it was still running.
    pub cpu: Option<Duration>,
    /// When it was joined (the join returned), and by which thread.
    pub joined: Option<(Duration, u32)>,
    /// Whether it is the main thread of its process.
    pub main: bool,
    /// Its `pthread_t`, for matching joins (addresses are reused once a thread is gone).
    pub(super) pthread: u64,
}

/// A sleep of at least 2 ms (`thread::sleep`) by one thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SleepSeen {
    /// The thread that slept.
    pub tid: u32,
    /// From, since the run's start.
    pub from: Duration,
    /// To, since the run's start.
    pub to: Duration,
}

/// The exit record of one copy of the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessExit {
    /// Its pid.
    pub pid: u32,
    /// When it exited, since the run's start.
    pub at: Duration,
    /// Its CPU time, every thread included.
    pub cpu: Duration,
    /// Bytes it read (any file, pipe or socket).
    pub read_bytes: u64,
    /// Bytes it wrote.
    pub written_bytes: u64,
    /// Bytes it read from its stdin (fd 0).
    pub stdin_bytes: u64,
}

/// A write to fd 1 or 2 (stdout, stderr) by one thread, as the probe recorded it before it
/// was made (with what it wrote, when it wrote less than it meant to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteSeen {
    /// The process.
    pub pid: u32,
    /// The thread that wrote.
    pub tid: u32,
    /// 1 or 2.
    pub fd: u32,
    /// Its place among the writes of its process to that fd, from 0.
    pub seq: u64,
    /// The bytes written.
    pub len: u64,
    /// FNV-1a of those bytes.
    pub digest: u64,
}

/// What the probe recorded in one run, after the runner checked it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbeRecords {
    /// Copies of the program that started: (pid, parent, when).
    pub starts: Vec<(u32, u32, Duration)>,
    /// Their exits.
    pub exits: Vec<ProcessExit>,
    /// Every thread, main threads included, in the order they began.
    pub threads: Vec<ThreadSeen>,
    /// Sleeps of 2 ms or more.
    pub sleeps: Vec<SleepSeen>,
    /// Waits in `join` (of any thread), as [`SleepSeen`] intervals of the joining thread.
    pub joins: Vec<SleepSeen>,
    /// Threads created that had not begun when their process ended (main returned first):
    /// `(pid, when created)`. Drawn by the timeline, judged by no check (nothing the runner
    /// sees can confirm a thread that never ran).
    pub never_began: Vec<(u32, Duration)>,
    /// Sockets the sandbox refused the program (`socket()` failed with EPERM), distinct.
    pub refused_sockets: Vec<RefusedSocket>,
    /// The bound on threads running at once in one process, when the probe refused a
    /// thread beyond it (`pthread_create` failed with EAGAIN).
    pub thread_refused_at: Option<u64>,
    /// Writes to stdout and stderr, in the order recorded.
    pub writes: Vec<WriteSeen>,
    /// The pipe each process had as fd 0, 1 and 2 when it started: (pid, fd, inode; 0 when
    /// no pipe).
    pub pipes: Vec<(u32, u32, u64)>,
    /// Why the records cannot be believed: the program altered them (see `witness.rs`).
    pub tampered: Option<String>,
}

/// The arguments of a `socket()` call the sandbox refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefusedSocket {
    /// Its address family (`AF_INET`, `AF_UNIX`, …).
    pub family: i32,
    /// Its type, flags included (`SOCK_DGRAM | SOCK_CLOEXEC`, …).
    pub kind: i32,
    /// Its protocol (0: the family's default).
    pub protocol: i32,
}

impl ProbeRecords {
    /// Threads created by the program (main threads excluded), in every process.
    pub fn spawned(&self) -> impl Iterator<Item = &ThreadSeen> {
        self.threads.iter().filter(|t| !t.main)
    }

    /// The exit record of `pid`, if it exited by itself.
    pub fn exit_of(&self, pid: u32) -> Option<&ProcessExit> {
        self.exits.iter().find(|e| e.pid == pid)
    }

    /// Whether thread `tid` was asleep at `at`.
    pub fn asleep_at(&self, tid: u32, at: Duration) -> bool {
        self.sleeps
            .iter()
            .any(|s| s.tid == tid && s.from <= at && at <= s.to)
    }

    /// Whether thread `tid` was waiting in a `join` at `at`.
    pub fn joining_at(&self, tid: u32, at: Duration) -> bool {
        self.joins
            .iter()
            .any(|s| s.tid == tid && s.from <= at && at <= s.to)
    }

    /// Parses the probe's lines; times are made relative to `base_nanos` (CLOCK_MONOTONIC
    /// at the run's start). Lines that do not parse are ignored.
    ///
    /// Over 80 lines on purpose: one `match` arm per line kind of the probe's format, so that
    /// the whole format is read in one place.
    pub(crate) fn parse(text: &str, base_nanos: u64) -> ProbeRecords {
        let since = |nanos: u64| Duration::from_nanos(nanos.saturating_sub(base_nanos));
        let mut records = ProbeRecords::default();
        let mut ends: Vec<(u32, Duration, Duration)> = Vec::new();
        let mut joins: Vec<(u64, u32, Duration, Duration)> = Vec::new();
        let mut alive: Vec<(u32, Duration)> = Vec::new();
        let mut made: Vec<(u32, u64, Duration)> = Vec::new();
        let mut stdin: Vec<(u32, u64)> = Vec::new();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            let tag = words.next().unwrap_or("");
            let fields: Vec<u64> = words.map_while(|w| w.parse().ok()).collect();
            match (tag, fields.as_slice()) {
                ("start", &[pid, parent, at]) => {
                    records.starts.push((pid as u32, parent as u32, since(at)))
                }
                ("exit", &[pid, at, cpu, read, written]) => records.exits.push(ProcessExit {
                    pid: pid as u32,
                    at: since(at),
                    cpu: Duration::from_nanos(cpu),
                    read_bytes: read,
                    written_bytes: written,
                    stdin_bytes: 0,
                }),
                ("stdin", &[pid, bytes]) => stdin.push((pid as u32, bytes)),
                ("thread", &[tid, pid, creator, pthread, at]) => records.threads.push(ThreadSeen {
                    tid: tid as u32,
                    pid: pid as u32,
                    creator: creator as u32,
                    started: since(at),
                    ended: None,
                    cpu: None,
                    joined: None,
                    main: false,
                    pthread,
                }),
                ("tend", &[tid, at, cpu]) => {
                    ends.push((tid as u32, since(at), Duration::from_nanos(cpu)))
                }
                ("join", &[pthread, by, from, to]) => {
                    joins.push((pthread, by as u32, since(from), since(to)))
                }
                ("sleep", &[tid, from, to]) => records.sleeps.push(SleepSeen {
                    tid: tid as u32,
                    from: since(from),
                    to: since(to),
                }),
                ("alive", &[tid, cpu]) => alive.push((tid as u32, Duration::from_nanos(cpu))),
                ("made", &[creator, pthread, at]) => {
                    made.push((creator as u32, pthread, since(at)))
                }
                ("nothread", &[_pid, max]) => records.thread_refused_at = Some(max),
                ("socket", &[family, kind, protocol]) => {
                    let refused = RefusedSocket {
                        family: family as i32,
                        kind: kind as i32,
                        protocol: protocol as i32,
                    };
                    if !records.refused_sockets.contains(&refused) {
                        records.refused_sockets.push(refused);
                    }
                }
                ("fd", &[pid, fd, inode]) => records.pipes.push((pid as u32, fd as u32, inode)),
                ("w", &[pid, tid, fd, seq, len, digest]) => records.writes.push(WriteSeen {
                    pid: pid as u32,
                    tid: tid as u32,
                    fd: fd as u32,
                    seq,
                    len,
                    digest,
                }),
                ("wn", &[pid, fd, seq, len, digest]) => {
                    if let Some(write) = records
                        .writes
                        .iter_mut()
                        .rev()
                        .find(|w| (w.pid, w.fd, w.seq) == (pid as u32, fd as u32, seq))
                    {
                        (write.len, write.digest) = (len, digest);
                    }
                }
                _ => {}
            }
        }
        for (pid, bytes) in stdin {
            if let Some(exit) = records.exits.iter_mut().find(|e| e.pid == pid) {
                exit.stdin_bytes = bytes;
            }
        }
        for &(pid, _, at) in &records.starts {
            let exit = records.exit_of(pid).map(|e| e.at);
            records.threads.push(ThreadSeen {
                tid: pid,
                pid,
                creator: 0,
                started: at,
                ended: exit,
                cpu: None,
                joined: None,
                main: true,
                pthread: 0,
            });
        }
        records.threads.sort_by_key(|t| t.started);
        for (tid, at, cpu) in ends {
            if let Some(thread) = records.threads.iter_mut().find(|t| t.tid == tid && !t.main) {
                thread.ended = Some(at);
                thread.cpu = Some(cpu);
            }
        }
        for (tid, cpu) in alive {
            if let Some(thread) = records.threads.iter_mut().find(|t| t.tid == tid) {
                thread.cpu = thread.cpu.or(Some(cpu));
            }
        }
        records.never_began = never_began(&records.threads, &made);
        for &(pthread, by, from, at) in &joins {
            records.joins.push(SleepSeen {
                tid: by,
                from,
                to: at,
            });
            let pid = records.threads.iter().find(|t| t.tid == by).map(|t| t.pid);
            // The latest thread of the joiner's process with that pthread_t started before.
            if let Some(thread) = records
                .threads
                .iter_mut()
                .rev()
                .find(|t| Some(t.pid) == pid && t.pthread == pthread && t.started <= at)
            {
                thread.joined = Some((at, by));
            }
        }
        records
    }
}

/// The threads `made` (creator, pthread_t, when) that no record of `threads` shows begun, as
/// (pid, when created): each creation is matched in order with the first thread of the same
/// creator and `pthread_t` not matched yet (a `pthread_t` is reused once its thread is gone).
fn never_began(threads: &[ThreadSeen], made: &[(u32, u64, Duration)]) -> Vec<(u32, Duration)> {
    let mut matched = vec![false; threads.len()];
    let mut unbegun = Vec::new();
    for &(creator, pthread, at) in made {
        let begun = threads
            .iter()
            .enumerate()
            .find(|(i, t)| !matched[*i] && !t.main && t.creator == creator && t.pthread == pthread);
        match begun {
            Some((i, _)) => matched[i] = true,
            None => {
                if let Some(owner) = threads.iter().find(|t| t.tid == creator) {
                    unbegun.push((owner.pid, at));
                }
            }
        }
    }
    unbegun
}

/// The file the probe appends to during one run.
pub(super) struct ProbeFile {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl ProbeFile {
    /// A fresh, empty probe file.
    pub(super) fn new() -> std::io::Result<ProbeFile> {
        let dir = tempfile::Builder::new().prefix("learn-probe").tempdir()?;
        let path = dir.path().join("processes");
        Ok(ProbeFile { _dir: dir, path })
    }

    /// The environment variables that tell the probe where to write and how many threads a
    /// process may run at once (`max_threads`).
    pub(super) fn env(&self, max_threads: usize) -> [(String, String); 2] {
        [
            ("LEARN_PROBE".into(), self.path.display().to_string()),
            ("LEARN_PROBE_THREADS".into(), max_threads.to_string()),
        ]
    }

    /// What the probe recorded; `base_nanos` is CLOCK_MONOTONIC at the run's start.
    pub(super) fn read(&self, base_nanos: u64) -> ProbeRecords {
        std::fs::read_to_string(&self.path)
            .map(|text| ProbeRecords::parse(&text, base_nanos))
            .unwrap_or_default()
    }
}

/// Adds the probed child processes to `log` (merged with those /proc polling saw) and
/// recomputes how many were alive at once. Processes that never recorded an exit (killed)
/// count as alive until `end`.
pub(super) fn merge_into(records: &ProbeRecords, log: &mut ProcessLog, end: Duration) {
    log.probed = records.starts.iter().any(|&(pid, _, _)| pid == log.root);
    for &(pid, parent, at) in records
        .starts
        .iter()
        .filter(|&&(pid, _, _)| pid != log.root)
    {
        let exit = records.exit_of(pid).map_or(end, |e| e.at);
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

/// CLOCK_MONOTONIC now, in nanoseconds: the probe's clock.
pub(super) fn monotonic_nanos() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec given.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    #[test]
    fn threads_are_tied_to_their_end_cpu_and_join_even_when_a_pthread_t_is_reused() {
        let text = format!(
            "start 10 1 {}\nthread 11 10 10 777 {}\ntend 11 {} {}\njoin 777 10 {} {}\n\
             thread 12 10 10 777 {}\nsleep 10 {} {}\nalive 12 {}\nalive 10 {}\n\
             stdin 10 4\nexit 10 {} {} 5 6\ngarbage line\n",
            1000 * MS,
            1001 * MS,
            1100 * MS,
            90 * MS,
            1050 * MS,
            1101 * MS,
            1102 * MS,
            1103 * MS,
            1200 * MS,
            40 * MS,
            3 * MS,
            1300 * MS,
            140 * MS,
        );
        let records = ProbeRecords::parse(&text, 1000 * MS);
        let ms = Duration::from_millis;
        let main = records.threads.iter().find(|t| t.main).unwrap();
        assert_eq!(
            (main.tid, main.ended, main.cpu),
            (10, Some(ms(300)), Some(ms(3)))
        );
        let first = records.threads.iter().find(|t| t.tid == 11).unwrap();
        assert_eq!(first.ended, Some(ms(100)));
        assert_eq!(first.cpu, Some(ms(90)));
        assert_eq!(first.joined, Some((ms(101), 10)));
        let second = records.threads.iter().find(|t| t.tid == 12).unwrap();
        assert_eq!(
            (second.ended, second.cpu, second.joined),
            (None, Some(ms(40)), None),
            "the reused pthread_t was joined before this thread began"
        );
        assert!(records.asleep_at(10, ms(150)));
        assert!(records.joining_at(10, ms(60)) && !records.joining_at(10, ms(150)));
        assert!(!records.asleep_at(10, ms(250)));
        assert_eq!(records.exit_of(10).unwrap().written_bytes, 6);
        assert_eq!(records.exit_of(10).unwrap().stdin_bytes, 4);
        assert_eq!(records.spawned().count(), 2);
    }

    #[test]
    fn a_thread_created_that_never_began_is_kept_with_its_process_and_time() {
        // Thread 10 created two threads with the same pthread_t (the first ended before
        // the second was made); the second never began: main returned first.
        let text = "start 10 1 0\nmade 10 777 1000000\nthread 11 10 10 777 1100000\n\
                    tend 11 2000000 5\nmade 10 777 3000000\nexit 10 3500000 1 0 0\n";
        let records = ProbeRecords::parse(text, 0);
        assert_eq!(records.never_began, vec![(10, Duration::from_millis(3))]);
        assert_eq!(records.spawned().count(), 1);
    }
}
