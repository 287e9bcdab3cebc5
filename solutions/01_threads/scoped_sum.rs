// Threads that borrow: scoped threads, reference solution.

use std::thread;

fn main() {
    let numbers: Vec<u64> = (1..=1_000_000).collect();
    let chunk_size = numbers.len().div_ceil(4);

    // `thread::scope` joins every thread started inside it before it returns, so those
    // threads may borrow `numbers`: the borrow checker knows they end before it is dropped.
    let total: u64 = thread::scope(|scope| {
        // Start all four threads first (collecting forces that), then join them.
        let handles: Vec<_> = numbers
            .chunks(chunk_size)
            .map(|chunk| scope.spawn(move || chunk.iter().sum::<u64>()))
            .collect();

        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .sum()
    });

    println!("Total: {total}");
}
