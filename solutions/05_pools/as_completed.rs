// Results as they complete
//
// Five tasks sleep 500, 100, 400, 200 and 300 ms. Each runs on its own thread and reports
// through a channel the moment it finishes, so main prints the results in finish order, like
// Python's `concurrent.futures.as_completed`: `task 1 (100 ms)` first, `task 0 (500 ms)` last.
// Tasks are numbered 0..=4 in the order they are started.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

fn main() {
    let durations_ms: [u64; 5] = [500, 100, 400, 200, 300];
    let (tx, rx) = mpsc::channel::<(usize, u64)>();

    let handles: Vec<_> = durations_ms
        .iter()
        .enumerate()
        .map(|(task, &ms)| {
            let tx = tx.clone();
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(ms));
                tx.send((task, ms)).expect("main stopped listening");
            })
        })
        .collect();
    // main's Sender goes; only the tasks' clones remain, so the channel closes when the last
    // task has reported.
    drop(tx);

    // Each report is printed the moment it arrives, whatever order the tasks were started in.
    for (task, ms) in rx {
        println!("task {task} ({ms} ms)");
    }
    // Every task has reported, so these joins return at once; they make sure no thread is
    // left behind.
    for handle in handles {
        handle.join().expect("a task panicked");
    }
}
