// Tick: a steady clock that stops when told
//
// A ticker thread prints `Tick` every 500 ms, and each tick also does about 100 ms of work.
// Main tells it to stop 5.25 s after the start, waits for it, and prints `Done`.
// Expected: exactly 10 ticks, tick K at K x 500 ms after the start (no drift that adds up),
// and `Done` right after 5.25 s. Right now every tick comes a little later than the last,
// so only 8 ticks fit before the stop signal.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

const PERIOD: Duration = Duration::from_millis(500);
const STOP_AFTER: Duration = Duration::from_millis(5250);

/// Stands in for the real work done on every tick (about 100 ms).
fn simulated_work() {
    thread::sleep(Duration::from_millis(100));
}

fn main() {
    let start = Instant::now();

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

    thread::sleep(STOP_AFTER.saturating_sub(start.elapsed()));
    drop(stop_tx); // stop!
    ticker.join().unwrap();
    println!("Done");
}
