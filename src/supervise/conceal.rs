//! What of `learn` itself a run could read: its command line. A program may read /proc
//! (the process probe in every copy of it reads its own threads there), and
//! `/proc/PID/cmdline` is readable by every process whatever its sandbox: the parent's shows
//! the course, submission and report paths of `learn grade`. `learn` blanks its own argument
//! block once it has parsed it, so that the file reads as NUL bytes. Its environment
//! (`/proc/PID/environ`) needs nothing here: the kernel's ptrace check, which landlock
//! extends, refuses it to a process in the run's domain.
//!
//! Not here: the confinement of the run itself (`sandbox.rs`).

/// Overwrites this process's argument block (what `/proc/self/cmdline` reads) with NUL
/// bytes. Call it once the command line is parsed: `std::env::args` yields empty strings
/// afterwards. Where /proc does not say where the block is, nothing is changed.
pub fn hide_command_line() {
    let Some((start, end)) = argument_block() else {
        return;
    };
    // SAFETY: [start, end) is the argument block the kernel wrote on this process's initial
    // stack at exec (/proc/self/stat's arg_start and arg_end): mapped and writable for the
    // life of the process, and no Rust value owns it (std keeps raw `argv` pointers into it,
    // which then point at empty C strings).
    unsafe { std::ptr::write_bytes(start as *mut u8, 0, end - start) };
}

/// This process's argument block, as /proc/self/stat says.
fn argument_block() -> Option<(usize, usize)> {
    let stat = procfs::process::Process::myself().ok()?.stat().ok()?;
    let start = usize::try_from(stat.arg_start?).ok()?;
    let end = usize::try_from(stat.arg_end?).ok()?;
    (start != 0 && start < end).then_some((start, end))
}
