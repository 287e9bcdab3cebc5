// Separate memory: a child process changes its own copy
//
// A child process adds 1 to the counter and prints `child saw 1`; the parent waits for
// it and prints `parent still sees 0`: each process has its own memory, so the child
// changed its own copy of the counter and the parent's copy never moved.

use std::env;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::Duration;

/// One counter per process: every process that runs this program gets its own.
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// What the child does: change the counter and report what it sees.
fn child_work() {
    COUNTER.fetch_add(1, Ordering::SeqCst);
    // Take a moment, as real work would (long enough to see the child in `ps`).
    thread::sleep(Duration::from_millis(200));
    println!("child saw {}", COUNTER.load(Ordering::SeqCst));
}

fn main() {
    // A copy started as `PROGRAM --child` plays the child.
    if env::args().nth(1).as_deref() == Some("--child") {
        child_work();
        return;
    }

    // The child is a new process running this same program: it starts with a fresh
    // COUNTER of 0 in its own memory, adds 1 to that, and exits.
    let program = env::current_exe().expect("cannot find this program's path");
    let status = Command::new(program)
        .arg("--child")
        .status() // spawn, then wait for it to exit: the child's line comes first
        .expect("cannot run the child process");
    assert!(status.success(), "the child failed: {status}");

    println!("parent still sees {}", COUNTER.load(Ordering::SeqCst));
}
