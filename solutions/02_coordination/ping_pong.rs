// Ping pong: take turns
//
// One thread prints `Ping`, another prints `Pong`, ROUNDS times each (ROUNDS is the first
// argument, default 5). The lines must strictly alternate, starting with `Ping`, in every
// run: on a single core too, and for 1000 rounds, which must finish within a few seconds.
// When both threads are done, main prints `Done`.

use std::sync::{Condvar, Mutex};
use std::thread;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Turn {
    Ping,
    Pong,
}

/// Whose turn it is, and a condition variable to wait on until that changes.
/// (Python: a `threading.Condition` around a shared variable.)
struct Table {
    turn: Mutex<Turn>,
    turn_changed: Condvar,
}

impl Table {
    /// Waits until it is `me`'s turn, prints `word`, then passes the turn to `next`.
    fn play(&self, me: Turn, next: Turn, word: &str) {
        // `wait_while` sleeps (releasing the lock) until the closure returns false, and
        // re-checks after every wake-up, so a spurious wake-up cannot let us out of turn.
        let mut turn = self
            .turn_changed
            .wait_while(self.turn.lock().unwrap(), |turn| *turn != me)
            .unwrap();
        // We still hold the lock while printing: the other thread cannot print in between.
        println!("{word}");
        *turn = next;
        // Only the other player can be waiting, so waking one waiter is enough.
        self.turn_changed.notify_one();
    }
}

fn main() {
    let rounds: u32 = match std::env::args().nth(1) {
        Some(arg) => arg.parse().expect("ROUNDS must be a whole number"),
        None => 5,
    };

    let table = Table {
        turn: Mutex::new(Turn::Ping),
        turn_changed: Condvar::new(),
    };

    // Scoped threads may borrow `table`; the scope joins both threads before it returns.
    thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..rounds {
                table.play(Turn::Ping, Turn::Pong, "Ping");
            }
        });
        s.spawn(|| {
            for _ in 0..rounds {
                table.play(Turn::Pong, Turn::Ping, "Pong");
            }
        });
    });

    println!("Done");
}
