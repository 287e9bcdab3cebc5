// Odd and even: two threads, one count
//
// Two threads print the numbers 1 to LIMIT (LIMIT is the first argument, default 10): one
// prints the odd numbers as `odd: N`, the other the even numbers as `even: N`. Together they
// must print them strictly in order, `odd: 1`, `even: 2`, `odd: 3`, ... in every run, also
// on a single core.

use std::sync::{Condvar, Mutex};
use std::thread;

fn main() {
    let limit: u64 = match std::env::args().nth(1) {
        Some(arg) => arg.parse().expect("LIMIT must be a whole number"),
        None => 10,
    };

    // The next number to be printed, and a condition variable to wait on until it changes.
    // A Mutex alone gives mutual exclusion (one thread at a time); the Condvar adds order
    // (the right thread at the right time). In Python: threading.Condition.
    let next = Mutex::new(1u64);
    let next_changed = Condvar::new();

    thread::scope(|s| {
        for (label, first) in [("odd", 1), ("even", 2)] {
            let (next, next_changed) = (&next, &next_changed);
            s.spawn(move || {
                for n in (first..=limit).step_by(2) {
                    // Sleep until it is n's turn; `wait_while` releases the lock while waiting
                    // and checks the condition again after every wake-up.
                    let mut next = next_changed
                        .wait_while(next.lock().unwrap(), |next| *next != n)
                        .unwrap();
                    println!("{label}: {n}");
                    *next = n + 1;
                    // The other thread is the only one that can be waiting.
                    next_changed.notify_one();
                }
            });
        }
    });
}
