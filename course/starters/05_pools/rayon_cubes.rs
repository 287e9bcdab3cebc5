// Cubes with rayon
//
// Compute the cubes of 1..=5 in parallel with rayon, the way Python's `Pool.map(cube, inputs)`
// does, and print `Cubes: [1, 8, 27, 64, 125]`. As written it does not compile: read the
// error, then let rayon hand the results back instead of pushing them into a shared Vec.

use rayon::prelude::*;

fn cube(x: u64) -> u64 {
    x * x * x
}

fn main() {
    let inputs: Vec<u64> = vec![1, 2, 3, 4, 5];
    let mut cubes: Vec<u64> = Vec::new();
    // TODO: the closure runs on several threads at once, and they all push into the same
    // `cubes`: a data race, which Rust refuses to compile (rayon's closures must be `Fn`
    // and `Sync`). Even with a lock, the pushes would land in whatever order the threads
    // finish. Produce the cubes from the parallel iterator itself.
    inputs.par_iter().for_each(|&x| cubes.push(cube(x)));
    println!("Cubes: {cubes:?}");
}
