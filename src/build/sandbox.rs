//! The sandbox and the bounds of a build: cargo, and every rustc, linker and build script it
//! starts (and watch mode's replayed rustc), run confined, because compiling a file runs code
//! of the file's author at compile time (`include_str!`, `#[path]` through a macro fragment,
//! `option_env!`, `const` evaluation).
//!
//! - **Environment**: cleared, then only what cargo and rustc need (`PATH` with the
//!   toolchain's own `bin` first, `CARGO_HOME`, `RUSTC`, `HOME` and `TMPDIR` a private
//!   folder, `LANG`): no secret of learn's environment reaches `option_env!`, nor rustc's own
//!   `/proc/self/environ`.
//! - **Files** (landlock, entered in the child before exec, with `no_new_privs`): read and
//!   execute the toolchain (its sysroot, cargo's binary) and the system (`/usr`, `/lib*`,
//!   `/bin`); read `CARGO_HOME` (registry cache, config), the loader's cache and the
//!   `.cargo/config.toml` files above the package; read exactly the folders this build
//!   needs in the build folder (the generated package, the content-addressed copies of the
//!   bytes graded, the probe); write the build's output folder and a private TMPDIR.
//!   Nothing else: not the course, its solutions, snapshots or chapters, the submission's
//!   other files, the job, another submission's copies.
//! - **Bounds**: an address-space limit (RLIMIT_AS, inherited by every rustc) and a
//!   wall-clock deadline, which [`Cargo`](super::Cargo) enforces.
//!
//! Not here: which units are built and how their messages are read (`mod.rs`), the run's
//! sandbox (`supervise/sandbox.rs`), whose protections a kernel has (the grader passes
//! [`Sandbox::landlock`] from them).

use std::collections::HashMap;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use super::{CompileError, Toolchain};
use landlock::{
    ABI, Access, AccessFs, CompatLevel, Compatible, Ruleset, RulesetAttr, RulesetCreated,
    RulesetCreatedAttr, path_beneath_rules,
};

/// The wall-clock deadline of one build by default: the course's first build from nothing
/// takes 60–90 s on two busy cores; a warm build of one file takes under 2 s.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);

/// The address space cargo and each rustc may take by default (RLIMIT_AS): building the
/// course's dependencies peaks under 1.5 GiB of address space; a `const` array of 2 GiB or
/// an exponential macro stops here instead of taking the machine.
pub const DEFAULT_MEMORY: u64 = 4 << 30;

/// The largest source file built: 1 MiB (the course's largest file is under 20 KiB); a
/// larger one is refused before the build, so 60 MB of NUL bytes cost nothing.
pub const SOURCE_LIMIT: u64 = 1 << 20;

/// How a build is confined and bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sandbox {
    /// Whether landlock confines the build's files (off: the kernel lacks it, the run's
    /// `filesystem` protection is switched off, or `LEARN_BUILD_SANDBOX=off` for a benchmark).
    /// The environment is scrubbed and the bounds hold either way.
    pub landlock: bool,
    /// The wall-clock deadline of one build.
    pub deadline: Duration,
    /// The address space of cargo and of each program it starts, in bytes.
    pub memory: u64,
}

impl Default for Sandbox {
    /// Landlock on (where the kernel has it), [`DEFAULT_DEADLINE`], [`DEFAULT_MEMORY`].
    fn default() -> Sandbox {
        Sandbox {
            landlock: true,
            deadline: DEFAULT_DEADLINE,
            memory: DEFAULT_MEMORY,
        }
    }
}

/// System folders a build reads and executes: the linker (`cc`, `ld`), the C library, the
/// shell a build script may start.
const SYSTEM_EXEC: [&str; 6] = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32"];

/// System files a build reads: the loader's cache, the CPUs and cgroup limits that set
/// cargo's and rustc's parallelism, randomness.
const SYSTEM_READ: [&str; 8] = [
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/sys/fs/cgroup",
    "/sys/devices/system/cpu",
    "/dev/urandom",
    "/dev/random",
];

/// What one confined build may reach in the build folder, besides the toolchain and the
/// system.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reach {
    /// Folders and files it reads (the generated package, the copies of the bytes graded).
    pub(crate) read: Vec<PathBuf>,
    /// Folders it writes, and executes in (the output folder, where build scripts run).
    pub(crate) write: Vec<PathBuf>,
}

/// The sysroot of `rustc` (`rustc --print sysroot`), asked once per rustc (rustup's proxy
/// answers for the toolchain it would run).
fn sysroot(rustc: &Path) -> io::Result<PathBuf> {
    static FOUND: OnceLock<Mutex<HashMap<PathBuf, PathBuf>>> = OnceLock::new();
    let cache = FOUND.get_or_init(Mutex::default);
    if let Some(found) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(rustc) {
        return Ok(found.clone());
    }
    let output = Command::new(rustc)
        .args(["--print", "sysroot"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| io::Error::other(format!("cannot run {}: {e}", rustc.display())))?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if !output.status.success() || !sysroot.is_absolute() {
        return Err(io::Error::other(format!(
            "`{} --print sysroot` did not name the toolchain's folder: {}",
            rustc.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(rustc.to_path_buf(), sysroot.clone());
    Ok(sysroot)
}

/// A command of the build, confined: `program` (cargo, or a rustc cargo ran) with the rustc
/// and cargo home of `toolchain`, the scrubbed environment, the bounds of `sandbox` and, when
/// landlock is on, the files of `reach`; `private` is its HOME and TMPDIR, which it may
/// write.
pub(crate) fn command(
    program: &Path,
    toolchain: &Toolchain,
    sandbox: &Sandbox,
    reach: &Reach,
    private: &Path,
) -> io::Result<Command> {
    let sysroot = sysroot(&toolchain.rustc)?;
    let cargo_home = toolchain
        .cargo_home
        .as_deref()
        .ok_or_else(|| io::Error::other("neither CARGO_HOME nor HOME is set"))?;
    let toolchain_bin = sysroot.join("bin");
    let program = resolved(program, &toolchain_bin);
    let mut command = Command::new(&program);
    command.env_clear().envs([
        (
            "PATH",
            format!("{}:/usr/local/bin:/usr/bin:/bin", toolchain_bin.display()),
        ),
        ("CARGO_HOME", cargo_home.display().to_string()),
        ("RUSTC", toolchain_bin.join("rustc").display().to_string()),
        ("HOME", private.display().to_string()),
        ("TMPDIR", private.display().to_string()),
        ("LANG", "C.UTF-8".to_string()),
    ]);
    let ruleset = if sandbox.landlock {
        let mut write = reach.write.clone();
        write.push(private.to_path_buf());
        let mut read = reach.read.clone();
        read.push(cargo_home.to_path_buf());
        read.extend(cargo_configs(&reach.read));
        let mut exec = vec![sysroot];
        exec.extend(program.parent().map(Path::to_path_buf));
        Some(ruleset(&exec, &read, &write).map_err(|e| {
            io::Error::other(format!("cannot prepare the build's landlock rules: {e}"))
        })?)
    } else {
        None
    };
    let memory = sandbox.memory;
    let mut ruleset = ruleset;
    // SAFETY: between fork and exec the closure makes only system calls (setrlimit, prctl,
    // landlock_restrict_self through the landlock crate, whose success path allocates
    // nothing) on values moved in before the fork.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: memory,
                rlim_max: memory,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(io::Error::last_os_error());
            }
            if let Some(ruleset) = ruleset.take() {
                ruleset
                    .restrict_self()
                    .map_err(|_| io::Error::from_raw_os_error(libc::EPERM))?;
            }
            Ok(())
        });
    }
    Ok(command)
}

/// `program` itself, or when it is a bare name (`cargo`) or rustup's proxy, the toolchain's
/// own binary of that name: the proxy would read `rust-toolchain.toml` files and rustup's
/// settings, which the sandbox does not open.
fn resolved(program: &Path, toolchain_bin: &Path) -> PathBuf {
    let name = program.file_name().unwrap_or_default();
    let is_proxy = std::fs::canonicalize(program)
        .ok()
        .and_then(|real| real.file_name().map(|n| n.to_os_string()))
        .is_some_and(|real| real == "rustup" || real == "rustup-init");
    let own = toolchain_bin.join(name);
    if (program.components().count() == 1 || is_proxy) && own.is_file() {
        own
    } else {
        program.to_path_buf()
    }
}

/// The `.cargo/config.toml` (and `.cargo/config`) files cargo reads above the folders of
/// `read` (it looks in every folder from its working folder up): readable, so that a
/// course's own configuration still applies, and nothing else of those folders.
fn cargo_configs(read: &[PathBuf]) -> Vec<PathBuf> {
    let mut configs: Vec<PathBuf> = read
        .iter()
        .flat_map(|path| path.ancestors())
        .flat_map(|dir| [dir.join(".cargo/config.toml"), dir.join(".cargo/config")])
        .filter(|file| file.is_file())
        .collect();
    configs.sort();
    configs.dedup();
    configs
}

/// The build's landlock ruleset: `exec` read and executed, `read` read, `write` read,
/// written and executed (build scripts run from the output folder), `/dev/null` written.
fn ruleset(
    exec: &[PathBuf],
    read: &[PathBuf],
    write: &[PathBuf],
) -> Result<RulesetCreated, landlock::RulesetError> {
    const WRITTEN_FOR: ABI = ABI::V7;
    let all = AccessFs::from_all(WRITTEN_FOR);
    let reading = AccessFs::ReadFile | AccessFs::ReadDir;
    let executing = reading | AccessFs::Execute;
    let existing = |paths: &[PathBuf]| -> Vec<PathBuf> {
        paths.iter().filter(|p| p.exists()).cloned().collect()
    };
    let system_exec: Vec<PathBuf> = SYSTEM_EXEC.iter().map(PathBuf::from).collect();
    let system_read: Vec<PathBuf> = SYSTEM_READ.iter().map(PathBuf::from).collect();
    Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(all)?
        .create()?
        .add_rules(path_beneath_rules(existing(&system_exec), executing))?
        .add_rules(path_beneath_rules(existing(&system_read), reading))?
        .add_rules(path_beneath_rules(
            ["/dev/null"],
            AccessFs::ReadFile | AccessFs::WriteFile,
        ))?
        .add_rules(path_beneath_rules(existing(exec), executing))?
        .add_rules(path_beneath_rules(existing(read), reading))?
        .add_rules(path_beneath_rules(existing(write), all))
}

/// How often a build is looked at for a unit past its deadline.
const WATCH_EVERY: Duration = Duration::from_millis(500);

/// How many deadlines a whole build may take (the course's dependencies compile before any
/// unit, 60–90 s from nothing on two cores).
pub(crate) const WHOLE_BUILD_DEADLINES: u32 = 10;

/// How the watch of one build ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Watched {
    /// cargo ended (`ended` said so) within the bounds.
    Ended,
    /// The units of these crate names compiled for longer than the deadline each: the build
    /// was stopped.
    Late(Vec<String>),
    /// The whole build took [`WHOLE_BUILD_DEADLINES`] deadlines: it was stopped.
    Endless,
}

/// Watches the build whose cargo leads process group `group` until `ended` says it ended:
/// as soon as a rustc of one of `ours` (crate names) has compiled for longer than
/// `deadline`, or the whole build has taken [`WHOLE_BUILD_DEADLINES`] of them, the build is
/// killed. A unit's own time counts from its rustc's start, so the units that wait for the
/// dependencies, or behind a unit that never ends, are not late.
pub(crate) fn watch(
    group: u32,
    ours: &[String],
    deadline: Duration,
    ended: std::sync::mpsc::Receiver<()>,
) -> Watched {
    let started = std::time::Instant::now();
    loop {
        match ended.recv_timeout(WATCH_EVERY) {
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            _ => return Watched::Ended,
        }
        let late: Vec<String> = compiling(group)
            .into_iter()
            .filter(|(name, running)| *running >= deadline && ours.contains(name))
            .map(|(name, _)| name)
            .collect();
        if !late.is_empty() {
            kill_group(group);
            return Watched::Late(late);
        }
        if started.elapsed() >= deadline * WHOLE_BUILD_DEADLINES {
            kill_group(group);
            return Watched::Endless;
        }
    }
}

/// The crate names (`--crate-name`) of the rustc processes of the build whose cargo leads
/// process group `group`, with how long each has run: read from /proc.
fn compiling(group: u32) -> Vec<(String, Duration)> {
    // SAFETY: sysconf only returns a number.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let Some(uptime) = std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|u| u.split_whitespace().next()?.parse::<f64>().ok())
    else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // After the command's `)`: state, ppid, pgrp, … starttime (the 20th).
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            if fields.get(2)? != &group.to_string() {
                return None;
            }
            let start = fields.get(19)?.parse::<f64>().ok()? / ticks;
            let running = Duration::from_secs_f64((uptime - start).max(0.0));
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let words: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
            let name = words.windows(2).find(|w| w[0] == b"--crate-name")?[1];
            Some((String::from_utf8_lossy(name).into_owned(), running))
        })
        .collect()
}

/// Kills every process of the build whose cargo leads process group `group`.
fn kill_group(group: u32) {
    // SAFETY: kill with a negative pid only sends a signal to that process group.
    unsafe { libc::kill(-(group as libc::pid_t), libc::SIGKILL) };
}

/// The error of a unit still compiling at the build's deadline.
pub(crate) fn over_time(deadline: Duration) -> CompileError {
    CompileError::plain(format!(
        "the build of your file took longer than {} s, the limit of a build; it was stopped (a `const` evaluated in a loop, or a macro that expands without end?)",
        deadline.as_secs()
    ))
}

/// `error` headed by the build's memory bound when the rustc of binary `name` ran out of
/// its address space: const evaluation says so itself (`tried to allocate more memory than
/// available to compiler`), elsewhere rustc aborts (`memory allocation of N bytes failed`,
/// which cargo passes on).
pub(crate) fn name_the_memory_bound(
    mut error: CompileError,
    name: &str,
    cargo_stderr: &str,
    memory: u64,
) -> CompileError {
    let aborted = cargo_stderr.contains("memory allocation of")
        && cargo_stderr.contains(&format!("(bin \"{name}\")"));
    if aborted
        || error
            .headline
            .contains("more memory than available to compiler")
    {
        error.headline = format!(
            "the build of your file needed more than {} GiB of memory, the limit of a build; it was stopped (a huge `const` or `static`, or a macro that expands exponentially?)",
            memory >> 30
        );
        error.rendered = format!("error: {}\n{}", error.headline, error.rendered);
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_name_or_rustups_proxy_becomes_the_toolchains_own_binary() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("toolchain/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("cargo"), "").unwrap();
        std::fs::write(dir.path().join("rustup"), "").unwrap();
        let proxy = dir.path().join("cargo");
        std::os::unix::fs::symlink(dir.path().join("rustup"), &proxy).unwrap();
        assert_eq!(resolved(Path::new("cargo"), &bin), bin.join("cargo"));
        assert_eq!(resolved(&proxy, &bin), bin.join("cargo"));
        let other = dir.path().join("my-cargo");
        assert_eq!(resolved(&other, &bin), other, "a cargo named by path stays");
    }
}
