//! The sandbox every supervised program runs in (learners' programs and grading harnesses):
//! a fresh temporary working folder, an environment that holds only what the course defines,
//! no capabilities and no new privileges, and the kernel's own confinement where it has it —
//! landlock for files (read the system libraries and its own binary, write its own folder and
//! `LEARN_OUT`, execute only its own binary and the dynamic loader), for TCP (connect only to
//! its download server's port, bind nothing) and for signals (nothing outside its run), and a
//! seccomp filter that refuses new sessions and process groups, wider CPU affinity, ptrace,
//! every socket but TCP (UDP, Unix, raw, netlink, packet) and other ways out. No namespace is
//! used: GitHub's ubuntu-24.04 runners refuse unprivileged user namespaces, and `learn` must
//! not need root.
//!
//! Which protections the kernel offers is found once ([`kernel_protections`], a fact of the
//! machine); one a kernel lacks is said once on stderr and named in every report, and `learn
//! grade --require-sandbox` refuses to grade without all of them. [`SandboxSettings`] (from
//! `LEARN_SANDBOX_DISABLE`, read once at the command line's edge) switches protections off, to
//! simulate an older kernel; they travel with each run's [`SandboxRequest`], so no global
//! decides how a run is confined.
//!
//! Not here: the resource limits and CPU affinity (`limits.rs`, which calls
//! [`Entry::enter`] last in the child), and watching the run (`observe.rs`).

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use landlock::{
    ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, NetPort, Ruleset, RulesetAttr,
    RulesetCreated, RulesetCreatedAttr, Scope, path_beneath_rules,
};
use serde::Serialize;

/// The landlock ABI the rules are written for; a kernel with an older one enforces what it
/// knows of them (checked against [`Protections`], which says what is in force).
const WRITTEN_FOR: ABI = ABI::V7;

/// Read-only system paths every program may read (libraries, the loader's cache, locale and
/// time-zone data, and what `available_parallelism` looks at). Missing ones are skipped.
const SYSTEM_READ: [&str; 15] = [
    "/usr",
    "/lib",
    "/lib64",
    "/lib32",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/gai.conf",
    "/sys/fs/cgroup",
    "/sys/devices/system/cpu",
    "/dev/urandom",
    "/dev/random",
];

/// Devices a program may read and write.
const DEVICES_RW: [&str; 3] = ["/dev/null", "/dev/zero", "/dev/full"];

/// The dynamic loaders a program may execute (the kernel opens the loader for execution when
/// it starts a dynamically linked binary).
const LOADERS: [&str; 4] = [
    "/lib64/ld-linux-x86-64.so.2",
    "/lib/ld-linux-aarch64.so.1",
    "/lib/ld-linux-x86-64.so.2",
    "/lib/ld-linux.so.2",
];

/// Folders of system programs, executable only for [`SandboxRequest::system_programs`].
const SYSTEM_PROGRAMS: [&str; 4] = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"];

/// The system calls the seccomp filter refuses with `EPERM`: new sessions and process groups
/// (a daemon would leave the run's group), wider CPU affinity (a pinned run stays pinned),
/// reading or writing other processes' memory, namespaces, kernel keyrings, BPF, perf events,
/// userfaultfd, memory files that no limit sees, and io_uring (whose requests open sockets
/// and files that the filter of `socket()` never sees).
const REFUSED_SYSCALLS: [libc::c_long; 20] = [
    libc::SYS_setsid,
    libc::SYS_setpgid,
    libc::SYS_sched_setaffinity,
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_kcmp,
    libc::SYS_pidfd_getfd,
    libc::SYS_unshare,
    libc::SYS_setns,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_userfaultfd,
    libc::SYS_memfd_create,
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
];

/// The address families a program may open sockets of, for TCP only: its download server
/// listens on 127.0.0.1, and std tries every address a name resolves to (IPv6 included).
const SOCKET_FAMILIES: [libc::c_int; 2] = [libc::AF_INET, libc::AF_INET6];

/// The bits of `socket()`'s type argument that name the type (the kernel's
/// `SOCK_TYPE_MASK`): `SOCK_NONBLOCK` and `SOCK_CLOEXEC` are flags above them.
const SOCK_TYPE_MASK: u64 = 0xf;

/// The protocols a stream socket of [`SOCKET_FAMILIES`] may ask for: the default (TCP) and
/// TCP by name; not SCTP or MPTCP, which landlock's TCP rules do not confine.
const STREAM_PROTOCOLS: [libc::c_int; 2] = [0, libc::IPPROTO_TCP];

/// A protection that can be missing (on an older kernel) or switched off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// Landlock on files: reads, writes and executions confined (ABI 1).
    Filesystem,
    /// Landlock on TCP: connect only to the run's server port, bind nothing (ABI 4).
    Network,
    /// Landlock scopes: no signal outside the run (ABI 6).
    Signals,
    /// The seccomp filter of [`REFUSED_SYSCALLS`] and of sockets ([`refused_sockets`]).
    Seccomp,
}

impl Protection {
    /// Every protection, in report order.
    pub const ALL: [Protection; 4] = [
        Protection::Filesystem,
        Protection::Network,
        Protection::Signals,
        Protection::Seccomp,
    ];

    /// Its name in reports and in `LEARN_SANDBOX_DISABLE`.
    pub fn name(self) -> &'static str {
        match self {
            Protection::Filesystem => "filesystem",
            Protection::Network => "network",
            Protection::Signals => "signals",
            Protection::Seccomp => "seccomp",
        }
    }

    /// What the kernel needs to offer it.
    fn needs(self) -> &'static str {
        match self {
            Protection::Filesystem => "landlock ABI 1 (Linux 5.13)",
            Protection::Network => "landlock ABI 4 (Linux 6.7)",
            Protection::Signals => "landlock ABI 6 (Linux 6.12)",
            Protection::Seccomp => "seccomp filters",
        }
    }

    fn minimum_abi(self) -> i32 {
        match self {
            Protection::Filesystem => 1,
            Protection::Network => 4,
            Protection::Signals => 6,
            Protection::Seccomp => 0,
        }
    }
}

/// The protections in force for the runs of a grading: what the kernel offers, minus what
/// its [`SandboxSettings`] switch off. Written into every report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Protections {
    /// The kernel's landlock ABI version (0: no landlock).
    pub landlock_abi: i32,
    /// Files: see [`Protection::Filesystem`].
    pub filesystem: bool,
    /// TCP: see [`Protection::Network`].
    pub network: bool,
    /// Signals: see [`Protection::Signals`].
    pub signals: bool,
    /// System calls: see [`Protection::Seccomp`].
    pub seccomp: bool,
}

impl Protections {
    /// Whether `protection` is in force.
    pub fn has(&self, protection: Protection) -> bool {
        match protection {
            Protection::Filesystem => self.filesystem,
            Protection::Network => self.network,
            Protection::Signals => self.signals,
            Protection::Seccomp => self.seccomp,
        }
    }

    /// Whether every protection is in force.
    pub fn complete(&self) -> bool {
        Protection::ALL.iter().all(|&p| self.has(p))
    }

    /// The protections missing, by name.
    pub fn missing(&self) -> Vec<&'static str> {
        Protection::ALL
            .iter()
            .filter(|&&p| !self.has(p))
            .map(|p| p.name())
            .collect()
    }

    /// One line for people: `sandbox: landlock ABI 7; filesystem, network, signals, seccomp`
    /// (with `missing: …` when some are).
    pub fn summary(&self) -> String {
        let on: Vec<&str> = Protection::ALL
            .iter()
            .filter(|&&p| self.has(p))
            .map(|p| p.name())
            .collect();
        let mut line = format!(
            "sandbox: landlock ABI {}; in force: {}",
            self.landlock_abi,
            if on.is_empty() {
                "none".to_string()
            } else {
                on.join(", ")
            }
        );
        let missing = self.missing();
        if !missing.is_empty() {
            line.push_str(&format!("; MISSING: {}", missing.join(", ")));
        }
        line
    }
}

/// A name in `LEARN_SANDBOX_DISABLE` that is no protection's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "LEARN_SANDBOX_DISABLE: unknown protection `{0}` (known: filesystem, network, signals, seccomp)"
)]
pub struct UnknownProtection(pub String);

/// Which protections are switched off (`LEARN_SANDBOX_DISABLE`, to simulate an older
/// kernel): a value, parsed once at the command line's edge and carried down to each run
/// ([`SandboxRequest::settings`]); two graders with different settings in one process confine
/// differently. The default switches nothing off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SandboxSettings {
    /// Switched off, by [`Protection::ALL`]'s order.
    disabled: [bool; Protection::ALL.len()],
}

impl SandboxSettings {
    /// Settings that switch off the protections named in `disable` (comma-separated names of
    /// [`Protection::name`], the value of `LEARN_SANDBOX_DISABLE`). An unknown name is an
    /// error that says which names exist.
    pub fn parse(disable: &str) -> Result<SandboxSettings, UnknownProtection> {
        let mut settings = SandboxSettings::default();
        for name in disable.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match Protection::ALL.iter().position(|p| p.name() == name) {
                Some(i) => settings.disabled[i] = true,
                None => return Err(UnknownProtection(name.to_string())),
            }
        }
        Ok(settings)
    }

    /// Whether these settings switch `protection` off.
    pub fn disables(&self, protection: Protection) -> bool {
        Protection::ALL
            .iter()
            .position(|&p| p == protection)
            .is_some_and(|i| self.disabled[i])
    }

    /// The protections in force under these settings: what the kernel offers
    /// ([`kernel_protections`]) minus what they switch off.
    pub fn protections(&self) -> Protections {
        let offered = kernel_protections();
        let on = |p: Protection| offered.has(p) && !self.disables(p);
        Protections {
            landlock_abi: offered.landlock_abi,
            filesystem: on(Protection::Filesystem),
            network: on(Protection::Network),
            signals: on(Protection::Signals),
            seccomp: on(Protection::Seccomp),
        }
    }

    /// Why each protection not in force is missing (switched off, or what the kernel lacks),
    /// one sentence each, for the command line to say: nothing here prints.
    pub fn missing(&self) -> Vec<String> {
        let found = self.protections();
        Protection::ALL
            .iter()
            .filter(|&&p| !found.has(p))
            .map(|&p| {
                let why = if self.disables(p) {
                    "switched off by LEARN_SANDBOX_DISABLE".to_string()
                } else {
                    format!(
                        "this kernel lacks {} (landlock ABI {})",
                        p.needs(),
                        found.landlock_abi
                    )
                };
                format!(
                    "programs run without the sandbox's {} protection: {why}; reports say so",
                    p.name()
                )
            })
            .collect()
    }
}

/// The protections this machine's kernel offers, nothing switched off. Probed once and
/// cached: a fact of the machine, not a setting, the same whenever it is first asked (what a
/// run uses is [`SandboxSettings::protections`]).
pub fn kernel_protections() -> Protections {
    static OFFERED: OnceLock<Protections> = OnceLock::new();
    *OFFERED.get_or_init(|| {
        let abi = kernel_landlock_abi();
        let landlock = |p: Protection| abi >= p.minimum_abi();
        Protections {
            landlock_abi: abi,
            filesystem: landlock(Protection::Filesystem),
            network: landlock(Protection::Network),
            signals: landlock(Protection::Signals),
            seccomp: kernel_has_seccomp(),
        }
    })
}

/// The kernel's landlock ABI version, 0 without landlock.
fn kernel_landlock_abi() -> i32 {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
    // SAFETY: landlock_create_ruleset with a null attribute, size 0 and the VERSION flag only
    // returns a number; it reads and writes no memory.
    let version = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<u8>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    version.max(0) as i32
}

/// Whether the kernel has seccomp (`PR_GET_SECCOMP` answers rather than failing with EINVAL).
fn kernel_has_seccomp() -> bool {
    // SAFETY: PR_GET_SECCOMP only returns the calling thread's seccomp mode.
    unsafe { libc::prctl(libc::PR_GET_SECCOMP) >= 0 }
}

/// What one run may reach beyond its own temporary folder.
#[derive(Debug, Clone, Default)]
pub struct SandboxRequest {
    /// Folders it may write (e.g. `LEARN_OUT`).
    pub writable: Vec<PathBuf>,
    /// The TCP port on 127.0.0.1 it may connect to (its download server).
    pub connect_port: Option<u16>,
    /// Whether it may execute the system's programs (`/usr/bin`, `/bin`): only for tests of
    /// the supervisor that run shell scripts, never for a learner's program.
    pub system_programs: bool,
    /// Which protections are switched off for it (default: none).
    pub settings: SandboxSettings,
    /// Whether it holds a secret in its memory (a grading harness's proof): then its threads'
    /// own /proc files stay closed (among them each thread's `mem`). Otherwise the process
    /// probe reads its threads' `stat` and `schedstat` there, for the evidence of the work.
    pub secret_in_memory: bool,
}

impl SandboxRequest {
    /// A request that lets shell scripts run the system's programs (tests of the supervisor).
    pub fn system_programs() -> SandboxRequest {
        SandboxRequest {
            system_programs: true,
            ..SandboxRequest::default()
        }
    }
}

/// A run's sandbox, prepared in the runner before the fork: its folder, its environment, and
/// the landlock ruleset and seccomp program the child enters between fork and exec.
pub(super) struct Confinement {
    dir: tempfile::TempDir,
    entry: Option<Entry>,
}

/// What the child does to enter its sandbox (see [`Entry::enter`]).
pub(super) struct Entry {
    /// The landlock ruleset's descriptor (`None`: no landlock protection in force).
    ruleset: Option<OwnedFd>,
    /// Whether `ruleset` handles files, so that [`PROC_SELF`] must be granted.
    files: bool,
    /// Whether the threads' own files ([`PROC_SELF_THREADS`]) are granted too.
    threads: bool,
    seccomp: Option<&'static seccompiler::BpfProgram>,
    drop_root: Option<RootCaps>,
}

/// What dropping root's capabilities needs, found in the runner.
#[derive(Debug, Clone, Copy)]
struct RootCaps {
    last_cap: libc::c_int,
}

impl Confinement {
    /// Prepares the sandbox of one run of `program`; `probe` is the file the process probe
    /// writes (its folder becomes writable).
    pub(super) fn prepare(
        program: &Path,
        request: &SandboxRequest,
        probe: &Path,
    ) -> io::Result<Confinement> {
        let protections = request.settings.protections();
        let dir = tempfile::Builder::new().prefix("learn-run").tempdir()?;
        let mut writable = vec![dir.path().to_path_buf()];
        writable.extend(request.writable.iter().cloned());
        writable.extend(probe.parent().map(Path::to_path_buf));
        let landlock = protections.filesystem || protections.network || protections.signals;
        let ruleset = if landlock {
            ruleset(&protections, program, request, &writable)
                .map_err(|e| io::Error::other(format!("cannot prepare the landlock rules: {e}")))?
                .into()
        } else {
            None
        };
        let seccomp = if protections.seccomp {
            Some(seccomp_program()?)
        } else {
            None
        };
        Ok(Confinement {
            dir,
            entry: Some(Entry {
                ruleset,
                files: protections.filesystem,
                threads: !request.secret_in_memory,
                seccomp,
                drop_root: root_caps(),
            }),
        })
    }

    /// What the child must do to enter the sandbox; `None` once taken.
    pub(super) fn take_entry(&mut self) -> Option<Entry> {
        self.entry.take()
    }

    /// The run's working folder (also its HOME and TMPDIR), removed when the run ends.
    pub(super) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The environment the program starts with, besides the request's own `LEARN_*`
    /// variables: a fixed PATH and LANG, HOME and TMPDIR its own folder. Nothing of the
    /// runner's environment (no `GITHUB_*`, no `RUNNER_*`, no tokens).
    pub(super) fn base_env(&self) -> Vec<(String, String)> {
        let dir = self.dir().display().to_string();
        vec![
            ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
            ("LANG".into(), "C.UTF-8".into()),
            ("HOME".into(), dir.clone()),
            ("TMPDIR".into(), dir),
        ]
    }
}

impl Entry {
    /// Enters the sandbox: drops root's capabilities, then the landlock domain (with
    /// no_new_privs), then the seccomp filter. Runs in the child between fork and exec, after
    /// every other setup step (the seccomp filter refuses `setpgid` and `sched_setaffinity`):
    /// only system calls, no allocation. Returns the failing step and its error.
    pub(super) fn enter(&mut self) -> Result<(), (Step, io::Error)> {
        if let Some(root) = self.drop_root {
            drop_capabilities(root).map_err(|e| (Step::Capabilities, e))?;
        }
        // SAFETY: prctl(PR_SET_NO_NEW_PRIVS) only sets a flag on the calling process.
        if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
            return Err((Step::NoNewPrivs, io::Error::last_os_error()));
        }
        if let Some(ruleset) = self.ruleset.take() {
            restrict(ruleset, self.files, self.threads).map_err(|e| (Step::Landlock, e))?;
        }
        if let Some(program) = self.seccomp {
            seccompiler::apply_filter(program).map_err(|e| {
                let code = match e {
                    seccompiler::Error::Seccomp(e) | seccompiler::Error::Prctl(e) => {
                        e.raw_os_error()
                    }
                    _ => None,
                };
                (
                    Step::Seccomp,
                    io::Error::from_raw_os_error(code.unwrap_or(libc::EINVAL)),
                )
            })?;
        }
        Ok(())
    }
}

/// A step of setting up a child, to say which one failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Step {
    /// Nothing failed yet.
    None = 0,
    /// Death with the runner (PR_SET_PDEATHSIG).
    DeathSignal,
    /// A resource limit (setrlimit).
    ResourceLimit,
    /// The CPU affinity of a pinned run.
    Affinity,
    /// Dropping root's capabilities.
    Capabilities,
    /// no_new_privs.
    NoNewPrivs,
    /// Entering the landlock domain.
    Landlock,
    /// Installing the seccomp filter.
    Seccomp,
}

impl Step {
    /// The step recorded as `code`.
    pub(super) fn from_code(code: u8) -> Step {
        [
            Step::None,
            Step::DeathSignal,
            Step::ResourceLimit,
            Step::Affinity,
            Step::Capabilities,
            Step::NoNewPrivs,
            Step::Landlock,
            Step::Seccomp,
        ]
        .get(code as usize)
        .copied()
        .unwrap_or(Step::None)
    }

    /// What the step does, for the error message.
    pub(super) fn what(self) -> &'static str {
        match self {
            Step::None => "setting up the child process",
            Step::DeathSignal => "asking for death with the runner (PR_SET_PDEATHSIG)",
            Step::ResourceLimit => "setting a resource limit (setrlimit)",
            Step::Affinity => "pinning the run to one core (sched_setaffinity)",
            Step::Capabilities => "dropping root's capabilities (capset, PR_CAPBSET_DROP)",
            Step::NoNewPrivs => "forbidding new privileges (PR_SET_NO_NEW_PRIVS)",
            Step::Landlock => "entering the landlock domain (landlock_restrict_self)",
            Step::Seccomp => "installing the seccomp filter",
        }
    }
}

/// The files of the program's own /proc/PID a program may read, granted in the child itself
/// (the runner cannot name its /proc/PID before the fork): its status and memory map (which
/// std and glibc read), its cgroup and mounts (for `available_parallelism`) and the list of
/// its threads (which a harness counts), and its I/O counts (which the probe records). Not
/// `mem`, `environ`, `fd` or a thread's files: so not even the program's own memory can be
/// read through /proc.
const PROC_SELF: [(&CStr, u64); 7] = [
    (c"/proc/self/stat", LANDLOCK_ACCESS_FS_READ_FILE),
    (c"/proc/self/status", LANDLOCK_ACCESS_FS_READ_FILE),
    (c"/proc/self/maps", LANDLOCK_ACCESS_FS_READ_FILE),
    (c"/proc/self/cgroup", LANDLOCK_ACCESS_FS_READ_FILE),
    (c"/proc/self/mountinfo", LANDLOCK_ACCESS_FS_READ_FILE),
    (c"/proc/self/task", LANDLOCK_ACCESS_FS_READ_DIR),
    (c"/proc/self/io", LANDLOCK_ACCESS_FS_READ_FILE),
];

/// Beyond [`PROC_SELF`], for a program that holds no secret: /proc, where the process probe
/// of every copy of the program reads its own threads' state and CPU time and its I/O
/// (`/proc/self/task/TID/stat`, `schedstat`, `/proc/self/io`). A child process's /proc/PID is
/// not the parent's, so the parent's own files would not do. What another process's files
/// reveal beyond that is guarded by the kernel's ptrace check, which landlock extends: a
/// process outside the run's domain (the runner, the CI job) is refused (`environ`, `mem`,
/// `fd`); its `stat` and `cmdline` stay readable, as for any unprivileged program.
const PROC_SELF_THREADS: [(&CStr, u64); 1] = [(
    c"/proc",
    LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_READ_FILE,
)];

const LANDLOCK_ACCESS_FS_READ_FILE: u64 = 1 << 2;
const LANDLOCK_ACCESS_FS_READ_DIR: u64 = 1 << 3;
const LANDLOCK_RULE_PATH_BENEATH: libc::c_int = 1;

/// `struct landlock_path_beneath_attr` of the kernel's uapi (packed).
#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: libc::c_int,
}

/// In the child: grants [`PROC_SELF`] (when `files`; with [`PROC_SELF_THREADS`] when
/// `threads`), then enters the landlock domain of `ruleset`. Only system calls; a /proc file
/// that does not exist is skipped.
fn restrict(ruleset: OwnedFd, files: bool, threads: bool) -> io::Result<()> {
    let fd = ruleset.as_raw_fd();
    if files {
        let extra: &[(&CStr, u64)] = if threads { &PROC_SELF_THREADS } else { &[] };
        for &(path, access) in PROC_SELF.iter().chain(extra) {
            // SAFETY: open with a NUL-terminated path; the descriptor is closed below.
            let parent = unsafe { libc::open(path.as_ptr(), libc::O_PATH | libc::O_CLOEXEC) };
            if parent < 0 {
                continue;
            }
            let attr = PathBeneathAttr {
                allowed_access: access,
                parent_fd: parent,
            };
            // SAFETY: landlock_add_rule reads the attribute record on this stack frame.
            let r = unsafe {
                libc::syscall(
                    libc::SYS_landlock_add_rule,
                    fd,
                    LANDLOCK_RULE_PATH_BENEATH,
                    &attr as *const PathBeneathAttr,
                    0,
                )
            };
            let error = io::Error::last_os_error();
            // SAFETY: closes the descriptor opened above.
            unsafe { libc::close(parent) };
            if r != 0 {
                return Err(error);
            }
        }
    }
    // SAFETY: landlock_restrict_self on a ruleset descriptor this process owns.
    let r = unsafe { libc::syscall(libc::SYS_landlock_restrict_self, fd, 0) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    drop(ruleset);
    Ok(())
}

/// The landlock ruleset of one run, with only what `protections` has in force handled.
fn ruleset(
    protections: &Protections,
    program: &Path,
    request: &SandboxRequest,
    writable: &[PathBuf],
) -> Result<RulesetCreated, landlock::RulesetError> {
    let mut ruleset = Ruleset::default().set_compatibility(CompatLevel::BestEffort);
    if protections.filesystem {
        ruleset = ruleset.handle_access(AccessFs::from_all(WRITTEN_FOR))?;
    }
    if protections.network {
        ruleset = ruleset.handle_access(AccessNet::from_all(WRITTEN_FOR))?;
    }
    if protections.signals {
        ruleset = ruleset.scope(Scope::from_all(WRITTEN_FOR))?;
    }
    let mut created = ruleset.create()?;
    if protections.filesystem {
        let read = AccessFs::ReadFile | AccessFs::ReadDir;
        let exec = AccessFs::Execute | AccessFs::ReadFile;
        let write = AccessFs::from_all(WRITTEN_FOR) & !AccessFs::Execute;
        let device = AccessFs::ReadFile | AccessFs::WriteFile | AccessFs::IoctlDev;
        created = created
            .add_rules(path_beneath_rules(SYSTEM_READ, read))?
            .add_rules(path_beneath_rules(DEVICES_RW, device))?
            .add_rules(path_beneath_rules(LOADERS, exec))?
            .add_rules(path_beneath_rules([program], exec))?
            .add_rules(path_beneath_rules(writable, write))?;
        if request.system_programs {
            created = created.add_rules(path_beneath_rules(SYSTEM_PROGRAMS, exec))?;
        }
    }
    if protections.network
        && let Some(port) = request.connect_port
    {
        created = created.add_rule(NetPort::new(port, AccessNet::ConnectTcp))?;
    }
    Ok(created)
}

/// The `socket()` calls the seccomp filter refuses with `EPERM`, as rules on its arguments
/// (family, type, protocol): every family but [`SOCKET_FAMILIES`] (Unix sockets, whose
/// pathname or abstract address reaches processes outside the run, netlink, packet, …); in
/// those, every type but `SOCK_STREAM` (UDP, raw, …) and every stream protocol but
/// [`STREAM_PROTOCOLS`]. `socketpair` is another system call and stays allowed: its two
/// ends are both in the run.
fn refused_sockets() -> Result<Vec<seccompiler::SeccompRule>, seccompiler::BackendError> {
    use seccompiler::{SeccompCmpArgLen::Dword, SeccompCmpOp, SeccompCondition, SeccompRule};
    let arg = |index: u8, op: SeccompCmpOp, value: libc::c_int| {
        SeccompCondition::new(index, Dword, op, value as u64)
    };
    let family = |op: SeccompCmpOp, value: libc::c_int| arg(0, op, value);
    let mut rules = vec![SeccompRule::new(
        SOCKET_FAMILIES
            .iter()
            .map(|&f| family(SeccompCmpOp::Ne, f))
            .collect::<Result<_, _>>()?,
    )?];
    for &f in &SOCKET_FAMILIES {
        for kind in (0..=SOCK_TYPE_MASK as libc::c_int).filter(|&t| t != libc::SOCK_STREAM) {
            rules.push(SeccompRule::new(vec![
                family(SeccompCmpOp::Eq, f)?,
                arg(1, SeccompCmpOp::MaskedEq(SOCK_TYPE_MASK), kind)?,
            ])?);
        }
        let mut other_protocol = vec![
            family(SeccompCmpOp::Eq, f)?,
            arg(1, SeccompCmpOp::MaskedEq(SOCK_TYPE_MASK), libc::SOCK_STREAM)?,
        ];
        for &protocol in &STREAM_PROTOCOLS {
            other_protocol.push(arg(2, SeccompCmpOp::Ne, protocol)?);
        }
        rules.push(SeccompRule::new(other_protocol)?);
    }
    Ok(rules)
}

/// The seccomp program of [`REFUSED_SYSCALLS`] and [`refused_sockets`], compiled once.
fn seccomp_program() -> io::Result<&'static seccompiler::BpfProgram> {
    static PROGRAM: OnceLock<Result<seccompiler::BpfProgram, String>> = OnceLock::new();
    PROGRAM
        .get_or_init(|| {
            let mut rules: std::collections::BTreeMap<_, _> = REFUSED_SYSCALLS
                .iter()
                .map(|&call| (call, Vec::new()))
                .collect();
            rules.insert(
                libc::SYS_socket,
                refused_sockets().map_err(|e| format!("{e}"))?,
            );
            let arch = std::env::consts::ARCH
                .try_into()
                .map_err(|e| format!("{e}"))?;
            let filter = seccompiler::SeccompFilter::new(
                rules,
                seccompiler::SeccompAction::Allow,
                seccompiler::SeccompAction::Errno(libc::EPERM as u32),
                arch,
            )
            .map_err(|e| format!("{e}"))?;
            filter
                .try_into()
                .map_err(|e: seccompiler::BackendError| format!("{e}"))
        })
        .as_ref()
        .map_err(|e| io::Error::other(format!("cannot build the seccomp filter: {e}")))
}

/// The last capability where the kernel does not say (`/proc/sys/kernel/cap_last_cap`):
/// CAP_CHECKPOINT_RESTORE, the last of Linux 5.9 and later.
const LAST_CAP_KNOWN: libc::c_int = 40;

/// Root's capabilities are dropped when the runner has them (CI runs as root): found here.
fn root_caps() -> Option<RootCaps> {
    // SAFETY: geteuid only returns a number.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    static LAST: OnceLock<libc::c_int> = OnceLock::new();
    let last_cap = *LAST.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(LAST_CAP_KNOWN)
    });
    Some(RootCaps { last_cap })
}

/// Drops every capability of a process running as root, for good: root gets no capability
/// back when it executes a program (SECBIT_NOROOT, locked), the bounding and ambient sets are
/// emptied, then the effective, permitted and inheritable sets. Only system calls.
fn drop_capabilities(root: RootCaps) -> io::Result<()> {
    const SECBIT_NOROOT: libc::c_ulong = 1 << 0;
    const SECBIT_NOROOT_LOCKED: libc::c_ulong = 1 << 1;
    const SECBIT_NO_SETUID_FIXUP: libc::c_ulong = 1 << 2;
    const SECBIT_NO_SETUID_FIXUP_LOCKED: libc::c_ulong = 1 << 3;
    const SECBIT_KEEP_CAPS_LOCKED: libc::c_ulong = 1 << 5;
    const SECBIT_NO_CAP_AMBIENT_RAISE: libc::c_ulong = 1 << 6;
    const SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED: libc::c_ulong = 1 << 7;
    const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;
    #[repr(C)]
    struct Header {
        version: u32,
        pid: libc::c_int,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    let check = |r: libc::c_int| {
        if r == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    };
    let bits = SECBIT_NOROOT
        | SECBIT_NOROOT_LOCKED
        | SECBIT_NO_SETUID_FIXUP
        | SECBIT_NO_SETUID_FIXUP_LOCKED
        | SECBIT_KEEP_CAPS_LOCKED
        | SECBIT_NO_CAP_AMBIENT_RAISE
        | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
    // SAFETY: these prctl calls only change the calling process's capability state; the
    // capset call reads a header and two data records that live on this stack frame.
    unsafe {
        check(libc::prctl(libc::PR_SET_SECUREBITS, bits, 0, 0, 0))?;
        for cap in 0..=root.last_cap {
            let r = libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0);
            if r != 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINVAL) {
                return Err(io::Error::last_os_error());
            }
        }
        check(libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
            0,
            0,
            0,
        ))?;
        let header = Header {
            version: LINUX_CAPABILITY_VERSION_3,
            pid: 0,
        };
        let data = [Data {
            effective: 0,
            permitted: 0,
            inheritable: 0,
        }; 2];
        check(libc::syscall(libc::SYS_capset, &header, data.as_ptr()) as libc::c_int)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_names_what_is_missing() {
        let partial = Protections {
            landlock_abi: 5,
            filesystem: true,
            network: true,
            signals: false,
            seccomp: true,
        };
        assert!(!partial.complete());
        assert_eq!(partial.missing(), ["signals"]);
        assert_eq!(
            partial.summary(),
            "sandbox: landlock ABI 5; in force: filesystem, network, seccomp; MISSING: signals"
        );
    }

    #[test]
    fn an_unknown_protection_is_refused_with_the_known_names() {
        let settings = SandboxSettings::parse(" network,,signals ").unwrap();
        assert!(settings.disables(Protection::Network) && settings.disables(Protection::Signals));
        assert!(
            !settings.disables(Protection::Filesystem) && !settings.disables(Protection::Seccomp)
        );
        let error = SandboxSettings::parse("network,landlock").unwrap_err();
        assert_eq!(
            error.to_string(),
            "LEARN_SANDBOX_DISABLE: unknown protection `landlock` (known: filesystem, network, signals, seccomp)"
        );
    }

    #[test]
    fn each_run_is_confined_by_its_own_settings_whatever_ran_before() {
        let kernel = kernel_protections();
        assert!(
            kernel.complete(),
            "this machine cannot show the difference: {}",
            kernel.summary()
        );
        let program = std::env::current_exe().unwrap();
        let probe_dir = tempfile::tempdir().unwrap();
        let probe = probe_dir.path().join("probe");
        let unconfined = SandboxRequest {
            settings: SandboxSettings::parse("filesystem,network,signals,seccomp").unwrap(),
            ..SandboxRequest::default()
        };
        let confined = SandboxRequest::default();
        for request in [&unconfined, &confined, &unconfined, &confined] {
            let mut confinement = Confinement::prepare(&program, request, &probe).unwrap();
            let entry = confinement.take_entry().unwrap();
            let expected = request.settings.protections();
            assert_eq!(entry.ruleset.is_some(), expected.filesystem, "{expected:?}");
            assert_eq!(entry.files, expected.filesystem, "{expected:?}");
            assert_eq!(entry.seccomp.is_some(), expected.seccomp, "{expected:?}");
        }
        assert!(!unconfined.settings.protections().filesystem);
        assert!(confined.settings.protections().complete());
    }

    #[test]
    fn every_step_code_reads_back_as_its_step() {
        for step in [Step::DeathSignal, Step::Landlock, Step::Seccomp] {
            assert_eq!(Step::from_code(step as u8), step);
        }
        assert_eq!(Step::from_code(200), Step::None);
    }
}
