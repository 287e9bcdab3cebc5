// Transfer: two locks without a deadlock
//
// Two accounts start with 1000 each, each behind its own Mutex. Two threads transfer 1 in
// opposite directions, 10_000 times each, and every transfer holds both accounts' locks, so
// no one can ever see the money halfway. Then main prints `Total: 2000`.

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
    // Every transfer locks the account with the smaller id first. A thread that holds one
    // lock then only ever waits for a lock later in that order, so no cycle of threads,
    // each waiting for the next, can form: no deadlock, whichever way the money moves.
    let from_first = from.id < to.id;
    let (first, second) = if from_first { (from, to) } else { (to, from) };
    let mut first_balance = first.balance.lock().unwrap();
    let mut second_balance = second.balance.lock().unwrap();
    // Name the two guards by their role again.
    let (from_balance, to_balance) = if from_first {
        (&mut *first_balance, &mut *second_balance)
    } else {
        (&mut *second_balance, &mut *first_balance)
    };

    if *from_balance < amount {
        return false;
    }
    verify_transfer(from, to, amount);
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
