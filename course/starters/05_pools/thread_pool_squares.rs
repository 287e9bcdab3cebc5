// A thread pool of your own
//
// Make `ThreadPool` a real pool, like Python's ThreadPoolExecutor: `new(n)` starts n worker
// threads once, `map(f, items)` runs `f` on those workers and returns the results in input
// order, and dropping the pool joins every worker. main squares 1..=10 on a pool of 3.
// The output is already right; the grader also tests the pool itself, and this one is a fake.

use std::thread;

pub struct ThreadPool {
    // TODO: a real pool keeps its workers (their JoinHandles) and the sending end of the
    // queue their jobs come from.
}

impl ThreadPool {
    /// Starts `max_workers` worker threads. Panics if max_workers is 0.
    pub fn new(max_workers: usize) -> ThreadPool {
        assert!(max_workers > 0, "a thread pool needs at least one worker");
        // TODO: start `max_workers` threads here, once, that wait for jobs. (A job can be a
        // `Box<dyn FnOnce() + Send + 'static>` sent over a channel.)
        ThreadPool {}
    }

    /// Runs f on every item on the workers; returns the results in input order.
    pub fn map<T, R, F>(&self, f: F, items: Vec<T>) -> Vec<R>
    where
        T: Send + 'static,
        R: Send + 'static,
        F: Fn(T) -> R + Send + Sync + 'static,
    {
        // TODO: this spawns a brand-new thread for every item, with no limit at all: ten
        // items, ten threads, and a new set for every call. Hand the work to the pool's
        // workers instead, and never run more than `max_workers` items at once.
        let f = std::sync::Arc::new(f);
        let handles: Vec<_> = items
            .into_iter()
            .map(|item| {
                let f = std::sync::Arc::clone(&f);
                thread::spawn(move || f(item))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a task panicked"))
            .collect()
    }
}

// TODO: when the pool is dropped, let the workers finish their current job and join them
// (`impl Drop for ThreadPool`).

fn main() {
    let pool = ThreadPool::new(3);
    let numbers: Vec<u64> = (1..=10).collect();
    let squares = pool.map(|n| n * n, numbers.clone());
    for (n, square) in numbers.iter().zip(&squares) {
        println!("Square of {n}: {square}");
    }
}
