// Separate memory: a child process changes its own copy
//
// A child adds 1 to the counter and prints `child saw 1`; the parent waits for it and
// prints `parent still sees 0`. Right now the "child" is a thread: it shares the
// parent's memory, so the parent sees the change. Make the child a process.

use std::env;
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

    // TODO: a thread shares this process's memory, COUNTER included. Run `child_work`
    // in a child process instead: start a copy of this program (`std::env::current_exe()`)
    // with the argument `--child`, and wait for it to exit before printing.
    let child = thread::spawn(child_work);
    child.join().unwrap();

    println!("parent still sees {}", COUNTER.load(Ordering::SeqCst));
}
