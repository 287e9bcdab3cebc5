// Benchmark: sequential, threads, processes
//
// Times two jobs, each split into four tasks, run three ways: one task after another,
// on four threads, and in four child processes (copies of this program). The CPU-bound
// job counts the primes below LIMIT (default 3_000_000); the I/O-bound job "fetches"
// four pages, each a wait of 50 ms. Prints one row per job and way, with its result,
// its time and its speedup over the sequential run; the threads also report when each
// task starts and finishes. Right now the threads imitate Python's GIL: look at the CPU
// rows and at when the CPU tasks start, then take the GIL away.

use std::env;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// Each job is split into this many tasks.
const TASKS: u64 = 4;
/// The CPU job deals its numbers out to the tasks in blocks of this size.
const BLOCK: u64 = 10_000;
/// How long one page takes to "arrive".
const PAGE_WAIT: Duration = Duration::from_millis(50);

fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n.is_multiple_of(2) {
        return n == 2;
    }
    let mut divisor = 3;
    while divisor * divisor <= n {
        if n.is_multiple_of(divisor) {
            return false;
        }
        divisor += 2;
    }
    true
}

#[derive(Clone, Copy)]
enum Job {
    /// CPU-bound: count the primes below the limit.
    Cpu { limit: u64 },
    /// I/O-bound: fetch TASKS pages; the result is their total size in bytes.
    Io,
}

impl Job {
    /// Task `k` of this job: the same code runs in every way (thread, process, loop).
    fn run_task(self, k: u64) -> u64 {
        match self {
            Job::Cpu { limit } => {
                // Blocks k, k + TASKS, k + 2 * TASKS, ...: every task gets a fair share.
                let mut count = 0;
                let mut start = k * BLOCK;
                while start < limit {
                    let end = (start + BLOCK).min(limit);
                    count += (start..end).filter(|&n| is_prime(n)).count() as u64;
                    start += TASKS * BLOCK;
                }
                count
            }
            Job::Io => {
                thread::sleep(PAGE_WAIT); // waiting for the network: no CPU used
                (k + 1) * 100 // the size of page k
            }
        }
    }

    /// The arguments that make a copy of this program run task `k` of this job.
    fn worker_args(self, k: u64) -> Vec<String> {
        match self {
            Job::Cpu { limit } => vec![
                "--worker".into(),
                "cpu".into(),
                k.to_string(),
                limit.to_string(),
            ],
            Job::Io => vec!["--worker".into(), "io".into(), k.to_string()],
        }
    }

    fn name(self) -> &'static str {
        match self {
            Job::Cpu { .. } => "cpu",
            Job::Io => "io",
        }
    }

    fn describe(self, result: u64) -> String {
        match self {
            Job::Cpu { .. } => format!("{result} primes"),
            Job::Io => format!("{TASKS} pages, {result} bytes"),
        }
    }
}

/// One way to run a job's tasks; returns the sum of their results.
type Runner = fn(Job) -> u64;

fn run_sequential(job: Job) -> u64 {
    (0..TASKS).map(|k| job.run_task(k)).sum()
}

/// CPython lets a thread run Python code only while it holds the Global Interpreter
/// Lock, and releases the lock while a thread waits for I/O. This imitates it.
static GIL: Mutex<()> = Mutex::new(());

fn run_on_threads(job: Job) -> u64 {
    thread::scope(|s| {
        let handles: Vec<_> = (0..TASKS)
            .map(|k| {
                s.spawn(move || {
                    // TODO: Rust has no GIL, and does not need one: the compiler already
                    // refuses threads that share data unsafely (these share nothing).
                    // This imitation makes computing threads take turns, like in Python;
                    // look at the table, then let the threads compute at the same time.
                    let _gil = match job {
                        Job::Cpu { .. } => Some(GIL.lock().unwrap()),
                        Job::Io => None, // like CPython, no GIL while waiting for I/O
                    };
                    println!("  {} task {k} started on a thread", job.name());
                    let result = job.run_task(k);
                    println!("  {} task {k} finished on a thread", job.name());
                    result
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

/// Each task in a child process of its own, which prints its result on stdout.
fn run_on_processes(job: Job) -> u64 {
    let program = env::current_exe().expect("cannot find this program's path");
    let children: Vec<_> = (0..TASKS)
        .map(|k| {
            Command::new(&program)
                .args(job.worker_args(k))
                .stdout(Stdio::piped())
                .spawn()
                .expect("cannot start a worker process")
        })
        .collect();
    children
        .into_iter()
        .map(|child| {
            let output = child
                .wait_with_output()
                .expect("cannot read a worker's answer");
            assert!(output.status.success(), "a worker failed");
            String::from_utf8_lossy(&output.stdout)
                .trim()
                .parse::<u64>()
                .expect("not a number")
        })
        .sum()
}

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();

    // A copy started as `PROGRAM --worker cpu K LIMIT` or `PROGRAM --worker io K` runs
    // one task and prints its result.
    if args.first().map(String::as_str) == Some("--worker") {
        let k = args[2].parse().expect("bad task number");
        let job = match args[1].as_str() {
            "cpu" => Job::Cpu {
                limit: args[3].parse().expect("bad limit"),
            },
            _ => Job::Io,
        };
        println!("{}", job.run_task(k));
        return;
    }

    let limit = args
        .first()
        .map_or(3_000_000, |a| a.parse().expect("LIMIT must be a number"));
    let ways: [(&str, Runner); 3] = [
        ("sequential", run_sequential),
        ("threads", run_on_threads),
        ("processes", run_on_processes),
    ];

    println!("job | way        | result               | time");
    for job in [Job::Cpu { limit }, Job::Io] {
        let mut sequential_time = None;
        for (way, run) in ways {
            let start = Instant::now();
            let result = run(job);
            let time = start.elapsed().as_secs_f64();
            let baseline = *sequential_time.get_or_insert(time);
            println!(
                "{:<3} | {:<10} | {:<20} | {time:.2} s (x{:.2})",
                job.name(),
                way,
                job.describe(result),
                baseline / time
            );
        }
    }
}
