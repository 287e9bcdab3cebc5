// Start workers in a loop and wait for all of them
//
// Start five workers, numbered 0 to 4, in a loop. Each prints `Worker I started`, works
// for 300 ms, and prints `Worker I finished`. All five must run at the same time, and main
// prints `All workers finished.` only after every one of them has finished.

use std::thread;
use std::time::Duration;

fn worker(num: usize) {
    println!("Worker {num} started");
    thread::sleep(Duration::from_millis(300));
    println!("Worker {num} finished");
}

fn main() {
    for i in 0..5 {
        // TODO: the handle returned by `thread::spawn` is dropped right here, so main
        // has no way to wait for this worker. Keep every handle (the Python lesson keeps
        // them in a list called `threads`), and join them all after the loop.
        thread::spawn(move || worker(i));
    }

    println!("All workers finished.");
}
