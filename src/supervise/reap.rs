//! Waiting for the main process (with its resource usage), killing a whole tree, and reaping
//! the orphans that were re-parented to the runner.

use std::time::Duration;

use super::Ending;

/// How the main process ended, as `wait4` told.
pub(super) struct ExitInfo {
    status: Option<i32>,
    /// User + system CPU time of it and the children it waited for.
    pub(super) cpu: Duration,
}

impl ExitInfo {
    /// When the wait itself failed (should not happen).
    pub(super) fn lost() -> ExitInfo {
        ExitInfo {
            status: None,
            cpu: Duration::ZERO,
        }
    }

    /// The ending, when the runner did not stop it.
    pub(super) fn ending(&self) -> Ending {
        match self.status {
            Some(status) if libc::WIFEXITED(status) => Ending::Exited(libc::WEXITSTATUS(status)),
            Some(status) if libc::WIFSIGNALED(status) => Ending::Signaled(libc::WTERMSIG(status)),
            _ => Ending::Exited(-1),
        }
    }
}

/// Makes the runner a child subreaper, once: processes orphaned by a supervised program are
/// re-parented to the runner instead of init, so they stay in view and can be stopped.
pub(super) fn become_subreaper() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER only sets a flag on this process.
    ONCE.call_once(|| unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1);
    });
}

/// Blocks until `pid` ends and returns its status and CPU time.
pub(super) fn wait_with_usage(pid: u32) -> ExitInfo {
    let mut status = 0;
    // SAFETY: rusage is plain data, for which all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: wait4 writes a status and an rusage into the locals given.
        let r = unsafe { libc::wait4(pid as i32, &mut status, 0, &mut usage) };
        if r == pid as i32 {
            break;
        }
        if r == -1 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return ExitInfo::lost();
        }
    }
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    ExitInfo {
        status: Some(status),
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
    }
}

/// Kills the process group of `root` and every pid in `others` (processes that left the
/// group), with SIGKILL.
pub(super) fn kill_tree(root: u32, others: &[u32]) {
    // SAFETY: sending signals has no memory-safety effect; a pid that is gone is ignored.
    unsafe {
        libc::kill(-(root as i32), libc::SIGKILL);
        for &pid in others {
            libc::kill(pid as i32, libc::SIGKILL);
        }
    }
}

/// How many times [`reap_orphans`] looks for a killed orphan's end, [`REAP_PAUSE`] apart:
/// half a second, far more than SIGKILL takes, and a bound if it was not the runner's child.
const REAP_ATTEMPTS: u32 = 100;

/// The pause between two looks of [`reap_orphans`].
const REAP_PAUSE: Duration = Duration::from_millis(5);

/// Reaps killed orphans that were re-parented to the runner, waiting a little for each.
pub(super) fn reap_orphans(pids: &[u32]) {
    for &pid in pids {
        for _ in 0..REAP_ATTEMPTS {
            let mut status = 0;
            // SAFETY: waitpid on a specific pid with WNOHANG; fails harmlessly if not our child.
            let r = unsafe { libc::waitpid(pid as i32, &mut status, libc::WNOHANG) };
            if r != 0 {
                break;
            }
            std::thread::sleep(REAP_PAUSE);
        }
    }
}
