// Ping pong: take turns
//
// One thread prints `Ping`, another prints `Pong`, ROUNDS times each (ROUNDS is the first
// argument, default 5). The lines must strictly alternate, starting with `Ping`, in every
// run: on a single core too, and for 1000 rounds, which must finish within a few seconds.
// When both threads are done, main prints `Done`.

use std::thread;

fn main() {
    let rounds: u32 = match std::env::args().nth(1) {
        Some(arg) => arg.parse().expect("ROUNDS must be a whole number"),
        None => 5,
    };

    // TODO: the two threads do not take turns. Each prints as fast as it can, so the lines
    // come out in whatever order the scheduler happens to pick. Give the threads shared state
    // that says whose turn it is: each waits (without burning the CPU) until its turn comes,
    // prints, then hands the turn to the other and wakes it up.
    // Sleeping is not taking turns: it is slow, and the order would only be likely, not certain.
    let ping = thread::spawn(move || {
        for _ in 0..rounds {
            println!("Ping");
        }
    });
    let pong = thread::spawn(move || {
        for _ in 0..rounds {
            println!("Pong");
        }
    });

    ping.join().unwrap();
    pong.join().unwrap();
    println!("Done");
}
