// Spawn a thread and wait for it: reference solution.

use std::thread;
use std::time::Duration;

fn task() {
    // Pretend to do a little work before reporting.
    thread::sleep(Duration::from_millis(100));
    println!("Thread running...");
}

fn main() {
    // `spawn` starts the thread at once (Python needs `Thread(...)` and then `start()`)
    // and returns a `JoinHandle`.
    let handle = thread::spawn(task);

    // `join` blocks until the thread has finished, like Python's `t.join()`. It returns
    // a `Result`: `Err` if the thread panicked, which `unwrap` passes on as a panic here.
    handle.join().unwrap();

    println!("Main done.");
}
