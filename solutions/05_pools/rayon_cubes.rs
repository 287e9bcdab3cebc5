// Cubes with rayon
//
// rayon's parallel iterators are Rust's `Pool.map`: `par_iter().map(..).collect()` spreads the
// work over a pool of threads (one per core) and collects the results in input order.
// Prints `Cubes: [1, 8, 27, 64, 125]`.

use rayon::prelude::*;

fn cube(x: u64) -> u64 {
    x * x * x
}

fn main() {
    let inputs: Vec<u64> = vec![1, 2, 3, 4, 5];
    // Each thread computes its own values and rayon puts them back in order: no shared
    // mutable state, so nothing to lock.
    let cubes: Vec<u64> = inputs.par_iter().map(|&x| cube(x)).collect();
    println!("Cubes: {cubes:?}");
}
