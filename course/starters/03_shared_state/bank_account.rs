// Bank account: check and act under one lock
//
// `BankAccount` is shared by many threads that deposit and withdraw at once. Whatever they
// do, the balance never goes below zero, no successful withdrawal is lost, and when N threads
// race to withdraw `amount` from a balance of B, exactly min(N, B / amount) succeed.
// main: ten threads each try to withdraw 150 once from 1000, and it prints
// `Successful withdrawals: 6` then `Final balance: 100`. The grader also tests the API below
// directly, with many threads, so keep the `pub` items exactly as they are.

use std::sync::Mutex;
use std::thread;

/// The error of a refused withdrawal: the balance the account had, and the amount asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsufficientFunds {
    pub balance: u64,
    pub requested: u64,
}

pub struct BankAccount {
    balance: Mutex<u64>,
}

impl BankAccount {
    pub fn new(initial: u64) -> Self {
        BankAccount {
            balance: Mutex::new(initial),
        }
    }

    pub fn deposit(&self, amount: u64) {
        *self.balance.lock().unwrap() += amount;
    }

    /// Ok(new balance), or Err with the balance seen and the amount requested.
    pub fn withdraw(&self, amount: u64) -> Result<u64, InsufficientFunds> {
        // TODO: every access here is locked, yet this is still a race. The check takes the
        // lock and lets it go; the write takes it again. In between, other threads can
        // withdraw or deposit, and this write then works from a stale balance: two threads
        // both see 150 and both succeed, or a deposit vanishes. The check and the update must
        // happen while the lock is held the whole time.
        let balance = self.balance(); // check
        if balance < amount {
            return Err(InsufficientFunds {
                balance,
                requested: amount,
            });
        }
        let mut guard = self.balance.lock().unwrap(); // act
        *guard = balance - amount;
        Ok(*guard)
    }

    pub fn balance(&self) -> u64 {
        *self.balance.lock().unwrap()
    }
}

fn main() {
    let account = BankAccount::new(1000);

    let successes = thread::scope(|s| {
        let attempts: Vec<_> = (0..10)
            .map(|_| s.spawn(|| account.withdraw(150).is_ok()))
            .collect();
        attempts
            .into_iter()
            .map(|attempt| attempt.join().unwrap())
            .filter(|&succeeded| succeeded)
            .count()
    });

    println!("Successful withdrawals: {successes}");
    println!("Final balance: {}", account.balance());
}
