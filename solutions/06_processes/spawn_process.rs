// Spawn processes: the same work, in two child processes
//
// The parent prints its pid, then starts two copies of this very program as worker
// processes, one for N = 5 and one for N = 10. Each worker prints its own pid and the
// square of N. The parent waits for both children, then prints `Processes done.`.

use std::env;
use std::process::{self, Command};
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
    // This is what Python's multiprocessing does for you behind `Process(target=...)`.
    if args.get(1).map(String::as_str) == Some("--worker") {
        let n: u64 = args[2].parse().expect("a worker needs a number");
        cpu_task(n);
        return;
    }

    println!("Parent pid {}", process::id());

    // Start both children before waiting for either, so they run at the same time.
    let program = env::current_exe().expect("cannot find this program's path");
    let children: Vec<_> = [5, 10]
        .into_iter()
        .map(|n| {
            Command::new(&program)
                .arg("--worker")
                .arg(n.to_string())
                .spawn() // the child inherits our stdout: its lines go straight out
                .expect("cannot start a worker process")
        })
        .collect();

    // `wait` is `Process.join()`: it blocks until that child has exited.
    for mut child in children {
        let status = child.wait().expect("cannot wait for a worker");
        assert!(status.success(), "a worker failed: {status}");
    }
    println!("Processes done.");
}
