// Grading harness of 03_shared_state/bank_account.
//
// `learn` compiles the learner's file as the module `exercise` and includes this file after
// it. The rules of the API are checked one after another, each printing `ok: RULE (what was
// tried)`; the first broken rule is reported on stderr as `RULE: <rule>` followed by what was
// seen, and the harness exits with status 1.
//
// Races only show when threads really overlap, so every concurrent check starts its threads
// together behind a Barrier, repeats over many rounds, and hammers the account long enough
// that even on a single core threads get preempted inside `withdraw` many times.

use std::any::Any;
use std::collections::BTreeSet;
use std::panic::{self, AssertUnwindSafe};
use std::process;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use exercise::{BankAccount, InsufficientFunds};

const RULE_SEND_SYNC: &str = "BankAccount is Send + Sync";
const RULE_API: &str = "new, deposit, withdraw and balance behave as documented";
const RULE_ERR: &str = "Err carries the balance seen and the amount requested";
const RULE_RACE: &str = "exactly min(N, B / amount) withdrawals succeed when N threads race";
const RULE_NOT_NEGATIVE: &str = "the balance never goes below zero";
const RULE_NOT_LOST: &str = "no successful withdrawal is lost";
const RULE_FINAL: &str = "final balance = initial + deposits - successful withdrawals";
const RULE_NO_PANIC: &str = "deposit, withdraw and balance never panic";

/// Reports a broken rule and ends the harness.
fn broken(rule: &str, saw: String) -> ! {
    eprintln!("RULE: {rule}");
    eprintln!("{saw}");
    process::exit(1);
}

fn ok(rule: &str, tried: &str) {
    println!("ok: {rule} ({tried})");
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_string()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "(a panic without a message)".to_string()
    }
}

/// Reports a panic inside the learner's code. A u64 subtraction that overflowed means the
/// balance was about to go below zero, so that one is reported under its own rule.
fn panicked(during: &str, payload: &(dyn Any + Send)) -> ! {
    panicked_any(during, &[payload])
}

/// Reports the most telling of several threads' panics: an overflow first, then any panic
/// that is not merely a poisoned lock left behind by another thread's panic.
fn panicked_any(during: &str, payloads: &[&(dyn Any + Send)]) -> ! {
    let messages: Vec<String> = payloads.iter().map(|p| panic_message(*p)).collect();
    let pick = |wanted: &dyn Fn(&String) -> bool| messages.iter().find(|m| wanted(m)).cloned();
    let message = pick(&|m| m.contains("overflow"))
        .or_else(|| pick(&|m| !m.contains("PoisonError")))
        .or_else(|| messages.first().cloned())
        .unwrap_or_default();
    let others = match messages.len() {
        0 | 1 => String::new(),
        n => format!(" ({n} threads panicked)"),
    };
    if message.contains("subtract with overflow") {
        broken(
            RULE_NOT_NEGATIVE,
            format!(
                "{during}: a thread panicked with `{message}`{others}: a withdrawal subtracted \
                 more than the balance held (two threads passed the balance check before \
                 either updated it)"
            ),
        )
    }
    broken(
        RULE_NO_PANIC,
        format!("{during}: a thread panicked with `{message}`{others}"),
    )
}

/// Reports a panic if any of the threads' results is one.
fn check_joined<'a, T: 'a>(during: &str, results: impl IntoIterator<Item = &'a thread::Result<T>>) {
    let payloads: Vec<&(dyn Any + Send)> = results
        .into_iter()
        .filter_map(|result| result.as_ref().err())
        .map(|payload| &**payload)
        .collect();
    if !payloads.is_empty() {
        panicked_any(during, &payloads);
    }
}

/// Runs `f`, turning a panic in the learner's code into a reported rule.
fn guarded<T>(during: &str, f: impl FnOnce() -> T) -> T {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => value,
        Err(payload) => panicked(during, &*payload),
    }
}

fn assert_send_sync<T: Send + Sync>() {}

fn check_send_sync() {
    // Fails to compile, rather than at run time, if BankAccount cannot be shared.
    assert_send_sync::<BankAccount>();
    ok(RULE_SEND_SYNC, "checked at compile time");
}

fn check_api() {
    let during = "one thread calling the methods in turn";
    guarded(during, || {
        let account = BankAccount::new(100);
        let seen = account.balance();
        if seen != 100 {
            broken(
                RULE_API,
                format!("BankAccount::new(100).balance() returned {seen}"),
            );
        }
        account.deposit(50);
        let seen = account.balance();
        if seen != 150 {
            broken(
                RULE_API,
                format!("new(100), deposit(50): balance() returned {seen}, not 150"),
            );
        }
        let result = account.withdraw(30);
        if result != Ok(120) {
            broken(
                RULE_API,
                format!(
                    "balance 150, withdraw(30) returned {result:?}, not Ok(120) (the new balance)"
                ),
            );
        }
        let result = account.withdraw(500);
        let expected = InsufficientFunds {
            balance: 120,
            requested: 500,
        };
        if result != Err(expected.clone()) {
            broken(
                RULE_ERR,
                format!("balance 120, withdraw(500) returned {result:?}, not Err({expected:?})"),
            );
        }
        let seen = account.balance();
        if seen != 120 {
            broken(
                RULE_API,
                format!("a refused withdraw(500) changed the balance from 120 to {seen}"),
            );
        }
        let result = account.withdraw(120);
        if result != Ok(0) {
            broken(
                RULE_API,
                format!("balance 120, withdraw(120) returned {result:?}, not Ok(0)"),
            );
        }
        let result = account.withdraw(1);
        let expected = InsufficientFunds {
            balance: 0,
            requested: 1,
        };
        if result != Err(expected.clone()) {
            broken(
                RULE_ERR,
                format!("balance 0, withdraw(1) returned {result:?}, not Err({expected:?})"),
            );
        }
        account.deposit(7);
        let result = account.withdraw(7);
        if result != Ok(0) {
            broken(
                RULE_API,
                format!("balance 0, deposit(7), withdraw(7) returned {result:?}, not Ok(0)"),
            );
        }
    });
    ok(
        RULE_API,
        "new(100), deposit, withdraw, balance from one thread",
    );
    ok(RULE_ERR, "withdraw(500) from 120 and withdraw(1) from 0");
}

/// N threads, released together, each try to withdraw `amount` once from `initial`.
fn check_race(threads: usize, initial: u64, amount: u64, rounds: usize) {
    let expected_successes = (threads as u64).min(initial / amount);
    let expected_final = initial - expected_successes * amount;
    let setting =
        format!("{threads} threads each withdraw {amount} once from a balance of {initial}");

    for round in 1..=rounds {
        let during = format!("{setting} (round {round})");
        let account = guarded(&during, || BankAccount::new(initial));
        let barrier = Barrier::new(threads);
        let results: Vec<_> = thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        account.withdraw(amount)
                    })
                })
                .collect();
            handles.into_iter().map(|handle| handle.join()).collect()
        });
        let mut successes = Vec::new();
        let mut refusals = Vec::new();
        check_joined(&during, &results);
        for result in results {
            match result {
                Ok(Ok(new_balance)) => successes.push(new_balance),
                Ok(Err(refusal)) => refusals.push(refusal),
                Err(payload) => panicked(&during, &*payload),
            }
        }
        let final_balance = guarded(&during, || account.balance());
        successes.sort_unstable_by(|a, b| b.cmp(a));

        // Only withdrawals happen here, so a balance above the initial one can only be a
        // balance that went below zero and wrapped around.
        if let Some(&wrapped) = successes.iter().find(|&&b| b > initial) {
            broken(
                RULE_NOT_NEGATIVE,
                format!(
                    "{during}: a withdrawal returned Ok({wrapped}), more than the initial balance: the balance went below zero and wrapped around"
                ),
            );
        }
        if final_balance > initial {
            broken(
                RULE_NOT_NEGATIVE,
                format!(
                    "{during}: the final balance is {final_balance}, more than the initial balance: it went below zero and wrapped around"
                ),
            );
        }
        let distinct: BTreeSet<u64> = successes.iter().copied().collect();
        if distinct.len() != successes.len() {
            broken(
                RULE_NOT_LOST,
                format!(
                    "{during}: two withdrawals returned the same new balance ({successes:?}): both worked from the same old balance, so one of them was lost"
                ),
            );
        }
        if successes.len() as u64 != expected_successes {
            broken(
                RULE_RACE,
                format!(
                    "{during}: {} succeeded, expected min({threads}, {initial} / {amount}) = {expected_successes}; new balances returned: {successes:?}",
                    successes.len()
                ),
            );
        }
        if final_balance != expected_final {
            let rule = if final_balance > expected_final {
                RULE_NOT_LOST
            } else {
                RULE_FINAL
            };
            broken(
                rule,
                format!(
                    "{during}: {expected_successes} withdrawals succeeded, so the final balance should be {expected_final}, but balance() returned {final_balance}"
                ),
            );
        }
        let legal: BTreeSet<u64> = (1..=expected_successes)
            .map(|k| initial - k * amount)
            .collect();
        if distinct != legal {
            broken(
                RULE_API,
                format!(
                    "{during}: the successful withdrawals returned {successes:?}; each should return the balance after it, i.e. {:?}",
                    legal.iter().rev().collect::<Vec<_>>()
                ),
            );
        }
        for refusal in &refusals {
            let expected = InsufficientFunds {
                balance: expected_final,
                requested: amount,
            };
            if *refusal != expected {
                broken(
                    RULE_ERR,
                    format!(
                        "{during}: a refused withdrawal returned Err({refusal:?}); a refusal can only happen once the balance is down to {expected_final}, so it should be Err({expected:?})"
                    ),
                );
            }
        }
    }
    ok(RULE_RACE, &format!("{setting}, {rounds} rounds"));
}

/// Threads that only withdraw, from a large balance, while a reader watches it: the balance
/// must only go down, and every successful withdrawal must show in the final balance.
fn check_withdrawals_not_lost(threads: usize, per_thread: u64, rounds: usize) {
    let initial: u64 = 1_000_000_000_000;
    let setting = format!(
        "{threads} threads each withdraw {per_thread} times from {initial} while a reader watches"
    );
    for round in 1..=rounds {
        let during = format!("{setting} (round {round})");
        let account = guarded(&during, || BankAccount::new(initial));
        let barrier = Barrier::new(threads + 1);
        let done = AtomicBool::new(false);
        let (results, reader) = thread::scope(|s| {
            let reader = s.spawn(|| {
                barrier.wait();
                let mut last = initial;
                let mut reads = 0u64;
                while !done.load(Ordering::Relaxed) {
                    let now = account.balance();
                    reads += 1;
                    if now > last {
                        return Err((last, now, reads));
                    }
                    last = now;
                }
                Ok(reads)
            });
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (account, barrier) = (&account, &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        let mut withdrawn = 0u64;
                        let mut returned = Vec::with_capacity(per_thread as usize);
                        for i in 0..per_thread {
                            let amount = 1 + (i + t as u64) % 4;
                            match account.withdraw(amount) {
                                Ok(new_balance) => {
                                    withdrawn += amount;
                                    returned.push(new_balance);
                                }
                                Err(refusal) => return Err(refusal),
                            }
                        }
                        Ok((withdrawn, returned))
                    })
                })
                .collect();
            let results: Vec<_> = handles.into_iter().map(|handle| handle.join()).collect();
            done.store(true, Ordering::Relaxed);
            (results, reader.join())
        });

        let mut withdrawn = 0u64;
        let mut returned = Vec::new();
        check_joined(&during, &results);
        check_joined(&during, [&reader]);
        for result in results {
            match result {
                Ok(Ok((amount, balances))) => {
                    withdrawn += amount;
                    returned.extend(balances);
                }
                Ok(Err(refusal)) => broken(
                    RULE_API,
                    format!(
                        "{during}: a withdrawal of at most 4 from a balance near {initial} was refused with Err({refusal:?})"
                    ),
                ),
                Err(payload) => panicked(&during, &*payload),
            }
        }
        match reader {
            Ok(Ok(_)) => {}
            Ok(Err((before, after, reads))) => broken(
                RULE_NOT_LOST,
                format!(
                    "{during}: only withdrawals were running, yet the reader saw the balance go up from {before} to {after} (read #{reads}): a withdrawal wrote back a stale balance and undid others"
                ),
            ),
            Err(payload) => panicked(&during, &*payload),
        }
        let final_balance = guarded(&during, || account.balance());
        if final_balance > initial {
            broken(
                RULE_NOT_NEGATIVE,
                format!(
                    "{during}: the final balance is {final_balance}, more than the initial {initial}"
                ),
            );
        }
        let expected = initial - withdrawn;
        if final_balance != expected {
            let rule = if final_balance > expected {
                RULE_NOT_LOST
            } else {
                RULE_FINAL
            };
            broken(
                rule,
                format!(
                    "{during}: the successful withdrawals took {withdrawn}, so the final balance should be {expected}, but balance() returned {final_balance} ({} lost)",
                    final_balance.abs_diff(expected)
                ),
            );
        }
        let distinct: BTreeSet<u64> = returned.iter().copied().collect();
        if distinct.len() != returned.len() {
            broken(
                RULE_NOT_LOST,
                format!(
                    "{during}: {} successful withdrawals returned a new balance that another one also returned: they worked from the same old balance",
                    returned.len() - distinct.len()
                ),
            );
        }
    }
    ok(RULE_NOT_LOST, &format!("{setting}, {rounds} rounds"));
}

/// Depositing and withdrawing threads at once, with the balance hovering near zero, where a
/// withdrawal that checks and then acts separately overdraws the account.
fn check_near_zero(threads: usize, per_thread: u64, rounds: usize) {
    let setting = format!(
        "{threads} threads each deposit and withdraw {per_thread} times, balance near zero, while a reader watches"
    );
    // Deposits are 1..=3, withdrawals 1..=5: withdrawals outrun deposits and the balance stays low.
    let deposit_amount = |t: usize, i: u64| 1 + (i + t as u64) % 3;
    let withdraw_amount = |t: usize, i: u64| 1 + (i * 7 + t as u64) % 5;
    let initial: u64 = 10;
    // No balance can ever exceed this: everything anyone will ever deposit.
    let ceiling: u64 = initial
        + (0..threads)
            .map(|t| (0..per_thread).map(|i| deposit_amount(t, i)).sum::<u64>())
            .sum::<u64>();

    for round in 1..=rounds {
        let during = format!("{setting} (round {round})");
        let account = guarded(&during, || BankAccount::new(initial));
        let barrier = Barrier::new(threads + 1);
        let done = AtomicBool::new(false);
        let (results, reader) = thread::scope(|s| {
            let reader = s.spawn(|| {
                barrier.wait();
                while !done.load(Ordering::Relaxed) {
                    let now = account.balance();
                    if now > ceiling {
                        return Err(now);
                    }
                }
                Ok(())
            });
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (account, barrier) = (&account, &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        let (mut deposited, mut withdrawn, mut refused) = (0u64, 0u64, 0u64);
                        for i in 0..per_thread {
                            let amount = deposit_amount(t, i);
                            account.deposit(amount);
                            deposited += amount;
                            let amount = withdraw_amount(t, i);
                            match account.withdraw(amount) {
                                Ok(new_balance) if new_balance > ceiling => {
                                    return Err(format!("withdraw({amount}) returned Ok({new_balance})"));
                                }
                                Ok(_) => withdrawn += amount,
                                Err(refusal) => {
                                    if refusal.requested != amount || refusal.balance >= amount {
                                        return Err(format!(
                                            "withdraw({amount}) was refused with Err({refusal:?}): the error must carry the amount requested and a balance below it"
                                        ));
                                    }
                                    refused += 1;
                                }
                            }
                        }
                        Ok((deposited, withdrawn, refused))
                    })
                })
                .collect();
            let results: Vec<_> = handles.into_iter().map(|handle| handle.join()).collect();
            done.store(true, Ordering::Relaxed);
            (results, reader.join())
        });

        let (mut deposited, mut withdrawn) = (0u64, 0u64);
        check_joined(&during, &results);
        check_joined(&during, [&reader]);
        for result in results {
            match result {
                Ok(Ok((d, w, _refused))) => {
                    deposited += d;
                    withdrawn += w;
                }
                Ok(Err(what)) if what.contains("was refused") => {
                    broken(RULE_ERR, format!("{during}: {what}"))
                }
                Ok(Err(what)) => broken(
                    RULE_NOT_NEGATIVE,
                    format!(
                        "{during}: {what}, more than was ever deposited ({ceiling}): the balance went below zero and wrapped around"
                    ),
                ),
                Err(payload) => panicked(&during, &*payload),
            }
        }
        match reader {
            Ok(Ok(())) => {}
            Ok(Err(seen)) => broken(
                RULE_NOT_NEGATIVE,
                format!(
                    "{during}: the reader saw a balance of {seen}, more than was ever deposited ({ceiling}): the balance went below zero and wrapped around"
                ),
            ),
            Err(payload) => panicked(&during, &*payload),
        }
        let final_balance = guarded(&during, || account.balance());
        if final_balance > ceiling {
            broken(
                RULE_NOT_NEGATIVE,
                format!(
                    "{during}: the final balance is {final_balance}, more than was ever deposited ({ceiling}): it went below zero and wrapped around"
                ),
            );
        }
        let expected = (initial + deposited).checked_sub(withdrawn);
        if expected != Some(final_balance) {
            let expected_text = match expected {
                Some(value) => value.to_string(),
                None => "below zero".to_string(),
            };
            let rule = match expected {
                Some(value) if final_balance < value => RULE_FINAL,
                _ => RULE_NOT_LOST,
            };
            broken(
                rule,
                format!(
                    "{during}: initial {initial} + deposits {deposited} - successful withdrawals {withdrawn} = {expected_text}, but balance() returned {final_balance}"
                ),
            );
        }
    }
    ok(RULE_NOT_NEGATIVE, &format!("{setting}, {rounds} rounds"));
    ok(RULE_FINAL, &format!("{setting}, {rounds} rounds"));
}

fn main() {
    check_send_sync();
    check_api();
    // The main program's own case, then fewer, more and all-succeeding withdrawals.
    check_race(10, 1000, 150, 150);
    check_race(16, 800, 100, 150);
    check_race(16, 99, 100, 50);
    check_race(16, 10_000, 7, 100);
    check_withdrawals_not_lost(6, 30_000, 4);
    check_near_zero(6, 30_000, 4);
    println!("All rules hold.");
}
