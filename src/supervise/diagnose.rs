//! What a stuck program's threads are doing, read from /proc: each thread's state and the
//! system call it is blocked in, and from that a verdict: deadlock (every thread waits on a
//! futex, the primitive under Mutex, Condvar, channels and join), busy loop (a thread keeps
//! running), or blocked elsewhere (sleeping, reading).

use std::time::Duration;

/// What one thread is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Activity {
    /// Waiting on a futex at this address, for good: a lock, condvar, channel, once or join.
    FutexWait(String),
    /// Waiting on a futex at this address until a timeout at the latest (`recv_timeout`,
    /// `wait_timeout`, an async runtime parked until its next timer): it wakes by itself.
    TimedFutexWait(String),
    /// In a sleep.
    Sleeping,
    /// Waiting for a child process to end.
    WaitingForChild,
    /// Waiting for input (a pipe, a socket, a poll).
    WaitingForIo,
    /// Running on a CPU.
    Running,
    /// Another system call, by number.
    Syscall(i64),
    /// Could not be read.
    Unknown,
}

/// One thread of the tree.
#[derive(Debug, Clone)]
pub struct ThreadState {
    /// The process it belongs to.
    pub pid: u32,
    /// Its thread id.
    pub tid: u32,
    /// Its name (`/proc/.../comm`): Rust names threads made with `Builder::name`.
    pub name: String,
    /// What it is doing.
    pub activity: Activity,
}

/// The verdict on a stuck program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HangKind {
    /// Every thread waits on a futex: nothing can ever wake them.
    Deadlock,
    /// A thread is running but nothing comes out.
    BusyLoop,
    /// Threads are sleeping or waiting for input.
    Blocked,
}

/// The threads of a stuck program and the verdict.
#[derive(Debug, Clone)]
pub struct HangDiagnosis {
    /// The verdict.
    pub kind: HangKind,
    /// How long it had been without output or CPU progress.
    pub quiet_for: Duration,
    /// Every thread.
    pub threads: Vec<ThreadState>,
}

impl HangDiagnosis {
    /// Whether every thread (and there is one) waits on a futex.
    pub fn all_blocked_on_futex(&self) -> bool {
        !self.threads.is_empty()
            && self
                .threads
                .iter()
                .all(|t| matches!(t.activity, Activity::FutexWait(_)))
    }

    /// One line per thread, for a person; past [`LISTED_THREADS`] threads, a count of each
    /// activity and then the first few threads, so 5000 threads make a dozen lines.
    pub fn thread_lines(&self) -> Vec<String> {
        let line = |t: &ThreadState| {
            format!(
                "pid {} thread {} '{}': {}",
                t.pid,
                t.tid,
                t.name,
                t.activity.describe()
            )
        };
        if self.threads.len() <= LISTED_THREADS {
            return self.threads.iter().map(line).collect();
        }
        // Counted by kind of activity, in order of first appearance (futex addresses aside).
        let mut counts: Vec<(&'static str, usize)> = Vec::new();
        for thread in &self.threads {
            let kind = thread.activity.kind();
            match counts.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, n)) => *n += 1,
                None => counts.push((kind, 1)),
            }
        }
        let counted: Vec<String> = counts
            .iter()
            .map(|(kind, n)| format!("{n} {kind}"))
            .collect();
        let mut lines = vec![format!(
            "{} threads: {}",
            self.threads.len(),
            counted.join(", ")
        )];
        lines.extend(self.threads.iter().take(SHOWN_OF_MANY).map(line));
        lines.push(format!(
            "… and {} more threads",
            self.threads.len() - SHOWN_OF_MANY
        ));
        lines
    }
}

/// Threads listed one per line in a hang report; more are counted instead.
const LISTED_THREADS: usize = 16;
/// Threads still listed, after the counts, when there are more than [`LISTED_THREADS`].
const SHOWN_OF_MANY: usize = 8;

impl Activity {
    /// What the thread is doing, in words.
    fn describe(&self) -> String {
        match self {
            Activity::FutexWait(addr) => {
                format!("blocked on a lock, condvar, channel or join (futex {addr})")
            }
            Activity::TimedFutexWait(addr) => {
                format!("waiting with a timeout on a lock, condvar or channel (futex {addr})")
            }
            Activity::Syscall(n) => format!("in system call {n}"),
            other => other.kind().to_string(),
        }
    }

    /// The kind of activity, without its details, as counted in a long report.
    fn kind(&self) -> &'static str {
        match self {
            Activity::FutexWait(_) => "blocked on a lock, condvar, channel or join",
            Activity::TimedFutexWait(_) => "waiting with a timeout",
            Activity::Sleeping => "sleeping",
            Activity::WaitingForChild => "waiting for a child process",
            Activity::WaitingForIo => "waiting for input (read/poll)",
            Activity::Running => "running",
            Activity::Syscall(_) => "in another system call",
            Activity::Unknown => "state unknown",
        }
    }
}

/// Reads every thread of `pids` and judges them.
pub(super) fn diagnose(pids: &[u32], quiet_for: Duration) -> HangDiagnosis {
    let threads: Vec<ThreadState> = pids.iter().flat_map(|&pid| threads_of(pid)).collect();
    let kind = if !threads.is_empty()
        && threads
            .iter()
            .all(|t| matches!(t.activity, Activity::FutexWait(_)))
    {
        HangKind::Deadlock
    } else if threads.iter().any(|t| t.activity == Activity::Running) {
        HangKind::BusyLoop
    } else {
        HangKind::Blocked
    };
    HangDiagnosis {
        kind,
        quiet_for,
        threads,
    }
}

fn threads_of(pid: u32) -> Vec<ThreadState> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut threads: Vec<ThreadState> = tasks
        .flatten()
        .filter_map(|task| {
            let tid: u32 = task.file_name().to_str()?.parse().ok()?;
            let dir = task.path();
            let name = std::fs::read_to_string(dir.join("comm"))
                .unwrap_or_default()
                .trim()
                .to_string();
            let state = std::fs::read_to_string(dir.join("stat"))
                .ok()
                .and_then(|s| state_char(&s));
            let syscall = std::fs::read_to_string(dir.join("syscall")).unwrap_or_default();
            Some(ThreadState {
                pid,
                tid,
                name,
                activity: activity(state, &syscall),
            })
        })
        .collect();
    threads.sort_by_key(|t| t.tid);
    threads
}

/// The state letter of a `/proc/.../stat` line (after the parenthesised name).
fn state_char(stat: &str) -> Option<char> {
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// Classifies a thread from its state letter and its `/proc/.../syscall` line.
fn activity(state: Option<char>, syscall: &str) -> Activity {
    if state == Some('R') || syscall.trim() == "running" {
        return Activity::Running;
    }
    let mut fields = syscall.split_whitespace();
    let Some(number) = fields.next().and_then(|n| n.parse::<i64>().ok()) else {
        return Activity::Unknown;
    };
    if FUTEX.contains(&number) {
        let address = fields.next().unwrap_or("?").to_string();
        // futex(addr, op, val, timeout, ..) and futex_waitv(waiters, n, flags, timeout, ..):
        // the fourth argument points at the timeout, null when the wait has none.
        match fields.nth(2) {
            Some(timeout) if timeout != "0x0" && timeout != "0" => {
                Activity::TimedFutexWait(address)
            }
            _ => Activity::FutexWait(address),
        }
    } else if SLEEP.contains(&number) {
        Activity::Sleeping
    } else if WAIT_CHILD.contains(&number) {
        Activity::WaitingForChild
    } else if IO.contains(&number) {
        Activity::WaitingForIo
    } else {
        Activity::Syscall(number)
    }
}

/// The futex waits: `futex`, `futex_waitv`.
const FUTEX: &[i64] = &[libc::SYS_futex, libc::SYS_futex_waitv];

/// The sleeps: `nanosleep`, `clock_nanosleep`.
const SLEEP: &[i64] = &[libc::SYS_nanosleep, libc::SYS_clock_nanosleep];

/// The waits for a child: `wait4`, `waitid`.
const WAIT_CHILD: &[i64] = &[libc::SYS_wait4, libc::SYS_waitid];

/// The waits for input, output or a connection; x86-64 also has the older `poll`, `select`
/// and `epoll_wait`.
#[cfg(target_arch = "x86_64")]
const IO: &[i64] = &[
    libc::SYS_read,
    libc::SYS_poll,
    libc::SYS_select,
    libc::SYS_epoll_wait,
    libc::SYS_epoll_pwait,
    libc::SYS_ppoll,
    libc::SYS_recvfrom,
    libc::SYS_accept,
    libc::SYS_accept4,
    libc::SYS_pselect6,
];

/// The waits for input, output or a connection.
#[cfg(not(target_arch = "x86_64"))]
const IO: &[i64] = &[
    libc::SYS_read,
    libc::SYS_epoll_pwait,
    libc::SYS_ppoll,
    libc::SYS_recvfrom,
    libc::SYS_accept,
    libc::SYS_accept4,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn thread(tid: u32, activity: Activity) -> ThreadState {
        ThreadState {
            pid: 1,
            tid,
            name: "worker".into(),
            activity,
        }
    }

    #[test]
    fn a_few_threads_are_listed_one_per_line() {
        let diagnosis = HangDiagnosis {
            kind: HangKind::Blocked,
            quiet_for: Duration::from_secs(3),
            threads: vec![
                thread(1, Activity::FutexWait("0x10".into())),
                thread(2, Activity::Sleeping),
            ],
        };
        assert_eq!(
            diagnosis.thread_lines(),
            [
                "pid 1 thread 1 'worker': blocked on a lock, condvar, channel or join (futex 0x10)",
                "pid 1 thread 2 'worker': sleeping"
            ]
        );
    }

    #[test]
    fn five_thousand_threads_are_counted_by_state_and_a_few_shown() {
        let threads = (0..5000)
            .map(|i| {
                let activity = if i % 1000 == 0 {
                    Activity::Sleeping
                } else {
                    Activity::FutexWait(format!("0x{i:x}"))
                };
                thread(i, activity)
            })
            .collect();
        let diagnosis = HangDiagnosis {
            kind: HangKind::Blocked,
            quiet_for: Duration::from_secs(3),
            threads,
        };
        let lines = diagnosis.thread_lines();
        assert_eq!(lines.len(), 1 + SHOWN_OF_MANY + 1, "{lines:#?}");
        assert_eq!(
            lines[0],
            "5000 threads: 5 sleeping, 4995 blocked on a lock, condvar, channel or join"
        );
        assert_eq!(lines.last().unwrap(), "… and 4992 more threads");
    }

    #[test]
    fn reads_futex_waits_and_sleeps() {
        let futex = if cfg!(target_arch = "aarch64") {
            "98"
        } else {
            "202"
        };
        assert_eq!(
            activity(
                Some('S'),
                &format!("{futex} 0x7f00 0x80 0x2 0x0 0x0 0x0 0x7ffd 0x7f01")
            ),
            Activity::FutexWait("0x7f00".into())
        );
        assert_eq!(
            activity(
                Some('S'),
                &format!("{futex} 0x7f00 0x89 0x2 0x7ffd10 0x0 0xffffffff 0x7ffd 0x7f01")
            ),
            Activity::TimedFutexWait("0x7f00".into())
        );
        assert_eq!(activity(Some('R'), "running"), Activity::Running);
        assert_eq!(state_char("12 (my (odd) name) S 1 2"), Some('S'));
    }
}
