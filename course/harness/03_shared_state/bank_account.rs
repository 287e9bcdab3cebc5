// Grading harness of 03_shared_state/bank_account.
//
// `learn` compiles the learner's file as the module `exercise` and includes this file after
// it. The rules of the API are checked one after another, each printing `ok: RULE (what was
// tried)`; the first broken rule is reported on stderr as `RULE: <rule>`, then `HINT: <hint>`, then
// what was seen, and the harness exits with status 1.
//
// Races only show when threads really overlap, so every concurrent check starts its threads
// together behind a Barrier, repeats over many rounds, and hammers the account long enough
// that even on a single core threads get preempted inside `withdraw` many times.

use std::any::Any;
use std::collections::BTreeSet;
use std::panic::{self, AssertUnwindSafe};
use std::process;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::Duration;

use exercise::{BankAccount, InsufficientFunds};

const RULE_SEND_SYNC: &str = "BankAccount is Send + Sync";
const RULE_API: &str = "new, deposit, withdraw and balance behave as documented";
const RULE_ERR: &str = "Err carries the balance seen and the amount requested";
const RULE_RACE: &str = "exactly min(N, B / amount) withdrawals succeed when N threads race";
const RULE_NOT_NEGATIVE: &str = "the balance never goes below zero";
const RULE_NOT_LOST: &str = "no successful withdrawal is lost";
const RULE_FINAL: &str = "final balance = initial + deposits - successful withdrawals";
const RULE_NO_PANIC: &str = "deposit, withdraw and balance never panic";

/// Reports a broken rule, with the hint that matches it, and ends the harness.
fn broken(rule: &str, saw: String) -> ! {
    eprintln!("RULE: {rule}");
    eprintln!("HINT: {}", hint(rule));
    eprintln!("{saw}");
    process::exit(1);
}

/// What to look at when `rule` is broken: the idea, not the code.
fn hint(rule: &str) -> &'static str {
    match rule {
        RULE_ERR => "A refusal reports what it was based on: the balance the withdrawal saw (under the lock) and the amount asked for.",
        RULE_RACE | RULE_NOT_NEGATIVE => "Two withdrawals both saw enough money, then both took it: the check (is there enough?) and the subtraction must happen as one step, under one lock held across both.",
        RULE_NOT_LOST => "A withdrawal wrote back a balance computed from a stale read, undoing another thread's update: read and write the balance in one step (one lock guard for both, or an atomic read-modify-write), never a load then a store.",
        RULE_FINAL => "Every deposit and every successful withdrawal must change the balance exactly once, in one step with the read it is based on.",
        RULE_NO_PANIC => "A method panicked: never subtract before checking that the balance suffices, and return Err for a refusal instead of panicking.",
        _ => "Read each method's doc comment in the starter: withdraw returns the balance after it, and a refused withdrawal changes nothing.",
    }
}

/// `n` with `_` between groups of three digits, as Rust writes large literals.
fn readable(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('_');
        }
        out.push(digit);
    }
    out
}

fn ok(rule: &str, tried: &str) {
    println!("ok: {rule} ({tried})");
}

/// Where and why the learner's code panicked, recorded by the panic hook installed in
/// `main`. The hook prints nothing: with many threads (and RUST_BACKTRACE set) the default
/// hook would bury the `RULE:` line under pages of backtraces.
static PANICS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

fn record_panics_quietly() {
    panic::set_hook(Box::new(|info| {
        let message = info
            .payload_as_str()
            .unwrap_or("(a panic without a message)")
            .to_string();
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        if let Ok(mut panics) = PANICS.lock() {
            panics.push((message, place));
        }
    }));
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
    let mut panics: Vec<(String, String)> = PANICS.lock().map(|p| p.clone()).unwrap_or_default();
    if panics.is_empty() {
        panics = payloads
            .iter()
            .map(|p| (panic_message(*p), String::new()))
            .collect();
    }
    let pick = |wanted: &dyn Fn(&str) -> bool| panics.iter().find(|(m, _)| wanted(m)).cloned();
    let (message, place) = pick(&|m| m.contains("overflow"))
        .or_else(|| pick(&|m| !m.contains("PoisonError")))
        .or_else(|| panics.first().cloned())
        .unwrap_or_default();
    let count = match payloads.len() {
        0 | 1 => String::new(),
        n => format!(" ({n} threads panicked)"),
    };
    if message.contains("subtract with overflow") {
        broken(
            RULE_NOT_NEGATIVE,
            format!(
                "{during}: a thread panicked with `{message}`{place}{count}: a withdrawal \
                 subtracted more than the balance held (two threads passed the balance check \
                 before either updated it)"
            ),
        )
    }
    broken(
        RULE_NO_PANIC,
        format!("{during}: a thread panicked with `{message}`{place}{count}"),
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

/// A balance this large can only be one that went below zero and wrapped around: the
/// hammers below deposit far less than this in total.
const WRAPPED: u64 = 1 << 62;

/// Runs `work` on `threads` threads and `watch` on one more, released together by a Barrier,
/// for about `millis` ms; both get a `stop` flag and return once it is set. Running for a
/// time rather than a count keeps the number of preemptions inside the learner's code high
/// even when the program is pinned to one core or slowed down by other load.
fn hammer<W, R, A, B>(
    threads: usize,
    millis: u64,
    work: W,
    watch: R,
) -> (Vec<thread::Result<A>>, thread::Result<B>)
where
    W: Fn(usize, &AtomicBool) -> A + Sync,
    R: Fn(&AtomicBool) -> B + Sync,
    A: Send,
    B: Send,
{
    let barrier = Barrier::new(threads + 2);
    let stop = AtomicBool::new(false);
    thread::scope(|s| {
        let watcher = s.spawn(|| {
            barrier.wait();
            watch(&stop)
        });
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (barrier, stop, work) = (&barrier, &stop, &work);
                s.spawn(move || {
                    barrier.wait();
                    work(t, stop)
                })
            })
            .collect();
        barrier.wait();
        thread::sleep(Duration::from_millis(millis));
        stop.store(true, Ordering::Relaxed);
        let results = workers.into_iter().map(|handle| handle.join()).collect();
        (results, watcher.join())
    })
}

/// Threads that only withdraw, from a large balance, while a reader watches it: the balance
/// must only go down, and every successful withdrawal must show in the final balance.
fn check_withdrawals_not_lost(threads: usize, rounds: usize, millis: u64) {
    // Large enough that the withdrawals never run out; printed with `_` between thousands.
    let initial: u64 = 1_000_000_000_000;
    let setting = format!(
        "{threads} threads withdraw 1 to 4 at a time from {} (enough never to run out) for \
         {millis} ms while a reader watches",
        readable(initial)
    );
    for round in 1..=rounds {
        let during = format!("{setting} (round {round})");
        let account = guarded(&during, || BankAccount::new(initial));
        let (results, reader) = hammer(
            threads,
            millis,
            |t, stop| {
                let mut withdrawn = 0u64;
                let mut i = t as u64;
                while !stop.load(Ordering::Relaxed) {
                    let amount = 1 + i % 4;
                    i += 1;
                    match account.withdraw(amount) {
                        Ok(_) => withdrawn += amount,
                        Err(refusal) => return Err(refusal),
                    }
                }
                Ok(withdrawn)
            },
            |stop| {
                let mut last = initial;
                let mut reads = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let now = account.balance();
                    reads += 1;
                    if now > last {
                        return Err((last, now, reads));
                    }
                    last = now;
                }
                Ok(reads)
            },
        );

        check_joined(&during, &results);
        check_joined(&during, [&reader]);
        let mut withdrawn = 0u64;
        for result in results {
            match result {
                Ok(Ok(amount)) => withdrawn += amount,
                Ok(Err(refusal)) => broken(
                    RULE_API,
                    format!(
                        "{during}: a withdrawal of at most 4 from a balance near {} was refused \
                         with Err({refusal:?})",
                        readable(initial)
                    ),
                ),
                Err(payload) => panicked(&during, &*payload),
            }
        }
        match reader {
            Ok(Ok(_)) => {}
            Ok(Err((before, after, reads))) if after >= WRAPPED => broken(
                RULE_NOT_NEGATIVE,
                format!(
                    "{during}: the reader saw the balance jump from {} to {} (read #{reads}): \
                     it went below zero and wrapped around",
                    readable(before),
                    readable(after)
                ),
            ),
            Ok(Err((before, after, reads))) => broken(
                RULE_NOT_LOST,
                format!(
                    "{during}: only withdrawals were running, yet the reader saw the balance go \
                     up from {} to {} (read #{reads}): a withdrawal wrote back a stale balance \
                     and undid others",
                    readable(before),
                    readable(after)
                ),
            ),
            Err(payload) => panicked(&during, &*payload),
        }
        let final_balance = guarded(&during, || account.balance());
        if final_balance > initial {
            broken(
                RULE_NOT_NEGATIVE,
                format!(
                    "{during}: the final balance is {}, more than the initial {}: it went \
                     below zero and wrapped around",
                    readable(final_balance),
                    readable(initial)
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
                    "{during}: the successful withdrawals took {}, so the final balance \
                     should be {}, but balance() returned {} (off by {})",
                    readable(withdrawn),
                    readable(expected),
                    readable(final_balance),
                    readable(final_balance.abs_diff(expected))
                ),
            );
        }
    }
    ok(RULE_NOT_LOST, &format!("{setting}, {rounds} rounds"));
}

/// Depositing and withdrawing threads at once, with the balance hovering near zero, where a
/// withdrawal that checks and then acts separately overdraws the account.
fn check_near_zero(threads: usize, rounds: usize, millis: u64) {
    let initial: u64 = 10;
    let setting = format!(
        "{threads} threads each deposit 1 to 3 and withdraw 1 to 5 in turn for {millis} ms, \
         balance near zero, while a reader watches"
    );
    for round in 1..=rounds {
        let during = format!("{setting} (round {round})");
        let account = guarded(&during, || BankAccount::new(initial));
        let (results, reader) = hammer(
            threads,
            millis,
            |t, stop| {
                let (mut deposited, mut withdrawn) = (0u64, 0u64);
                let mut i = t as u64;
                while !stop.load(Ordering::Relaxed) {
                    let amount = 1 + i % 3;
                    account.deposit(amount);
                    deposited += amount;
                    // Withdrawals outrun deposits, so the balance stays low.
                    let amount = 1 + (i * 7) % 5;
                    i += 1;
                    match account.withdraw(amount) {
                        Ok(new_balance) if new_balance >= WRAPPED => {
                            return Err((
                                RULE_NOT_NEGATIVE,
                                format!(
                                    "withdraw({amount}) returned Ok({}): the balance went below \
                                     zero and wrapped around",
                                    readable(new_balance)
                                ),
                            ));
                        }
                        Ok(_) => withdrawn += amount,
                        Err(refusal) if refusal.requested != amount => {
                            return Err((
                                RULE_ERR,
                                format!(
                                    "withdraw({amount}) was refused with Err({refusal:?}): \
                                     `requested` must be the amount asked for"
                                ),
                            ));
                        }
                        Err(refusal) if refusal.balance >= amount => {
                            return Err((
                                RULE_ERR,
                                format!(
                                    "withdraw({amount}) was refused with Err({refusal:?}), but \
                                     that balance was enough: the balance in the error must be \
                                     the one the refusal was based on"
                                ),
                            ));
                        }
                        Err(_) => {}
                    }
                }
                Ok((deposited, withdrawn))
            },
            |stop| {
                while !stop.load(Ordering::Relaxed) {
                    let now = account.balance();
                    if now >= WRAPPED {
                        return Err(now);
                    }
                }
                Ok(())
            },
        );

        check_joined(&during, &results);
        check_joined(&during, [&reader]);
        let (mut deposited, mut withdrawn) = (0u64, 0u64);
        for result in results {
            match result {
                Ok(Ok((d, w))) => {
                    deposited += d;
                    withdrawn += w;
                }
                Ok(Err((rule, what))) => broken(rule, format!("{during}: {what}")),
                Err(payload) => panicked(&during, &*payload),
            }
        }
        match reader {
            Ok(Ok(())) => {}
            Ok(Err(seen)) => broken(
                RULE_NOT_NEGATIVE,
                format!(
                    "{during}: the reader saw a balance of {}: the balance went below zero and \
                     wrapped around",
                    readable(seen)
                ),
            ),
            Err(payload) => panicked(&during, &*payload),
        }
        let final_balance = guarded(&during, || account.balance());
        if final_balance >= WRAPPED {
            broken(
                RULE_NOT_NEGATIVE,
                format!(
                    "{during}: the final balance is {}: it went below zero and wrapped around",
                    readable(final_balance)
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
                None => RULE_NOT_NEGATIVE,
                Some(value) if final_balance < value => RULE_FINAL,
                Some(_) => RULE_NOT_LOST,
            };
            broken(
                rule,
                format!(
                    "{during}: initial {initial} + deposits {deposited} - successful \
                     withdrawals {withdrawn} = {expected_text}, but balance() returned \
                     {final_balance}"
                ),
            );
        }
    }
    ok(RULE_NOT_NEGATIVE, &format!("{setting}, {rounds} rounds"));
    ok(RULE_FINAL, &format!("{setting}, {rounds} rounds"));
}

fn main() {
    // First thing, before any learner code: the runner's secret (see learn_harness).
    let proof = learn_harness::Proof::take();
    record_panics_quietly();
    check_send_sync();
    check_api();
    // The main program's own case, then fewer, more and all-succeeding withdrawals.
    check_race(10, 1000, 150, 100);
    check_race(16, 800, 100, 100);
    check_race(16, 99, 100, 20);
    check_race(16, 10_000, 7, 50);
    check_withdrawals_not_lost(6, 4, 150);
    check_near_zero(6, 4, 150);
    println!("All rules hold.");
    proof.confirm();
}
