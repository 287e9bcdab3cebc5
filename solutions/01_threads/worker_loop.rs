// Start workers in a loop and wait for all of them: reference solution.

use std::thread;
use std::time::Duration;

fn worker(num: usize) {
    println!("Worker {num} started");
    thread::sleep(Duration::from_millis(300));
    println!("Worker {num} finished");
}

fn main() {
    // Start every worker first and keep its handle...
    let mut handles = Vec::new();
    for i in 0..5 {
        // `move` gives each thread its own copy of `i`.
        handles.push(thread::spawn(move || worker(i)));
    }

    // ...then wait for all of them. Joining inside the loop above would wait for each
    // worker before starting the next one: correct output, but five times slower.
    for handle in handles {
        handle.join().unwrap();
    }

    println!("All workers finished.");
}
