// Grading harness of 05_pools/thread_pool_squares.
//
// `learn` compiles the learner's file as `mod exercise` and includes this file after it.
// Each rule of the ThreadPool API is checked in turn; the first broken one is reported as
// `RULE: <rule>`, `HINT: <hint>` and what was seen, on stderr, and the harness exits 1.
//
// How the rules are observed, from inside the tasks the pool runs:
// - a gauge (an atomic count of tasks running right now, and its maximum) for the bound and
//   for concurrency; tasks sleep, so a real pool runs several at once;
// - the ThreadId of every thread that ran a task, and the number of threads of the process
//   (/proc/self/task), for "the same threads serve every call";
// - a thread-local marker whose destructor runs when a worker thread exits and records the
//   thread as exited; while a pool is being dropped it first sleeps a little. `join` waits for
//   thread-local destructors, so right after the pool is dropped every worker is recorded if
//   and only if it was joined.

use std::collections::HashSet;
use std::panic;
use std::process;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use exercise::ThreadPool;

/// Reports a broken rule, with the hint that matches it, and ends the harness.
fn fail(rule: &str, saw: String) -> ! {
    eprintln!("RULE: {rule}");
    eprintln!("HINT: {}", hint(rule));
    eprintln!("{saw}");
    process::exit(1);
}

/// What to look at when `rule` is broken: the idea, not the code.
fn hint(rule: &str) -> &'static str {
    match rule {
        "dropping the pool joins all workers" => "`impl Drop for ThreadPool`: close the job channel first (drop the Sender) so that every worker's loop ends, then join each worker's handle.",
        "results in input order" => "Tasks finish in any order: remember each input's position and put every result back in its place before returning.",
        "never more than max_workers tasks running at once" => "Start exactly max_workers threads once, in new, and let them take jobs from one shared queue: a thread per task has no bound.",
        "more than one at once when tasks block" => "The workers must take jobs at the same time: hold the queue's lock only to take a job (`recv`), never while running it.",
        "the same max_workers threads serve every call" => "Start the workers once, in new, and keep them for the pool's life: map sends jobs to them instead of spawning threads.",
        "new(0) panics" => "A pool of no workers could never run anything: `assert!` that max_workers is at least 1 in new.",
        _ => "Read the doc comments of ThreadPool's methods in the starter.",
    }
}

fn pass(rule: &str, detail: String) {
    println!("ok: {rule} ({detail})");
}

/// Threads of this process right now.
fn threads_now() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|dir| dir.count())
        .unwrap_or(0)
}

/// Threads that ran a task and have since exited (their thread-locals destroyed).
static EXITED: Mutex<Vec<ThreadId>> = Mutex::new(Vec::new());

/// Set while a pool is being dropped: exiting threads then take their time.
static SLOW_EXIT: AtomicBool = AtomicBool::new(false);

struct ExitMarker(ThreadId);

impl Drop for ExitMarker {
    fn drop(&mut self) {
        // Slow on purpose: a pool that does not join its workers returns from drop long
        // before this is recorded. (Only then: threads that exit at other times, such as one
        // thread per task, need not make the harness slow.)
        if SLOW_EXIT.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(300));
        }
        EXITED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(self.0);
    }
}

thread_local! {
    static MARKER: ExitMarker = ExitMarker(thread::current().id());
}

/// What the tasks of one pool saw.
#[derive(Default)]
struct Probe {
    running: AtomicUsize,
    max_running: AtomicUsize,
    max_threads: AtomicUsize,
    workers: Mutex<HashSet<ThreadId>>,
}

impl Probe {
    /// Called by every task: records the task as running for `ms` milliseconds.
    fn task(&self, ms: u64) {
        MARKER.with(|_| {});
        self.workers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(thread::current().id());
        self.max_threads.fetch_max(threads_now(), Ordering::SeqCst);
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_running.fetch_max(now, Ordering::SeqCst);
        thread::sleep(Duration::from_millis(ms));
        self.running.fetch_sub(1, Ordering::SeqCst);
    }

    fn max_running(&self) -> usize {
        self.max_running.load(Ordering::SeqCst)
    }

    fn workers(&self) -> HashSet<ThreadId> {
        self.workers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Drops the pool; when drop returns, every thread that ran one of its tasks must have exited.
fn drop_and_check_joined(pool: ThreadPool, workers: &HashSet<ThreadId>) {
    SLOW_EXIT.store(true, Ordering::SeqCst);
    drop(pool);
    let exited: HashSet<ThreadId> = EXITED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .copied()
        .collect();
    SLOW_EXIT.store(false, Ordering::SeqCst);
    let still_running = workers.difference(&exited).count();
    if still_running > 0 {
        fail(
            "dropping the pool joins all workers",
            format!(
                "when drop(pool) returned, {still_running} of the {} threads that ran its tasks \
                 had not finished (the workers were not joined)",
                workers.len()
            ),
        );
    }
}

fn main() {
    // First thing, before any learner code: the runner's secret (see learn_harness).
    let proof = learn_harness::Proof::take();
    let baseline = threads_now();

    // 1. Results in input order, although the tasks finish in another order: early items
    //    sleep longest.
    {
        let probe = Arc::new(Probe::default());
        let pool = ThreadPool::new(3);
        let items: Vec<u64> = (0..12).collect();
        let task_probe = Arc::clone(&probe);
        let results = pool.map(
            move |n: u64| {
                task_probe.task((12 - n) * 5);
                format!("{n}^2={}", n * n)
            },
            items,
        );
        let expected: Vec<String> = (0..12u64).map(|n| format!("{n}^2={}", n * n)).collect();
        if results != expected {
            fail(
                "results in input order",
                format!(
                    "map over 0..12 (early items sleep longest) returned\n  {results:?}\nexpected\n  {expected:?}"
                ),
            );
        }
        let empty: Vec<u64> = pool.map(|n: u64| n, Vec::new());
        if !empty.is_empty() {
            fail(
                "results in input order",
                format!("map over no items returned {empty:?}"),
            );
        }
        pass(
            "results in input order",
            "12 tasks finishing in reverse order".into(),
        );
        drop_and_check_joined(pool, &probe.workers());
    }

    // 2. The bound, concurrency and reuse, on a pool of 3 over three calls of 12 tasks.
    let max_workers = 3;
    let probe = Arc::new(Probe::default());
    let pool = ThreadPool::new(max_workers);
    let threads_after_new = threads_now();
    for call in 0..3u64 {
        let task_probe = Arc::clone(&probe);
        let results = pool.map(
            move |n: u64| {
                task_probe.task(20);
                n + call
            },
            (0..12).collect(),
        );
        let expected: Vec<u64> = (0..12).map(|n| n + call).collect();
        if results != expected {
            fail(
                "results in input order",
                format!("call {call}: got {results:?}, expected {expected:?}"),
            );
        }
    }
    let seen = probe.max_running();
    if seen > max_workers {
        fail(
            "never more than max_workers tasks running at once",
            format!("a pool of {max_workers} ran {seen} tasks at the same moment"),
        );
    }
    // A pool of one runs one task at a time.
    {
        let single = Arc::new(Probe::default());
        let pool = ThreadPool::new(1);
        let task_probe = Arc::clone(&single);
        pool.map(move |_: u64| task_probe.task(10), (0..6).collect());
        let seen_single = single.max_running();
        if seen_single > 1 {
            fail(
                "never more than max_workers tasks running at once",
                format!("a pool of 1 ran {seen_single} tasks at the same moment"),
            );
        }
        drop_and_check_joined(pool, &single.workers());
    }
    pass(
        "never more than max_workers tasks running at once",
        format!("at most {seen} of {max_workers}"),
    );

    if seen < 2 {
        fail(
            "more than one at once when tasks block",
            format!(
                "36 tasks that each sleep 20 ms on a pool of {max_workers} never overlapped: at most {seen} ran at once"
            ),
        );
    }
    pass(
        "more than one at once when tasks block",
        format!("{seen} tasks ran at once"),
    );

    let workers = probe.workers();
    // The pool's own threads, plus one helper thread at most (a dispatcher, say).
    let thread_limit = baseline + max_workers + 1;
    let max_threads = probe
        .max_threads
        .load(Ordering::SeqCst)
        .max(threads_after_new);
    if workers.len() > max_workers {
        fail(
            "the same max_workers threads serve every call",
            format!(
                "36 tasks in three calls to map on a pool of {max_workers} ran on {} different threads \
                 (a new thread per task or per call?)",
                workers.len()
            ),
        );
    }
    if max_threads > thread_limit {
        fail(
            "the same max_workers threads serve every call",
            format!(
                "the process had {max_threads} threads while a pool of {max_workers} was working \
                 ({baseline} before the pool)"
            ),
        );
    }
    pass(
        "the same max_workers threads serve every call",
        format!("36 tasks ran on {} threads", workers.len()),
    );

    // 3. Dropping the pool joins every worker (already checked for the pools above), and
    //    afterwards the process is back to the threads it had before any pool.
    drop_and_check_joined(pool, &workers);
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut left = threads_now();
    while left > baseline && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
        left = threads_now();
    }
    if left > baseline {
        fail(
            "dropping the pool joins all workers",
            format!(
                "2 s after drop(pool) the process still had {left} threads ({baseline} before any pool)"
            ),
        );
    }
    pass(
        "dropping the pool joins all workers",
        format!("{} workers joined", workers.len()),
    );

    // 4. new(0) panics.
    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let zero = panic::catch_unwind(|| ThreadPool::new(0));
    panic::set_hook(default_hook);
    match zero {
        Err(_) => pass("new(0) panics", "it did".into()),
        Ok(pool) => {
            drop(pool);
            fail("new(0) panics", "ThreadPool::new(0) returned a pool".into());
        }
    }
    proof.confirm();
}
