// The process probe, linked into every exercise binary `learn` builds (see probe.rs).
// It is compiled on its own as a `no_std` object; it is not a module of `learn`.
//
// When the program starts, a constructor in `.init_array` appends `start PID PPID NANOS` to the
// file named by the environment variable LEARN_PROBE, and registers an `atexit` handler that
// appends `exit PID NANOS`. Every copy of the program a process exercise starts records itself
// this way, however short-lived, so the runner counts child processes exactly instead of
// hoping to catch them in /proc. Without LEARN_PROBE it does nothing. It calls nothing from
// `core` that could panic, so it links with any toolchain.
#![no_std]
#![allow(non_camel_case_types)]

type c_int = i32;
type c_char = u8;

#[repr(C)]
struct timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

extern "C" {
    fn getenv(name: *const c_char) -> *const c_char;
    fn getpid() -> c_int;
    fn getppid() -> c_int;
    fn open(path: *const c_char, flags: c_int, mode: c_int) -> c_int;
    fn write(fd: c_int, buf: *const u8, count: usize) -> isize;
    fn close(fd: c_int) -> c_int;
    fn clock_gettime(clock: c_int, ts: *mut timespec) -> c_int;
    fn atexit(f: extern "C" fn()) -> c_int;
}

const O_WRONLY: c_int = 0o1;
const O_CREAT: c_int = 0o100;
const O_APPEND: c_int = 0o2000;
const O_CLOEXEC: c_int = 0o2000000;
const CLOCK_MONOTONIC: c_int = 1;

#[used]
#[link_section = ".init_array"]
static LEARN_PROBE_INIT: extern "C" fn() = learn_probe_start;

struct Line {
    buf: [u8; 96],
    len: usize,
}

impl Line {
    fn text(&mut self, s: &[u8]) {
        let mut i = 0;
        while i < s.len() && self.len < self.buf.len() {
            self.buf[self.len] = s[i];
            self.len += 1;
            i += 1;
        }
    }

    fn number(&mut self, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut count = 0;
        loop {
            digits[count] = b'0' + (n % 10) as u8;
            count += 1;
            n /= 10;
            if n == 0 || count == digits.len() {
                break;
            }
        }
        while count > 0 && self.len < self.buf.len() {
            count -= 1;
            self.buf[self.len] = digits[count];
            self.len += 1;
        }
    }
}

fn now_nanos() -> u64 {
    let mut ts = timespec { tv_sec: 0, tv_nsec: 0 };
    unsafe { clock_gettime(CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as u64).wrapping_mul(1_000_000_000).wrapping_add(ts.tv_nsec as u64)
}

fn append(line: &Line) {
    let path = unsafe { getenv(b"LEARN_PROBE\0".as_ptr()) };
    if path.is_null() {
        return;
    }
    unsafe {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644);
        if fd >= 0 {
            write(fd, line.buf.as_ptr(), line.len);
            close(fd);
        }
    }
}

extern "C" fn learn_probe_start() {
    let mut line = Line { buf: [0; 96], len: 0 };
    line.text(b"start ");
    line.number(unsafe { getpid() } as u64);
    line.text(b" ");
    line.number(unsafe { getppid() } as u64);
    line.text(b" ");
    line.number(now_nanos());
    line.text(b"\n");
    append(&line);
    unsafe { atexit(learn_probe_exit) };
}

extern "C" fn learn_probe_exit() {
    let mut line = Line { buf: [0; 96], len: 0 };
    line.text(b"exit ");
    line.number(unsafe { getpid() } as u64);
    line.text(b" ");
    line.number(now_nanos());
    line.text(b"\n");
    append(&line);
}
