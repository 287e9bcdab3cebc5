// Producers and a consumer
//
// PRODUCERS threads (default 3) each send the numbers 1..=COUNT (default 100) over one shared
// channel; a consumer thread receives until the channel is closed and prints how many
// messages arrived and their sum.

use std::env;
use std::sync::mpsc;
use std::thread;

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    let producers: u64 = args
        .first()
        .map_or(3, |s| s.parse().expect("PRODUCERS must be a number"));
    let count: u64 = args
        .get(1)
        .map_or(100, |s| s.parse().expect("COUNT must be a number"));

    // mpsc: many producers, a single consumer. Every producer gets its own clone of `tx`.
    let (tx, rx) = mpsc::channel::<u64>();

    // The consumer owns the Receiver. Iterating over it blocks for the next message and ends
    // only when the channel is closed, that is when every Sender has been dropped.
    let consumer = thread::spawn(move || {
        let mut received = 0u64;
        let mut sum = 0u64;
        for value in rx {
            received += 1;
            sum += value;
        }
        (received, sum)
    });

    let handles: Vec<_> = (0..producers)
        .map(|_| {
            let tx = tx.clone();
            // `tx` moves into the thread and is dropped when the thread ends.
            thread::spawn(move || {
                for value in 1..=count {
                    tx.send(value).expect("the consumer hung up");
                }
            })
        })
        .collect();

    // main's own Sender would keep the channel open forever: drop it, so that the channel
    // closes as soon as the last producer is done.
    drop(tx);

    for handle in handles {
        handle.join().expect("a producer panicked");
    }
    let (received, sum) = consumer.join().expect("the consumer panicked");
    println!("Received {received} messages, sum {sum}");
}
