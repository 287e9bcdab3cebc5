// A pool of two worker processes
//
// Starts two worker processes once, then feeds them the numbers 1..=COUNT (default 10)
// over their stdin, one number per line, and reads each square back from their stdout.
// Prints `Squares: [1, 4, 9, ...]` in input order. Right now every item gets a fresh
// process of its own: ten processes for ten items, where a pool keeps two.

use std::env;
use std::io::{self, BufRead, BufReader, Write};
use std::process::{Command, Stdio};
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
    let program = env::current_exe().expect("cannot find this program's path");

    // TODO: this starts a new process for every item. Start WORKERS worker processes once,
    // before the loop, keep their stdin and stdout, and send every item to one of them.
    // A worker keeps answering until its stdin is closed.
    let mut squares = Vec::with_capacity(items.len());
    for n in items {
        let mut child = Command::new(&program)
            .arg("--worker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("cannot start a worker process");
        let mut to_worker = child.stdin.take().unwrap();
        let mut from_worker = BufReader::new(child.stdout.take().unwrap());

        writeln!(to_worker, "{n}").expect("the worker is gone");
        let mut line = String::new();
        from_worker
            .read_line(&mut line)
            .expect("cannot read from the worker");
        squares.push(
            line.trim()
                .parse::<u64>()
                .expect("the worker did not answer a number"),
        );

        drop(to_worker); // no more work: the worker sees the end of its stdin and exits
        child.wait().expect("cannot wait for a worker");
    }

    println!("Squares: {squares:?}");
}
