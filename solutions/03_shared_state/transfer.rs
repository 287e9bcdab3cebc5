// Transfer: two locks without a deadlock
//
// Two accounts start with 1000 each, each behind its own Mutex. Two threads transfer 1 in
// opposite directions, 10_000 times each, and every transfer holds both accounts' locks, so
// no one can ever see the money halfway. Then main prints `Total: 2000`.

use std::sync::{Barrier, Mutex};
use std::thread;

struct Account {
    /// A number that tells the accounts apart (and can put them in an order).
    id: u32,
    balance: Mutex<u64>,
}

/// Moves `amount` from `from` to `to` if `from` has that much, holding both locks throughout.
fn transfer(from: &Account, to: &Account, amount: u64) -> bool {
    // Locking the same Mutex twice in one thread would deadlock on its own.
    assert_ne!(from.id, to.id, "cannot transfer from an account to itself");

    // Every thread locks the account with the smaller id first. A thread holding one lock
    // then only ever waits for a lock that comes later in that order, so no cycle of
    // threads each waiting for the next can form: no deadlock, whichever way money moves.
    let from_first = from.id < to.id;
    let (first, second) = if from_first { (from, to) } else { (to, from) };
    let mut first_balance = first.balance.lock().unwrap();
    let mut second_balance = second.balance.lock().unwrap();
    let (from_balance, to_balance) = if from_first {
        (&mut *first_balance, &mut *second_balance)
    } else {
        (&mut *second_balance, &mut *first_balance)
    };

    if *from_balance < amount {
        return false;
    }
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
