// Spawn a thread and wait for it
//
// Start a thread that prints `Thread running...`, then let main print `Main done.`.
// Right now main does not wait for the thread, so `Main done.` comes first and the
// program may end before the thread prints anything at all.
// Keep the thread's handle and wait for the thread before main prints its line.

use std::thread;
use std::time::Duration;

fn task() {
    // Pretend to do a little work before reporting.
    thread::sleep(Duration::from_millis(100));
    println!("Thread running...");
}

fn main() {
    // TODO: `thread::spawn` returns a handle to the new thread (like Python's
    // `threading.Thread` object). Here the handle is thrown away, so nobody waits
    // for the thread. Keep it, and wait for the thread before the line below.
    thread::spawn(task);

    println!("Main done.");
}
