// Spawn processes: the same work, in two child processes
//
// The parent prints its pid, then runs `cpu_task` for N = 5 and N = 10 in two child
// processes (copies of this program started with `--worker N`), waits for both and
// prints `Processes done.`. Right now the work runs on threads: every line shows the
// parent's pid, because threads live inside the parent's process.

use std::env;
use std::process;
use std::thread;
use std::time::Duration;

/// The work of one child process (the Python lesson's `cpu_task`).
fn cpu_task(n: u64) {
    println!("Processing {n}... (pid {})", process::id());
    // Pretend this is heavy work (it also keeps the child alive long enough to see in `ps`).
    thread::sleep(Duration::from_millis(300));
    println!("Result {n}: {}", n * n);
}

fn main() {
    let args: Vec<String> = env::args().collect();

    // A copy started as `PROGRAM --worker N` is a worker: it does one task and exits.
    if args.get(1).map(String::as_str) == Some("--worker") {
        let n: u64 = args[2].parse().expect("a worker needs a number");
        cpu_task(n);
        return;
    }

    println!("Parent pid {}", process::id());

    // TODO: these are threads, not processes. Start two copies of this program instead
    // (`std::env::current_exe()`, `std::process::Command`) with the arguments
    // `--worker 5` and `--worker 10`, start both before waiting for either, and wait
    // for both before the last line.
    let handles: Vec<_> = [5, 10]
        .into_iter()
        .map(|n| thread::spawn(move || cpu_task(n)))
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }

    println!("Processes done.");
}
