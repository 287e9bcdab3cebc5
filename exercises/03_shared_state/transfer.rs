// Transfer: two locks without a deadlock
//
// Two accounts start with 1000 each, each behind its own Mutex. Two threads transfer 1 in
// opposite directions, 10_000 times each, and every transfer holds both accounts' locks, so
// no one can ever see the money halfway. Then main prints `Total: 2000`.
// Right now the program hangs in most runs: the two threads deadlock.

use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

struct Account {
    /// A number that tells the accounts apart (and can put them in an order).
    id: u32,
    balance: Mutex<u64>,
}

/// Stands in for the checks a real bank makes during a transfer (limits, fraud rules, an
/// audit record): about ten microseconds of work.
fn verify_transfer(from: &Account, to: &Account, amount: u64) {
    // Locking the same Mutex twice in one thread would deadlock on its own.
    assert_ne!(from.id, to.id, "cannot transfer from an account to itself");
    assert!(amount > 0, "a transfer moves money");
    let done = Instant::now() + Duration::from_micros(10);
    while Instant::now() < done {
        std::hint::spin_loop();
    }
}

/// Moves `amount` from `from` to `to` if `from` has that much, holding both locks throughout.
fn transfer(from: &Account, to: &Account, amount: u64) -> bool {
    // TODO: the thread sending a -> b locks a, then b; the thread sending b -> a locks b,
    // then a. Each can get its first lock and then wait forever for the other's: a deadlock.
    // (Python's threading.Lock deadlocks the same way; neither language prevents it.)
    // Make every transfer take the two locks in one global order, whichever way the money
    // goes: the order of the accounts' `id`s, say.
    let mut from_balance = from.balance.lock().unwrap();
    if *from_balance < amount {
        return false;
    }
    verify_transfer(from, to, amount);
    let mut to_balance = to.balance.lock().unwrap();
    *from_balance -= amount;
    *to_balance += amount;
    true
}

fn main() {
    let a = Account {
        id: 1,
        balance: Mutex::new(1000),
    };
    let b = Account {
        id: 2,
        balance: Mutex::new(1000),
    };
    let start = Barrier::new(2);

    thread::scope(|s| {
        s.spawn(|| {
            start.wait();
            for _ in 0..10_000 {
                transfer(&a, &b, 1);
            }
        });
        s.spawn(|| {
            start.wait();
            for _ in 0..10_000 {
                transfer(&b, &a, 1);
            }
        });
    });

    let total = *a.balance.lock().unwrap() + *b.balance.lock().unwrap();
    println!("Total: {total}");
}
