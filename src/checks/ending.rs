//! The rules every run obeys whatever its checks: the program ends by itself, with exit code
//! 0, within its limits, leaving no process behind.

use super::Failure;
use crate::supervise::{Ending, HangDiagnosis, HangKind, RunRecord, StopReason};

/// The broken rule of a run that did not end well, if it did not.
pub fn judge_ending(run: &RunRecord) -> Option<Failure> {
    let failure = match &run.ending {
        Ending::Exited(0) => None,
        Ending::Exited(code) => Some(exited(*code, run)),
        Ending::Signaled(signal) => Some(Failure::logic(
            "exit_status",
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
        .or_else(|| (!run.orphans.is_empty()).then(|| orphans(run)))
}

/// The run's evidence was altered by the program (see `supervise::witness`): nothing it
/// recorded can be believed, so the run fails whatever else it did.
fn tampered(run: &RunRecord) -> Option<Failure> {
    let why = run.processes.probe.tampered.as_ref()?;
    Some(Failure::logic(
        "tampered_evidence",
        "the program must not write the grader's records of its processes and threads",
        vec![why.clone()],
        "Leave the file named by LEARN_PROBE alone: learn records processes and threads itself.",
    ))
}

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
        "exit_status",
        "the program must exit with code 0",
        seen,
        if code == 101 {
            "Code 101 is a panic: the line after `panicked at` says where."
        } else {
            "Return from main normally when the work is done."
        },
    )
}

fn stopped(reason: &StopReason) -> Failure {
    match reason {
        StopReason::TimedOut { limit, diagnosis } => hang(
            "timeout",
            format!("timed out after {}", secs(limit.as_secs_f64())),
            diagnosis,
        ),
        StopReason::Deadlock(diagnosis) => {
            hang("deadlock", "deadlock suspected".to_string(), diagnosis)
        }
        StopReason::OutputFlood { limit } => Failure::logic(
            "output_flood",
            format!("the program must not print more than {} KiB", limit / 1024),
            vec!["it kept printing and was stopped".into()],
            "A loop that never ends prints forever: check the loop's exit condition.",
        ),
        StopReason::ForkFlood { seen, limit } => Failure::logic(
            "fork_flood",
            format!("the program must not run more than {limit} processes at once"),
            vec![format!(
                "{seen} processes were alive; the whole tree was stopped"
            )],
            "A child that starts children of its own without end is a fork bomb: make sure a worker copy never spawns workers.",
        ),
        StopReason::MemoryHog { seen, limit } => Failure::logic(
            "memory",
            format!("the program must stay under {} MiB of memory", limit >> 20),
            vec![format!("it used {} MiB and was stopped", seen >> 20)],
            "Something grows without bound: a Vec or a channel that is filled faster than it is emptied.",
        ),
        StopReason::Cancelled => Failure::logic(
            "cancelled",
            "the run must not be stopped by learn before it ends",
            vec!["it was cancelled (a newer version of the file was saved)".into()],
            "Nothing to fix here: the newer version is checked instead.",
        ),
    }
}

fn hang(check: &'static str, what: String, diagnosis: &HangDiagnosis) -> Failure {
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

fn orphans(run: &RunRecord) -> Failure {
    Failure::logic(
        "orphans",
        "every child process must have ended before the program ends",
        vec![format!(
            "still running after the main process ended: pids {:?} (stopped by the runner)",
            run.orphans
        )],
        "Call wait() on every Child you spawn before main returns.",
    )
}

fn secs(s: f64) -> String {
    format!("{s:.1} s")
}

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
