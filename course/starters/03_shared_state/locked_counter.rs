// Locked counter: one counter, many threads
//
// THREADS threads (first argument, default 2) each add 1 to one shared counter ITERATIONS
// times (second argument, default 100000). Then main prints `Final counter: N`, where N must
// be exactly THREADS x ITERATIONS in every run.
// This version does not compile: Rust will not let two threads change one variable at once.

use std::thread;

fn main() {
    let mut args = std::env::args().skip(1);
    let threads: u64 = args.next().map_or(2, |arg| {
        arg.parse().expect("THREADS must be a whole number")
    });
    let iterations: u64 = args.next().map_or(100_000, |arg| {
        arg.parse().expect("ITERATIONS must be a whole number")
    });

    let mut counter: u64 = 0;

    thread::scope(|s| {
        for _ in 0..threads {
            // TODO: every thread wants `&mut counter` at the same time. In Python this is the
            // race that silently loses updates; here the borrow checker refuses to compile it
            // ("cannot borrow `counter` as mutable more than once at a time"). Put the counter
            // behind a lock, and hold the lock for each increment.
            s.spawn(|| {
                for _ in 0..iterations {
                    counter += 1;
                }
            });
        }
    });

    println!("Final counter: {counter}");
}
