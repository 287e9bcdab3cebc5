// Threads that borrow: scoped threads
//
// Sum the numbers 1 to 1_000_000, held in a `Vec<u64>`, with four threads that each add up
// one quarter of the vector *in place* (no copying), then print `Total: 500000500000`.
// This file does not compile: a thread started with `thread::spawn` may outlive `main`'s
// vector, so it must not borrow it. Use a scope that waits for its threads instead.

use std::thread;

fn main() {
    let numbers: Vec<u64> = (1..=1_000_000).collect();
    let chunk_size = numbers.len().div_ceil(4);

    // TODO: `thread::spawn` demands data that lives forever ('static), but each `chunk`
    // borrows from `numbers`, which is dropped at the end of `main`. `std::thread::scope`
    // starts threads that are guaranteed to finish before the scope ends, so they may
    // borrow `numbers`. Start the four threads inside such a scope.
    let mut handles = Vec::new();
    for chunk in numbers.chunks(chunk_size) {
        handles.push(thread::spawn(move || chunk.iter().sum::<u64>()));
    }

    let total: u64 = handles
        .into_iter()
        .map(|handle| handle.join().unwrap())
        .sum();
    println!("Total: {total}");
}
