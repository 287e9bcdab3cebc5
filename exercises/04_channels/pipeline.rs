// A three-stage pipeline
//
// A generator thread sends 1..=20, a squarer thread squares each number, and a summer thread
// adds the squares up, the stages talking only through channels. Prints
// `Sum of squares: 2870`. As written it does not compile: wire the stages up properly.

use std::sync::mpsc;
use std::thread;

fn main() {
    // generator -> squarer
    let (num_tx, num_rx) = mpsc::channel::<u64>();

    let generator = thread::spawn(move || {
        for n in 1..=20 {
            num_tx.send(n).expect("the squarer hung up");
        }
    });

    let squarer = thread::spawn(move || {
        for n in num_rx {
            let square = n * n;
            // TODO: pass `square` on to the summer. A Receiver has exactly one owner (mpsc:
            // *single* consumer), and `num_rx` now belongs to this thread, so the summer
            // below cannot read from it too. The squarer -> summer link needs its own channel.
            let _ = square;
        }
    });

    let summer = thread::spawn(move || num_rx.iter().sum::<u64>());

    generator.join().expect("the generator panicked");
    squarer.join().expect("the squarer panicked");
    let sum = summer.join().expect("the summer panicked");
    println!("Sum of squares: {sum}");
}
