//! The rules every run obeys whatever its checks: the program ends by itself, with exit code
//! 0, within its limits, leaving no process behind.

use super::{CheckKind, Failure};
use crate::supervise::{
    Affinity, Ending, HangDiagnosis, HangKind, ProbeRecords, RefusedSocket, RunRecord, StopReason,
};

/// The exit code of a Rust program whose main thread panicked.
const PANIC_EXIT_CODE: i32 = 101;

/// The broken rule of a run that did not end well, if it did not.
pub fn judge_ending(run: &RunRecord) -> Option<Failure> {
    let failure = match &run.ending {
        Ending::Exited(0) => None,
        Ending::Exited(code) => Some(exited(*code, run)),
        Ending::Signaled(signal) => Some(Failure::logic(
            CheckKind::ExitStatus,
            "the program must end normally",
            vec![format!(
                "it was killed by signal {signal} ({})",
                signal_name(*signal)
            )],
            "A signal like SIGABRT or SIGSEGV means a crash: look at the last lines it printed on stderr.",
        )),
        Ending::Stopped(reason) => Some(stopped(reason)),
    };
    failure
        .or_else(|| tampered(run))
        .or_else(|| widened(&run.affinity))
        .or_else(|| (!run.orphans.is_empty()).then(|| orphans(run)))
        .map(|failure| with_refusals(failure, &run.processes.probe))
}

/// `failure` saying, when the sandbox refused the program a socket, which one, and when the
/// probe refused it a thread, at which bound: a program that fails after such a refusal
/// most likely fails of it.
fn with_refusals(mut failure: Failure, probe: &ProbeRecords) -> Failure {
    if let Some(max) = probe.thread_refused_at {
        failure.seen.push(format!(
            "a process of the program asked for more than {max} threads running at once, and was refused one"
        ));
        failure.hint = format!(
            "{} Start a fixed number of workers (a pool) and hand them the work, rather than a thread per item.",
            failure.hint
        );
    }
    let refused = &probe.refused_sockets;
    if refused.is_empty() {
        return failure;
    }
    for socket in refused {
        failure.seen.push(format!(
            "the program tried to open {}; only TCP to the download server is allowed",
            socket_name(socket)
        ));
    }
    failure.hint = format!(
        "{} The sandbox refuses every socket but TCP (UDP, Unix, raw, netlink): download from LEARN_SERVER over TCP, and talk to child processes through their stdin and stdout.",
        failure.hint
    );
    failure
}

/// A refused socket in words: `a UDP socket (IPv6)`, `a Unix socket`, ….
fn socket_name(socket: &RefusedSocket) -> String {
    const SOCK_TYPE_MASK: i32 = 0xf;
    let ip = match socket.family {
        libc::AF_INET => "IPv4",
        libc::AF_INET6 => "IPv6",
        libc::AF_UNIX => return "a Unix socket".into(),
        libc::AF_NETLINK => return "a netlink socket".into(),
        libc::AF_PACKET => return "a packet socket".into(),
        family => return format!("a socket of address family {family}"),
    };
    match socket.kind & SOCK_TYPE_MASK {
        libc::SOCK_DGRAM => format!("a UDP socket ({ip})"),
        libc::SOCK_RAW => format!("a raw socket ({ip})"),
        libc::SOCK_STREAM => format!(
            "a stream socket of protocol {} ({ip}), not TCP",
            socket.protocol
        ),
        kind => format!("a socket of type {kind} ({ip})"),
    }
}

/// The broken rule of a program that widened its own CPU affinity in a pinned run.
fn widened(affinity: &Affinity) -> Option<Failure> {
    let Affinity::Widened { pid, tid, seen } = affinity else {
        return None;
    };
    Some(Failure::logic(
        CheckKind::Affinity,
        "the program must run on the cores it is given",
        vec![format!(
            "in a run pinned to one core, thread {tid} of pid {pid} allowed itself the cores {seen}"
        )],
        "Do not change the CPU affinity (sched_setaffinity, core_affinity): a correct program works on one core too.",
    ))
}

/// The run's evidence was altered by the program (see `supervise::witness`): nothing it
/// recorded can be believed, so the run fails whatever else it did.
fn tampered(run: &RunRecord) -> Option<Failure> {
    let why = run.processes.probe.tampered.as_ref()?;
    Some(Failure::logic(
        CheckKind::TamperedEvidence,
        "the program must not write the grader's records of its processes and threads",
        vec![why.clone()],
        "Leave the file named by LEARN_PROBE alone: learn records processes and threads itself.",
    ))
}

/// The failure of a run that exited with `code`, not 0, with the lines of its panic if it
/// panicked.
fn exited(code: i32, run: &RunRecord) -> Failure {
    let panic_lines: Vec<String> = run
        .stderr
        .iter()
        .filter(|l| l.text.contains("panicked at"))
        .take(3)
        .map(|l| l.text.clone())
        .collect();
    let mut seen = vec![format!("it exited with code {code}")];
    seen.extend(panic_lines);
    Failure::logic(
        CheckKind::ExitStatus,
        "the program must exit with code 0",
        seen,
        if code == PANIC_EXIT_CODE {
            "Code 101 is a panic: the line after `panicked at` says where."
        } else {
            "Return from main normally when the work is done."
        },
    )
}

/// The failure of a run the runner stopped for `reason`: the rule it broke, what was seen and
/// the hint that matches.
///
/// Over 80 lines on purpose: one arm per [`StopReason`], each its own message, so that every
/// way a run is stopped reads in one place, as `supervise` lists them.
fn stopped(reason: &StopReason) -> Failure {
    match reason {
        StopReason::TimedOut {
            limit,
            elapsed,
            waited,
            diagnosis,
        } => {
            let mut failure = hang(
                CheckKind::Timeout,
                format!(
                    "timed out after {} of its own time",
                    secs(limit.as_secs_f64())
                ),
                diagnosis,
            );
            if !waited.is_zero() {
                failure.seen.insert(
                    1,
                    format!(
                        "it ran for {} of wall time, of which {} waiting for a CPU (not counted)",
                        secs(elapsed.as_secs_f64()),
                        secs(waited.as_secs_f64())
                    ),
                );
            }
            failure
        }
        StopReason::Deadlock(diagnosis) => hang(
            CheckKind::Deadlock,
            "deadlock suspected".to_string(),
            diagnosis,
        ),
        StopReason::OutputFlood { limit } => Failure::logic(
            CheckKind::OutputFlood,
            format!(
                "the program must not print more than {} KiB or {} lines",
                limit / 1024,
                crate::supervise::MAX_OUTPUT_LINES
            ),
            vec!["it kept printing and was stopped".into()],
            "A loop that never ends prints forever: check the loop's exit condition.",
        ),
        StopReason::ForkFlood { seen, limit } => Failure::logic(
            CheckKind::ForkFlood,
            format!("the program must not run more than {limit} processes at once"),
            vec![format!(
                "{seen} processes were alive; the whole tree was stopped"
            )],
            "A child that starts children of its own without end is a fork bomb: make sure a worker copy never spawns workers.",
        ),
        StopReason::ThreadFlood { seen, limit } => Failure::logic(
            CheckKind::ThreadFlood,
            format!("the program must not run more than {limit} threads at once"),
            vec![format!(
                "{seen} threads were alive in its processes; the whole tree was stopped"
            )],
            "A thread per item without bound floods the machine: start a fixed number of workers (a pool) and hand them the work.",
        ),
        StopReason::DiskFlood { seen, limit } => Failure::logic(
            CheckKind::Disk,
            format!(
                "the program must not write more than {} MiB in its folders",
                limit >> 20
            ),
            vec![format!(
                "its folders held {} MiB and it was stopped",
                seen >> 20
            )],
            "Something writes without end: check the loop that writes, and write each file once.",
        ),
        StopReason::FileFlood { limit } => Failure::logic(
            CheckKind::Disk,
            format!("the program must not create more than {limit} files and folders"),
            vec![format!(
                "its folders held more than {limit} entries and it was stopped"
            )],
            "A loop creates files without end: check its exit condition (the downloads need one file each).",
        ),
        StopReason::MemoryHog { seen, limit } => Failure::logic(
            CheckKind::Memory,
            format!("the program must stay under {} MiB of memory", limit >> 20),
            vec![format!("it used {} MiB and was stopped", seen >> 20)],
            "Something grows without bound: a Vec or a channel that is filled faster than it is emptied.",
        ),
        StopReason::Cancelled => Failure::logic(
            CheckKind::Cancelled,
            "the run must not be stopped by learn before it ends",
            vec!["it was cancelled (a newer version of the file was saved)".into()],
            "Nothing to fix here: the newer version is checked instead.",
        ),
    }
}

/// The failure of a run that hung (`what` says how it was stopped), as `check`: the rule and
/// hint of the kind of hang diagnosed, and each thread as seen.
fn hang(check: CheckKind, what: String, diagnosis: &HangDiagnosis) -> Failure {
    let (rule, hint) = match diagnosis.kind {
        HangKind::Deadlock => (
            "the program must not deadlock",
            "Every thread is waiting for another: two locks taken in opposite orders, a join on a thread that waits for you, or a channel whose sender is never dropped.",
        ),
        HangKind::BusyLoop => (
            "the program must finish",
            "A thread keeps running without finishing (busy-waiting in a loop?): check the exit condition of its loop, and wait with join, a channel or a Condvar instead of spinning.",
        ),
        HangKind::Blocked => (
            "the program must finish in time",
            "Threads are sleeping or waiting for input: something they wait for never comes.",
        ),
    };
    let mut seen = vec![match diagnosis.kind {
        HangKind::BusyLoop => format!("{what}; still using CPU (busy) when it was stopped"),
        _ => format!(
            "{what}; nothing printed and no CPU used for {}",
            secs(diagnosis.quiet_for.as_secs_f64())
        ),
    }];
    seen.extend(diagnosis.thread_lines());
    Failure::logic(check, rule, seen, hint)
}

/// The failure of a run whose child processes outlived it.
fn orphans(run: &RunRecord) -> Failure {
    Failure::logic(
        CheckKind::Orphans,
        "every child process must have ended before the program ends",
        vec![format!(
            "still running after the main process ended: pids {:?} (stopped by the runner)",
            run.orphans
        )],
        "Call wait() on every Child you spawn before main returns.",
    )
}

/// Seconds with one decimal, for messages.
pub(crate) fn secs(s: f64) -> String {
    format!("{s:.1} s")
}

/// The name of `signal` and what it usually means, for messages.
fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGABRT => "SIGABRT, an abort",
        libc::SIGSEGV => "SIGSEGV, a bad memory access",
        libc::SIGKILL => "SIGKILL",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        _ => "a signal",
    }
}

#[cfg(test)]
mod tests {
    use super::judge_ending;
    use crate::supervise::Ending;
    use crate::supervise::test_support::{probed, run};

    #[test]
    fn a_failure_after_a_refused_socket_or_thread_names_each_once() {
        // UDP with SOCK_NONBLOCK | SOCK_CLOEXEC, twice, then a Unix stream socket.
        let probe = "socket 10 526338 0\nsocket 10 526338 0\nsocket 1 1 0\n";
        let mut record = probed(run(&[], 100), probe);
        record.ending = Ending::Exited(101);
        let failure = judge_ending(&record).expect("exit code 101 fails");
        assert_eq!(
            failure.seen,
            [
                "it exited with code 101",
                "the program tried to open a UDP socket (IPv6); only TCP to the download server is allowed",
                "the program tried to open a Unix socket; only TCP to the download server is allowed",
            ]
        );
        assert!(
            failure.hint.contains("every socket but TCP"),
            "{}",
            failure.hint
        );
        let mut refused_a_thread = record.clone();
        refused_a_thread.processes.probe.thread_refused_at = Some(512);
        let failure = judge_ending(&refused_a_thread).expect("exit code 101 fails");
        assert_eq!(
            failure.seen[1],
            "a process of the program asked for more than 512 threads running at once, and was refused one"
        );
        record.ending = Ending::Exited(0);
        assert!(
            judge_ending(&record).is_none(),
            "a refusal the program gets over is no failure"
        );
    }
}
