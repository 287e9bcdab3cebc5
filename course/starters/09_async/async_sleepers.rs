// Async sleepers on one thread
//
// Five async tasks on a single-threaded tokio runtime each sleep for a while (1, 3, 2,
// 1 and 2 seconds) and report. They all wait at the same time, on one thread, so the
// whole program takes about as long as the longest sleep: prints `All done in T s`.
// Right now the tasks sleep one after another.

use std::time::{Duration, Instant};

/// How long each task sleeps, in seconds.
const SLEEPS: [u64; 5] = [1, 3, 2, 1, 2];

async fn sleeper(id: usize, secs: u64) {
    println!("Task {id} started, sleeping {secs} s");
    // TODO: `std::thread::sleep` is Python's `time.sleep`: it blocks the thread, and this
    // runtime has only one. While one task sleeps here, no other task can run. Sleep
    // the async way, so that the task hands the thread back while it waits.
    std::thread::sleep(Duration::from_secs(secs));
    println!("Task {id} woke up after {secs} s");
}

// One thread runs every task: `current_thread` is an event loop like asyncio's.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let start = Instant::now();

    // `tokio::spawn` is `asyncio.create_task`: the tasks are queued at once, and start
    // running as soon as main awaits.
    let tasks: Vec<_> = SLEEPS
        .iter()
        .enumerate()
        .map(|(i, &secs)| tokio::spawn(sleeper(i + 1, secs)))
        .collect();
    for task in tasks {
        task.await.expect("a task panicked");
    }

    println!("All done in {:.1} s", start.elapsed().as_secs_f64());
}
