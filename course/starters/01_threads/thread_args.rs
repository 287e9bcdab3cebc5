// Give each thread its own argument
//
// Greet `Alice` and `Bob`, each in a thread of its own, like the Python lesson's
// `threading.Thread(target=greet, args=("Alice",))`. Both threads must run at the same time,
// and main prints `All threads finished!` once both are done.
// This file does not compile yet: read the compiler's error and help, then fix the closure.

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
        // TODO: this closure only *borrows* `name`, a variable of this loop that is gone
        // as soon as the loop moves on, while the thread may keep running much longer.
        // The compiler refuses (error E0373). Make the thread own what it uses.
        let handle = thread::spawn(|| greet(&name));
        handles.push(handle);
    }

    for handle in handles {
        handle.join().unwrap();
    }

    println!("All threads finished!");
}
