// A three-stage pipeline
//
// A generator thread sends 1..=20, a squarer thread squares each number, and a summer thread
// adds the squares up. The stages talk only through channels: one channel per link, each
// with a single Receiver owned by the stage that reads it. Prints `Sum of squares: 2870`.

use std::sync::mpsc;
use std::thread;

fn main() {
    // generator -> squarer
    let (num_tx, num_rx) = mpsc::channel::<u64>();
    // squarer -> summer
    let (sq_tx, sq_rx) = mpsc::channel::<u64>();

    let generator = thread::spawn(move || {
        for n in 1..=20 {
            num_tx.send(n).expect("the squarer hung up");
        }
        // `num_tx` is dropped here: the squarer's loop ends after the last number.
    });

    let squarer = thread::spawn(move || {
        for n in num_rx {
            sq_tx.send(n * n).expect("the summer hung up");
        }
        // `sq_tx` is dropped here, which in turn ends the summer's loop.
    });

    let summer = thread::spawn(move || sq_rx.iter().sum::<u64>());

    generator.join().expect("the generator panicked");
    squarer.join().expect("the squarer panicked");
    let sum = summer.join().expect("the summer panicked");
    println!("Sum of squares: {sum}");
}
