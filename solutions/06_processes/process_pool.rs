// A pool of two worker processes
//
// Starts two worker processes once, then feeds them the numbers 1..=COUNT (default 10)
// over their stdin, one number per line, and reads each square back from their stdout,
// one line per answer. Prints `Squares: [1, 4, 9, ...]` in input order.

use std::env;
use std::io::{self, BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::thread;
use std::time::Duration;

const WORKERS: usize = 2;

/// The worker's side: answer every number that arrives on stdin with its square, until
/// stdin ends (the parent closed its end of the pipe).
fn worker() {
    for line in io::stdin().lock().lines() {
        let n: u64 = line
            .expect("cannot read stdin")
            .trim()
            .parse()
            .expect("not a number");
        // Pretend squaring is expensive.
        thread::sleep(Duration::from_millis(50));
        // `println!` flushes at the end of the line, so the parent gets the answer now.
        println!("{}", n * n);
    }
}

/// The parent's handle on one worker process: the pipes it talks through.
struct Worker {
    child: Child,
    to_worker: ChildStdin,
    from_worker: BufReader<ChildStdout>,
}

impl Worker {
    fn start(program: &std::path::Path) -> Worker {
        let mut child = Command::new(program)
            .arg("--worker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("cannot start a worker process");
        let to_worker = child.stdin.take().unwrap();
        let from_worker = BufReader::new(child.stdout.take().unwrap());
        Worker {
            child,
            to_worker,
            from_worker,
        }
    }

    fn send(&mut self, n: u64) {
        writeln!(self.to_worker, "{n}").expect("the worker is gone");
    }

    fn receive(&mut self) -> u64 {
        let mut line = String::new();
        self.from_worker
            .read_line(&mut line)
            .expect("cannot read from the worker");
        line.trim()
            .parse()
            .expect("the worker did not answer a number")
    }

    /// Closing stdin is the "no more work" signal: the worker's loop ends and it exits.
    fn finish(self) {
        let Worker {
            mut child,
            to_worker,
            ..
        } = self;
        drop(to_worker);
        let status = child.wait().expect("cannot wait for a worker");
        assert!(status.success(), "a worker failed: {status}");
    }
}

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--worker") {
        worker();
        return;
    }
    let count: u64 = args
        .first()
        .map_or(10, |a| a.parse().expect("COUNT must be a number"));
    let items: Vec<u64> = (1..=count).collect();

    // The pool: WORKERS processes, started once, serving every item.
    let program = env::current_exe().expect("cannot find this program's path");
    let mut pool: Vec<Worker> = (0..WORKERS).map(|_| Worker::start(&program)).collect();

    // Deal the items out in rounds: one item to each worker, so they all work at once,
    // then one answer from each, in the same order. That keeps the results in input order.
    let mut squares = Vec::with_capacity(items.len());
    for round in items.chunks(WORKERS) {
        for (worker, &n) in pool.iter_mut().zip(round) {
            worker.send(n);
        }
        for worker in pool.iter_mut().take(round.len()) {
            squares.push(worker.receive());
        }
    }

    for worker in pool {
        worker.finish();
    }
    println!("Squares: {squares:?}");
}
