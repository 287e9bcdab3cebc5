// Lost update: atomic steps, non-atomic sum
//
// THREADS threads (first argument, default 4) each add 1 to a shared AtomicU64 ITERATIONS
// times (second argument, default 100000). Then main prints `Final counter: N`, where N must
// be exactly THREADS x ITERATIONS in every run.
// This version compiles and runs, but most runs print a smaller number: updates get lost.

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

    // An AtomicU64 may be shared by reference between threads (it is Sync), so this compiles.
    let counter = AtomicU64::new(0);

    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..iterations {
                    // TODO: the load is atomic and the store is atomic, but the pair is not:
                    // another thread can store between them, and this store then overwrites
                    // its increment. Make read-add-write a single indivisible operation.
                    let current = counter.load(Ordering::Relaxed);
                    counter.store(current + 1, Ordering::Relaxed);
                }
            });
        }
    });

    println!("Final counter: {}", counter.load(Ordering::Relaxed));
}
