// Give each thread its own argument: reference solution.

use std::thread;
use std::time::Duration;

fn greet(name: &str) {
    println!("Starting thread for {name}");
    thread::sleep(Duration::from_millis(300));
    println!("Hello, {name}!");
}

fn main() {
    let mut handles = Vec::new();

    for name in ["Alice", "Bob"] {
        // `move` makes the closure take ownership of `name` (here a copy of the `&'static
        // str`), so the thread no longer borrows a loop variable that is about to vanish.
        // This is Rust's `args=(name,)`: the thread gets its own copy of the argument.
        let handle = thread::spawn(move || greet(name));
        handles.push(handle);
    }

    // Both threads are started before we wait for either, so they sleep at the same time.
    for handle in handles {
        handle.join().unwrap();
    }

    println!("All threads finished!");
}
