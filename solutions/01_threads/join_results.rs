// Get results back from threads: reference solution.

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
    // Each thread *returns* its result, so no data is shared while they run.
    // `thread::spawn` then gives a `JoinHandle<(u64, u64)>`.
    let handles: Vec<_> = (1..=10u64)
        .map(|n| thread::spawn(move || (n, square(n))))
        .collect();

    // `join` waits for one thread and hands back its return value. Joining the handles
    // in the order they were created gives the results in input order, whatever the
    // order in which the threads finished.
    for handle in handles {
        let (n, sq) = handle.join().unwrap();
        println!("Square of {n} is {sq}");
    }
}
