// Get results back from threads
//
// Compute the squares of 1 to 10, each in a thread of its own, and print
// `Square of N is M` for N = 1, 2, ..., 10, in that order.
// This file does not compile: threads may not all push into one `Vec` at once.
// Let each thread *return* its square instead, and collect the answers with `join`.

use std::thread;
use std::time::Duration;

/// Squares `n` slowly. The pretend work takes a different time for each number,
/// so the threads finish in a scrambled order, not in the order they were started.
fn square(n: u64) -> u64 {
    let work_ms = ((n * 7) % 10 + 1) * 20;
    thread::sleep(Duration::from_millis(work_ms));
    n * n
}

fn main() {
    let mut squares: Vec<(u64, u64)> = Vec::new();
    let mut handles = Vec::new();

    for n in 1..=10 {
        // TODO: ten threads pushing into one `squares` vector at the same time is a data
        // race, and Rust rejects it at compile time. The closure given to `thread::spawn`
        // may return a value: `handle.join()` hands it back to main.
        let handle = thread::spawn(|| {
            squares.push((n, square(n)));
        });
        handles.push(handle);
    }

    for handle in handles {
        handle.join().unwrap();
    }

    for (n, sq) in squares {
        println!("Square of {n} is {sq}");
    }
}
