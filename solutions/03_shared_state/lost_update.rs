// Lost update: atomic steps, non-atomic sum
//
// THREADS threads (first argument, default 4) each add 1 to a shared AtomicU64 ITERATIONS
// times (second argument, default 100000). Then main prints `Final counter: N`, where N must
// be exactly THREADS x ITERATIONS in every run.

use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

fn main() {
    let mut args = std::env::args().skip(1);
    let threads: u64 = args.next().map_or(4, |arg| {
        arg.parse().expect("THREADS must be a whole number")
    });
    let iterations: u64 = args.next().map_or(100_000, |arg| {
        arg.parse().expect("ITERATIONS must be a whole number")
    });

    let counter = AtomicU64::new(0);

    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..iterations {
                    // One read-modify-write instruction: no other thread can slip in between
                    // the read and the write. `Relaxed` is enough because nothing else is
                    // published through this counter; joining the threads (the end of the
                    // scope) makes every increment visible to main.
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });

    println!("Final counter: {}", counter.load(Ordering::Relaxed));
}
