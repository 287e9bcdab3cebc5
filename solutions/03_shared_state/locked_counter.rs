// Locked counter: one counter, many threads
//
// THREADS threads (first argument, default 2) each add 1 to one shared counter ITERATIONS
// times (second argument, default 100000). Then main prints `Final counter: N`, where N must
// be exactly THREADS x ITERATIONS in every run.

use std::sync::Mutex;
use std::thread;

fn main() {
    let mut args = std::env::args().skip(1);
    let threads: u64 = args.next().map_or(2, |arg| {
        arg.parse().expect("THREADS must be a whole number")
    });
    let iterations: u64 = args.next().map_or(100_000, |arg| {
        arg.parse().expect("ITERATIONS must be a whole number")
    });

    // The Mutex owns the counter: the only way to reach the number is through `lock()`, so
    // forgetting the lock is a compile error, not a race. (Python's Lock sits beside the data
    // it protects and nothing checks that you took it.)
    let counter = Mutex::new(0u64);

    thread::scope(|s| {
        for _ in 0..threads {
            // Every thread borrows the same Mutex: `&Mutex<u64>` may be shared because
            // Mutex<u64> is Sync.
            s.spawn(|| {
                for _ in 0..iterations {
                    // The guard unlocks when it goes out of scope, at the end of this statement.
                    *counter.lock().unwrap() += 1;
                }
            });
        }
    });

    // All threads have been joined: take the number out of the Mutex.
    let total = counter.into_inner().unwrap();
    println!("Final counter: {total}");
}
