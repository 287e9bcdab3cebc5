// The process and thread probe, linked into every exercise binary `learn` builds (see
// probe.rs). It is compiled on its own as a `no_std` object; it is not a module of `learn`.
// The types and constants it uses (`c_int`, `O_*`, `CLOCK_*`, `SYS_gettid`, …) are not
// written here: probe.rs prepends them, generated from learn's own `libc` crate, so that
// they are right for the machine that builds the exercise. It is not the reader of its
// records (src/supervise/probe.rs is), and it judges nothing.
//
// Without LEARN_PROBE in the environment it records nothing and changes nothing. With it,
// every line below is appended (one `write` each, under O_APPEND) to the file it names:
//
//   start PID PPID NANOS                  a copy of the program started (a constructor)
//   made CREATOR PTHREAD NANOS            thread CREATOR created a thread (pthread_create
//                                         returned), which may not have begun by its exit
//   thread TID PID CREATOR PTHREAD NANOS  a thread began, created by thread CREATOR
//   tend TID NANOS CPU_NS                 that thread's start routine returned, after using
//                                         CPU_NS of CPU time (CLOCK_THREAD_CPUTIME_ID)
//   join PTHREAD BY FROM TO               thread BY waited in pthread_join for PTHREAD from
//                                         FROM until it returned at TO
//   sleep TID FROM TO                     thread TID slept (clock_nanosleep, nanosleep) from
//                                         FROM to TO, when that was at least 2 ms
//   alive TID CPU_NS                      at exit: a thread still running (blocked, or still
//                                         runnable 500 ms after the exit began), its CPU time
//   exit PID NANOS CPU_NS RCHAR WCHAR     the program exits: the process's CPU time, and the
//                                         bytes it read and wrote (/proc/self/io), the
//                                         probe's own reads and writes left out
//   socket FAMILY TYPE PROTOCOL           a socket() the sandbox refused (EPERM), with its
//                                         arguments, so that the report can name it
//   nothread PID MAX                      pthread_create refused (EAGAIN), once per process:
//                                         MAX threads created through it already run
//   stdin PID BYTES                       at exit, before `exit`: the bytes the process read
//                                         from fd 0 (read wrapped)
//   fd PID FD INODE                       at start: the pipe fd 0, 1 or 2 is (its inode), or 0
//                                         when it is no pipe, so that the reader knows whose
//                                         writes reached the run's own stdout and stderr
//   w PID TID FD SEQ LEN DIGEST           thread TID is about to write LEN bytes to fd 1 or 2
//                                         (write, writev): the SEQ-th write of this process to
//                                         that fd, DIGEST the FNV-1a hash of the bytes
//   wn PID FD SEQ N DIGEST                that write wrote N bytes only (partial, or failed:
//                                         0), DIGEST their hash; absent when it wrote them all
//
// With LEARN_PROBE_THREADS=MAX too, at most MAX threads created through pthread_create run at
// once in a process: the supervisor's thread bound is sampled, and a burst between two samples
// could otherwise take the machine's pids.
//
// NANOS are CLOCK_MONOTONIC. pthread_create, pthread_join, nanosleep, clock_nanosleep,
// socket, write, writev and read are wrapped at link time (`-Wl,--wrap=…`, set by the build
// script): calls from the program and from Rust's standard library go through the `__wrap_`
// functions here, which call the real ones. A write is recorded before it is made, so that a process killed after writing never
// leaves bytes without a record (one killed before writing leaves a record without bytes, which
// the reader forgives a process that did not exit by itself); the probe copies no byte of it,
// it only hashes them. Rust's standard library writes stdout and stderr under a lock, so the
// SEQ of one process's writes to one fd is their order in the stream.
//
// The constructor also sets PR_SET_PDEATHSIG to SIGKILL, so that a copy of the program dies
// when the thread that started it dies (`learn` killed, even by SIGKILL, or a parent process
// gone): nothing a run starts outlives it.
//
// It calls nothing from `core` that could panic, so it links with any toolchain.
#![no_std]
#![allow(non_camel_case_types)]

use core::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};

type c_char = u8;
type c_void = u8;
type start_routine = extern "C" fn(*mut c_void) -> *mut c_void;

#[repr(C)]
struct iovec {
    base: *const u8,
    len: usize,
}

#[repr(C)]
struct timespec {
    tv_sec: time_t,
    tv_nsec: c_long,
}

extern "C" {
    fn getenv(name: *const c_char) -> *const c_char;
    fn getpid() -> c_int;
    fn getppid() -> c_int;
    fn getpgid(pid: c_int) -> c_int;
    fn open(path: *const c_char, flags: c_int, mode: c_int) -> c_int;
    fn __real_read(fd: c_int, buf: *mut u8, count: usize) -> isize;
    fn __real_write(fd: c_int, buf: *const u8, count: usize) -> isize;
    fn __real_writev(fd: c_int, iov: *const iovec, count: c_int) -> isize;
    fn readlink(path: *const c_char, buf: *mut u8, size: usize) -> isize;
    fn close(fd: c_int) -> c_int;
    fn clock_gettime(clock: c_int, ts: *mut timespec) -> c_int;
    fn atexit(f: extern "C" fn()) -> c_int;
    fn malloc(size: usize) -> *mut c_void;
    fn free(ptr: *mut c_void);
    fn syscall(number: c_long, ...) -> c_long;
    fn prctl(option: c_int, ...) -> c_int;
    fn _exit(code: c_int) -> !;
    fn pthread_self() -> pthread_t;
    fn __real_pthread_create(
        thread: *mut pthread_t,
        attr: *const c_void,
        start: start_routine,
        arg: *mut c_void,
    ) -> c_int;
    fn __real_pthread_join(thread: pthread_t, retval: *mut *mut c_void) -> c_int;
    fn __real_nanosleep(req: *const timespec, rem: *mut timespec) -> c_int;
    fn __errno_location() -> *mut c_int;
    fn __real_socket(family: c_int, kind: c_int, protocol: c_int) -> c_int;
    fn __real_clock_nanosleep(
        clock: c_int,
        flags: c_int,
        req: *const timespec,
        rem: *mut timespec,
    ) -> c_int;
}

/// The path from LEARN_PROBE, read once by the constructor; null: record nothing.
static PATH: AtomicPtr<c_char> = AtomicPtr::new(core::ptr::null_mut());

/// Bytes the probe itself read and wrote, left out of the process's I/O in its exit record.
static OWN_READ: AtomicU64 = AtomicU64::new(0);
static OWN_WRITTEN: AtomicU64 = AtomicU64::new(0);

/// The most threads created through the wrapper that may run at once (LEARN_PROBE_THREADS;
/// 0: no bound), how many do, and whether a refusal was recorded.
static MAX_RUNNING: AtomicU32 = AtomicU32::new(0);
static RUNNING: AtomicU32 = AtomicU32::new(0);
static REFUSED: AtomicU32 = AtomicU32::new(0);

/// Tids of the threads started through the wrapper that are still running (0: a free slot),
/// so that the exit record can list those that never ended.
static LIVE: [AtomicU32; 256] = [const { AtomicU32::new(0) }; 256];

/// Bytes this process read from fd 0.
static STDIN_READ: AtomicU64 = AtomicU64::new(0);

/// How many writes this process began to fd 1 and fd 2: the next SEQ of each.
static WRITES: [AtomicU64; 2] = [const { AtomicU64::new(0) }; 2];

#[used]
#[link_section = ".init_array"]
static LEARN_PROBE_INIT: extern "C" fn() = learn_probe_start;

struct Line {
    buf: [u8; 160],
    len: usize,
}

impl Line {
    fn new(tag: &[u8]) -> Line {
        let mut line = Line {
            buf: [0; 160],
            len: 0,
        };
        line.text(tag);
        line
    }

    fn text(&mut self, s: &[u8]) {
        for &byte in s {
            let Some(free) = self.buf.get_mut(self.len) else {
                return;
            };
            *free = byte;
            self.len += 1;
        }
    }

    /// The bytes written so far.
    fn bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// A space, then `n` in decimal.
    fn number(&mut self, n: u64) {
        self.text(b" ");
        self.digits(n);
    }

    /// `n` in decimal.
    fn digits(&mut self, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut count = 0;
        for digit in digits.iter_mut() {
            *digit = b'0' + (n % 10) as u8;
            count += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        for &digit in digits.iter().take(count).rev() {
            self.text(&[digit]);
        }
    }

    /// Appends the line (with its newline) to the probe file.
    fn append(mut self) {
        self.text(b"\n");
        let path = PATH.load(Ordering::Relaxed);
        if path.is_null() {
            return;
        }
        // SAFETY: `path` is the NUL-terminated value of LEARN_PROBE, which the environment
        // keeps; `buf` holds `len` initialised bytes.
        unsafe {
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644);
            if fd >= 0 {
                let bytes = self.bytes();
                let n = __real_write(fd, bytes.as_ptr(), bytes.len());
                OWN_WRITTEN.fetch_add(n.max(0) as u64, Ordering::Relaxed);
                close(fd);
            }
        }
    }
}

fn clock_nanos(clock: c_int) -> u64 {
    let mut ts = timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec given.
    unsafe { clock_gettime(clock, &mut ts) };
    (ts.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(ts.tv_nsec as u64)
}

fn now() -> u64 {
    clock_nanos(CLOCK_MONOTONIC)
}

fn gettid() -> u32 {
    // SAFETY: the gettid system call takes no argument and cannot fail.
    unsafe { syscall(SYS_gettid) as u32 }
}

fn enabled() -> bool {
    !PATH.load(Ordering::Relaxed).is_null()
}

/// Reads up to `buf.len()` bytes of the file at `path` (which ends with a NUL byte); the
/// count read.
fn read_file(path: &[u8], buf: &mut [u8]) -> usize {
    if path.last() != Some(&0) {
        return 0;
    }
    // SAFETY: `path` ends with a NUL byte; `read` writes at most `buf.len()` bytes into buf.
    unsafe {
        let fd = open(path.as_ptr(), O_RDONLY | O_CLOEXEC, 0);
        if fd < 0 {
            return 0;
        }
        let n = __real_read(fd, buf.as_mut_ptr(), buf.len());
        close(fd);
        OWN_READ.fetch_add(n.max(0) as u64, Ordering::Relaxed);
        if n > 0 { n as usize } else { 0 }
    }
}

/// The number after `key` in `text` (as in `wchar: 123`), or 0.
fn field(text: &[u8], key: &[u8]) -> u64 {
    text.windows(key.len())
        .position(|window| window == key)
        .and_then(|at| text.get(at + key.len()..))
        .map_or(0, leading_number)
}

/// The decimal number at the start of `text`, after any spaces.
fn leading_number(text: &[u8]) -> u64 {
    text.iter()
        .skip_while(|&&byte| byte == b' ')
        .take_while(|byte| byte.is_ascii_digit())
        .fold(0u64, |n, &digit| {
            n.wrapping_mul(10).wrapping_add((digit - b'0') as u64)
        })
}

/// CPU time of thread `tid` of this process, from /proc/self/task/TID/schedstat.
fn thread_cpu(tid: u32) -> u64 {
    let mut path = Line::new(b"/proc/self/task/");
    path.digits(tid as u64);
    path.text(b"/schedstat\0");
    let mut buf = [0u8; 96];
    let n = read_file(path.bytes(), &mut buf);
    leading_number(buf.get(..n).unwrap_or(&[]))
}

extern "C" fn learn_probe_start() {
    // SAFETY: getenv returns null or a pointer into the environment, which lives as long as
    // the process (the program may change its environment only after this constructor).
    let path = unsafe { getenv(b"LEARN_PROBE\0".as_ptr()) };
    if path.is_null() {
        return;
    }
    PATH.store(path as *mut c_char, Ordering::Relaxed);
    // SAFETY: as above.
    let max = unsafe { getenv(b"LEARN_PROBE_THREADS\0".as_ptr()) };
    if !max.is_null() {
        let mut digits = [0u8; 12];
        for (i, digit) in digits.iter_mut().enumerate() {
            // SAFETY: the value is NUL-terminated, and no byte past the NUL is read.
            let byte = unsafe { *max.add(i) };
            if byte == 0 {
                break;
            }
            *digit = byte;
        }
        MAX_RUNNING.store(leading_number(&digits) as u32, Ordering::Relaxed);
    }
    // SAFETY: getpid, getppid, getpgid, prctl and _exit have no memory-safety preconditions.
    unsafe {
        let parent = getppid();
        prctl(PR_SET_PDEATHSIG, SIGKILL as c_long);
        // Every copy but the first stays in the first's process group (the sandbox refuses
        // setpgid and setsid), so a parent outside it is not the one that started this copy:
        // that one died between its fork and this constructor, and this copy was handed to
        // init or a subreaper (`learn` killed mid-run, or a parent that did not wait).
        let first = getpgid(0) == getpid();
        let adopted = !first && getpgid(parent) != getpgid(0);
        if getppid() != parent || adopted {
            // The parent died before the death signal was armed: die as it would have.
            _exit(137);
        }
    }
    let mut line = Line::new(b"start");
    // SAFETY: getpid and getppid cannot fail.
    let (pid, parent) = unsafe { (getpid(), getppid()) };
    line.number(pid as u64);
    line.number(parent as u64);
    line.number(now());
    line.append();
    for fd in 0..3 {
        let mut line = Line::new(b"fd");
        line.number(pid as u64);
        line.number(fd);
        line.number(pipe_inode(fd));
        line.append();
    }
    // SAFETY: learn_probe_exit is a plain extern "C" function that lives forever.
    unsafe { atexit(learn_probe_exit) };
}

/// Whether thread `tid` of this process is runnable (state `R` in /proc/self/task/TID/stat):
/// still on its way out or working, not blocked.
fn runnable(tid: u32) -> bool {
    let mut path = Line::new(b"/proc/self/task/");
    path.digits(tid as u64);
    path.text(b"/stat\0");
    let mut buf = [0u8; 512];
    let n = read_file(path.bytes(), &mut buf);
    let stat = buf.get(..n).unwrap_or(&[]);
    let after_name = stat.iter().rposition(|&b| b == b')').map_or(0, |i| i + 1);
    stat.get(after_name..)
        .and_then(|rest| rest.iter().find(|&&b| b != b' '))
        == Some(&b'R')
}

/// Whether a thread started through the wrapper is still running and runnable.
fn any_finishing() -> bool {
    LIVE.iter().any(|slot| {
        let tid = slot.load(Ordering::Relaxed);
        tid != 0 && runnable(tid)
    })
}

extern "C" fn learn_probe_exit() {
    let at = now();
    // SAFETY: getpid cannot fail.
    let pid = unsafe { getpid() } as u32;
    // A thread that `thread::scope` waited for may still be returning from its start routine
    // when main returns, runnable but not yet run on a busy machine: give runnable threads up
    // to 500 ms to record their end. Threads blocked (a deadlock, a sleep) are not waited
    // for, and are listed as alive.
    let pause = timespec {
        tv_sec: 0,
        tv_nsec: 1_000_000,
    };
    while any_finishing() && now().wrapping_sub(at) < 500_000_000 {
        // SAFETY: nanosleep reads the timespec given; no remainder is asked for.
        unsafe { __real_nanosleep(&pause, core::ptr::null_mut()) };
    }
    for slot in LIVE.iter() {
        let tid = slot.load(Ordering::Relaxed);
        if tid != 0 {
            let mut line = Line::new(b"alive");
            line.number(tid as u64);
            line.number(thread_cpu(tid));
            line.append();
        }
    }
    let mut line = Line::new(b"alive");
    line.number(pid as u64);
    line.number(thread_cpu(pid));
    line.append();
    let mut line = Line::new(b"stdin");
    line.number(pid as u64);
    line.number(STDIN_READ.load(Ordering::Relaxed));
    line.append();
    let mut io = [0u8; 512];
    let n = read_file(b"/proc/self/io\0", &mut io);
    let io = io.get(..n).unwrap_or(&[]);
    let mut line = Line::new(b"exit");
    line.number(pid as u64);
    line.number(at);
    line.number(clock_nanos(CLOCK_PROCESS_CPUTIME_ID));
    let own_read = OWN_READ.load(Ordering::Relaxed);
    let own_written = OWN_WRITTEN.load(Ordering::Relaxed);
    line.number(field(io, b"rchar:").saturating_sub(own_read));
    line.number(field(io, b"wchar:").saturating_sub(own_written));
    line.append();
}

/// What a thread created through the wrapper must run, handed to [`launch`].
#[repr(C)]
struct Launch {
    start: start_routine,
    arg: *mut c_void,
    creator: u32,
}

/// The start routine of every wrapped thread: records its start, runs the real routine,
/// records its end and CPU time.
extern "C" fn launch(launch: *mut c_void) -> *mut c_void {
    // SAFETY: `launch` is the Launch that __wrap_pthread_create allocated and initialised
    // for this thread alone; it is read once and freed here.
    let Launch {
        start,
        arg,
        creator,
    } = unsafe {
        let value = core::ptr::read(launch as *const Launch);
        free(launch);
        value
    };
    let tid = gettid();
    let slot = LIVE
        .iter()
        .find(|slot| {
            slot.compare_exchange(0, tid, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        });
    let mut line = Line::new(b"thread");
    line.number(tid as u64);
    // SAFETY: getpid and pthread_self cannot fail.
    let (pid, me) = unsafe { (getpid(), pthread_self()) };
    line.number(pid as u64);
    line.number(creator as u64);
    line.number(me as u64);
    line.number(now());
    line.append();
    let result = start(arg);
    let mut line = Line::new(b"tend");
    line.number(tid as u64);
    line.number(now());
    line.number(clock_nanos(CLOCK_THREAD_CPUTIME_ID));
    line.append();
    if let Some(slot) = slot {
        slot.store(0, Ordering::Relaxed);
    }
    RUNNING.fetch_sub(1, Ordering::Relaxed);
    result
}

/// Whether one more thread may run (counted as running if so); a refusal is recorded once.
fn may_run_one_more() -> bool {
    let running = RUNNING.fetch_add(1, Ordering::Relaxed);
    let max = MAX_RUNNING.load(Ordering::Relaxed);
    if max == 0 || running < max {
        return true;
    }
    RUNNING.fetch_sub(1, Ordering::Relaxed);
    if REFUSED.swap(1, Ordering::Relaxed) == 0 {
        let mut line = Line::new(b"nothread");
        // SAFETY: getpid cannot fail.
        line.number(unsafe { getpid() } as u64);
        line.number(max as u64);
        line.append();
    }
    false
}

/// pthread_create, with the new thread's start and end recorded.
///
/// # Safety
/// As pthread_create.
#[no_mangle]
pub unsafe extern "C" fn __wrap_pthread_create(
    thread: *mut pthread_t,
    attr: *const c_void,
    start: start_routine,
    arg: *mut c_void,
) -> c_int {
    if !enabled() {
        // SAFETY: the caller's arguments, passed on unchanged.
        return unsafe { __real_pthread_create(thread, attr, start, arg) };
    }
    if !may_run_one_more() {
        return EAGAIN;
    }
    // SAFETY: malloc returns null or memory for one Launch, which is written before use.
    unsafe {
        let boxed = malloc(core::mem::size_of::<Launch>()) as *mut Launch;
        if boxed.is_null() {
            // Not launched through the wrapper: not counted.
            RUNNING.fetch_sub(1, Ordering::Relaxed);
            return __real_pthread_create(thread, attr, start, arg);
        }
        core::ptr::write(
            boxed,
            Launch {
                start,
                arg,
                creator: gettid(),
            },
        );
        let rc = __real_pthread_create(thread, attr, launch, boxed as *mut c_void);
        if rc != 0 {
            RUNNING.fetch_sub(1, Ordering::Relaxed);
            free(boxed as *mut c_void);
        } else {
            let mut line = Line::new(b"made");
            line.number(gettid() as u64);
            line.number(*thread as u64);
            line.number(now());
            line.append();
        }
        rc
    }
}

/// pthread_join, with the join recorded once it returned.
///
/// # Safety
/// As pthread_join.
#[no_mangle]
pub unsafe extern "C" fn __wrap_pthread_join(thread: pthread_t, retval: *mut *mut c_void) -> c_int {
    let from = now();
    // SAFETY: the caller's arguments, passed on unchanged.
    let rc = unsafe { __real_pthread_join(thread, retval) };
    if rc == 0 && enabled() {
        let mut line = Line::new(b"join");
        line.number(thread as u64);
        line.number(gettid() as u64);
        line.number(from);
        line.number(now());
        line.append();
    }
    rc
}

/// Records a sleep of thread `tid` from `from` to `to`, when it lasted 2 ms or more (shorter
/// ones are polling, and would only fill the file).
fn record_sleep(from: u64, to: u64) {
    if enabled() && to.wrapping_sub(from) >= 2_000_000 {
        let mut line = Line::new(b"sleep");
        line.number(gettid() as u64);
        line.number(from);
        line.number(to);
        line.append();
    }
}

/// nanosleep, with the sleep recorded.
///
/// # Safety
/// As nanosleep.
#[no_mangle]
pub unsafe extern "C" fn __wrap_nanosleep(req: *const timespec, rem: *mut timespec) -> c_int {
    let from = now();
    // SAFETY: the caller's arguments, passed on unchanged.
    let rc = unsafe { __real_nanosleep(req, rem) };
    record_sleep(from, now());
    rc
}

/// clock_nanosleep (what Rust's `thread::sleep` calls), with the sleep recorded.
///
/// # Safety
/// As clock_nanosleep.
#[no_mangle]
pub unsafe extern "C" fn __wrap_clock_nanosleep(
    clock: c_int,
    flags: c_int,
    req: *const timespec,
    rem: *mut timespec,
) -> c_int {
    let from = now();
    // SAFETY: the caller's arguments, passed on unchanged.
    let rc = unsafe { __real_clock_nanosleep(clock, flags, req, rem) };
    record_sleep(from, now());
    rc
}

/// socket, with a refusal by the sandbox (EPERM) recorded: the sandbox allows TCP only, and
/// the report says which socket the program tried. The caller sees the refusal's errno.
///
/// # Safety
/// As socket.
#[no_mangle]
pub unsafe extern "C" fn __wrap_socket(family: c_int, kind: c_int, protocol: c_int) -> c_int {
    // SAFETY: the caller's arguments, passed on unchanged.
    let fd = unsafe { __real_socket(family, kind, protocol) };
    // SAFETY: __errno_location returns this thread's errno, valid for the thread's life.
    let errno = unsafe { __errno_location() };
    // SAFETY: as above.
    let error = unsafe { *errno };
    if fd < 0 && error == EPERM && enabled() {
        let mut line = Line::new(b"socket");
        line.number(family as u64);
        line.number(kind as u64);
        line.number(protocol as u64);
        line.append();
        // SAFETY: as above; the record's own system calls must not change what the caller sees.
        unsafe { *errno = error };
    }
    fd
}

/// The inode of the pipe `fd` is (from the link /proc/self/fd/FD, `pipe:[INODE]`), or 0.
fn pipe_inode(fd: u64) -> u64 {
    let mut path = Line::new(b"/proc/self/fd/");
    path.digits(fd);
    path.text(b"\0");
    let mut target = [0u8; 64];
    // SAFETY: the path ends with a NUL byte; readlink writes at most `target.len()` bytes.
    let n = unsafe { readlink(path.bytes().as_ptr(), target.as_mut_ptr(), target.len()) };
    let target = target.get(..n.max(0) as usize).unwrap_or(&[]);
    match target.strip_prefix(b"pipe:[") {
        Some(rest) => leading_number(rest),
        None => 0,
    }
}

/// FNV-1a, 64 bits, of `bytes`, continuing from `hash`.
fn fnv(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// The FNV-1a offset basis: the hash of no byte.
const FNV_START: u64 = 0xcbf29ce484222325;

/// FNV-1a of the first `count` bytes of the buffers `iov`.
///
/// # Safety
/// `iov` points to `iovcnt` iovecs, each of readable memory.
unsafe fn hash_iov(iov: *const iovec, iovcnt: c_int, mut count: usize) -> u64 {
    let mut hash = FNV_START;
    for i in 0..iovcnt.max(0) as usize {
        // SAFETY: as the caller promised, `iov` has `iovcnt` entries of readable memory.
        let part = unsafe {
            let v = &*iov.add(i);
            core::slice::from_raw_parts(v.base, v.len.min(count))
        };
        hash = fnv(hash, part);
        count -= part.len();
    }
    hash
}

/// The bytes the `iovcnt` buffers of `iov` hold together.
///
/// # Safety
/// `iov` points to `iovcnt` iovecs.
unsafe fn iov_total(iov: *const iovec, iovcnt: c_int) -> usize {
    let mut total = 0usize;
    for i in 0..iovcnt.max(0) as usize {
        // SAFETY: as the caller promised, `iov` has `iovcnt` entries.
        total = total.wrapping_add(unsafe { (*iov.add(i)).len });
    }
    total
}

/// Whether writes to `fd` are recorded (stdout and stderr, with the probe on), and the counter
/// of its writes.
fn recorded(fd: c_int) -> Option<&'static AtomicU64> {
    if !enabled() {
        return None;
    }
    WRITES.get(usize::try_from(fd).ok()?.checked_sub(1)?)
}

/// Records the write of `len` bytes hashing to `digest` about to be made to `fd`; its SEQ.
fn record_write(fd: c_int, writes: &AtomicU64, len: usize, digest: u64) -> u64 {
    let seq = writes.fetch_add(1, Ordering::Relaxed);
    let mut line = Line::new(b"w");
    // SAFETY: getpid cannot fail.
    line.number(unsafe { getpid() } as u64);
    line.number(gettid() as u64);
    line.number(fd as u64);
    line.number(seq);
    line.number(len as u64);
    line.number(digest);
    line.append();
    seq
}

/// Records that write SEQ to `fd` wrote `n` bytes hashing to `digest`, not all it meant to.
fn record_short_write(fd: c_int, seq: u64, n: isize, digest: u64) {
    let mut line = Line::new(b"wn");
    // SAFETY: getpid cannot fail.
    line.number(unsafe { getpid() } as u64);
    line.number(fd as u64);
    line.number(seq);
    line.number(n.max(0) as u64);
    line.number(digest);
    line.append();
}

/// write, with writes to stdout and stderr recorded.
///
/// # Safety
/// As write.
#[no_mangle]
pub unsafe extern "C" fn __wrap_write(fd: c_int, buf: *const u8, count: usize) -> isize {
    let Some(writes) = recorded(fd) else {
        // SAFETY: the caller's arguments, passed on unchanged.
        return unsafe { __real_write(fd, buf, count) };
    };
    // SAFETY: as the caller promised, `buf` holds `count` readable bytes.
    let bytes = unsafe { core::slice::from_raw_parts(buf, count) };
    let seq = record_write(fd, writes, count, fnv(FNV_START, bytes));
    // SAFETY: the caller's arguments, passed on unchanged.
    let n = unsafe { __real_write(fd, buf, count) };
    if n != count as isize {
        let written = bytes.get(..n.max(0) as usize).unwrap_or(&[]);
        record_short_write(fd, seq, n, fnv(FNV_START, written));
    }
    n
}

/// writev, with writes to stdout and stderr recorded.
///
/// # Safety
/// As writev.
#[no_mangle]
pub unsafe extern "C" fn __wrap_writev(fd: c_int, iov: *const iovec, iovcnt: c_int) -> isize {
    let Some(writes) = recorded(fd) else {
        // SAFETY: the caller's arguments, passed on unchanged.
        return unsafe { __real_writev(fd, iov, iovcnt) };
    };
    // SAFETY: as the caller promised, `iov` has `iovcnt` entries of readable memory.
    let count = unsafe { iov_total(iov, iovcnt) };
    // SAFETY: as above.
    let seq = record_write(fd, writes, count, unsafe { hash_iov(iov, iovcnt, count) });
    // SAFETY: the caller's arguments, passed on unchanged.
    let n = unsafe { __real_writev(fd, iov, iovcnt) };
    if n != count as isize {
        // SAFETY: as above; `n` is at most `count`.
        record_short_write(fd, seq, n, unsafe { hash_iov(iov, iovcnt, n.max(0) as usize) });
    }
    n
}

/// read, with the bytes read from stdin counted.
///
/// # Safety
/// As read.
#[no_mangle]
pub unsafe extern "C" fn __wrap_read(fd: c_int, buf: *mut u8, count: usize) -> isize {
    // SAFETY: the caller's arguments, passed on unchanged.
    let n = unsafe { __real_read(fd, buf, count) };
    if fd == 0 && n > 0 {
        STDIN_READ.fetch_add(n as u64, Ordering::Relaxed);
    }
    n
}
