// Producers and a consumer
//
// PRODUCERS threads (default 3) each send the numbers 1..=COUNT (default 100) over one shared
// channel; a consumer thread receives until the channel is closed and prints
// `Received N messages, sum S`. As written, the program never ends: find out why and fix it.

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

    let (tx, rx) = mpsc::channel::<u64>();

    // The consumer: `for value in rx` waits for the next message, and stops only when the
    // channel is closed.
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
            thread::spawn(move || {
                for value in 1..=count {
                    tx.send(value).expect("the consumer hung up");
                }
            })
        })
        .collect();

    // TODO: the channel closes only when *every* Sender is gone. The producers' clones are
    // dropped when their threads end, but one Sender is still alive here, so the consumer
    // waits for a message that never comes.

    for handle in handles {
        handle.join().expect("a producer panicked");
    }
    let (received, sum) = consumer.join().expect("the consumer panicked");
    println!("Received {received} messages, sum {sum}");
}
