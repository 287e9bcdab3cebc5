// A thread pool of your own
//
// `ThreadPool::new(n)` starts n worker threads once; `map(f, items)` runs `f` on every item on
// those workers and returns the results in input order, like Python's
// `ThreadPoolExecutor(max_workers=n).map(f, items)`. Dropping the pool is the end of the
// `with` block: the workers finish what they run and are joined. main squares 1..=10 on a
// pool of 3 and prints `Square of N: M` in input order.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

/// A unit of work for a worker: a boxed closure it can call once.
type Job = Box<dyn FnOnce() + Send + 'static>;

pub struct ThreadPool {
    /// The sending end of the job queue. `None` once the pool is being dropped.
    jobs: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
}

impl ThreadPool {
    /// Starts `max_workers` worker threads. Panics if max_workers is 0.
    pub fn new(max_workers: usize) -> ThreadPool {
        assert!(max_workers > 0, "a thread pool needs at least one worker");
        let (jobs, queue) = mpsc::channel::<Job>();
        // One queue, many workers: the Receiver cannot be cloned, so the workers share it
        // behind a Mutex and take turns pulling the next job.
        let queue = Arc::new(Mutex::new(queue));
        let workers = (0..max_workers)
            .map(|_| {
                let queue = Arc::clone(&queue);
                thread::spawn(move || worker_loop(&queue))
            })
            .collect();
        ThreadPool {
            jobs: Some(jobs),
            workers,
        }
    }

    /// Runs f on every item on the workers; returns the results in input order.
    pub fn map<T, R, F>(&self, f: F, items: Vec<T>) -> Vec<R>
    where
        T: Send + 'static,
        R: Send + 'static,
        F: Fn(T) -> R + Send + Sync + 'static,
    {
        let jobs = self.jobs.as_ref().expect("the pool is shutting down");
        // Every job needs `f`, and the jobs outlive this call as far as the compiler knows
        // ('static): share `f` through an Arc instead of borrowing it.
        let f = Arc::new(f);
        let (results_tx, results_rx) = mpsc::channel::<(usize, R)>();
        let count = items.len();
        for (index, item) in items.into_iter().enumerate() {
            let f = Arc::clone(&f);
            let results_tx = results_tx.clone();
            jobs.send(Box::new(move || {
                // Tag each result with its position: results arrive in completion order.
                let _ = results_tx.send((index, f(item)));
            }))
            .expect("every worker has stopped");
        }
        drop(results_tx);

        // Put each result back in its place, whatever order they finish in.
        let mut slots: Vec<Option<R>> = (0..count).map(|_| None).collect();
        for (index, result) in results_rx {
            slots[index] = Some(result);
        }
        slots
            .into_iter()
            .map(|slot| slot.expect("a task panicked on a worker"))
            .collect()
    }
}

/// A worker takes jobs until the queue is closed (every Sender dropped).
fn worker_loop(queue: &Mutex<Receiver<Job>>) {
    loop {
        // The lock guard is a temporary: it is released at the end of this statement, so
        // the job below runs without holding the lock and other workers can take jobs.
        let next = queue.lock().expect("a worker panicked").recv();
        match next {
            Ok(job) => job(),
            Err(_) => break,
        }
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        // Closing the queue lets each worker finish its current job, then leave its loop.
        drop(self.jobs.take());
        for worker in self.workers.drain(..) {
            // A worker that panicked has already stopped; nothing more to wait for.
            let _ = worker.join();
        }
    }
}

fn main() {
    let pool = ThreadPool::new(3);
    let numbers: Vec<u64> = (1..=10).collect();
    let squares = pool.map(|n| n * n, numbers.clone());
    for (n, square) in numbers.iter().zip(&squares) {
        println!("Square of {n}: {square}");
    }
}
