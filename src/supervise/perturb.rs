//! Perturbed schedules: a run pinned to one core (threads must take turns on it), or a run
//! beside busy threads that compete for every core. A program that is right only under a
//! lucky interleaving shows itself under one of them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde::Deserialize;

/// The schedule a run is perturbed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Perturbation {
    /// Left alone.
    None,
    /// Pinned to a single core with `sched_setaffinity`.
    OneCore,
    /// Beside one spinning thread per core.
    Busy,
}

impl Perturbation {
    /// Every perturbation, the default cycle of an exercise's runs.
    pub const ALL: [Perturbation; 3] = [
        Perturbation::None,
        Perturbation::OneCore,
        Perturbation::Busy,
    ];

    /// The manifest's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Perturbation::None => "none",
            Perturbation::OneCore => "one_core",
            Perturbation::Busy => "busy",
        }
    }

    /// The core a pinned run uses: the first one the runner may use itself.
    pub(super) fn pinned_core(self) -> Option<usize> {
        if self != Perturbation::OneCore {
            return None;
        }
        // SAFETY: sched_getaffinity writes into a zeroed cpu_set_t of the size given.
        let first = unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set);
            (0..libc::CPU_SETSIZE as usize).find(|&cpu| libc::CPU_ISSET(cpu, &set))
        };
        Some(first.unwrap_or(0))
    }
}

/// A busy run's hold on the spinning threads: one per core while at least one hold lives.
/// Busy runs at once share them, so each still runs beside one spinning thread per core (as
/// when it runs alone), and the machine does not burn a core per spinner per run.
pub(super) struct Load {
    busy: bool,
}

/// The spinning threads and the busy runs holding them.
struct Spinning {
    holds: usize,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

static SPINNING: Mutex<Option<Spinning>> = Mutex::new(None);

/// Starts the load a perturbation needs (none but for `Busy`).
pub(super) fn start(perturbation: Perturbation) -> Load {
    let busy = perturbation == Perturbation::Busy;
    if busy {
        let mut spinning = SPINNING.lock().unwrap_or_else(|e| e.into_inner());
        spinning.get_or_insert_with(spin).holds += 1;
    }
    Load { busy }
}

/// One spinning thread per core, until `stop`.
fn spin() -> Spinning {
    let stop = Arc::new(AtomicBool::new(false));
    let count = std::thread::available_parallelism().map_or(2, |n| n.get());
    let threads = (0..count)
        .map(|_| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            })
        })
        .collect();
    Spinning {
        holds: 0,
        stop,
        threads,
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        if !self.busy {
            return;
        }
        let mut spinning = SPINNING.lock().unwrap_or_else(|e| e.into_inner());
        let last = spinning.as_mut().is_some_and(|s| {
            s.holds -= 1;
            s.holds == 0
        });
        let ended = if last { spinning.take() } else { None };
        drop(spinning);
        if let Some(ended) = ended {
            ended.stop.store(true, Ordering::Relaxed);
            for thread in ended.threads {
                let _ = thread.join();
            }
        }
    }
}
