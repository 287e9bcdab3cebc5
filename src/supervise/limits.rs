//! The limits a supervised program runs under, how they are set in the child before it
//! starts, and how a breach is recognised while it runs.

use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::Duration;

use super::StopReason;
use super::capture::Capture;
use super::observe::Observer;
use super::perturb::Perturbation;

/// Limits of one run.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Time limit on the program's own time: wall-clock time less the time the machine kept
    /// it waiting for a CPU with nothing of it running (with a wall-clock backstop of
    /// [`WALL_BACKSTOP`] times the limit).
    pub timeout: Duration,
    /// Bytes of stdout + stderr kept before the program is stopped as a flood.
    pub max_output_bytes: usize,
    /// Processes alive at once in the tree (the main one included).
    pub max_processes: usize,
    /// Resident memory of the whole tree.
    pub max_memory_bytes: u64,
    /// With every thread waiting on a futex, no CPU used and no output for this long, the
    /// program is stopped as deadlocked before its time limit.
    pub deadlock_after: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            timeout: Duration::from_secs(10),
            max_output_bytes: 1 << 20,
            max_processes: 32,
            max_memory_bytes: 1 << 30,
            deadlock_after: Duration::from_millis(2500),
        }
    }
}

/// Address space per process: a backstop for a single huge allocation; the tree's resident
/// memory is watched separately. Generous because thread stacks and malloc arenas reserve
/// address space they never touch.
const ADDRESS_SPACE_BYTES: u64 = 16 << 30;

/// Sets, in the child between fork and exec: its own process group, death with the runner,
/// no core dumps, an address-space cap, and the CPU affinity of the perturbation.
pub(super) fn apply_in_child(command: &mut Command, _limits: &Limits, perturbation: Perturbation) {
    command.process_group(0);
    let one_core = perturbation.pinned_core();
    // SAFETY: the closure runs between fork and exec and only makes async-signal-safe
    // system calls (prctl, setrlimit, sched_setaffinity); it allocates nothing.
    unsafe {
        command.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            let no_core = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &no_core);
            let space = libc::rlimit {
                rlim_cur: ADDRESS_SPACE_BYTES,
                rlim_max: ADDRESS_SPACE_BYTES,
            };
            libc::setrlimit(libc::RLIMIT_AS, &space);
            if let Some(core) = one_core {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                libc::CPU_SET(core, &mut set);
                libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
            }
            Ok(())
        });
    }
}

/// The first limit the running program breaks, if any.
pub(super) fn violation(
    limits: &Limits,
    observer: &mut Observer,
    capture: &Capture,
    elapsed: Duration,
) -> Option<StopReason> {
    if capture.flooded() {
        return Some(StopReason::OutputFlood {
            limit: limits.max_output_bytes,
        });
    }
    let alive = observer.alive_count();
    if alive > limits.max_processes {
        return Some(StopReason::ForkFlood {
            seen: alive,
            limit: limits.max_processes,
        });
    }
    let memory = observer.resident_bytes();
    if memory > limits.max_memory_bytes {
        return Some(StopReason::MemoryHog {
            seen: memory,
            limit: limits.max_memory_bytes,
        });
    }
    if let Some(diagnosis) = observer.deadlocked_for(limits.deadlock_after) {
        return Some(StopReason::Deadlock(diagnosis));
    }
    let waited = observer.stalled();
    let own = elapsed.saturating_sub(waited);
    if own >= limits.timeout || elapsed >= limits.timeout * WALL_BACKSTOP {
        return Some(StopReason::TimedOut {
            limit: limits.timeout,
            elapsed,
            waited,
            diagnosis: observer.diagnose(),
        });
    }
    None
}

/// The wall-clock backstop of the time limit, as a multiple of it: the limit counts the
/// program's own time (running, sleeping, blocking) and not the time a busy machine kept it
/// waiting for a CPU, but no run lasts longer than this many limits whatever the load. At 8
/// busy processes per core beside it, a CPU-bound program runs about 9 times slower.
pub const WALL_BACKSTOP: u32 = 10;
