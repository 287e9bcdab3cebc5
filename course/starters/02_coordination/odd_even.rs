// Odd and even: two threads, one count
//
// Two threads print the numbers 1 to LIMIT (LIMIT is the first argument, default 10): one
// prints the odd numbers as `odd: N`, the other the even numbers as `even: N`. Together they
// must print them strictly in order, `odd: 1`, `even: 2`, `odd: 3`, ... in every run, also
// on a single core. Right now each thread rushes through its own numbers.

use std::sync::Mutex;
use std::thread;

fn main() {
    let limit: u64 = match std::env::args().nth(1) {
        Some(arg) => arg.parse().expect("LIMIT must be a whole number"),
        None => 10,
    };

    // The next number to be printed, shared by both threads.
    let next = Mutex::new(1u64);

    thread::scope(|s| {
        for (label, first) in [("odd", 1), ("even", 2)] {
            let next = &next;
            s.spawn(move || {
                for n in (first..=limit).step_by(2) {
                    // TODO: the lock stops the two threads from touching `next` at the same
                    // moment, but it does not make them wait for their turn: this thread goes
                    // on even when `next` is the other thread's number. Wait, without spinning,
                    // until `next == n`, and wake the other thread when you hand over.
                    let mut next = next.lock().unwrap();
                    println!("{label}: {n}");
                    *next = n + 1;
                }
            });
        }
    });
}
