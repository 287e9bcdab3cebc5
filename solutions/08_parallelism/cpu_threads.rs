// CPU-bound work on every core
//
// Counts the primes below 2_000_000 on as many threads as the machine has cores
// (`std::thread::available_parallelism()`), then prints `Primes below 2000000: 148933`.
// With two cores the count should take about half the time it takes on one.

use std::thread;

const LIMIT: u64 = 2_000_000;

/// The numbers are dealt out in blocks of this size.
const BLOCK: u64 = 10_000;

/// Trial division: slow on purpose, so there is real work to share out.
fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n.is_multiple_of(2) {
        return n == 2;
    }
    let mut divisor = 3;
    while divisor * divisor <= n {
        if n.is_multiple_of(divisor) {
            return false;
        }
        divisor += 2;
    }
    true
}

/// Counts the primes in blocks `first`, `first + step`, `first + 2 * step`, ...
///
/// Dealing the blocks out like cards (rather than giving each thread one long range)
/// gives every thread its share of the small, cheap numbers and of the big, costly ones,
/// so all the threads finish at about the same time.
fn count_primes(first: u64, step: u64) -> u64 {
    let mut count = 0;
    let mut block_start = first * BLOCK;
    while block_start < LIMIT {
        let block_end = (block_start + BLOCK).min(LIMIT);
        count += (block_start..block_end).filter(|&n| is_prime(n)).count() as u64;
        block_start += step * BLOCK;
    }
    count
}

fn main() {
    let threads = thread::available_parallelism().map_or(1, |n| n.get()) as u64;

    // Start every thread first, then join them: while one is joined the others run on.
    // Rust has no GIL: the threads really run at the same time, one per core.
    let handles: Vec<_> = (0..threads)
        .map(|t| thread::spawn(move || count_primes(t, threads)))
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();

    println!("Primes below {LIMIT}: {total}");
}
