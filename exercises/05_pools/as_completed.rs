// Results as they complete
//
// Five tasks sleep 500, 100, 400, 200 and 300 ms; they are numbered 0..=4 in the order they
// are started. Print `task N (T ms)` for each in the order they *finish* (`task 1 (100 ms)`
// first), as Python's `concurrent.futures.as_completed` would, with all five running at once.
// As written, the results come out in the order the tasks were started.

use std::thread;
use std::time::Duration;

fn main() {
    let durations_ms: [u64; 5] = [500, 100, 400, 200, 300];

    let handles: Vec<_> = durations_ms
        .iter()
        .map(|&ms| {
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(ms));
                ms
            })
        })
        .collect();

    // TODO: joining the handles one by one waits for task 0 (500 ms) first, so the results
    // come out in submission order, like `executor.map`. Have each task report the moment it
    // is done (with its number), and print the reports as they arrive.
    for (task, handle) in handles.into_iter().enumerate() {
        let ms = handle.join().expect("a task panicked");
        println!("task {task} ({ms} ms)");
    }
}
