//! The limits a supervised program runs under, how they are set in the child before it
//! starts (with its sandbox, entered last), and how a breach is recognised while it runs.

use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use super::StopReason;
use super::capture::Capture;
use super::folders::FolderWatch;
use super::observe::Observer;
use super::perturb::Perturbation;
use super::sandbox::{Entry, Step};

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
    /// Threads alive at once in the tree, every process's threads counted (RLIMIT_NPROC
    /// cannot bound them: see [`OPEN_FILES`]).
    pub max_threads: usize,
    /// Bytes on disk in the run's writable folders (its own folder, HOME and TMPDIR, and
    /// `LEARN_OUT`): RLIMIT_FSIZE bounds one file, this all of them.
    pub max_folder_bytes: u64,
    /// Entries (files, folders, links) in the run's writable folders: inodes.
    pub max_folder_entries: u64,
    /// With every thread waiting on a futex, no CPU used and no output for this long, the
    /// program is stopped as deadlocked before its time limit.
    pub deadlock_after: Duration,
}

/// The time limit of an exercise whose manifest sets none (`timeout_secs`): ample for every
/// exercise of the course, whose slowest solution takes a few seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            timeout: DEFAULT_TIMEOUT,
            max_output_bytes: 1 << 20,
            max_processes: 32,
            max_memory_bytes: 1 << 30,
            max_threads: 512,
            max_folder_bytes: 256 << 20,
            max_folder_entries: 10_000,
            deadlock_after: Duration::from_millis(2500),
        }
    }
}

/// Address space per process: a backstop for a single huge allocation; the tree's resident
/// memory is watched separately. Generous because thread stacks and malloc arenas reserve
/// address space they never touch.
const ADDRESS_SPACE_BYTES: u64 = 16 << 30;

/// The largest file a program may write (RLIMIT_FSIZE): far above any exercise's needs (the
/// downloads are a few KiB), far below a disk filled by a runaway loop.
pub const FILE_SIZE_BYTES: u64 = 64 << 20;

/// Open files per process (RLIMIT_NOFILE). RLIMIT_NPROC is not set: it counts every process
/// and thread of the user on the machine, not those of the run, and the kernel does not apply
/// it to root at all (CI runs everything as root); the tree's processes and threads are
/// counted by the observer instead.
pub const OPEN_FILES: u64 = 1024;

/// Sets, in the child between fork and exec: its own process group, death with the runner,
/// no core dumps, caps on address space, file size and open files, the CPU affinity of the
/// perturbation, and last the sandbox (`entry`). Every step's result is checked: a step that
/// fails makes the spawn fail, and the returned mark tells which step it was
/// ([`StepMark::failed_step`]), so a run is never silently unperturbed or unconfined.
pub(super) fn apply_in_child(
    command: &mut Command,
    _limits: &Limits,
    perturbation: Perturbation,
    entry: Option<Entry>,
) -> std::io::Result<Arc<StepMark>> {
    command.process_group(0);
    let one_core = perturbation.pinned_core();
    let mark = Arc::new(StepMark::new()?);
    let child_mark = Arc::clone(&mark);
    let mut entry = entry;
    // SAFETY: the closure runs between fork and exec and only makes async-signal-safe
    // system calls (prctl, getrlimit, setrlimit, sched_setaffinity, capset, landlock, seccomp) and writes
    // to the shared page of the mark; it allocates nothing.
    unsafe {
        command.pre_exec(move || {
            let step = |step: Step, result: libc::c_int| {
                child_mark.set(step);
                if result == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            };
            step(
                Step::DeathSignal,
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL),
            )?;
            for (resource, value) in [
                (libc::RLIMIT_CORE, 0),
                (libc::RLIMIT_AS, ADDRESS_SPACE_BYTES),
                (libc::RLIMIT_FSIZE, FILE_SIZE_BYTES),
                (libc::RLIMIT_NOFILE, OPEN_FILES),
            ] {
                // Never above the hard limit the runner has: raising it needs a privilege.
                let mut current = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: libc::RLIM_INFINITY,
                };
                step(Step::ResourceLimit, libc::getrlimit(resource, &mut current))?;
                let value = value.min(current.rlim_max);
                let limit = libc::rlimit {
                    rlim_cur: value,
                    rlim_max: value,
                };
                step(Step::ResourceLimit, libc::setrlimit(resource, &limit))?;
            }
            if let Some(core) = one_core {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                libc::CPU_SET(core, &mut set);
                step(
                    Step::Affinity,
                    libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set),
                )?;
            }
            if let Some(entry) = entry.as_mut() {
                entry.enter().map_err(|(failed, e)| {
                    child_mark.set(failed);
                    e
                })?;
            }
            child_mark.set(Step::None);
            Ok(())
        });
    }
    Ok(mark)
}

/// A byte shared between the runner and the child it is starting (an anonymous shared
/// mapping): the child writes there the setup step it is at, so that when the spawn fails
/// (std passes only the error number back) the runner can say which step failed.
pub(super) struct StepMark {
    page: *mut u8,
}

// SAFETY: the page is only read and written with volatile single-byte accesses; it lives
// until the mark is dropped, after the child has started.
unsafe impl Send for StepMark {}
// SAFETY: as above.
unsafe impl Sync for StepMark {}

impl StepMark {
    fn new() -> std::io::Result<StepMark> {
        // SAFETY: a fresh anonymous shared mapping of one page; checked for failure.
        let page = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                4096,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if page == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(StepMark { page: page.cast() })
    }

    fn set(&self, step: Step) {
        // SAFETY: `page` is a live mapping of at least one byte.
        unsafe { self.page.write_volatile(step as u8) }
    }

    /// The step the child was at when its setup failed.
    pub(super) fn failed_step(&self) -> Step {
        // SAFETY: `page` is a live mapping of at least one byte.
        Step::from_code(unsafe { self.page.read_volatile() })
    }
}

impl Drop for StepMark {
    fn drop(&mut self) {
        // SAFETY: unmaps the page mapped in `new`, which nothing uses any more.
        unsafe {
            libc::munmap(self.page.cast(), 4096);
        }
    }
}

/// The first limit the running program breaks, if any.
pub(super) fn violation(
    limits: &Limits,
    observer: &mut Observer,
    folders: &mut FolderWatch,
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
    let threads = observer.thread_count();
    if threads > limits.max_threads {
        return Some(StopReason::ThreadFlood {
            seen: threads,
            limit: limits.max_threads,
        });
    }
    let held = folders.usage(limits.max_folder_entries, &observer.known_pids());
    if held.entries > limits.max_folder_entries {
        return Some(StopReason::FileFlood {
            limit: limits.max_folder_entries,
        });
    }
    if held.bytes > limits.max_folder_bytes {
        return Some(StopReason::DiskFlood {
            seen: held.bytes,
            limit: limits.max_folder_bytes,
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
