// Tick: a steady clock that stops when told
//
// A ticker thread prints `Tick` every 500 ms, and each tick also does about 100 ms of work.
// Main tells it to stop STOP_MS after the start (the first argument, default 5250 ms), waits
// for it, and prints `Done`.
// Expected: one tick per 500 ms due before the stop (10 by default, 6 for STOP_MS=3250),
// tick K at K x 500 ms after the start (no drift that adds up), and `Done` right after the stop. Right now every tick comes a little later than the last,
// so only 8 ticks fit before the stop signal.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

const PERIOD: Duration = Duration::from_millis(500);

/// Stands in for the real work done on every tick (about 100 ms).
fn simulated_work() {
    thread::sleep(Duration::from_millis(100));
}

fn main() {
    let start = Instant::now();
    let stop_ms: u64 = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .expect("STOP_MS must be a whole number of milliseconds"),
        None => 5250,
    };
    let stop_after = Duration::from_millis(stop_ms);

    // The stop signal. Main drops `stop_tx`; the ticker, waiting in `recv_timeout`, then
    // wakes at once with `Disconnected` instead of sleeping on. (In Python: a
    // threading.Event, with `event.wait(timeout)` in the ticker and `event.set()` in main.)
    let (stop_tx, stop_rx) = mpsc::channel::<()>();

    let ticker = thread::spawn(move || {
        loop {
            // TODO: this waits a full PERIOD *after* the previous tick's work, so each tick is
            // about 100 ms later than it should be, and the error adds up tick after tick.
            // Wait instead until this tick's own deadline, computed from `start`.
            match stop_rx.recv_timeout(PERIOD) {
                Err(RecvTimeoutError::Timeout) => {}
                // A message, or the sender dropped: main asked us to stop.
                Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
            }
            println!("Tick");
            simulated_work();
        }
    });

    thread::sleep(stop_after.saturating_sub(start.elapsed()));
    drop(stop_tx); // stop!
    ticker.join().unwrap();
    println!("Done");
}
