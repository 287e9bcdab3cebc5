//! Sharing the machine between runs. Most of the course sleeps or waits, so runs of different
//! exercises go at once, up to a number of jobs. Two kinds of run get the machine to
//! themselves: those of exercises that measure CPU time (a neighbour would skew them), and
//! every retry after a timing failure (so a busy machine cannot fail a correct program twice).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Runs that share the machine hold it for reading; runs that need it alone, for writing.
#[derive(Default)]
pub(super) struct Gate(RwLock<()>);

/// A hold on the machine for one run.
pub(super) enum Hold<'a> {
    /// Alongside other runs.
    Shared(#[allow(dead_code)] RwLockReadGuard<'a, ()>),
    /// Alone.
    Alone(#[allow(dead_code)] RwLockWriteGuard<'a, ()>),
}

impl Gate {
    /// Waits for a hold: alone when `alone`, else shared.
    pub(super) fn hold(&self, alone: bool) -> Hold<'_> {
        if alone {
            Hold::Alone(self.0.write().unwrap_or_else(|e| e.into_inner()))
        } else {
            Hold::Shared(self.0.read().unwrap_or_else(|e| e.into_inner()))
        }
    }
}

/// Computes `work(i)` for every `i < count` on `jobs` threads, and hands each result to
/// `each` in index order as soon as it and all before it are known.
pub(super) fn in_order<T: Send>(count: usize, jobs: usize, work: impl Fn(usize) -> T + Sync, mut each: impl FnMut(&T)) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<T>>> = (0..count).map(|_| Mutex::new(None)).collect();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let mut results = Vec::with_capacity(count);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, count.max(1)) {
            let done_tx = done_tx.clone();
            let (next, slots, work) = (&next, &slots, &work);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= count {
                        break;
                    }
                    let result = work(i);
                    *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                    let _ = done_tx.send(());
                }
            });
        }
        drop(done_tx);
        while results.len() < count {
            let ready = slots[results.len()].lock().unwrap_or_else(|e| e.into_inner()).take();
            match ready {
                Some(result) => {
                    each(&result);
                    results.push(result);
                }
                None => {
                    if done_rx.recv().is_err() {
                        break;
                    }
                }
            }
        }
    });
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_in_order_whatever_the_finishing_order() {
        let mut seen = Vec::new();
        let results = in_order(5, 3, |i| {
            std::thread::sleep(std::time::Duration::from_millis(50 - 10 * i as u64));
            i * 10
        }, |r| seen.push(*r));
        assert_eq!(results, vec![0, 10, 20, 30, 40]);
        assert_eq!(seen, results);
    }
}
