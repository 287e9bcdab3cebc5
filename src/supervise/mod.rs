//! Supervised runs: start a program in its own process group with its stdin closed, read its
//! stdout and stderr line by line with arrival times, watch its process tree through /proc,
//! and stop it (the whole tree) when it times out, goes quiet in a deadlock, floods its output,
//! forks or starts threads without end, eats memory, or fills its folders.
//!
//! Every run is sandboxed (see `sandbox.rs`): a fresh working folder, a clean environment, no
//! capabilities, and landlock and seccomp where the kernel has them.
//!
//! This module knows nothing of exercises or checks: it turns a [`RunRequest`] into a
//! [`RunRecord`] of what happened.

mod capture;
mod conceal;
mod diagnose;
mod folders;
mod limits;
mod machine;
mod observe;
mod perturb;
mod probe;
mod reap;
mod sandbox;
mod sched;
mod witness;
mod writes;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

pub use capture::MAX_OUTPUT_LINES;
pub use conceal::hide_command_line;
pub use diagnose::{Activity, HangDiagnosis, HangKind, ThreadState};
pub use limits::{DEFAULT_TIMEOUT, FILE_SIZE_BYTES, Limits, OPEN_FILES, WALL_BACKSTOP};
pub use machine::wait_for_free_cores;
pub use observe::{Affinity, ChildSeen, ProcessLog, children_of};
pub use perturb::Perturbation;
pub use probe::{ProbeRecords, ProcessExit, RefusedSocket, SleepSeen, ThreadSeen, WriteSeen};
pub use sandbox::{
    Protection, Protections, SandboxRequest, SandboxSettings, UnknownProtection, kernel_protections,
};
pub use sched::{Demand, SchedLog, SchedSample, ThreadTime};
pub use writes::Writer;

use capture::Capture;
use observe::Observer;

/// One line a program printed, with the time it arrived at the runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The text without its newline.
    pub text: String,
    /// Time since the program was started.
    pub at: Duration,
    /// The thread whose write put out its last byte, where the probe's records of the run's
    /// writes were complete and agreed with the bytes read (see `writes.rs`).
    pub writer: Option<Writer>,
}

/// What to run and under which limits.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// The executable.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Its environment, besides what the sandbox sets (PATH, LANG, HOME, TMPDIR): nothing
    /// else of the runner's environment reaches it.
    pub env: Vec<(String, String)>,
    /// What it may reach beyond its own fresh temporary folder, which is its working folder.
    pub sandbox: SandboxRequest,
    /// Bytes written to its stdin, which is then closed (`None`: stdin is /dev/null).
    pub stdin: Option<Vec<u8>>,
    /// Time, output, process, thread, memory and folder limits.
    pub limits: Limits,
    /// The schedule the run is perturbed with.
    pub perturbation: Perturbation,
    /// Raised by someone else to stop the run early (the whole tree is killed, as on a
    /// timeout, and the run ends with [`StopReason::Cancelled`]).
    pub cancel: Option<Arc<AtomicBool>>,
}

impl RunRequest {
    /// A run of `program` with `args` and nothing else: no environment of its own, the
    /// default sandbox and limits, unperturbed, stdin empty, never cancelled.
    pub fn new(program: impl Into<PathBuf>, args: Vec<String>) -> RunRequest {
        RunRequest {
            program: program.into(),
            args,
            env: Vec::new(),
            sandbox: SandboxRequest::default(),
            stdin: None,
            limits: Limits::default(),
            perturbation: Perturbation::None,
            cancel: None,
        }
    }
}

/// Why the runner stopped a program before it ended by itself.
#[derive(Debug, Clone)]
pub enum StopReason {
    /// It ran past its time limit (its own time), or past the wall-clock backstop.
    TimedOut {
        /// The limit.
        limit: Duration,
        /// Wall-clock time when it was stopped.
        elapsed: Duration,
        /// How much of it the machine kept the program waiting for a CPU.
        waited: Duration,
        /// What its threads were doing at that moment.
        diagnosis: HangDiagnosis,
    },
    /// Every thread waited on a lock, condvar, channel or join, with no CPU used and nothing
    /// printed for a while: it can never wake up.
    Deadlock(HangDiagnosis),
    /// It printed more than the output limit, in bytes, or more than [`MAX_OUTPUT_LINES`].
    OutputFlood {
        /// The limit in bytes.
        limit: usize,
    },
    /// It had more processes alive at once than the process limit.
    ForkFlood {
        /// How many were seen.
        seen: usize,
        /// The limit.
        limit: usize,
    },
    /// It had more threads alive at once, in all its processes, than the thread limit.
    ThreadFlood {
        /// How many were seen.
        seen: usize,
        /// The limit.
        limit: usize,
    },
    /// Its writable folders held more bytes on disk than the limit.
    DiskFlood {
        /// Bytes seen.
        seen: u64,
        /// The limit.
        limit: u64,
    },
    /// Its writable folders held more entries (files, folders, links) than the limit.
    FileFlood {
        /// The limit (the count stops just past it).
        limit: u64,
    },
    /// Its process tree used more memory than the memory limit.
    MemoryHog {
        /// Resident bytes seen.
        seen: u64,
        /// The limit.
        limit: u64,
    },
    /// The run's cancel flag was raised (e.g. the file was saved again): it proves nothing.
    Cancelled,
}

/// How a run ended.
#[derive(Debug, Clone)]
pub enum Ending {
    /// It exited by itself with this code.
    Exited(i32),
    /// It was killed by this signal (not sent by the runner), e.g. an abort.
    Signaled(i32),
    /// The runner stopped it.
    Stopped(StopReason),
}

/// Everything observed about one run.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// The arguments it was run with.
    pub args: Vec<String>,
    /// Stdout lines with arrival times.
    pub stdout: Vec<Line>,
    /// Stderr lines with arrival times.
    pub stderr: Vec<Line>,
    /// How it ended.
    pub ending: Ending,
    /// From start to the end of the main process.
    pub wall: Duration,
    /// User + system CPU time of the main process and the children it waited for.
    pub cpu: Duration,
    /// Child processes seen in the tree.
    pub processes: ProcessLog,
    /// Processes still running after the main process ended (killed by the runner).
    pub orphans: Vec<u32>,
    /// The perturbation the run had.
    pub perturbation: Perturbation,
    /// CPU time used by every process on the machine during the run (this one included).
    pub machine_busy: Duration,
    /// Time during the run when some task on the machine (this program's included) waited for
    /// a CPU, for I/O or for memory; `None` where the kernel does not say.
    pub machine_stall: Option<Duration>,
    /// How the kernel scheduled the program's threads: its own time and its waiting.
    pub sched: SchedLog,
    /// Whether a pinned run stayed on its core.
    pub affinity: Affinity,
}

impl RunRecord {
    /// The stdout lines' texts.
    pub fn stdout_texts(&self) -> impl Iterator<Item = &str> {
        self.stdout.iter().map(|l| l.text.as_str())
    }

    /// Whether the program ended by itself with exit code 0.
    pub fn succeeded(&self) -> bool {
        matches!(self.ending, Ending::Exited(0))
    }

    /// Whether the machine had CPU, I/O and memory to spare all through the run: the kernel
    /// saw tasks waiting for them during at most [`QUIET_STALL_SHARE`] of its wall time. A
    /// timing rule broken in such a run cannot be blamed on a busy machine. `false` where the
    /// kernel keeps no pressure figures, so that nothing is concluded from missing data.
    pub fn machine_was_quiet(&self) -> bool {
        self.machine_stall
            .is_some_and(|stall| stall.as_secs_f64() <= self.wall.as_secs_f64() * QUIET_STALL_SHARE)
    }

    /// Its wall time less the time the machine kept it waiting for a CPU with nothing of it
    /// running *after* `limit`: had it ended by `limit` on an idle machine, that waiting is
    /// what pushed its end past it. Waiting before `limit` is not discounted: a program that
    /// times itself from its start (deadlines, a ticker) ends when it ends whatever the
    /// machine made it wait before, so discounting that would let a late program pass.
    pub fn wall_less_waiting_after(&self, limit: Duration) -> Duration {
        self.wall.saturating_sub(
            self.sched
                .stalled_between(limit, self.wall + STALL_SAMPLE_SLACK),
        )
    }

    /// For a run stopped by the wall-clock backstop before its own time reached the limit,
    /// having spent more than [`MACHINE_TIMEOUT_SHARE`] of its life waiting for a CPU:
    /// `(waited, elapsed)`. Such a timeout is the machine's doing, and proves nothing of the
    /// program. (A run whose own time reached the limit timed out by itself, however long
    /// the machine also kept it waiting.)
    pub fn timed_out_waiting(&self) -> Option<(Duration, Duration)> {
        match &self.ending {
            Ending::Stopped(StopReason::TimedOut {
                limit,
                elapsed,
                waited,
                ..
            }) if elapsed.saturating_sub(*waited) < *limit
                && waited.as_secs_f64() > elapsed.as_secs_f64() * MACHINE_TIMEOUT_SHARE =>
            {
                Some((*waited, *elapsed))
            }
            _ => None,
        }
    }
}

/// How long the output may take to reach its end once the run is over and its tree killed:
/// the pipes close as soon as their last holders are gone, so 2 s is ample, and a pipe held
/// open by something that escaped cannot keep the runner waiting.
const CAPTURE_GRACE: Duration = Duration::from_secs(2);

/// How long after the main process's end the last scheduling sample may come (the runner
/// samples once more after the exit).
const STALL_SAMPLE_SLACK: Duration = Duration::from_millis(50);

/// The share of a timed-out run's life spent waiting for a CPU above which the timeout is
/// blamed on the machine: more than half, so that the program's own time alone could not
/// have reached the limit before the wall-clock backstop.
pub const MACHINE_TIMEOUT_SHARE: f64 = 0.5;

/// The share of a run's wall time during which tasks may wait for a CPU (or I/O, or memory)
/// while the machine still counts as quiet: 2%, which a 2-core machine idle but for the
/// grader stays under (measured 0.2–1% for runs made alone) and which one busy process per
/// core exceeds many times over (10–30%).
pub const QUIET_STALL_SHARE: f64 = 0.02;

/// Runs `request` to its end under supervision. Errors only when the program cannot be
/// started at all.
///
/// Over 80 lines: it is the one place that lays out a run's phases in order (confine,
/// [`command`], [`spawn`], [`watch`], reap the orphans, read the probe, [`attribute_writes`],
/// the record), each phase a function of its own; what stays here hands their values on.
pub fn run(request: &RunRequest) -> std::io::Result<RunRecord> {
    reap::become_subreaper();
    let probe = probe::ProbeFile::new()?;
    let probe_env = probe.env(request.limits.max_threads);
    let probe_path = probe_env[0].1.clone();
    let mut confinement =
        sandbox::Confinement::prepare(&request.program, &request.sandbox, Path::new(&probe_path))?;
    let mut command = command(request, &confinement, probe_env);
    let mark = limits::apply_in_child(
        &mut command,
        &request.limits,
        request.perturbation,
        confinement.take_entry(),
    )?;
    let _load = perturb::start(request.perturbation);
    let busy_before = machine::busy_time();
    let stall_before = machine::stall_time();
    let start = Instant::now();
    let base_nanos = probe::monotonic_nanos();
    let mut child = spawn(command, &mark)?;
    if let (Some(bytes), Some(mut stdin)) = (&request.stdin, child.stdin.take()) {
        use std::io::Write;
        // A program that exits without reading its input is no error of the runner's.
        let _ = stdin.write_all(bytes);
    }
    let pid = child.id();
    // Read at once, before the reaper can collect a quick program: its affinity proves the
    // pinning took.
    let mut observer = Observer::new(pid, start, request.perturbation.pinned_core());
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let pipes = [writes::pipe_inode(&stdout), writes::pipe_inode(&stderr)];
    let capture = Capture::start(stdout, stderr, start, request.limits.max_output_bytes);
    let mut witness = witness::Witness::default();
    let (exit, stop) = watch(
        request,
        (pid, start),
        (&mut observer, &capture, &mut witness),
        &probe_path,
        &confinement,
    );
    let wall = start.elapsed();
    let machine_busy = machine::busy_time().saturating_sub(busy_before);
    let machine_stall = stall_before
        .zip(machine::stall_time())
        .map(|(before, after)| after.saturating_sub(before));
    observer.sample(capture.last_output());
    let orphans = observer.alive_descendants();
    if !orphans.is_empty() {
        reap::kill_tree(pid, &orphans);
        reap::reap_orphans(&orphans);
    }
    let (mut stdout, mut stderr, flooded) = capture.finish(CAPTURE_GRACE);
    let (mut processes, sched, affinity) = observer.into_logs();
    let mut records = probe.read(base_nanos);
    records.tampered = witness.contradiction(&records, pid, wall);
    if !flooded {
        let another = witness.saw_another_program(pid);
        attribute_writes(
            &mut records,
            (pid, another),
            pipes,
            (&mut stdout, &mut stderr),
        );
    }
    probe::merge_into(&records, &mut processes, wall);
    processes.probe = records;
    let ending = match stop {
        Some(reason) => Ending::Stopped(reason),
        // A program that floods and exits before the next look is a flood all the same: its
        // output was not all kept, so it cannot be judged on it.
        None if flooded => Ending::Stopped(StopReason::OutputFlood {
            limit: request.limits.max_output_bytes,
        }),
        None => exit.ending(),
    };
    Ok(RunRecord {
        args: request.args.clone(),
        stdout: stdout.lines,
        stderr: stderr.lines,
        ending,
        wall,
        cpu: exit.cpu,
        processes,
        orphans,
        perturbation: request.perturbation,
        machine_busy,
        machine_stall,
        sched,
        affinity,
    })
}

/// Ties each line of `stdout` and `stderr` (their pipes' inodes in `pipes`) to the thread that
/// wrote it, from the probe's write records of the run of `pid` (`another`: whether a process
/// of the run ran another program, whose writes no probe records); records that disagree with
/// the bytes read make the run's evidence tampered. Nothing is tied when the records are
/// already tampered or a pipe's inode is unknown.
fn attribute_writes(
    records: &mut ProbeRecords,
    (pid, another): (u32, bool),
    pipes: [Option<u64>; 2],
    (stdout, stderr): (&mut capture::Captured, &mut capture::Captured),
) {
    let ([Some(out), Some(err)], None) = (pipes, &records.tampered) else {
        return;
    };
    let streams = [
        writes::Stream {
            name: "stdout",
            fd: 1,
            inode: out,
            captured: stdout,
        },
        writes::Stream {
            name: "stderr",
            fd: 2,
            inode: err,
            captured: stderr,
        },
    ];
    records.tampered = writes::attribute(records, pid, another, streams).err();
}

/// The command that starts `request`'s program in `confinement`, with only the environment
/// it is given and the probe's variables (`probe_env`: names and values), its output piped.
fn command(
    request: &RunRequest,
    confinement: &sandbox::Confinement,
    probe_env: [(String, String); 2],
) -> Command {
    let mut command = Command::new(&request.program);
    command
        .args(&request.args)
        .env_clear()
        .envs(confinement.base_env())
        .envs(request.env.iter().map(|(k, v)| (k, v)))
        .envs(probe_env)
        .current_dir(confinement.dir())
        .stdin(if request.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Starts `command` (dropped once started); the error names the step of the child's set-up
/// that failed, which `mark` recorded.
fn spawn(mut command: Command, mark: &limits::StepMark) -> std::io::Result<std::process::Child> {
    command.spawn().map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!(
                "learn could not start it: {} failed ({e}); this is an error of learn or of this machine, not of the program",
                mark.failed_step().what()
            ),
        )
    })
}

/// Watches the run of `pid` (started at `start`) until it exits: samples its
/// processes, threads, output and writable folders (its own in `confinement`, the probe's
/// beside `probe_path`, and those the sandbox request grants), and stops its whole tree at
/// the first limit it breaks or a cancel. Returns how it exited, and why it was stopped if
/// it was.
fn watch(
    request: &RunRequest,
    (pid, start): (u32, Instant),
    (observer, capture, witness): (&mut Observer, &Capture, &mut witness::Witness),
    probe_path: &str,
    confinement: &sandbox::Confinement,
) -> (reap::ExitInfo, Option<StopReason>) {
    let (exit_tx, exit_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = exit_tx.send(reap::wait_with_usage(pid));
    });
    let mut writable = vec![confinement.dir().to_path_buf()];
    writable.extend(Path::new(probe_path).parent().map(Path::to_path_buf));
    writable.extend(request.sandbox.writable.iter().cloned());
    let mut folders = folders::FolderWatch::new(writable);
    let mut stop: Option<StopReason> = None;
    let exit = loop {
        match exit_rx.recv_timeout(observer.poll_interval()) {
            Ok(exit) => break exit,
            Err(mpsc::RecvTimeoutError::Disconnected) => break reap::ExitInfo::lost(),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if stop.is_some() {
            reap::kill_tree(pid, &observer.known_pids());
            continue;
        }
        observer.sample(capture.last_output());
        witness.sample(&observer.known_pids(), start.elapsed());
        stop = if request
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
        {
            Some(StopReason::Cancelled)
        } else {
            limits::violation(
                &request.limits,
                observer,
                &mut folders,
                capture,
                start.elapsed(),
            )
        };
        if stop.is_some() {
            reap::kill_tree(pid, &observer.known_pids());
        }
    };
    (exit, stop)
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Runs made up for check tests.
    use std::time::Duration;

    use super::{
        Affinity, Ending, Line, Perturbation, ProbeRecords, ProcessLog, RunRecord, SchedLog,
    };

    /// `record` as a run of main process 10 whose probe wrote `text`.
    pub fn probed(mut record: RunRecord, text: &str) -> RunRecord {
        record.processes.root = 10;
        record.processes.probed = true;
        record.processes.probe = ProbeRecords::parse(text, 0);
        record
    }

    /// A run that printed `lines` at the given milliseconds and exited 0 after `wall_ms`.
    pub fn run(lines: &[(&str, u64)], wall_ms: u64) -> RunRecord {
        RunRecord {
            args: Vec::new(),
            stdout: lines
                .iter()
                .map(|&(t, ms)| Line {
                    text: t.into(),
                    at: Duration::from_millis(ms),
                    writer: None,
                })
                .collect(),
            stderr: Vec::new(),
            ending: Ending::Exited(0),
            wall: Duration::from_millis(wall_ms),
            cpu: Duration::ZERO,
            processes: ProcessLog::default(),
            orphans: Vec::new(),
            perturbation: Perturbation::None,
            machine_busy: Duration::ZERO,
            machine_stall: None,
            sched: SchedLog::default(),
            affinity: Affinity::NotPinned,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Ending, HangDiagnosis, HangKind, StopReason};
    use crate::supervise::test_support::run;

    #[test]
    fn only_a_timeout_that_the_program_did_not_reach_by_itself_is_the_machines() {
        let timed_out = |elapsed_s: u64, waited_s: u64| {
            let mut record = run(&[], elapsed_s * 1000);
            record.ending = Ending::Stopped(StopReason::TimedOut {
                limit: Duration::from_secs(10),
                elapsed: Duration::from_secs(elapsed_s),
                waited: Duration::from_secs(waited_s),
                diagnosis: HangDiagnosis {
                    kind: HangKind::BusyLoop,
                    quiet_for: Duration::ZERO,
                    threads: Vec::new(),
                },
            });
            record.timed_out_waiting()
        };
        assert_eq!(
            timed_out(100, 95),
            Some((Duration::from_secs(95), Duration::from_secs(100))),
            "the backstop, 5 s of its own"
        );
        assert_eq!(
            timed_out(25, 15),
            None,
            "10 s of its own: a loop that never ends, on a busy machine"
        );
        assert_eq!(timed_out(100, 20), None, "mostly its own");
    }

    #[test]
    fn a_machine_is_quiet_only_when_its_stall_is_known_and_a_sliver_of_the_run() {
        let mut record = run(&[], 2_000);
        assert!(
            !record.machine_was_quiet(),
            "no pressure figures: nothing concluded"
        );
        record.machine_stall = Some(Duration::from_millis(10));
        assert!(record.machine_was_quiet());
        record.machine_stall = Some(Duration::from_millis(300));
        assert!(
            !record.machine_was_quiet(),
            "300 ms of waiting in a 2 s run is a busy machine"
        );
    }
}
