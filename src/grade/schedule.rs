//! Sharing the machine between runs. Most of the course sleeps or waits, so runs of different
//! exercises go at once, up to a number of jobs. Two kinds of run get the machine to
//! themselves: the unperturbed runs of exercises that measure CPU use (a neighbour would skew
//! them), and every retry after a timing failure (so a busy machine cannot fail a correct
//! program twice).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

/// Admits runs onto the machine: up to `limit` shared runs at once, or one run alone (which
/// waits for the shared ones to end, and holds new ones back while it waits).
pub(super) struct Gate {
    limit: usize,
    state: Mutex<GateState>,
    changed: Condvar,
}

#[derive(Default)]
struct GateState {
    shared: usize,
    alone: bool,
    waiting_alone: usize,
}

/// A hold on the machine for one run; released when dropped.
pub(super) struct Hold<'a> {
    gate: &'a Gate,
    alone: bool,
}

impl Gate {
    /// A gate admitting up to `limit` shared runs at once.
    pub(super) fn new(limit: usize) -> Gate {
        Gate {
            limit: limit.max(1),
            state: Mutex::new(GateState::default()),
            changed: Condvar::new(),
        }
    }

    /// Waits for a hold: alone when `alone`, else shared.
    pub(super) fn hold(&self, alone: bool) -> Hold<'_> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if alone {
            state.waiting_alone += 1;
            state = self
                .changed
                .wait_while(state, |s| s.alone || s.shared > 0)
                .unwrap_or_else(|e| e.into_inner());
            state.waiting_alone -= 1;
            state.alone = true;
        } else {
            state = self
                .changed
                .wait_while(state, |s| {
                    s.alone || s.waiting_alone > 0 || s.shared >= self.limit
                })
                .unwrap_or_else(|e| e.into_inner());
            state.shared += 1;
        }
        Hold { gate: self, alone }
    }
}

impl Drop for Hold<'_> {
    fn drop(&mut self) {
        let mut state = self.gate.state.lock().unwrap_or_else(|e| e.into_inner());
        if self.alone {
            state.alone = false;
        } else {
            state.shared -= 1;
        }
        self.gate.changed.notify_all();
    }
}

/// Computes `work(i)` for every `i < count` on `jobs` threads, and hands each result to
/// `each` in index order as soon as it and all before it are known.
pub(super) fn in_order<T: Send>(
    count: usize,
    jobs: usize,
    work: impl Fn(usize) -> T + Sync,
    mut each: impl FnMut(&T),
) -> Vec<T> {
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
            let ready = slots[results.len()]
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
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
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn the_gate_caps_shared_runs_and_runs_the_alone_one_alone() {
        let gate = Gate::new(2);
        let (running, most, alone_saw) = (
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(usize::MAX),
        );
        std::thread::scope(|scope| {
            for i in 0..8 {
                let (gate, running, most, alone_saw) = (&gate, &running, &most, &alone_saw);
                scope.spawn(move || {
                    let _hold = gate.hold(i == 4);
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    if i == 4 {
                        alone_saw.store(now, Ordering::SeqCst);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        assert_eq!(most.load(Ordering::SeqCst), 2);
        assert_eq!(alone_saw.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn reports_in_order_whatever_the_finishing_order() {
        let mut seen = Vec::new();
        let results = in_order(
            5,
            3,
            |i| {
                std::thread::sleep(std::time::Duration::from_millis(50 - 10 * i as u64));
                i * 10
            },
            |r| seen.push(*r),
        );
        assert_eq!(results, vec![0, 10, 20, 30, 40]);
        assert_eq!(seen, results);
    }
}
